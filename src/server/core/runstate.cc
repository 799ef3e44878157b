#include "server/core/runstate.h"

#include "util/logging.h"

namespace ctdb::server {

Status RunstateMachine::transition(Runstate next) {
  const bool allowed = next == Runstate::Shutdown
                           ? current_ != Runstate::Shutdown
                           : static_cast<uint32_t>(next) > static_cast<uint32_t>(current_);
  if (!allowed) {
    D_ERR("runstate: refusing transition %s -> %s, staying in %s\n",
          protocol::runstateToString(current_), protocol::runstateToString(next),
          protocol::runstateToString(current_));
    return makeError(std::string("invalid runstate transition ") +
                     protocol::runstateToString(current_) + " -> " +
                     protocol::runstateToString(next));
  }
  current_ = next;
  D_NOTICE("Set runstate to %s (%u)\n", protocol::runstateToString(next),
           static_cast<unsigned>(next));
  pending_.push_back(next);
  if (in_hooks_) return {};
  in_hooks_ = true;
  while (!pending_.empty()) {
    Runstate rs = pending_.front();
    pending_.erase(pending_.begin());
    auto it = hooks_.find(rs);
    if (it == hooks_.end()) continue;
    // Index loop: a hook may append hooks to this very list.
    for (size_t i = 0; i < it->second.size(); ++i) {
      Hook h = it->second[i];
      h(rs);
    }
  }
  in_hooks_ = false;
  return {};
}

void RunstateMachine::onRunstate(Runstate rs, Hook fn) { hooks_[rs].push_back(std::move(fn)); }

}  // namespace ctdb::server
