/*
 * ctdbd: parses the command line, loads and checks the configuration files,
 * binds the control socket and locks the pidfile (all before forking, so
 * every start-up error reaches the invoking shell with exit code 1), then
 * daemonizes unless -i, and runs the Daemon on an EventLoop until it shuts
 * down (SIGTERM/SIGINT/SHUTDOWN control). Exit code 0 after a clean shutdown.
 */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "config/nodes_file.h"
#include "config/public_addresses.h"
#include "config/tunables.h"
#include "server/core/control_socket.h"
#include "server/daemon/daemon.h"
#include "server/core/daemon_config.h"
#include "server/core/daemon_options.h"
#include "server/events/event_service.h"
#include "server/ip/ip_service.h"
#include "server/transport/transport_tcp.h"
#include "util/event_loop.h"
#include "util/logging.h"
#include "util/service_notify.h"

namespace {

using namespace ctdb;
using namespace ctdb::server;

int fail(const std::string& msg) {
  fprintf(stderr, "ctdbd: %s\n", msg.c_str());
  return 1;
}

/* fork + setsid; the parent exits 0 once the child exists. */
Status daemonize() {
  pid_t pid = fork();
  if (pid < 0) return errnoError(errno, "fork");
  if (pid > 0) _exit(0);
  if (setsid() < 0) return errnoError(errno, "setsid");
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) close(null);
  }
  return {};
}

int run(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  // SIGTERM/SIGINT are held from before the control socket exists until
  // the loop's handlers are installed: a stop right after start (systemd,
  // a test) then shuts down cleanly instead of killing us with the socket
  // and pidfile left behind. Children get an empty mask (posix_spawn).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);

  auto parsed = parseDaemonOptions(std::span<const char* const>(argv, static_cast<size_t>(argc)),
                                   OptionEnvironment::fromProcess());
  if (!parsed) {
    fprintf(stderr, "ctdbd: %s\n%s", parsed.error().context.c_str(),
            daemonUsage("ctdbd").c_str());
    return 1;
  }
  if (parsed->action == ParseAction::ShowHelp) {
    fputs(daemonUsage("ctdbd").c_str(), stdout);
    return 0;
  }
  DaemonOptions opts = std::move(parsed->options);

  // CTDB_BASE/ctdb.conf under the command line (doc/man/ctdb.conf.5); its
  // errors reach the shell before logging is set up.
  auto conf_lines = loadCtdbConfInto(opts);
  if (!conf_lines) return fail(conf_lines.error().message());
  std::vector<std::string> base_lines = useCtdbBaseFiles(opts);

  log::setProgramName("ctdbd");
  log::setLevel(opts.debug_level);
  if (auto st = log::setTarget(opts.logging); !st) return fail(st.error().message());
  D_NOTICE("CTDB_BASE=%s (%s)\n", opts.ctdb_base.c_str(), toString(opts.ctdb_base_source));
  for (const auto& l : *conf_lines) D_NOTICE("%s\n", l.c_str());
  for (const auto& l : base_lines) D_NOTICE("%s\n", l.c_str());

  auto nodes = config::loadNodesFile(opts.nodes_file);
  if (!nodes) return fail(nodes.error().message());

  config::Tunables tunables;
  if (opts.tunables_file) {
    if (auto st = tunables.loadFile(*opts.tunables_file); !st) return fail(st.error().message());
  }
  // [failover] disabled is 4.5's DisableIPFailover (doc/config-files.md).
  if (opts.is_failover_disabled) {
    tunables.set("DisableIPFailover", 1);
    D_NOTICE("[failover] disabled: no takeover runs, public IPs are not moved\n");
  }
  if (opts.public_addresses_file) {
    auto pa = config::loadPublicAddressesFile(*opts.public_addresses_file);
    if (!pa) return fail(pa.error().message());
  }

  std::vector<IpAddress> local;
  if (!opts.listen_address) {
    auto l = localAddresses();
    if (!l) return fail(l.error().message());
    local = std::move(*l);
  }
  auto pnn = choosePnn(*nodes, opts.listen_address, local, opts.nodes_file);
  if (!pnn) return fail(pnn.error().message());

  // Event scripts (doc/event-subsystem.md, "Wiring"): resolved before the
  // fork so that a missing helper reaches the shell.
  std::optional<EventConfig> event_cfg;
  if (eventScriptsWanted(opts)) {
    auto c = resolveEventConfig(opts);
    if (!c) return fail(c.error().message());
    event_cfg = std::move(*c);
    exportScriptEnvironment(opts);
  }

  std::unique_ptr<PidFile> pidfile;
  if (opts.pidfile) {
    auto pf = PidFile::create(*opts.pidfile);
    if (!pf) return fail(pf.error().message());
    pidfile = std::move(*pf);
  }
  auto sock = openControlSocket(opts.socket_path);
  if (!sock) return fail(sock.error().message());
  // Node transport: listen on our nodes-file address, port 4379.
  auto node_listener = openNodeListener(*(*nodes)[*pnn].address);
  if (!node_listener) {
    unlink(opts.socket_path.c_str());
    return fail(node_listener.error().message());
  }

  if (!opts.is_interactive) {
    if (auto st = daemonize(); !st) return fail(st.error().message());
  }
  if (pidfile) {
    if (auto st = pidfile->writePid(); !st) D_ERR("%s, continuing\n", st.error().message().c_str());
  }

  auto loop = EventLoop::create();
  if (!loop) return fail(loop.error().message());

  DaemonSetup setup{opts, *nodes, *pnn, tunables};
  auto daemon = Daemon::create(**loop, std::move(setup), std::move(*sock));
  if (!daemon) {
    D_ERR("ctdbd: %s, exiting\n", daemon.error().message().c_str());
    unlink(opts.socket_path.c_str());
    return 1;
  }
  int exit_code = 0;
  EventLoop& ev = **loop;
  (*daemon)->setOnExit([&ev, &exit_code](int code) {
    exit_code = code;
    ev.stop();
  });
  Daemon* d = daemon->get();
  // Events: init/setup steps, monitor, script status; the IP events go
  // through ip_events.d unless that directory does not exist.
  std::unique_ptr<EventService> events;
  IpServiceOptions ip_opts;
  if (event_cfg) {
    auto es = EventService::create(ev, *d, *event_cfg);
    if (!es) {
      D_ERR("ctdbd: event scripts: %s, exiting\n", es.error().message().c_str());
      daemon->reset();
      return 1;
    }
    events = std::move(*es);
    EventService* e = events.get();
    if (event_cfg->use_ip_scripts) {
      ip_opts.actions = events->makeIpActions();
    } else {
      ip_opts.ipreallocated = [e](IpActions::Done done) { return e->ipreallocated(std::move(done)); };
    }
    ip_opts.after_stale_release = [e](Daemon::StepDone done) { return e->startupEvent(std::move(done)); };
    ip_opts.after_release_all = [e](Daemon::StepDone done) { return e->shutdownEvent(std::move(done)); };
  }
  // Public IPs: controls, start-up/shutdown steps, takeover runner.
  auto ip_service = IpService::create(ev, *d, std::move(ip_opts));
  if (!ip_service) {
    D_ERR("ctdbd: public IPs: %s, exiting\n", ip_service.error().message().c_str());
    events.reset();
    daemon->reset();
    return 1;
  }
  auto on_signal = [d](int signum) {
    D_NOTICE("ctdbd: received signal %d\n", signum);
    d->shutdown(std::string("signal ") + std::to_string(signum), 0);
  };
  SignalEvent term(ev, SIGTERM, on_signal);
  SignalEvent intr(ev, SIGINT, on_signal);
  sigprocmask(SIG_UNBLOCK, &stop_signals, nullptr);  // a held one is handled now

  D_NOTICE("CTDB starting on node %u (pid %d)\n", *pnn, static_cast<int>(getpid()));
  NodeTransport transport(ev, d->nodes(), d->messages(), d->controls(), d->tunables());
  transport.listen(std::move(*node_listener));
  d->setTransport(transport);
  // A stalled loop (SIGSTOP, starvation): what the links hold is stale.
  d->quorum().onStall([&transport](std::chrono::milliseconds) {
    transport.dropAllLinks("event loop stalled");
  });
  d->setControlForwarder([&transport](uint32_t pnn, ControlRequest req, ReplySink sink) {
    transport.forwardControl(pnn, std::move(req), std::move(sink));
  });
  // systemd (Type=notify, util/service_notify.h): ready once RUNNING,
  // stopping as soon as the shutdown begins (the releases follow).
  const uint32_t own_pnn = *pnn;
  d->runstate().onRunstate(Runstate::Running, [own_pnn](Runstate) {
    if (auto st = service::notifyReady("node " + std::to_string(own_pnn) + " RUNNING"); !st)
      D_WARNING("ctdbd: %s\n", st.error().message().c_str());
  });
  d->runstate().onRunstate(Runstate::Shutdown, [](Runstate) {
    if (auto st = service::notifyStopping("shutting down, releasing public IPs"); !st)
      D_WARNING("ctdbd: %s\n", st.error().message().c_str());
  });
  transport.start();
  d->start();
  ev.run();
  d->setControlForwarder(nullptr);
  ip_service->reset();
  events.reset();
  daemon->reset();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
