#include "server/cluster/quorum.h"

#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;
using namespace std::chrono_literals;

const char* toString(QuorumVerdict v) {
  switch (v) {
    case QuorumVerdict::Quorate: return "quorate";
    case QuorumVerdict::NeedLock: return "half, without the lock";
    case QuorumVerdict::Lost: return "no quorum";
  }
  return "?";
}

const char* toString(QuorumState s) {
  switch (s) {
    case QuorumState::Waiting: return "WAITING";
    case QuorumState::Quorate: return "QUORATE";
    case QuorumState::Lost: return "LOST";
  }
  return "?";
}

QuorumVerdict quorumVerdict(uint32_t configured, uint32_t reachable, bool half_holds_lock) {
  const uint64_t twice = 2ull * reachable;
  if (configured == 0 || twice > configured) return QuorumVerdict::Quorate;
  if (twice == configured) return half_holds_lock ? QuorumVerdict::Quorate : QuorumVerdict::NeedLock;
  return QuorumVerdict::Lost;
}

bool mayCompete(uint32_t configured, uint32_t reachable, bool lock_configured) {
  const uint64_t twice = 2ull * reachable;
  return configured == 0 || twice > configured || (twice == configured && lock_configured);
}

QuorumMonitor::QuorumMonitor(EventLoop& loop, NodeState& nodes, const config::Tunables& tunables,
                             Options opts)
    : loop_(loop), nodes_(nodes), tunables_(tunables), opts_(opts) {
  for (const auto& n : nodes_.nodeMap().nodes)
    if ((n.flags & NF::kDeleted) == 0) ++configured_;
  if (!opts_.lock_configured && configured_ % 2 == 0 && configured_ > 0)
    D_WARNING("quorum: %u nodes and no cluster lock: if the cluster splits in two equal halves, "
              "neither half is quorate and both drop their public IPs\n",
              configured_);
}

QuorumMonitor::~QuorumMonitor() = default;

std::chrono::milliseconds QuorumMonitor::fenceTimeout() const {
  return std::chrono::seconds(std::max(1u, tunables_.fenceTimeout()));
}

bool QuorumMonitor::mayCompete() const {
  return server::mayCompete(configured_, reachable_, opts_.lock_configured);
}

bool QuorumMonitor::isFresh(uint32_t pnn, std::chrono::steady_clock::time_point now) const {
  if (pnn == nodes_.ownPnn()) return true;
  if (nodes_.flags(pnn) & (NF::kDeleted | NF::kDisconnected)) return false;
  return now - nodes_.lastHeard(pnn) < fenceTimeout();
}

uint32_t QuorumMonitor::countReachable(std::chrono::steady_clock::time_point now) const {
  uint32_t reachable = 0;
  for (uint32_t pnn = 0; pnn < nodes_.nodeCount(); ++pnn)
    if (isFresh(pnn, now)) ++reachable;
  return reachable;
}

bool QuorumMonitor::isReachable(uint32_t pnn) const { return isFresh(pnn, loop_.now()); }

bool QuorumMonitor::mayCompeteNow() const {
  return server::mayCompete(configured_, countReachable(loop_.now()), opts_.lock_configured);
}

void QuorumMonitor::start() {
  if (is_running_) return;
  is_running_ = true;
  last_check_ = loop_.now();
  timer_ = std::make_unique<RepeatingTimer>(loop_, opts_.check_interval, [this]() { checkNow(); });
  // A node that is a quorum by itself (one node) is quorate from the start,
  // not one check_interval later.
  evaluate(last_check_);
}

void QuorumMonitor::stop() {
  is_running_ = false;
  timer_.reset();
}

bool QuorumMonitor::checkNow() {
  if (!is_running_) return isQuorate();
  evaluate(loop_.now());
  return isQuorate();
}

void QuorumMonitor::evaluate(std::chrono::steady_clock::time_point now) {
  const auto fence = fenceTimeout();
  const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_check_);
  last_check_ = now;
  if (gap >= fence) {
    D_ERR("quorum: the event loop did not run for %.1f s (>= FenceTimeout %u s): stale links "
          "are dropped and this node fences itself\n",
          static_cast<double>(gap.count()) / 1000.0, tunables_.fenceTimeout());
    auto stall = stall_listeners_;
    for (auto& l : stall) l(gap);
    reachable_ = 1;
    if (state_ == QuorumState::Quorate) setState(QuorumState::Lost, "event loop stalled");
    return;
  }

  const uint32_t reachable = countReachable(now);
  reachable_ = reachable;
  const bool lock = opts_.lock_configured && lock_probe_ && lock_probe_();
  const QuorumVerdict v = quorumVerdict(configured_, reachable, lock);
  char why[160];
  snprintf(why, sizeof(why), "%u of %u nodes reachable: %s", reachable, configured_, toString(v));
  if (v == QuorumVerdict::Quorate) {
    if (state_ != QuorumState::Quorate) setState(QuorumState::Quorate, why);
  } else if (state_ == QuorumState::Quorate) {
    setState(QuorumState::Lost, why);
  }
}

void QuorumMonitor::setState(QuorumState s, const std::string& why) {
  if (s == state_) return;
  const QuorumState old = state_;
  state_ = s;
  if (s == QuorumState::Lost)
    D_ERR("quorum: %s -> %s (%s)\n", toString(old), toString(s), why.c_str());
  else
    D_NOTICE("quorum: %s -> %s (%s)\n", toString(old), toString(s), why.c_str());
  auto listeners = listeners_;
  for (auto& l : listeners) l(old, s);
}

}  // namespace ctdb::server
