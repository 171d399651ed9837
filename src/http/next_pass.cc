#include "http/next_pass.h"

namespace tgate::http {

NextPass::NextPass(asio::execution_context& context) : asio::execution_context::service(context) {}

NextPass& NextPass::Of(asio::io_context& context) { return asio::use_service<NextPass>(context); }

void NextPass::Release() {
  if (parked_.empty()) return;
  releasing_.swap(parked_);
  for (auto& handler : releasing_) std::move(handler)();
  releasing_.clear();
}

void NextPass::shutdown() {
  releasing_.clear();
  parked_.clear();
}

}  // namespace tgate::http
