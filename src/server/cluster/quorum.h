/*
 * Quorum: may this node hold public IPs and lead? (doc/cluster.md "Quorum
 * and fencing"). Ours; CTDB has no quorum rule.
 *
 * The rule (quorumVerdict(), pure): with N = the nodes of the nodes file
 * that are not DELETED and C = the nodes this node can reach, itself
 * included, the node is quorate when 2C > N, or when 2C == N and its half
 * holds the cluster lock (this node is leader with the lock, or its known
 * leader is reachable and a lock is configured: a leader exists only while
 * it holds the lock). Without a lock an even split leaves neither half
 * quorate. mayCompete() is the weaker test for taking part in an election
 * as a candidate: 2C > N, or 2C == N with a lock configured (the lock then
 * decides).
 *
 * Reachable ("fresh"): a peer that is not DISCONNECTED and from which a
 * packet arrived less than FenceTimeout seconds ago (NodeState::lastHeard).
 * FenceTimeout is shorter than the KeepaliveInterval x KeepaliveLimit after
 * which the other side declares this node dead, so a cut-off node loses
 * quorum, and drops its IPs, before the quorate side reassigns them.
 *
 * QuorumMonitor evaluates the rule at start(), every check_interval and on
 * demand (checkNow(); the daemon calls it when the leader changes), and
 * keeps one state with named transitions:
 *     Waiting --gain--> Quorate --lose--> Lost --gain--> Quorate
 * (Waiting: since start, never quorate; a node in Waiting holds nothing).
 * Every transition is logged and reported to the listeners synchronously.
 *
 * Stall: if the monitor's own timer (or a checkNow()) runs FenceTimeout or
 * more after the previous check, the event loop was stopped or starved
 * (SIGSTOP, a frozen VM): packets queued meanwhile are stale, the kernel
 * may have expired this node's addresses and the cluster may have
 * reassigned them. The monitor then reports the stall to onStall listeners
 * (the transport drops every node link unread) and goes to Lost, before
 * any queued packet is read (tevent runs expired timers before fd events).
 *
 * Single-threaded (event loop). Destroy before the NodeState and tunables.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/tunables.h"
#include "server/core/node_state.h"
#include "util/event_loop.h"

namespace ctdb::server {

enum class QuorumVerdict {
  Quorate,   // more than half, or exactly half holding the lock
  NeedLock,  // exactly half, lock not held by this half
  Lost,      // less than half (or exactly half without any lock)
};
const char* toString(QuorumVerdict v);

/* configured: N; reachable: C (self included); half_holds_lock: see above. */
QuorumVerdict quorumVerdict(uint32_t configured, uint32_t reachable, bool half_holds_lock);
/* May this node claim leadership (then take the lock, if configured)? */
bool mayCompete(uint32_t configured, uint32_t reachable, bool lock_configured);

enum class QuorumState { Waiting, Quorate, Lost };
const char* toString(QuorumState s);

class QuorumMonitor {
 public:
  struct Options {
    bool lock_configured = false;
    std::chrono::milliseconds check_interval{std::chrono::milliseconds(250)};
  };
  using Listener = std::function<void(QuorumState old_state, QuorumState new_state)>;
  using StallListener = std::function<void(std::chrono::milliseconds stalled)>;
  /* Does this node's half hold the cluster lock? (the Daemon asks the
   * election: leader with the lock, or a reachable leader). */
  using LockProbe = std::function<bool()>;

  QuorumMonitor(EventLoop& loop, NodeState& nodes, const config::Tunables& tunables,
                Options opts);
  ~QuorumMonitor();
  QuorumMonitor(const QuorumMonitor&) = delete;
  QuorumMonitor& operator=(const QuorumMonitor&) = delete;

  void setLockProbe(LockProbe p) { lock_probe_ = std::move(p); }
  /* Starts the periodic check (first one on a later loop iteration). */
  void start();
  void stop();

  /* Re-evaluates now (stall detection included); returns isQuorate(). */
  bool checkNow();

  QuorumState state() const { return state_; }
  bool isQuorate() const { return state_ == QuorumState::Quorate; }
  /* As of the last check. */
  uint32_t configured() const { return configured_; }
  uint32_t reachable() const { return reachable_; }
  bool mayCompete() const;
  /* mayCompete() with the reachable count taken now (no state change). */
  bool mayCompeteNow() const;
  /* Is pnn reachable now (this node, or a connected peer heard within
   * FenceTimeout)? */
  bool isReachable(uint32_t pnn) const;
  bool isLockConfigured() const { return opts_.lock_configured; }
  std::chrono::milliseconds fenceTimeout() const;

  void onChange(Listener fn) { listeners_.push_back(std::move(fn)); }
  void onStall(StallListener fn) { stall_listeners_.push_back(std::move(fn)); }

 private:
  void evaluate(std::chrono::steady_clock::time_point now);
  uint32_t countReachable(std::chrono::steady_clock::time_point now) const;
  bool isFresh(uint32_t pnn, std::chrono::steady_clock::time_point now) const;
  void setState(QuorumState s, const std::string& why);

  EventLoop& loop_;
  NodeState& nodes_;
  const config::Tunables& tunables_;
  const Options opts_;
  LockProbe lock_probe_;
  QuorumState state_ = QuorumState::Waiting;
  uint32_t configured_ = 0;
  uint32_t reachable_ = 1;
  bool is_running_ = false;
  std::chrono::steady_clock::time_point last_check_{};
  std::unique_ptr<RepeatingTimer> timer_;
  std::vector<Listener> listeners_;
  std::vector<StallListener> stall_listeners_;
};

}  // namespace ctdb::server
