/*
 * EventRunner: runs CTDB events through ctdb_event_helper processes, with
 * a bounded pool, per-IP ordering, CTDB's monitor rules, the IP changes
 * file and the last-run status per event.
 *
 * Concurrency model (doc/event-subsystem.md has the reasoning):
 *  - At most options.max_helpers helpers run at once (default
 *    defaultMaxHelpers() = min(8, 4 x cores)). Requests beyond that wait in
 *    one FIFO queue; nothing blocks the loop.
 *  - IP events (takeip/releaseip/updateip) are keyed by their IP argument:
 *    one in flight per IP, in request order; different IPs run in parallel.
 *  - Other non-monitor events share one key: serialised among themselves,
 *    but they may run alongside IP events (as in CTDB 4.5).
 *  - monitor: skipped (completes with ECANCELED) while any other event runs
 *    or waits; any other request cancels a running monitor (its callback
 *    gets ECANCELED, its status is discarded); a new monitor replaces a
 *    running one.
 *  - Batching: when more IP keys are ready than helpers are free, one
 *    helper runs up to options.max_batch IP events one after the other
 *    (each still one normal script run per IP), which cuts spawns.
 *  - Batch groups: takeip (or releaseip) requests with the same non-zero
 *    EventRequest::batch id that are ready together run in ONE helper as
 *    one batch group (helper_proto.h): batch-capable scripts run once for
 *    all of them (SCRIPT takeipbatch, IPs on stdin), classic scripts once
 *    per IP. Each request still gets its own EventResult, completion and
 *    changes line. A member whose IP is busy waits and runs later (with
 *    the other late members of its id). ScriptIpActions makes the ids.
 *
 * Changes file (contract §5, event/changes_file.h): after a successful IP
 * event its line "EVENT ARGS..." is appended before the request completes;
 * one fdatasync per helper read. ipreallocated runs with
 * CTDB_IP_CHANGES_FILE = the snapshot; success deletes it, failure,
 * cancellation or helper death merges it back in front. Every other event
 * runs with CTDB_IP_CHANGES_FILE = the live file.
 *
 * run() completes exactly once on a later loop iteration: Result ok with an
 * EventResult (which may contain failed scripts), or an Error when the event
 * did not run: ECANCELED (monitor skipped or displaced), EINVAL (wrong
 * argument count), or the spawn/helper error. Destroying the PendingOp
 * drops a queued request; for a running request that is alone in its
 * helper it kills the helper and the script's process group. A cancelled IP
 * event that shares a batch still runs to its end (its result, including
 * the changes line, is kept; only the callback is dropped).
 *
 * Single-threaded, on the loop given to create(); the loop must outlive it.
 */
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ctdb/result.h"
#include "event/changes_file.h"
#include "event/child_reaper.h"
#include "event/event_types.h"
#include "event/helper_process.h"
#include "util/async.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::event {

size_t defaultMaxHelpers();

/* Which scripts of an ip_events.d tree take the batch events (declare
 * EH_BATCH_MARKER in their first EH_BATCH_MARKER_SCAN bytes, the test the
 * helper applies): None (no runnable script does, or the tree is empty),
 * All (every executable script does), Mixed. Reads the directory and the
 * scripts' first KiB, as the helper will. */
enum class IpBatchSupport { None, All, Mixed };
IpBatchSupport scanIpBatchSupport(const std::string& dir);

struct EventRunnerOptions {
  std::string helper_path;    // ctdb_event_helper
  std::string events_dir;     // CTDB_BASE/events.d
  std::string ip_events_dir;  // CTDB_BASE/ip_events.d
  std::string ctdb_base;      // exported as CTDB_BASE ("" = inherit)
  std::string state_dir;      // holds ip_changes
  std::chrono::milliseconds timeout{30000};  // EventScriptTimeout, per event
  size_t max_helpers = defaultMaxHelpers();
  size_t max_batch = 16;
  /* Level of the "event: ... failed: <script output>" line (ctdb.conf
   * [legacy] script log level; 0 = ERROR, CTDB 4.17's default). */
  int failure_log_level = 0;
};

struct EventRequest {
  Event event = Event::Monitor;
  std::vector<std::string> args;
  std::optional<std::chrono::milliseconds> timeout;  // default options.timeout
  uint64_t batch = 0;  // takeip/releaseip: same non-zero id = one batch group
};

class EventRunner {
 public:
  using Done = std::function<void(Result<EventResult>)>;

  static Result<std::unique_ptr<EventRunner>> create(EventLoop& loop, EventRunnerOptions options);
  ~EventRunner();
  EventRunner(const EventRunner&) = delete;
  EventRunner& operator=(const EventRunner&) = delete;

  PendingOp run(EventRequest req, Done done);

  /* Last completed run of `e` (nullptr: never run). */
  const EventResult* lastStatus(Event e) const;
  void setTimeout(std::chrono::milliseconds t) { options_.timeout = t; }
  /* The directory the helper runs for `t` (options.events_dir / ip_events_dir). */
  const std::string& scriptDir(ScriptTree t) const {
    return t == ScriptTree::IpEvents ? options_.ip_events_dir : options_.events_dir;
  }
  IpBatchSupport ipBatchSupport() const { return scanIpBatchSupport(options_.ip_events_dir); }
  size_t maxHelpers() const { return options_.max_helpers; }
  EventLoop& loop() const { return loop_; }
  ChangesFile& changes() { return *changes_; }

  /* Diagnostics (tests): helpers running now, the most ever running at
   * once, helpers spawned, requests waiting. */
  size_t runningHelpers() const { return helpers_.size(); }
  size_t maxConcurrentHelpers() const { return max_seen_; }
  size_t helpersSpawned() const { return spawned_; }
  size_t queuedRequests() const { return queue_.size(); }
  /* Batch runs of batch-capable scripts reported by helpers, and how many
   * of them failed and fell back to per-IP runs. */
  size_t batchRuns() const { return batch_runs_; }
  size_t batchFallbacks() const { return batch_fallbacks_; }

 private:
  struct Request;
  struct Helper;

  EventRunner(EventLoop& loop, EventRunnerOptions options);
  void scheduleDispatch();
  void dispatch();
  void removeHelper(Helper* h, const std::vector<size_t>& unfinished, bool is_killed);
  void startHelper(std::vector<std::shared_ptr<Request>> batch, bool is_batch_group);
  void onJobDone(Helper* h, size_t job, std::vector<ScriptResult> scripts);
  void cancelRequest(const std::shared_ptr<Request>& r);
  void cancelMonitor();
  std::vector<std::string> environmentFor(const std::string& changes_path) const;

  EventLoop& loop_;
  ChildReaper reaper_;  // before helpers_: outlives them, reaps what kill() left
  EventRunnerOptions options_;
  std::vector<std::string> base_env_;
  std::unique_ptr<ChangesFile> changes_;
  std::deque<std::shared_ptr<Request>> queue_;
  std::set<std::string> busy_keys_;
  std::map<Helper*, std::unique_ptr<Helper>> helpers_;
  std::map<Event, EventResult> last_;
  Helper* monitor_ = nullptr;
  size_t max_seen_ = 0;
  size_t spawned_ = 0;
  size_t batch_runs_ = 0;
  size_t batch_fallbacks_ = 0;
  bool is_dispatch_posted_ = false;
  bool is_sync_posted_ = false;
  LifetimeGuard guard_;
};

}  // namespace ctdb::event
