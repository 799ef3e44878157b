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
 *                              seconds; 0: re-enable now. Replies i32 own PNN.
 *   REBALANCE_NODE u32 pnn     recorded for the next run (forceRebalance()).
 *   DISABLE_IP_CHECK u32 secs  recorded (ipCheckDisabledUntil()).
 *
 * The run itself is pluggable: setRunner() installs the IP module's
 * takeover run; the default runner succeeds at once (no public IPs yet), so
 * `ctdb ipreallocate` works end to end from day one. A runner gets the
 * force-rebalance list and a completion callback, which it must call
 * exactly once (from the loop). Only the leader runs takeover runs; a
 * non-leader ignores TAKEOVER_RUN (the leader's copy answers).
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

#include "server/message_router.h"
#include "server/node_state.h"
#include "util/event_loop.h"

namespace ctdb::server {

class TakeoverMessages {
 public:
  using Done = std::function<void(bool ok)>;
  using Runner = std::function<void(const std::vector<uint32_t>& force_rebalance, Done done)>;

  TakeoverMessages(EventLoop& loop, NodeState& nodes, MessageRouter& router);
  ~TakeoverMessages();
  TakeoverMessages(const TakeoverMessages&) = delete;
  TakeoverMessages& operator=(const TakeoverMessages&) = delete;

  void setRunner(Runner runner) { runner_ = std::move(runner); }
  /* Queue a run as if a TAKEOVER_RUN with srvid 0 arrived. */
  void requestRun();

  bool areRunsDisabled() const { return disable_timer_ != nullptr; }
  bool isRunInProgress() const { return is_running_; }
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
  void finishRun(bool ok);
  void reply(uint32_t pnn, uint64_t srvid, int32_t value);

  EventLoop& loop_;
  NodeState& nodes_;
  MessageRouter& router_;
  Runner runner_;
  std::vector<Waiter> queued_;   // for the next run
  bool has_queued_run_ = false;  // a run was requested (maybe with srvid 0)
  std::vector<Waiter> running_;  // answered when the current run ends
  bool is_running_ = false;
  uint64_t completed_runs_ = 0;
  std::vector<uint32_t> force_rebalance_;
  std::optional<std::chrono::steady_clock::time_point> ip_check_disabled_until_;
  std::vector<MessageRouter::HandlerToken> tokens_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<Timer> disable_timer_;
};

}  // namespace ctdb::server
