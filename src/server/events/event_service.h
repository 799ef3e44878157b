/*
 * EventService: plugs the event subsystem (src/event) into a Daemon.
 *
 * Owns the EventRunner (ctdb_event_helper processes, the changes file in
 * --dbdir-state, whose leftovers of a crash are merged back when it is
 * opened), the HealthMonitor, and installs:
 *   - an INIT step: the `init` event; failure -> the daemon exits 1
 *     ("init event failed: ...");
 *   - a SETUP step: the `setup` event; failure -> exit 1;
 *   - startupEvent(): the `startup` event, retried every 5 s until it
 *     succeeds (4.5), for IpService to run after its stale release in
 *     STARTUP;
 *   - shutdownEvent(): the `shutdown` event, for IpService to run after
 *     release-all (skipped when `init` never succeeded: 4.5 exits at once
 *     then);
 *   - monitor in RUNNING (HealthMonitor; this node's UNHEALTHY flag and a
 *     takeover-run request on every health change), stopped at SHUTDOWN;
 *   - the GET_EVENT_SCRIPT_STATUS control (96): EventRunner::lastStatus
 *     encoded by event/script_status.h, and the `ctdb event` controls
 *     (EVENT_SCRIPT_LIST/ENABLE/DISABLE, EVENT_RUN: event/event_control.h).
 * makeIpActions() returns the ScriptIpActions for IpService (ip_events.d);
 * in built-in mode IpService calls ipreallocated() for the events.d part.
 * EventScriptTimeout is re-read from the tunables before every event.
 *
 * Configuration (resolveEventConfig): the helper is $CTDB_EVENT_HELPER, else
 * `ctdb_event_helper` next to the running executable (build/bin), else
 * ../libexec/ctdb/ctdb_event_helper relative to it (installed). Scripts get
 * the daemon's environment plus (unless already set) CTDB_BASE,
 * CTDB_SOCKET, CTDB_PUBLIC_ADDRESSES, CTDB (our ctdb tool when found next to
 * ctdbd or in ../bin), CTDB_SCRIPT_VARDIR (<dbdir-state>/scripts) and a
 * PATH that contains the sbin directories.
 *
 * Single-threaded (the daemon's loop). Destroy before the Daemon; the
 * IpService holding makeIpActions()' object must be destroyed first.
 */
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ctdb/result.h"
#include "event/event_runner.h"
#include "server/daemon/daemon.h"
#include "server/events/health.h"
#include "ip/ip_actions.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::server {

struct EventConfig {
  std::string helper_path;
  std::string events_dir;
  std::string ip_events_dir;
  std::string state_dir;
  std::string ctdb_base;
  bool use_ip_scripts = true;  // false: built-in NetlinkIpActions
  int script_log_level = 0;    // ctdb.conf [legacy] script log level
};

/* True when either script directory exists (otherwise ctdbd runs without
 * events: built-in IP actions, no monitor, always healthy). */
bool eventScriptsWanted(const DaemonOptions& opts);
/* Where the helper is (see above); an error names every place tried. */
Result<std::string> findEventHelper();
/* Fills EventConfig from the options; use_ip_scripts = the ip_events.d
 * directory exists. */
Result<EventConfig> resolveEventConfig(const DaemonOptions& opts);
/* Exports the script environment described above into this process (the
 * runner copies environ when it is created). */
void exportScriptEnvironment(const DaemonOptions& opts);

class EventService {
 public:
  static Result<std::unique_ptr<EventService>> create(EventLoop& loop, Daemon& daemon,
                                                      EventConfig config);
  ~EventService();
  EventService(const EventService&) = delete;
  EventService& operator=(const EventService&) = delete;

  std::unique_ptr<IpActions> makeIpActions();
  /* The events.d ipreallocated alone (built-in mode). */
  PendingOp ipreallocated(IpActions::Done done);
  PendingOp startupEvent(Daemon::StepDone done);
  PendingOp shutdownEvent(Daemon::StepDone done);

  event::EventRunner& runner() { return *runner_; }
  HealthMonitor& health() { return *health_; }
  /* How a health change asks for a takeover run (default:
   * LeaderElection::requestTakeoverRun; non-leaders rely on the flag push). */
  void setTakeoverRequester(std::function<void(const std::string&)> fn) {
    request_run_ = std::move(fn);
  }

 private:
  /* Bans this node (RecoveryBanPeriod) for a timed-out IP event or
   * ipreallocated, as CTDB 4.5's ctdb_ban_self; safe after destruction. */
  std::function<void(const std::string& reason)> banSelfOnTimeout();
  EventService(EventLoop& loop, Daemon& daemon) : loop_(loop), daemon_(daemon) {}
  Status init(EventConfig config);
  PendingOp runEvent(event::Event e, std::function<void(Result<event::EventResult>)> done);
  void runStartupAttempt();
  void requestTakeoverRun(const std::string& reason);

  EventLoop& loop_;
  Daemon& daemon_;
  EventConfig config_;
  std::unique_ptr<event::EventRunner> runner_;
  std::unique_ptr<HealthMonitor> health_;
  std::function<void(const std::string&)> request_run_;
  bool is_init_done_ = false;
  PendingOp startup_op_;  // the current attempt of the startup event
  Completer<void> startup_;  // the startup step, completed by the first success
  std::unique_ptr<Timer> startup_retry_;
  LifetimeGuard guard_;
};

/* Installs GET_EVENT_SCRIPT_STATUS and the project's EVENT_SCRIPT_LIST,
 * EVENT_SCRIPT_ENABLE, EVENT_SCRIPT_DISABLE and EVENT_RUN on the runner's
 * two trees (controls_event.cc, event/event_control.h). */
Status registerEventControls(ControlDispatcher& d, event::EventRunner& runner);

}  // namespace ctdb::server
