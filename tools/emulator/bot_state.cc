#include "tools/emulator/bot_state.h"

#include <algorithm>

namespace tgate::emulator {

bool BotState::Allowed(std::string_view type) const {
  if (!allowed_updates || allowed_updates->empty()) {
    return type != "chat_member" && type != "message_reaction" && type != "message_reaction_count";
  }
  return std::find(allowed_updates->begin(), allowed_updates->end(), type) != allowed_updates->end();
}

int64_t BotState::Enqueue(int64_t lane, const std::string& type, boost::json::value payload) {
  if (!Allowed(type)) return 0;
  int64_t id = updates.Push(lane, boost::json::object{{type, std::move(payload)}});
  if (on_update) on_update();
  return id;
}

void BotState::ResetRecords() {
  sent.clear();
  stats = EmulatorStats{};
}

}  // namespace tgate::emulator
