#include "telegram/text_length.h"

#include <gtest/gtest.h>

#include <string>

#include "core/testing.h"

namespace tgate::telegram {
namespace {

// U+1F600, one code point (two UTF-16 units).
constexpr std::string_view kGrin = "\xF0\x9F\x98\x80";

size_t Len(std::string_view text, std::string_view mode) {
  auto r = MessageTextLength(text, mode);
  EXPECT_TRUE(r.ok()) << r.status().ToString() << " for [" << text << "] in " << mode;
  return r.ok() ? *r : size_t{99999};
}

std::string Err(std::string_view text, std::string_view mode) {
  auto r = MessageTextLength(text, mode);
  EXPECT_FALSE(r.ok()) << "accepted [" << text << "] in " << mode;
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.ok() ? "" : r.status().message();
}

bool CantParse(std::string_view text, std::string_view mode) {
  return Err(text, mode).rfind("can't parse entities: ", 0) == 0;
}

TEST(MessageTextLength, PlainTextCountsCodePointsNotBytesOrUtf16) {
  EXPECT_EQ(Len("hello", ""), 5u);
  EXPECT_EQ(Len("hello", "none"), 5u);
  EXPECT_EQ(Len("NoNe", "NONE"), 4u);
  EXPECT_EQ(Len(std::string(kGrin) + "a", ""), 2u);
  EXPECT_EQ(Len("<b>*raw*</b>", ""), 12u);  // no markup is interpreted
  EXPECT_EQ(Len("caf\xC3\xA9", ""), 4u);
}

TEST(MessageTextLength, RejectsInvalidUtf8AndUnknownModes) {
  EXPECT_EQ(Err("bad \xC0\xAF", ""), "text must be encoded in UTF-8");
  EXPECT_EQ(Err("x", "markdown3"), "Unsupported parse_mode");
  EXPECT_EQ(Err("x", "rst"), "Unsupported parse_mode");
}

TEST(MessageTextLength, ParseModeIsCaseInsensitive) {
  EXPECT_EQ(Len("<b>ab</b>", "html"), 2u);
  EXPECT_EQ(Len("<b>ab</b>", "Html"), 2u);
  EXPECT_EQ(Len("*ab*", "markdownv2"), 2u);
  EXPECT_EQ(Len("*ab*", "MARKDOWN"), 2u);
}

TEST(MessageTextLength, HtmlStripsSupportedTags) {
  EXPECT_EQ(Len("<b>bold</b> <strong>s</strong> <i>i</i><em>e</em><u>u</u><ins>n</ins>", "HTML"), 11u);
  EXPECT_EQ(Len("<s>a</s><strike>b</strike><del>c</del><tg-spoiler>d</tg-spoiler>", "HTML"), 4u);
  EXPECT_EQ(Len("<span class=\"tg-spoiler\">hidden</span>", "HTML"), 6u);
  EXPECT_EQ(Len("<a href=\"https://example.com/?a=1&amp;b=2\">link</a>", "HTML"), 4u);
  EXPECT_EQ(Len("<a href='http://x.y'>q</a>", "HTML"), 1u);
  EXPECT_EQ(Len("<tg-emoji emoji-id=\"5368324170671202286\">" + std::string(kGrin) + "</tg-emoji>", "HTML"),
            1u);
  EXPECT_EQ(Len("<pre><code class=\"language-cpp\">int x;</code></pre>", "HTML"), 6u);
  EXPECT_EQ(Len("<blockquote>q</blockquote><blockquote expandable>long</blockquote>", "HTML"), 5u);
  EXPECT_EQ(Len("<B>up</B>", "HTML"), 2u);
  EXPECT_EQ(Len("<b>x</>", "HTML"), 1u);  // TDLib accepts an empty end tag
  EXPECT_EQ(Len("<b><i>" + std::string(kGrin) + "</i></b>", "HTML"), 1u);
}

TEST(MessageTextLength, HtmlDecodesEntities) {
  EXPECT_EQ(Len("a &lt; b &gt; c &amp; &quot;d&quot;", "HTML"), 15u);
  EXPECT_EQ(*ParseHtmlText("&lt;&gt;&amp;&quot;"), "<>&\"");
  EXPECT_EQ(*ParseHtmlText("&#65;&#x42;&#X43;"), "ABC");
  EXPECT_EQ(*ParseHtmlText("&#128512;"), std::string(kGrin));
  EXPECT_EQ(Len("&#x1F600;", "HTML"), 1u);
  EXPECT_EQ(*ParseHtmlText("&lt"), "<");  // the ';' is optional in TDLib
  // Unknown named entities stay literal text in TDLib; they are not an error.
  EXPECT_EQ(*ParseHtmlText("&nbsp; &copy;"), "&nbsp; &copy;");
  EXPECT_EQ(*ParseHtmlText("AT&T"), "AT&T");
  EXPECT_EQ(*ParseHtmlText("&#0;"), "&#0;");
}

TEST(MessageTextLength, HtmlErrors) {
  EXPECT_TRUE(CantParse("<foo>x</foo>", "HTML"));
  EXPECT_TRUE(CantParse("<div>x</div>", "HTML"));
  EXPECT_TRUE(CantParse("a < b", "HTML"));            // a bare '<'
  EXPECT_TRUE(CantParse("a <b", "HTML"));             // unclosed start tag
  EXPECT_TRUE(CantParse("<b>x", "HTML"));             // unclosed element
  EXPECT_TRUE(CantParse("x</b>", "HTML"));            // end tag with nothing open
  EXPECT_TRUE(CantParse("<b><i>x</b></i>", "HTML"));  // misnested
  EXPECT_TRUE(CantParse("<b>x</b", "HTML"));          // unclosed end tag
  EXPECT_TRUE(CantParse("<span>x</span>", "HTML"));
  EXPECT_TRUE(CantParse("<span class=\"other\">x</span>", "HTML"));
  EXPECT_TRUE(CantParse("<tg-emoji>x</tg-emoji>", "HTML"));
  EXPECT_TRUE(CantParse("<a href>x</a>", "HTML"));
  EXPECT_TRUE(CantParse("&#xD800;", "HTML"));  // a lone surrogate
  EXPECT_EQ(Err("<foo>", "HTML"), "can't parse entities: Unsupported start tag \"foo\" at byte offset 0");
}

TEST(MessageTextLength, MarkdownV2StripsMarkup) {
  EXPECT_EQ(Len("*bold* _italic_ __under__ ~strike~ ||spoiler||", "MarkdownV2"), 32u);
  EXPECT_EQ(Len("*bold _italic bold ~strike~ __u__ ||s||_ b*", "MarkdownV2"), 29u);
  EXPECT_EQ(Len("[link](https://example.com/a_(b\\))", "MarkdownV2"), 4u);
  EXPECT_EQ(Len("[mention](tg://user?id=123)", "MarkdownV2"), 7u);
  EXPECT_EQ(Len("![" + std::string(kGrin) + "](tg://emoji?id=5368324170671202286)", "MarkdownV2"), 1u);
  EXPECT_EQ(Len("`inline *code*`", "MarkdownV2"), 13u);
  EXPECT_EQ(Len("```python\nprint(1)\n```", "MarkdownV2"), 9u);  // language and first newline dropped
  EXPECT_EQ(Len("```\ncode.\n```", "MarkdownV2"), 6u);
  EXPECT_EQ(Len("a \\. b \\! c \\\\ d \\*", "MarkdownV2"), 15u);
  EXPECT_EQ(Len("1\\+1\\=2", "MarkdownV2"), 5u);
  EXPECT_EQ(Len(std::string(kGrin) + " *" + std::string(kGrin) + "*", "MarkdownV2"), 3u);
}

TEST(MessageTextLength, MarkdownV2Blockquotes) {
  EXPECT_EQ(Len(">quoted\n>lines\nplain", "MarkdownV2"), 18u);
  EXPECT_EQ(Len("**>expandable\n>more||", "MarkdownV2"), 15u);
}

TEST(MessageTextLength, MarkdownV2Errors) {
  EXPECT_TRUE(CantParse("Hello.", "MarkdownV2"));
  EXPECT_TRUE(CantParse("1+1", "MarkdownV2"));
  EXPECT_TRUE(CantParse("a-b", "MarkdownV2"));
  EXPECT_TRUE(CantParse("wow!", "MarkdownV2"));
  EXPECT_TRUE(CantParse("a > b", "MarkdownV2"));
  EXPECT_TRUE(CantParse("#tag", "MarkdownV2"));
  EXPECT_TRUE(CantParse("a|b", "MarkdownV2"));
  EXPECT_TRUE(CantParse("*bold", "MarkdownV2"));  // unclosed
  EXPECT_TRUE(CantParse("`code", "MarkdownV2"));
  EXPECT_TRUE(CantParse("```\npre", "MarkdownV2"));
  EXPECT_TRUE(CantParse("[link](http://x", "MarkdownV2"));  // unclosed URL
  EXPECT_TRUE(CantParse("![e]", "MarkdownV2"));             // emoji needs a URL
  EXPECT_EQ(Err("Hi.", "MarkdownV2"),
            "can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'");
  // Inside code only '`' is reserved.
  EXPECT_EQ(Len("`a.b-c!`", "MarkdownV2"), 6u);
}

TEST(MessageTextLength, LegacyMarkdown) {
  EXPECT_EQ(Len("*bold* _italic_ `code`", "Markdown"), 16u);
  EXPECT_EQ(Len("[text](http://example.com)", "Markdown"), 4u);
  EXPECT_EQ(Len("```go\nfmt.Println()\n```", "Markdown"), 14u);
  EXPECT_EQ(Len("Hello. 1+1=2! a-b #x", "Markdown"), 20u);  // no reserved characters
  EXPECT_EQ(Len("snake\\_case \\*", "Markdown"), 12u);
  EXPECT_EQ(Len("*no _nesting_ here*", "Markdown"), 17u);  // '_' is literal inside '*'
  EXPECT_EQ(Len("*" + std::string(kGrin) + "*", "Markdown"), 1u);
  EXPECT_TRUE(CantParse("*bold", "Markdown"));
  EXPECT_TRUE(CantParse("snake_case", "Markdown"));
  EXPECT_TRUE(CantParse("[text", "Markdown"));
  EXPECT_TRUE(CantParse("```pre", "Markdown"));
}

TEST(MessageTextLength, LimitIsCheckedInCodePoints) {
  // 4096 astral emoji are 8192 UTF-16 units yet fit (botapi-facts.md §6).
  std::string emoji;
  for (int i = 0; i < 4096; ++i) emoji += kGrin;
  EXPECT_EQ(Len(emoji, ""), kMaxMessageTextLength);
  EXPECT_EQ(Len("<b>" + emoji + "</b>", "HTML"), kMaxMessageTextLength);
}

}  // namespace
}  // namespace tgate::telegram
