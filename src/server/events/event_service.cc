#include "server/events/event_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "event/script_ip_actions.h"
#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;

namespace {

bool isDir(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isExecutable(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

std::string exeDir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return {};
  std::string p(buf, static_cast<size_t>(n));
  auto slash = p.rfind('/');
  return slash == std::string::npos ? std::string(".") : p.substr(0, slash);
}

std::string describeFailure(const Result<event::EventResult>& r) {
  if (!r) return r.error().message();
  const event::ScriptResult* f = r->firstFailure();
  return f == nullptr ? "ok" : f->describe();
}

bool succeeded(const Result<event::EventResult>& r) { return r && r->isSuccess(); }

using BanSelf = std::function<void(const std::string& reason)>;

/* done, after banning this node when the event timed out (ScriptIpActions
 * reports a script past EventScriptTimeout as ETIMEDOUT). */
IpActions::Done banOnTimeout(BanSelf ban, IpActions::Done done) {
  return [ban = std::move(ban), done = std::move(done)](Status st) {
    if (!st && st.error().errnoValue() == ETIMEDOUT && ban) ban(st.error().message());
    done(std::move(st));
  };
}

/* ScriptIpActions with EventScriptTimeout re-read before every IP event,
 * and CTDB 4.5's reaction to a hung script: a takeip, releaseip, updateip
 * or ipreallocated that timed out bans this node (ctdb_ban_self), which
 * releases its IPs so that the cluster can host them elsewhere. */
class TunedScriptIpActions final : public IpActions {
 public:
  TunedScriptIpActions(event::EventRunner& runner, config::Tunables& tunables, BanSelf ban_self)
      : runner_(runner), tunables_(tunables), inner_(runner), ban_self_(std::move(ban_self)) {}
  PendingOp takeIp(const std::string& iface, const IpPrefix& ip, Done done) override {
    refresh();
    return inner_.takeIp(iface, ip, watch(std::move(done)));
  }
  PendingOp releaseIp(const std::string& iface, const IpPrefix& ip, Done done) override {
    refresh();
    return inner_.releaseIp(iface, ip, watch(std::move(done)));
  }
  PendingOp updateIp(const std::string& old_iface, const std::string& new_iface,
                     const IpPrefix& ip, Done done) override {
    refresh();
    return inner_.updateIp(old_iface, new_iface, ip, watch(std::move(done)));
  }
  PendingOp ipreallocated(Done done) override {
    refresh();
    return inner_.ipreallocated(watch(std::move(done)));
  }

 private:
  void refresh() {
    runner_.setTimeout(std::chrono::seconds(std::max<uint32_t>(tunables_.eventScriptTimeout(), 1)));
  }
  // A batch's IPs all time out together: banSelf() bans once.
  Done watch(Done done) { return banOnTimeout(ban_self_, std::move(done)); }
  event::EventRunner& runner_;
  config::Tunables& tunables_;
  event::ScriptIpActions inner_;
  BanSelf ban_self_;
};

}  // namespace

bool eventScriptsWanted(const DaemonOptions& opts) {
  return isDir(opts.event_script_dir) || isDir(opts.ip_event_script_dir);
}

Result<std::string> findEventHelper() {
  if (const char* env = std::getenv("CTDB_EVENT_HELPER"); env && *env) {
    if (isExecutable(env)) return std::string(env);
    return errnoError(ENOENT, std::string("event helper $CTDB_EVENT_HELPER=") + env +
                                  " is not an executable file");
  }
  std::string dir = exeDir();
  std::string tried;
  for (const std::string& c : {dir + "/ctdb_event_helper", dir + "/../libexec/ctdb/ctdb_event_helper"}) {
    if (isExecutable(c)) return c;
    tried += (tried.empty() ? "" : ", ") + c;
  }
  return errnoError(ENOENT, "event helper ctdb_event_helper not found (tried " + tried +
                                "; set CTDB_EVENT_HELPER)");
}

Result<EventConfig> resolveEventConfig(const DaemonOptions& opts) {
  EventConfig c;
  c.events_dir = opts.event_script_dir;
  c.ip_events_dir = opts.ip_event_script_dir;
  c.state_dir = opts.state_dir;
  c.ctdb_base = opts.ctdb_base;
  c.script_log_level = opts.script_log_level;
  c.use_ip_scripts = isDir(c.ip_events_dir);
  auto helper = findEventHelper();
  if (!helper) return helper.error();
  c.helper_path = *helper;
  return c;
}

void exportScriptEnvironment(const DaemonOptions& opts) {
  // The daemon's own socket and public addresses are the truth for its
  // scripts, whatever the caller's environment said.
  ::setenv("CTDB_SOCKET", opts.socket_path.c_str(), 1);
  if (opts.public_addresses_file) ::setenv("CTDB_PUBLIC_ADDRESSES", opts.public_addresses_file->c_str(), 1);
  if (!std::getenv("CTDB")) {
    std::string dir = exeDir();
    for (const std::string& c : {dir + "/ctdb", dir + "/../bin/ctdb"}) {
      if (isExecutable(c)) {
        ::setenv("CTDB", c.c_str(), 1);
        break;
      }
    }
  }
  if (!std::getenv("CTDB_SCRIPT_VARDIR"))
    ::setenv("CTDB_SCRIPT_VARDIR", (opts.state_dir + "/scripts").c_str(), 1);
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  if (path.empty()) path = "/usr/local/bin:/usr/bin:/bin";
  for (const char* d : {"/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    std::string padded = ":" + path + ":";
    if (padded.find(std::string(":") + d + ":") == std::string::npos) path += std::string(":") + d;
  }
  ::setenv("PATH", path.c_str(), 1);
}

Result<std::unique_ptr<EventService>> EventService::create(EventLoop& loop, Daemon& daemon,
                                                           EventConfig config) {
  std::unique_ptr<EventService> s(new EventService(loop, daemon));
  if (auto st = s->init(std::move(config)); !st) return st.error();
  return s;
}

EventService::~EventService() {
  guard_.revoke();
  health_.reset();
  startup_op_.cancel();
}

Status EventService::init(EventConfig config) {
  config_ = std::move(config);
  event::EventRunnerOptions ro;
  ro.helper_path = config_.helper_path;
  ro.events_dir = config_.events_dir;
  ro.ip_events_dir = config_.ip_events_dir;
  ro.ctdb_base = config_.ctdb_base;
  ro.state_dir = config_.state_dir;
  ro.failure_log_level = config_.script_log_level;
  ro.timeout = std::chrono::seconds(std::max<uint32_t>(daemon_.tunables().eventScriptTimeout(), 1));
  auto r = event::EventRunner::create(loop_, std::move(ro));
  if (!r) return r.error();
  runner_ = std::move(*r);
  D_NOTICE("event scripts: %s and %s (IP events %s), helper %s, changes file in %s\n",
           config_.events_dir.c_str(), config_.ip_events_dir.c_str(),
           config_.use_ip_scripts ? "by scripts" : "built in (no ip_events.d)",
           config_.helper_path.c_str(), config_.state_dir.c_str());

  if (auto st = registerEventControls(daemon_.controls(), *runner_); !st) return st;

  daemon_.addStartupStep(Runstate::Init, [this](Daemon::StepDone done) {
    return runEvent(event::Event::Init, [this, done](Result<event::EventResult> r) {
      if (!succeeded(r)) return done(errnoError(EIO, "init event failed: " + describeFailure(r)));
      is_init_done_ = true;
      done({});
    });
  });
  daemon_.addStartupStep(Runstate::Setup, [this](Daemon::StepDone done) {
    return runEvent(event::Event::Setup, [done](Result<event::EventResult> r) {
      if (!succeeded(r)) return done(errnoError(EIO, "setup event failed: " + describeFailure(r)));
      done({});
    });
  });

  HealthHooks h;
  h.run_monitor = [this](HealthHooks::MonitorDone d) {
    return runEvent(event::Event::Monitor, std::move(d));
  };
  h.monitor_interval_s = [this]() { return daemon_.tunables().monitorInterval(); };
  h.monitor_timeout_count = [this]() { return daemon_.tunables().monitorTimeoutCount(); };
  h.is_unhealthy = [this]() { return (daemon_.nodes().localFlags() & NF::kUnhealthy) != 0; };
  h.set_unhealthy = [this](bool bad) {
    uint32_t own = daemon_.nodes().ownPnn();
    if (bad) {
      daemon_.nodes().modifyFlags(own, NF::kUnhealthy, 0);
    } else {
      daemon_.nodes().modifyFlags(own, 0, NF::kUnhealthy);
    }
  };
  h.request_takeover_run = [this](const std::string& why) { requestTakeoverRun(why); };
  health_ = std::make_unique<HealthMonitor>(loop_, std::move(h));
  daemon_.runstate().onRunstate(Runstate::Running, [this](Runstate) { health_->start(); });
  daemon_.runstate().onRunstate(Runstate::Shutdown, [this](Runstate) {
    health_->stop();
    startup_retry_.reset();
  });
  return {};
}

PendingOp EventService::runEvent(event::Event e,
                                 std::function<void(Result<event::EventResult>)> done) {
  runner_->setTimeout(
      std::chrono::seconds(std::max<uint32_t>(daemon_.tunables().eventScriptTimeout(), 1)));
  return runner_->run(event::EventRequest{e, {}, std::nullopt}, std::move(done));
}

std::unique_ptr<IpActions> EventService::makeIpActions() {
  return std::make_unique<TunedScriptIpActions>(*runner_, daemon_.tunables(), banSelfOnTimeout());
}

std::function<void(const std::string&)> EventService::banSelfOnTimeout() {
  return [this, alive = guard_.watch()](const std::string& why) {
    if (alive.isAlive()) daemon_.banning().banSelf("IP event timed out: " + why);
  };
}

PendingOp EventService::ipreallocated(IpActions::Done done) {
  runner_->setTimeout(
      std::chrono::seconds(std::max<uint32_t>(daemon_.tunables().eventScriptTimeout(), 1)));
  return event::ScriptIpActions(*runner_).ipreallocated(
      banOnTimeout(banSelfOnTimeout(), std::move(done)));
}

PendingOp EventService::startupEvent(Daemon::StepDone done) {
  auto [op, c] = makeAsync<void>(loop_, std::move(done));
  startup_ = c;
  // The daemon cancels the step when it is destroyed: stop retrying.
  c.onCancel(guard_.guard([this]() {
    startup_retry_.reset();
    startup_op_.cancel();
  }));
  runStartupAttempt();
  return std::move(op);
}

void EventService::runStartupAttempt() {
  if (daemon_.isShuttingDown()) return;
  startup_op_ = runEvent(event::Event::Startup, [this](Result<event::EventResult> r) {
    if (succeeded(r)) {
      std::exchange(startup_, Completer<void>{}).complete({});
      return;
    }
    D_ERR("startup event failed: %s, retrying in 5 s\n", describeFailure(r).c_str());
    startup_retry_ = std::make_unique<Timer>(loop_, std::chrono::seconds(5),
                                             [this]() { runStartupAttempt(); });
  });
}

PendingOp EventService::shutdownEvent(Daemon::StepDone done) {
  health_->stop();
  startup_retry_.reset();
  startup_op_.cancel();
  if (!is_init_done_) {
    auto [op, c] = makeAsync<void>(loop_, std::move(done));
    c.complete({});
    return std::move(op);
  }
  return runEvent(event::Event::Shutdown, [done](Result<event::EventResult> r) {
    if (!succeeded(r)) return done(errnoError(EIO, "shutdown event failed: " + describeFailure(r)));
    done({});
  });
}

void EventService::requestTakeoverRun(const std::string& reason) {
  if (request_run_) return request_run_(reason);
  if (daemon_.runstate().current() != Runstate::Running) return;
  // The leader runs takeover runs; on the leader this asks for one (its
  // election code also does so for every flag change it sees), on another
  // node it is a no-op and the flag change pushed by the transport makes
  // the leader ask.
  D_NOTICE("health changed (%s): asking the leader for a takeover run\n", reason.c_str());
  daemon_.election().requestTakeoverRun(reason);
}

}  // namespace ctdb::server
