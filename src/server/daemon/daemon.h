/*
 * Daemon: the ctdbd core, composing the control socket server, the control
 * dispatcher, the srvid registry, the message router, the node state, the
 * tunables, the run state and the takeover-run message handling.
 *
 * Life cycle (all on one EventLoop):
 *   create()  builds everything around an already bound listening socket;
 *             clients may connect from the first loop iteration on.
 *   start()   walks the run states INIT -> SETUP -> FIRST_RECOVERY ->
 *             STARTUP -> RUNNING, one per loop iteration. Before leaving a
 *             state, every startup step registered for it (addStartupStep)
 *             must report success; a failing step shuts the daemon down with
 *             exit code 1. A step is an operation of the project's async
 *             shape: it returns the PendingOp of its work and completes it
 *             once (util/async.h); the daemon holds the ops of the current
 *             state and of the running shutdown step, so destroying the
 *             daemon cancels their answers. This is where the event subsystem hooks the
 *             init/setup/startup events. The daemon's own step:
 *             FIRST_RECOVERY waits until a leader is known (elected here,
 *             or heard from a connected node), so RUNNING means "part of a
 *             cluster with a leader".
 *   shutdown(reason, code)
 *             idempotent: run state SHUTDOWN, then the shutdown steps (in
 *             registration order, each awaited), then every client is
 *             closed, the socket unlinked, and on_exit(code) is called (main
 *             stops the loop there). SIGTERM/SIGINT and the SHUTDOWN control
 *             end up here.
 *
 * Extension seams for other modules: controls() (add controls),
 * messages() (internal srvid handlers, sending messages), runstate()
 * (onRunstate hooks), takeover() (install the takeover-run runner),
 * nodes(), tunables(), setTransport() (node transport).
 *
 * A control whose destnode is another node goes to the control forwarder
 * (setControlForwarder: the node transport), or is answered -1 without one.
 *
 * Single-threaded: everything runs on the EventLoop passed to create(),
 * which must outlive the Daemon.
 */
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/nodes_file.h"
#include "config/tunables.h"
#include "ctdb/c_handles.h"
#include "ctdb/result.h"
#include "server/cluster/banning.h"
#include "server/core/control_dispatcher.h"
#include "server/core/control_server.h"
#include "server/core/controls.h"
#include "server/core/daemon_options.h"
#include "server/cluster/leader_election.h"
#include "server/core/message_router.h"
#include "server/core/node_state.h"
#include "server/cluster/lock_lease.h"
#include "server/cluster/quorum.h"
#include "server/core/runstate.h"
#include "server/core/srvid_registry.h"
#include "server/cluster/takeover_messages.h"
#include "util/async.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::server {

struct DaemonSetup {
  DaemonOptions options;
  std::vector<config::NodeEntry> nodes;
  uint32_t pnn = 0;
  config::Tunables tunables;
};

class Daemon {
 public:
  using StepDone = std::function<void(Status)>;
  /* Starts the step's work; done runs once, on a later loop iteration. */
  using Step = std::function<PendingOp(StepDone done)>;

  static Result<std::unique_ptr<Daemon>> create(EventLoop& loop, DaemonSetup setup,
                                                UniqueFd listen_fd);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  void start();
  void shutdown(const std::string& reason, int exit_code);
  bool isShuttingDown() const { return is_shutting_down_; }
  /* Called once, when shutdown has finished. */
  void setOnExit(std::function<void(int exit_code)> fn) { on_exit_ = std::move(fn); }

  /* Must be called before start(); steps of a state run in parallel. */
  void addStartupStep(Runstate state, Step step);
  void addShutdownStep(Step step);

  const DaemonOptions& options() const { return options_; }
  ControlDispatcher& controls() { return dispatcher_; }
  MessageRouter& messages() { return *router_; }
  RunstateMachine& runstate() { return runstate_; }
  NodeState& nodes() { return *nodes_; }
  config::Tunables& tunables() { return tunables_; }
  TakeoverMessages& takeover() { return *takeover_; }
  /* Leader election + cluster lock (doc/cluster.md); banning credits/hooks. */
  LeaderElection& election() { return *election_; }
  Banning& banning() { return *banning_; }
  /* May this node hold public IPs and lead? (doc/cluster.md "Quorum"). */
  QuorumMonitor& quorum() { return *quorum_; }
  SrvidRegistry& srvids() { return srvids_; }
  size_t clientCount() const { return server_ ? server_->clientCount() : 0; }
  void setTransport(Transport& t) { router_->setTransport(t); }
  /* Receives local clients' controls whose destnode is another PNN. */
  using ControlForwarder = std::function<void(uint32_t destnode, ControlRequest, ReplySink)>;
  void setControlForwarder(ControlForwarder f) { forwarder_ = std::move(f); }

 private:
  Daemon(EventLoop& loop, DaemonSetup setup);
  Status init(UniqueFd listen_fd);
  void onPacket(ClientConnection& client, std::vector<uint8_t> packet);
  void onControl(ClientConnection& client, protocol::ReqControl c);
  void enterState(Runstate rs);
  void runShutdownSteps(size_t index, int exit_code);

  EventLoop& loop_;
  const DaemonOptions options_;
  config::Tunables tunables_;
  RunstateMachine runstate_;
  SrvidRegistry srvids_;
  DaemonTimes times_;
  LocalOnlyTransport local_transport_;
  std::unique_ptr<NodeState> nodes_;
  std::unique_ptr<MessageRouter> router_;
  ControlDispatcher dispatcher_;
  std::unique_ptr<ControlContext> ctx_;
  std::unique_ptr<TakeoverMessages> takeover_;
  std::unique_ptr<QuorumMonitor> quorum_;
  LockLease lock_lease_;  // the quorum's view of the lock this node holds
  std::unique_ptr<LeaderElection> election_;
  std::unique_ptr<Banning> banning_;
  std::vector<std::pair<Runstate, Step>> startup_steps_;
  Completer<void> first_recovery_;  // FIRST_RECOVERY waiting for a leader
  std::vector<PendingOp> step_ops_;  // the current run state's startup steps
  PendingOp shutdown_op_;            // the running shutdown step
  std::vector<Step> shutdown_steps_;
  std::function<void(int)> on_exit_;
  bool is_started_ = false;
  bool is_shutting_down_ = false;
  LifetimeGuard guard_;
  ControlForwarder forwarder_;
  std::unique_ptr<ControlServer> server_;  // last: clients go first
};

}  // namespace ctdb::server
