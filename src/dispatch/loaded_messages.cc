#include "dispatch/loaded_messages.h"

#include <algorithm>
#include <charconv>

namespace tgate::dispatch {

namespace json = boost::json;

std::shared_ptr<const Content> MakeContent(std::vector<std::string> parts, json::object params) {
  auto c = std::make_shared<Content>();
  c->parts = std::move(parts);
  c->params = std::move(params);
  c->parts_json.reserve(c->parts.size());
  for (const std::string& part : c->parts) c->parts_json.push_back(json::serialize(json::string_view(part)));
  for (const auto& kv : c->params) {
    // What the body writes itself wins, as assigning it into the object did.
    if (kv.key() == "chat_id" || kv.key() == "text" || kv.key() == "allow_paid_broadcast") continue;
    c->fields_json += json::serialize(kv.key());
    c->fields_json += ':';
    c->fields_json += json::serialize(kv.value());
    c->fields_json += ',';
  }
  return c;
}

std::string SendBody(const Job& job, const Loaded& m) {
  const Content& c = *m.content;
  const std::string& text = c.parts_json[std::min<size_t>(job.parts_sent, c.parts_json.size() - 1)];
  std::string body;
  body.reserve(64 + c.fields_json.size() + text.size());
  body += '{';
  body += c.fields_json;
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, job.chat_id);
  body += R"("chat_id":)";
  body.append(digits, end);
  body += R"(,"text":)";
  body += text;
  if (job.paid) body += R"(,"allow_paid_broadcast":true)";
  body += '}';
  return body;
}

void CountSend(Loaded& m) {
  ++m.part_attempts;
  m.message.attempts = std::max(m.earlier_parts_attempts, m.part_attempts);
}

void UncountSend(Loaded& m) {
  m.part_attempts = std::max(0, m.part_attempts - 1);
  m.message.attempts = std::max(m.earlier_parts_attempts, m.part_attempts);
}

void PartDelivered(Loaded& m) {
  m.earlier_parts_attempts = std::max(m.earlier_parts_attempts, m.part_attempts);
  m.part_attempts = 0;
}

Loaded* LoadedMessages::Find(int64_t id) {
  auto it = messages_.find(id);
  return it == messages_.end() ? nullptr : &it->second;
}

const Loaded* LoadedMessages::Find(int64_t id) const {
  auto it = messages_.find(id);
  return it == messages_.end() ? nullptr : &it->second;
}

Loaded& LoadedMessages::Insert(Loaded m) {
  if (m.message.priority == store::Priority::kBroadcast)
    ++broadcasts_;
  else
    ++directs_by_chat_[m.message.chat_id];
  const int64_t id = m.message.id;
  return messages_.emplace(id, std::move(m)).first->second;
}

bool LoadedMessages::Erase(int64_t id) {
  auto it = messages_.find(id);
  if (it == messages_.end()) return false;
  if (it->second.message.priority == store::Priority::kBroadcast) {
    --broadcasts_;
  } else if (auto chat = directs_by_chat_.find(it->second.message.chat_id); chat != directs_by_chat_.end()) {
    if (--chat->second == 0) directs_by_chat_.erase(chat);
  }
  messages_.erase(it);
  return true;
}

size_t LoadedMessages::DirectsTo(int64_t chat) const {
  auto it = directs_by_chat_.find(chat);
  return it == directs_by_chat_.end() ? 0 : it->second;
}

void LoadedMessages::MoveChat(int64_t from, int64_t to) {
  for (auto& [id, m] : messages_) {
    if (m.message.chat_id == from) m.message.chat_id = to;
  }
  if (auto it = directs_by_chat_.find(from); it != directs_by_chat_.end()) {
    const size_t n = it->second;
    directs_by_chat_.erase(it);
    directs_by_chat_[to] += n;
  }
}

std::vector<std::pair<int64_t, int64_t>> LoadedMessages::PastDeadline(int64_t wall_ms, int64_t* next) const {
  std::vector<std::pair<int64_t, int64_t>> due;
  *next = INT64_MAX;
  for (const auto& [id, m] : messages_) {
    if (m.deadline_ms <= wall_ms)
      due.emplace_back(m.message.chat_id, id);
    else
      *next = std::min(*next, m.deadline_ms);
  }
  return due;
}

}  // namespace tgate::dispatch
