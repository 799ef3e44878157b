#include "server/cluster/takeover_messages.h"

#include <algorithm>

#include "protocol/types.h"
#include "util/logging.h"

namespace ctdb::server {

using protocol::kSrvidDisableIpCheck;
using protocol::kSrvidDisableTakeoverRuns;
using protocol::kSrvidRebalanceNode;
using protocol::kSrvidTakeoverRun;

TakeoverMessages::TakeoverMessages(EventLoop& loop, NodeState& nodes, MessageRouter& router)
    : loop_(loop), nodes_(nodes), router_(router) {
  runner_ = [](const std::vector<uint32_t>&, Done done) { done(true); };
  tokens_.push_back(router_.registerInternalHandler(
      kSrvidTakeoverRun, [this](uint64_t, std::span<const uint8_t> d) { onTakeoverRun(d); }));
  tokens_.push_back(router_.registerInternalHandler(
      kSrvidDisableTakeoverRuns,
      [this](uint64_t, std::span<const uint8_t> d) { onDisableRuns(d); }));
  tokens_.push_back(router_.registerInternalHandler(
      kSrvidRebalanceNode, [this](uint64_t, std::span<const uint8_t> d) { onRebalance(d); }));
  tokens_.push_back(router_.registerInternalHandler(
      kSrvidDisableIpCheck, [this](uint64_t, std::span<const uint8_t> d) { onDisableIpCheck(d); }));
}

TakeoverMessages::~TakeoverMessages() {
  for (auto t : tokens_) router_.unregisterInternalHandler(t);
}

void TakeoverMessages::reply(uint32_t pnn, uint64_t srvid, int32_t value) {
  if (srvid == 0) return;
  router_.send(pnn, srvid, protocol::encodeI32(value));
}

void TakeoverMessages::onTakeoverRun(std::span<const uint8_t> data) {
  auto msg = protocol::decode<protocol::SrvidMessage>(data);
  if (!msg) {
    D_ERR("TAKEOVER_RUN message: %s, ignoring\n", msg.error().message().c_str());
    return;
  }
  if (nodes_.leader() != nodes_.ownPnn()) {
    D_DEBUG("TAKEOVER_RUN from node %u ignored: node %u is not the leader\n", msg->pnn,
            nodes_.ownPnn());
    return;
  }
  D_INFO("takeover run requested by node %u (srvid 0x%016llx)\n", msg->pnn,
         static_cast<unsigned long long>(msg->srvid));
  queued_.push_back(Waiter{msg->pnn, msg->srvid});
  queueRun("TAKEOVER_RUN message");
  maybeStartRun();
}

void TakeoverMessages::requestRun() {
  const uint32_t leader = nodes_.leader();
  if (leader != nodes_.ownPnn()) {
    if (leader == protocol::kUnknownPnn) {
      D_INFO("takeover run wanted, but no leader is known yet - asking once one is\n");
      has_request_for_leader_ = true;
      return;
    }
    D_INFO("asking the leader (node %u) for a takeover run\n", leader);
    router_.send(leader, kSrvidTakeoverRun,
                 protocol::encode(protocol::SrvidMessage{nodes_.ownPnn(), 0}));
    return;
  }
  queueRun("requested on the leader");
  maybeStartRun();
}

void TakeoverMessages::onLeaderKnown() {
  if (!has_request_for_leader_ || nodes_.leader() == protocol::kUnknownPnn) return;
  has_request_for_leader_ = false;
  requestRun();
}

void TakeoverMessages::maybeStartRun() {
  if (run_state_ != RunState::Queued || areRunsDisabled()) return;
  setRunState(RunState::Running, "run started");
  running_ = std::move(queued_);
  queued_.clear();
  // Cleared only when the run succeeds (finishRun), as CTDB.
  auto rebalance = force_rebalance_;
  running_rebalance_ = rebalance;
  D_NOTICE("takeover run starting (%zu waiting requests)\n", running_.size());
  // Start from the loop so that a request's own handler never nests a run.
  loop_.post([this, alive = guard_.watch(), rebalance]() {
    if (!alive.isAlive()) return;
    auto once = std::make_shared<bool>(false);
    runner_(rebalance, [this, alive, once](bool ok) {
      if (!alive.isAlive() || *once) return;
      *once = true;
      finishRun(ok);
    });
  });
}

void TakeoverMessages::finishRun(bool ok) {
  setRunState(run_state_ == RunState::RunningQueued ? RunState::Queued : RunState::Idle,
              ok ? "run completed" : "run failed");
  ++completed_runs_;
  D_NOTICE("takeover run %s\n", ok ? "completed" : "failed");
  if (ok) {
    // Nodes named while the run was going on stay for the next one.
    std::erase_if(force_rebalance_, [this](uint32_t p) {
      return std::find(running_rebalance_.begin(), running_rebalance_.end(), p) !=
             running_rebalance_.end();
    });
  }
  running_rebalance_.clear();
  // Disables that waited for this run take effect before anything queued
  // can start.
  auto deferred = std::move(deferred_disables_);
  deferred_disables_.clear();
  for (const auto& d : deferred) applyDisable(d.msg, d.want_reply, d.what);
  if (!ok) {
    ++failed_runs_;
    // CTDB keeps need_takeover_run set and retries from its main loop.
    retry_timer_ = std::make_unique<Timer>(loop_, kRetryDelay,
                                           [this, alive = guard_.watch()]() {
                                             if (!alive.isAlive()) return;
                                             if (nodes_.leader() != nodes_.ownPnn()) return;
                                             D_NOTICE("retrying the failed takeover run\n");
                                             queueRun("retry of a failed run");
                                             maybeStartRun();
                                           });
  }
  auto waiters = std::move(running_);
  running_.clear();
  int32_t value = ok ? static_cast<int32_t>(nodes_.ownPnn()) : -1;
  for (const auto& w : waiters) reply(w.pnn, w.srvid, value);
  maybeStartRun();
}

void TakeoverMessages::applyDisable(const protocol::DisableMessage& msg, bool want_reply,
                                    const char* what) {
  D_NOTICE("takeover runs disabled for %u seconds (%s from node %u)\n", msg.timeout, what, msg.pnn);
  disabled_until_ = loop_.now() + std::chrono::seconds(msg.timeout);
  // Replacing the timer cancels the previous disable's expiry.
  disable_timer_ = std::make_unique<Timer>(
      loop_, std::chrono::seconds(msg.timeout), [this, alive = guard_.watch()]() {
        if (!alive.isAlive()) return;
        D_NOTICE("takeover runs re-enabled (timeout)\n");
        // Destroying the Timer from its own callback is allowed.
        disable_timer_.reset();
        maybeStartRun();
      });
  if (want_reply) reply(msg.pnn, msg.srvid, static_cast<int32_t>(nodes_.ownPnn()));
}

void TakeoverMessages::onDisableRuns(std::span<const uint8_t> data) {
  auto msg = protocol::decode<protocol::DisableMessage>(data);
  if (!msg) {
    D_ERR("DISABLE_TAKEOVER_RUNS message: %s, ignoring\n", msg.error().message().c_str());
    return;
  }
  if (msg->timeout == 0) {
    if (disable_timer_) D_NOTICE("takeover runs re-enabled by node %u\n", msg->pnn);
    disable_timer_.reset();
    // A re-enable supersedes disables still waiting for a run to end.
    auto dropped = std::move(deferred_disables_);
    deferred_disables_.clear();
    for (const auto& d : dropped) {
      D_NOTICE("deferred disable from node %u dropped by the re-enable of node %u\n", d.msg.pnn,
               msg->pnn);
      if (d.want_reply) reply(d.msg.pnn, d.msg.srvid, -1);
    }
    reply(msg->pnn, msg->srvid, static_cast<int32_t>(nodes_.ownPnn()));
    maybeStartRun();
    return;
  }
  if (isRunInProgress()) {
    // CTDB refuses with -EAGAIN here (bug 13924); we answer after the run.
    D_NOTICE("disable of takeover runs from node %u waits for the run in progress\n", msg->pnn);
    deferred_disables_.push_back(DeferredDisable{*msg, true, "DISABLE_TAKEOVER_RUNS"});
    return;
  }
  applyDisable(*msg, true, "DISABLE_TAKEOVER_RUNS");
}

void TakeoverMessages::onRebalance(std::span<const uint8_t> data) {
  auto pnn = protocol::decodeU32(data);
  if (!pnn) {
    D_ERR("REBALANCE_NODE message: %s, ignoring\n", pnn.error().message().c_str());
    return;
  }
  if (nodes_.leader() != nodes_.ownPnn()) {
    D_DEBUG("REBALANCE_NODE %u ignored: node %u is not the leader\n", *pnn, nodes_.ownPnn());
    return;
  }
  if (std::find(force_rebalance_.begin(), force_rebalance_.end(), *pnn) == force_rebalance_.end())
    force_rebalance_.push_back(*pnn);
  D_NOTICE("Setting up rebalance of IPs to node %u\n", *pnn);
  queueRun("REBALANCE_NODE");
  maybeStartRun();
}

void TakeoverMessages::onDisableIpCheck(std::span<const uint8_t> data) {
  auto secs = protocol::decodeU32(data);
  if (!secs) {
    D_ERR("DISABLE_IP_CHECK message: %s, ignoring\n", secs.error().message().c_str());
    return;
  }
  if (*secs == 0) {
    D_INFO("DISABLE_IP_CHECK with 0 seconds ignored\n");
    return;
  }
  ip_check_disabled_until_ = loop_.now() + std::chrono::seconds(*secs);
  protocol::DisableMessage m{nodes_.ownPnn(), 0, *secs};
  if (isRunInProgress()) {
    D_NOTICE("DISABLE_IP_CHECK (%u s) waits for the takeover run in progress\n", *secs);
    deferred_disables_.push_back(DeferredDisable{m, false, "DISABLE_IP_CHECK"});
    return;
  }
  applyDisable(m, false, "DISABLE_IP_CHECK");
}

const char* TakeoverMessages::toString(RunState s) {
  switch (s) {
    case RunState::Idle:
      return "IDLE";
    case RunState::Queued:
      return "QUEUED";
    case RunState::Running:
      return "RUNNING";
    case RunState::RunningQueued:
      return "RUNNING+QUEUED";
  }
  return "?";
}

void TakeoverMessages::setRunState(RunState s, const char* why) {
  if (s == run_state_) return;
  D_DEBUG("takeover runs: %s -> %s (%s)\n", toString(run_state_), toString(s), why);
  run_state_ = s;
}

void TakeoverMessages::queueRun(const char* why) {
  if (run_state_ == RunState::Idle) setRunState(RunState::Queued, why);
  else if (run_state_ == RunState::Running) setRunState(RunState::RunningQueued, why);
}

}  // namespace ctdb::server
