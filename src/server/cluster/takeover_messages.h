/*
 * TakeoverMessages: the daemon's side of the takeover-run message protocol
 * (reference ctdb-protocol.md section 6), played by the recovery daemon in
 * CTDB and by the leader's daemon here.
 *
 *   TAKEOVER_RUN {pnn, srvid}  queue a takeover run; when it finished, send
 *                              i32 (own PNN on success, -1 on failure) to
 *                              (pnn, srvid) unless srvid is 0. Requests that
 *                              arrive while a run is in progress or while
 *                              runs are disabled are served by the next run
 *                              (one run answers all of them).
 *   DISABLE_TAKEOVER_RUNS {pnn, srvid, timeout}
 *                              timeout > 0: no runs start for that many
 *                              seconds (a new disable replaces the old
 *                              timer, so a CLI that dies cannot leave runs
 *                              disabled); 0: re-enable now. Replies i32 own
 *                              PNN. Every node honours it (not only the
 *                              leader), so a leader elected meanwhile is
 *                              disabled too. A disable that arrives while a
 *                              run is in progress WAITS for that run to end,
 *                              then takes effect and is answered (CTDB
 *                              answers -EAGAIN: bug 13924, "Failed to
 *                              disable takeover runs" of `ctdb reloadips`).
 *                              A re-enable drops disables still waiting
 *                              (they are answered -1).
 *   REBALANCE_NODE u32 pnn     leader only: pnn joins the force-rebalance
 *                              list of the next run and a run is requested,
 *                              so an IP added with `ctdb addip` is hosted at
 *                              once (4.17's local IP check does the same a
 *                              second later). The list is cleared by a
 *                              successful run only; a failed run keeps it.
 *   DISABLE_IP_CHECK u32 secs  (`ctdb moveip`) as 4.17: disables takeover
 *                              runs for secs seconds, no reply, so the next
 *                              run does not move the IP straight back while
 *                              the hold lasts; during a run it waits like
 *                              DISABLE_TAKEOVER_RUNS. secs 0 is ignored.
 *
 * The run itself is pluggable: setRunner() installs the IP module's
 * takeover run; the default runner succeeds at once (no public IPs yet), so
 * `ctdb ipreallocate` works end to end from day one. A runner gets the
 * force-rebalance list and a completion callback, which it must call
 * exactly once (from the loop). Only the leader runs takeover runs; a
 * non-leader ignores TAKEOVER_RUN (the leader's copy answers).
 *
 * requestRun() on a non-leader (this node reached RUNNING, an address it
 * holds vanished, a link changed) sends TAKEOVER_RUN {own pnn, srvid 0} to
 * the leader, as CTDB's local IP check asks the recovery master; with no
 * leader known yet it is kept and sent by onLeaderKnown() (a node that
 * restarts into a running cluster reaches RUNNING before the first LEADER
 * message arrives; dropping the request left it without IPs).
 * A failed run is retried after kRetryDelay (CTDB's need_takeover_run,
 * retried by the recovery daemon's 1 s main loop) while this node is
 * leader; the run's BANNING message gives the culprit ban credits, so a
 * node that keeps failing is banned and the retry then succeeds without it.
 *
 * Single-threaded (event loop).
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "server/core/message_router.h"
#include "protocol/types.h"
#include "server/core/node_state.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::server {

class TakeoverMessages {
 public:
  using Done = std::function<void(bool ok)>;
  using Runner = std::function<void(const std::vector<uint32_t>& force_rebalance, Done done)>;

  TakeoverMessages(EventLoop& loop, NodeState& nodes, MessageRouter& router);
  ~TakeoverMessages();
  TakeoverMessages(const TakeoverMessages&) = delete;
  TakeoverMessages& operator=(const TakeoverMessages&) = delete;

  static constexpr std::chrono::milliseconds kRetryDelay{1000};

  void setRunner(Runner runner) { runner_ = std::move(runner); }
  /* Queue a run as if a TAKEOVER_RUN with srvid 0 arrived. */
  void requestRun();
  /* The leader became known (or changed): sends a request kept while none
   * was known. */
  void onLeaderKnown();

  bool areRunsDisabled() const { return disable_timer_ != nullptr; }
  /* Disables that arrived during a run and wait for its end. */
  size_t deferredDisables() const { return deferred_disables_.size(); }
  /* When the current disable ends (nullopt: runs enabled). */
  std::optional<std::chrono::steady_clock::time_point> runsDisabledUntil() const {
    if (!disable_timer_) return std::nullopt;
    return disabled_until_;
  }
  bool isRunInProgress() const {
    return run_state_ == RunState::Running || run_state_ == RunState::RunningQueued;
  }
  uint64_t completedRuns() const { return completed_runs_; }
  const std::vector<uint32_t>& forceRebalance() const { return force_rebalance_; }
  std::optional<std::chrono::steady_clock::time_point> ipCheckDisabledUntil() const {
    return ip_check_disabled_until_;
  }

 private:
  struct Waiter {
    uint32_t pnn;
    uint64_t srvid;
  };
  void onTakeoverRun(std::span<const uint8_t> data);
  void onDisableRuns(std::span<const uint8_t> data);
  void onRebalance(std::span<const uint8_t> data);
  void onDisableIpCheck(std::span<const uint8_t> data);
  void maybeStartRun();
  /* Disable runs for timeout (> 0) seconds from now and answer. */
  void applyDisable(const protocol::DisableMessage& msg, bool want_reply, const char* what);
  void finishRun(bool ok);
  void reply(uint32_t pnn, uint64_t srvid, int32_t value);

  EventLoop& loop_;
  NodeState& nodes_;
  MessageRouter& router_;
  Runner runner_;
  /* The leader's runs, one state with named transitions (setRunState logs
   * them): Idle --queue--> Queued --start--> Running --finish--> Idle;
   * a run queued while one is Running makes it RunningQueued, whose finish
   * goes to Queued. Only Queued starts a run (when runs are not disabled). */
  enum class RunState { Idle, Queued, Running, RunningQueued };
  static const char* toString(RunState s);
  void setRunState(RunState s, const char* why);
  void queueRun(const char* why);

  std::vector<Waiter> queued_;   // for the next run
  RunState run_state_ = RunState::Idle;
  bool has_request_for_leader_ = false;  // requestRun() while no leader known
  std::vector<Waiter> running_;  // answered when the current run ends
  uint64_t completed_runs_ = 0;
  std::vector<uint32_t> force_rebalance_;
  std::vector<uint32_t> running_rebalance_;  // handed to the current run
  struct DeferredDisable {
    protocol::DisableMessage msg;
    bool want_reply;
    const char* what;
  };
  std::vector<DeferredDisable> deferred_disables_;
  std::chrono::steady_clock::time_point disabled_until_{};
  std::optional<std::chrono::steady_clock::time_point> ip_check_disabled_until_;
  std::vector<MessageRouter::HandlerToken> tokens_;
  LifetimeGuard guard_;
  std::unique_ptr<Timer> disable_timer_;
  std::unique_ptr<Timer> retry_timer_;
  uint64_t failed_runs_ = 0;

 public:
  uint64_t failedRuns() const { return failed_runs_; }
};

}  // namespace ctdb::server
