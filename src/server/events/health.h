/*
 * HealthMonitor: the periodic monitor event and this node's UNHEALTHY flag,
 * as CTDB 4.5's ctdb_monitor.c.
 *
 * Verdicts (classify()):
 *   - the run was skipped or displaced (ECANCELED: another event ran)
 *     -> ignored, nothing changes;
 *   - an event that timed out (a script TIMEDOUT) -> counted; only when
 *     MonitorTimeoutCount consecutive monitors timed out is it a failure,
 *     before that it counts as success (4.5: "we pretend this is OK");
 *   - any other failure (script exit != 0, signal, exec/spawn failure,
 *     helper death) -> failure, the timeout counter is reset;
 *   - success -> success, the timeout counter is reset.
 * A failure while healthy sets UNHEALTHY ("monitor event failed - disabling
 * node"), a success while unhealthy clears it ("monitor event OK - node
 * re-enabled"); each change calls request_takeover_run (so IPs move off an
 * unhealthy node and back) after set_unhealthy changed the flag (the node
 * transport pushes flag changes to the peers).
 *
 * Timing (4.5): the first monitor runs 2 s after start(); after each run the
 * wait doubles up to MonitorInterval (at least 1 s); a health change resets
 * it to 5 s (capped at MonitorInterval here, so a test can run with a 1 s
 * interval). The next monitor is scheduled when the previous one finished,
 * so monitors never overlap.
 *
 * Single-threaded; callbacks fire on the loop. Destroying the monitor
 * cancels a running monitor event.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ctdb/result.h"
#include "event/event_types.h"
#include "util/async.h"
#include "util/event_loop.h"

namespace ctdb::server {

struct HealthHooks {
  using MonitorDone = std::function<void(Result<event::EventResult>)>;
  std::function<PendingOp(MonitorDone)> run_monitor;
  std::function<uint32_t()> monitor_interval_s;     // MonitorInterval
  std::function<uint32_t()> monitor_timeout_count;  // MonitorTimeoutCount
  std::function<bool()> is_unhealthy;               // this node's flag now
  std::function<void(bool unhealthy)> set_unhealthy;
  std::function<void(const std::string& reason)> request_takeover_run;
};

class HealthMonitor {
 public:
  enum class Verdict { Ignore, Ok, Fail };
  static const char* toString(Verdict v);

  HealthMonitor(EventLoop& loop, HealthHooks hooks);
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  void start();
  void stop();
  bool isRunning() const { return is_started_; }

  /* Applies the rules above to one monitor result (updates the timeout
   * counter). */
  Verdict classify(const Result<event::EventResult>& r);

  uint64_t monitorsRun() const { return runs_; }
  uint32_t consecutiveTimeouts() const { return timeouts_; }
  std::chrono::seconds nextInterval() const { return next_; }

 private:
  void schedule();
  void runOnce();
  void onResult(Result<event::EventResult> r);
  std::chrono::seconds cap(std::chrono::seconds s) const;

  EventLoop& loop_;
  HealthHooks hooks_;
  bool is_started_ = false;
  std::chrono::seconds next_{2};
  uint32_t timeouts_ = 0;
  uint64_t runs_ = 0;
  std::unique_ptr<Timer> timer_;
  PendingOp op_;
};

}  // namespace ctdb::server
