#include "tools/emulator/text_measure.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/utf8.h"
#include "telegram/text_length.h"

namespace tgate::emulator {
namespace {

// U+1F600, one code point (two UTF-16 units).
const std::string kGrin = "\xF0\x9F\x98\x80";

size_t Len(std::string_view text, std::string_view mode) {
  auto r = VisibleText(text, mode);
  EXPECT_TRUE(r.ok()) << r.status().ToString() << " for [" << text << "] in " << mode;
  return r.ok() ? CodePoints(*r) : size_t{99999};
}

bool CantParse(std::string_view text, std::string_view mode) {
  auto r = VisibleText(text, mode);
  return !r.ok() && r.status().message().rfind("can't parse entities: ", 0) == 0;
}

TEST(TextMeasure, PlainTextIsCodePoints) {
  EXPECT_EQ(Len("hello", ""), 5u);
  EXPECT_EQ(Len("<b>*raw*</b>", "none"), 12u);
  EXPECT_EQ(Len(kGrin + "a", ""), 2u);
  std::string limit;
  for (size_t i = 0; i < kMaxTextCodePoints; ++i) limit += kGrin;  // 8192 UTF-16 units
  EXPECT_EQ(Len(limit, ""), kMaxTextCodePoints);
}

TEST(TextMeasure, RefusesBadUtf8AndUnknownModes) {
  for (std::string bad : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80"}) {
    auto r = VisibleText(bad, "");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(), "text must be encoded in UTF-8");
  }
  EXPECT_EQ(VisibleText("x", "BBCode").status().message(), "Unsupported parse_mode");
  EXPECT_TRUE(VisibleText("x", "HtMl").ok());
}

TEST(TextMeasure, Html) {
  EXPECT_EQ(*VisibleText("<b>Hi</b> &lt;there&gt; &amp; &#65;&#x1F600;", "HTML"), "Hi <there> & A" + kGrin);
  EXPECT_EQ(*VisibleText("<a href=\"http://x.y/?a=1&amp;b=2\">q</a>", "HTML"), "q");
  EXPECT_EQ(*VisibleText("AT&T &nbsp; &#0;", "HTML"), "AT&T &nbsp; &#0;");
  EXPECT_TRUE(CantParse("<b>x", "HTML"));
  EXPECT_TRUE(CantParse("<a>x</a>", "HTML"));  // stricter: a link needs its href
  EXPECT_TRUE(CantParse("<b><i>x</b></i>", "HTML"));
}

TEST(TextMeasure, MarkdownV2AndMarkdown) {
  EXPECT_EQ(*VisibleText("*a* _b_ __c__ ~d~ ||e|| [f](http://x) `g.` \\.", "MarkdownV2"), "a b c d e f g. .");
  EXPECT_EQ(*VisibleText("```cpp\nint x;\n```", "MarkdownV2"), "int x;\n");
  EXPECT_TRUE(CantParse("[f]", "MarkdownV2"));  // stricter: no URL
  EXPECT_TRUE(CantParse("*a _b* c_", "MarkdownV2"));
  EXPECT_EQ(*VisibleText("*a_b* \\_c [d](http://x)", "Markdown"), "a_b _c d");
  EXPECT_TRUE(CantParse("_a", "Markdown"));
}

// The emulator and tgate's parser (telegram/text_length.h) must agree on
// every text tgate's own tests use: same verdict, same length. Disagreement
// means one of them misreads Telegram's rules.
TEST(TextMeasure, AgreesWithTgatesParserOnItsTestTexts) {
  struct Case {
    std::string text;
    std::string mode;
  };
  std::string limit;
  for (int i = 0; i < 4096; ++i) limit += kGrin;
  const std::vector<Case> cases = {
      // plain
      {"hello", ""},
      {"hello", "none"},
      {"NoNe", "NONE"},
      {kGrin + "a", ""},
      {"<b>*raw*</b>", ""},
      {"caf\xC3\xA9", ""},
      {"\xC3\x28", ""},
      {"x", "BBCode"},
      {limit, ""},
      {"<b>" + limit + "</b>", "HTML"},
      // HTML
      {"<b>ab</b>", "html"},
      {"<b>ab</b>", "Html"},
      {"<b>bold</b> <strong>s</strong> <i>i</i><em>e</em><u>u</u><ins>n</ins>", "HTML"},
      {"<s>a</s><strike>b</strike><del>c</del><tg-spoiler>d</tg-spoiler>", "HTML"},
      {"<span class=\"tg-spoiler\">hidden</span>", "HTML"},
      {"<a href=\"https://example.com/?a=1&amp;b=2\">link</a>", "HTML"},
      {"<a href='http://x.y'>q</a>", "HTML"},
      {"<tg-emoji emoji-id=\"5368324170671202286\">" + kGrin + "</tg-emoji>", "HTML"},
      {"<pre><code class=\"language-cpp\">int x;</code></pre>", "HTML"},
      {"<blockquote>q</blockquote><blockquote expandable>long</blockquote>", "HTML"},
      {"<B>up</B>", "HTML"},
      {"<b>x</>", "HTML"},
      {"<b><i>" + kGrin + "</i></b>", "HTML"},
      {"a &lt; b &gt; c &amp; &quot;d&quot;", "HTML"},
      {"&lt;&gt;&amp;&quot;", "HTML"},
      {"&#65;&#x42;&#X43;", "HTML"},
      {"&#128512;", "HTML"},
      {"&#x1F600;", "HTML"},
      {"&lt", "HTML"},
      {"&nbsp; &copy;", "HTML"},
      {"AT&T", "HTML"},
      {"&#0;", "HTML"},
      {"<foo>x</foo>", "HTML"},
      {"<div>x</div>", "HTML"},
      {"a < b", "HTML"},
      {"a <b", "HTML"},
      {"<b>x", "HTML"},
      {"x</b>", "HTML"},
      {"<b><i>x</b></i>", "HTML"},
      {"<b>x</b", "HTML"},
      {"<span>x</span>", "HTML"},
      {"<span class=\"other\">x</span>", "HTML"},
      {"<tg-emoji>x</tg-emoji>", "HTML"},
      {"<a href>x</a>", "HTML"},
      {"&#xD800;", "HTML"},
      {"<foo>", "HTML"},
      {"<b></b>", "HTML"},
      {"<b>Hi</b> there", "HTML"},
      // MarkdownV2
      {"*ab*", "markdownv2"},
      {"*bold* _italic_ __under__ ~strike~ ||spoiler||", "MarkdownV2"},
      {"*bold _italic bold ~strike~ __u__ ||s||_ b*", "MarkdownV2"},
      {"[link](https://example.com/a_(b\\))", "MarkdownV2"},
      {"[mention](tg://user?id=123)", "MarkdownV2"},
      {"![" + kGrin + "](tg://emoji?id=5368324170671202286)", "MarkdownV2"},
      {"`inline *code*`", "MarkdownV2"},
      {"```python\nprint(1)\n```", "MarkdownV2"},
      {"```\ncode.\n```", "MarkdownV2"},
      {"a \\. b \\! c \\\\ d \\*", "MarkdownV2"},
      {"1\\+1\\=2", "MarkdownV2"},
      {kGrin + " *" + kGrin + "*", "MarkdownV2"},
      {">quoted\n>lines\nplain", "MarkdownV2"},
      {"**>expandable\n>more||", "MarkdownV2"},
      {"Hello.", "MarkdownV2"},
      {"1+1", "MarkdownV2"},
      {"a-b", "MarkdownV2"},
      {"wow!", "MarkdownV2"},
      {"a > b", "MarkdownV2"},
      {"#tag", "MarkdownV2"},
      {"a|b", "MarkdownV2"},
      {"*bold", "MarkdownV2"},
      {"`code", "MarkdownV2"},
      {"```\npre", "MarkdownV2"},
      {"[link](http://x", "MarkdownV2"},
      {"![e]", "MarkdownV2"},
      {"Hi.", "MarkdownV2"},
      {"`a.b-c!`", "MarkdownV2"},
      // Markdown (legacy)
      {"*ab*", "MARKDOWN"},
      {"*bold* _italic_ `code`", "Markdown"},
      {"[text](http://example.com)", "Markdown"},
      {"```go\nfmt.Println()\n```", "Markdown"},
      {"Hello. 1+1=2! a-b #x", "Markdown"},
      {"snake\\_case \\*", "Markdown"},
      {"*no _nesting_ here*", "Markdown"},
      {"*" + kGrin + "*", "Markdown"},
      {"*bold", "Markdown"},
      {"snake_case", "Markdown"},
      {"[text", "Markdown"},
      {"```pre", "Markdown"},
  };
  for (const Case& c : cases) {
    auto judge = VisibleText(c.text, c.mode);
    auto tgate = telegram::ParsedMessageText(c.text, c.mode);
    ASSERT_EQ(judge.ok(), tgate.ok()) << "[" << c.text << "] in '" << c.mode << "': emulator says "
                                      << (judge.ok() ? "ok" : judge.status().message()) << ", tgate says "
                                      << (tgate.ok() ? "ok" : tgate.status().message());
    if (judge.ok()) {
      EXPECT_EQ(CodePoints(*judge), CountCodePoints(*tgate)) << "[" << c.text << "] in '" << c.mode << "'";
      EXPECT_EQ(*judge, *tgate) << "[" << c.text << "] in '" << c.mode << "'";
    } else {
      // The same kind of refusal (the wording of the detail may differ).
      EXPECT_EQ(judge.status().message().substr(0, 22), tgate.status().message().substr(0, 22))
          << "[" << c.text << "] in '" << c.mode << "'";
    }
  }
}

}  // namespace
}  // namespace tgate::emulator
