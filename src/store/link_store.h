// LinkStore: the store's role for who is who — one-time link tokens and the
// bindings (site user <-> Telegram chat, per bot) they create, with each
// chat's status. It is not the linking logic (link/linker.h decides expiry
// and what a /start does) and not the queue: MoveChat and Unlink reach into
// the queue and the outbox only as parts of their own unit of work.
// Every method is one unit of work: it commits before returning OK.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/awaitable.h"
#include "core/result.h"
#include "store/types.h"

namespace tgate::store {

class LinkStore {
 public:
  virtual ~LinkStore() = default;

  // --- link tokens
  // Only a digest (SHA-256) of token.token is kept: a copy of the database
  // holds no token that could be redeemed.
  virtual Awaitable<Status> PutLinkToken(const LinkToken& token) = 0;
  // Removes and returns the token (single use). NotFound if unknown or used.
  // Expiry is the caller's check (the token is consumed either way).
  virtual Awaitable<Result<LinkToken>> TakeLinkToken(std::string_view token) = 0;

  // --- bindings
  // Binds user <-> chat for the bot, replacing the user's previous chat and
  // removing any other user's binding of the same chat. Status becomes active.
  virtual Awaitable<Status> Bind(const Binding& binding) = 0;
  virtual Awaitable<Result<Binding>> GetBinding(std::string_view bot, std::string_view user) = 0;
  virtual Awaitable<Result<Binding>> GetBindingByChat(std::string_view bot, int64_t chat_id) = 0;
  // NotFound if the user has no binding.
  virtual Awaitable<Status> DeleteBinding(std::string_view bot, std::string_view user) = 0;
  // Deletes the user's binding and adds the event `event(binding)` (JSON
  // text, see OutboxStore::AddEvent) to the outbox, both or neither. Returns
  // the binding deleted; NotFound if the user has none. `event` only builds
  // text: it must not call the store.
  virtual Awaitable<Result<Binding>> Unlink(std::string_view bot, std::string_view user,
                                            const std::function<std::string(const Binding&)>& event,
                                            int64_t now_ms) = 0;
  // Sets the status of whoever is bound to chat_id. NotFound if nobody is.
  virtual Awaitable<Status> SetChatStatus(std::string_view bot, int64_t chat_id, UserStatus status) = 0;
  // A group was upgraded: moves the binding and every queued message of the bot
  // from old_chat to new_chat, and remembers the move: a message enqueued to
  // old_chat later goes to new_chat (see QueueStore::Enqueue).
  virtual Awaitable<Status> MoveChat(std::string_view bot, int64_t old_chat, int64_t new_chat) = 0;
  virtual Awaitable<Result<int64_t>> CountBindings(std::string_view bot, UserStatus status) = 0;
};

}  // namespace tgate::store
