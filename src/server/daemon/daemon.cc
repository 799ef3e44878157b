#include "server/daemon/daemon.h"

#include <utility>

#include "protocol/types.h"
#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;

namespace {

uint32_t initialLocalFlags(StartState s) {
  switch (s) {
    case StartState::Normal: return 0;
    case StartState::Disabled: return NF::kPermanentlyDisabled;
    case StartState::Stopped: return NF::kStopped;
    case StartState::DisabledAndStopped: return NF::kPermanentlyDisabled | NF::kStopped;
  }
  return 0;
}

Runstate nextState(Runstate rs) {
  switch (rs) {
    case Runstate::Unknown: return Runstate::Init;
    case Runstate::Init: return Runstate::Setup;
    case Runstate::Setup: return Runstate::FirstRecovery;
    case Runstate::FirstRecovery: return Runstate::Startup;
    case Runstate::Startup: return Runstate::Running;
    default: return rs;
  }
}

}  // namespace

Daemon::Daemon(EventLoop& loop, DaemonSetup setup)
    : loop_(loop), options_(std::move(setup.options)), tunables_(std::move(setup.tunables)) {
  nodes_ = std::make_unique<NodeState>(setup.nodes, setup.pnn,
                                       initialLocalFlags(options_.start_state));
}

Result<std::unique_ptr<Daemon>> Daemon::create(EventLoop& loop, DaemonSetup setup,
                                               UniqueFd listen_fd) {
  if (setup.pnn >= setup.nodes.size() || setup.nodes[setup.pnn].is_deleted)
    return makeError("PNN " + std::to_string(setup.pnn) + " is not a live node of the nodes file");
  std::unique_ptr<Daemon> d(new Daemon(loop, std::move(setup)));
  if (auto st = d->init(std::move(listen_fd)); !st) return st.error();
  return d;
}

Status Daemon::init(UniqueFd listen_fd) {
  router_ = std::make_unique<MessageRouter>(
      *nodes_, srvids_,
      [this](ClientId id, std::vector<uint8_t> pkt) {
        return server_ && server_->sendTo(id, std::move(pkt));
      },
      local_transport_);

  ctx_ = std::unique_ptr<ControlContext>(new ControlContext{
      loop_, *nodes_, tunables_, runstate_, srvids_, *router_, times_, options_.reclock,
      [this]() { return clientCount(); },
      [this](pid_t pid) { return server_ && server_->hasClientPid(pid); },
      [this, alive = guard_.watch()](const std::string& reason) {
        // Never tear down from inside a packet handler: finish it first.
        loop_.post([this, alive, reason]() {
          if (alive.isAlive()) shutdown(reason, 0);
        });
      }});
  if (auto st = registerBasicControls(dispatcher_, *ctx_); !st) return st;
  if (auto st = registerTunableControls(dispatcher_, *ctx_); !st) return st;
  if (auto st = registerNodeControls(dispatcher_, *ctx_); !st) return st;

  takeover_ = std::make_unique<TakeoverMessages>(loop_, *nodes_, *router_);

  std::optional<LockSpec> lock;
  if (options_.reclock) {
    auto spec = parseLockSpec(*options_.reclock);
    if (!spec) return spec.error();
    lock = std::move(*spec);
  }
  QuorumMonitor::Options qopts;
  qopts.lock_configured = lock.has_value();
  quorum_ = std::make_unique<QuorumMonitor>(loop_, *nodes_, tunables_, qopts);
  LeaderElection::Options eopts;  // ctdb.conf [cluster] leader timeout / capability
  eopts.leader_timeout = options_.leader_timeout;
  eopts.has_recmaster_capability = options_.has_leader_capability;
  election_ = std::make_unique<LeaderElection>(loop_, *nodes_, *router_, tunables_,
                                               std::move(lock), eopts);
  election_->setQuorum(quorum_.get());
  // Exactly half of the nodes is quorate only with the lock: held by this
  // node as leader, or by the leader this node can reach (a leader exists
  // only while it holds the lock).
  // A lock that is a lease counts only while renewed within FenceTimeout
  // (LockLease; doc/cluster.md "Quorum and fencing").
  quorum_->setLockProbe([this]() {
    if (election_->holdsLockAsLeader()) {
      const ClusterLock* l = election_->lock();
      if (l == nullptr) return false;
      const bool majority = 2ull * quorum_->reachable() > quorum_->configured();
      const bool counts = lock_lease_.counts(l->holding(), majority, loop_.now(), quorum_->fenceTimeout());
      if (!counts && !majority)
        D_WARNING("cluster lock: not renewed within FenceTimeout: it no longer counts for quorum\n");
      return counts;
    }
    const uint32_t leader = nodes_->leader();
    return quorum_->isLockConfigured() && leader != protocol::kUnknownPnn &&
           leader != nodes_->ownPnn() && quorum_->isReachable(leader);
  });
  quorum_->onChange([this](QuorumState o, QuorumState n) { election_->onQuorumChanged(o, n); });
  election_->setTakeoverRequester([this](const std::string&) { takeover_->requestRun(); });
  election_->onLeaderChanged([this](uint32_t, uint32_t) { takeover_->onLeaderKnown(); });
  // A leader (and so the cluster lock) changes the exactly-half verdict:
  // judge it now rather than at the next check (posted: not from inside
  // the election's own callbacks).
  election_->onLeaderChanged([this](uint32_t, uint32_t) {
    loop_.post([this, alive = guard_.watch()]() {
      if (alive.isAlive()) quorum_->checkNow();
    });
  });
  // FIRST_RECOVERY ends once the node is part of a cluster with a leader
  // (CTDB 4.5 leaves it after the recovery master's first recovery): a node
  // rejoining a running cluster must not report RUNNING, nor be asked to
  // host IPs, while it cannot yet reach the other nodes.
  addStartupStep(Runstate::FirstRecovery, [this](StepDone done) {
    auto [op, c] = makeAsync<void>(loop_, std::move(done));
    if (nodes_->leader() != protocol::kUnknownPnn) {
      c.complete({});
    } else {
      D_NOTICE("first recovery: waiting for a leader\n");
      first_recovery_ = c;
    }
    return std::move(op);
  });
  election_->onLeaderChanged([this](uint32_t, uint32_t now) {
    if (now == protocol::kUnknownPnn || !first_recovery_.isPending()) return;
    D_NOTICE("first recovery: node %u is leader\n", now);
    std::exchange(first_recovery_, Completer<void>{}).complete({});
  });
  banning_ = std::make_unique<Banning>(loop_, *nodes_, *router_, tunables_, dispatcher_,
                                       [this]() { return election_->isLeader(); });

  ControlServer::Callbacks cb;
  cb.on_packet = [this](ClientConnection& c, std::vector<uint8_t> pkt) {
    onPacket(c, std::move(pkt));
  };
  cb.on_disconnect = [this](ClientId id) { srvids_.dropClient(id); };
  server_ = std::make_unique<ControlServer>(loop_, std::move(listen_fd), options_.socket_path,
                                            std::move(cb));
  D_NOTICE("ctdbd: node %u of %zu, control socket %s\n", nodes_->ownPnn(), nodes_->nodeCount(),
           options_.socket_path.c_str());
  return {};
}

Daemon::~Daemon() {
  guard_.revoke();
  step_ops_.clear();  // their answers never run
  shutdown_op_.cancel();
  server_.reset();
}

void Daemon::addStartupStep(Runstate state, Step step) {
  startup_steps_.emplace_back(state, std::move(step));
}

void Daemon::addShutdownStep(Step step) { shutdown_steps_.push_back(std::move(step)); }

void Daemon::start() {
  if (is_started_) return;
  is_started_ = true;
  quorum_->start();
  election_->start();
  loop_.post([this, alive = guard_.watch()]() {
    if (alive.isAlive()) enterState(Runstate::Init);
  });
}

void Daemon::enterState(Runstate rs) {
  if (is_shutting_down_) return;
  if (auto st = runstate_.transition(rs); !st) {
    shutdown("run state: " + st.error().message(), 1);
    return;
  }
  if (rs == Runstate::FirstRecovery) times_.last_recovery_started = std::chrono::system_clock::now();
  if (rs == Runstate::Startup) times_.last_recovery_finished = std::chrono::system_clock::now();
  if (rs == Runstate::Running) return;

  std::vector<Step> steps;
  for (auto& [state, step] : startup_steps_)
    if (state == rs) steps.push_back(step);

  // Every step of the state succeeds -> the next state, one loop iteration
  // later. The first failure shuts down; the other steps' answers are
  // dropped with their ops (and with them this join).
  WhenAll all([this, rs](const WhenAll::Summary&) {
    loop_.post(guard_.guard([this, rs]() { enterState(nextState(rs)); }));
  });
  step_ops_.clear();  // the previous state's, all answered
  for (auto& step : steps) {
    step_ops_.push_back(step([this, rs, branch = all.branch()](Status st) mutable {
      if (st) return branch({});
      D_ERR("start-up step in runstate %s failed: %s, shutting down\n",
            protocol::runstateToString(rs), st.error().message().c_str());
      step_ops_.clear();
      loop_.post(guard_.guard([this]() { shutdown("start-up failed", 1); }));
    }));
  }
  all.seal();
}

void Daemon::shutdown(const std::string& reason, int exit_code) {
  if (is_shutting_down_) return;
  is_shutting_down_ = true;
  D_NOTICE("ctdbd: shutting down (%s)\n", reason.c_str());
  election_->stop();
  quorum_->stop();
  (void)runstate_.transition(Runstate::Shutdown);
  runShutdownSteps(0, exit_code);
}

void Daemon::runShutdownSteps(size_t index, int exit_code) {
  if (index >= shutdown_steps_.size()) {
    if (server_) server_->closeAll();
    D_NOTICE("ctdbd: shutdown complete, exit code %d\n", exit_code);
    if (on_exit_) on_exit_(exit_code);
    return;
  }
  shutdown_op_ = shutdown_steps_[index]([this, index, exit_code](Status st) {
    if (!st)
      D_ERR("shutdown step %zu failed: %s, continuing\n", index, st.error().message().c_str());
    runShutdownSteps(index + 1, exit_code);
  });
}

void Daemon::onPacket(ClientConnection& client, std::vector<uint8_t> packet) {
  auto hdr = protocol::decodeHeader(packet);
  if (!hdr) {
    client.close("malformed packet: " + hdr.error().message());
    return;
  }
  switch (static_cast<protocol::Operation>(hdr->operation)) {
    case protocol::Operation::ReqControl: {
      auto c = protocol::decodeReqControl(packet);
      if (!c) {
        D_ERR("client %u: malformed control: %s, disconnecting\n", client.id(),
              c.error().message().c_str());
        client.close("malformed control: " + c.error().message());
        return;
      }
      onControl(client, std::move(*c));
      return;
    }
    case protocol::Operation::ReqMessage: {
      auto m = protocol::decodeReqMessage(packet);
      if (!m) {
        D_ERR("client %u: malformed message: %s, disconnecting\n", client.id(),
              m.error().message().c_str());
        client.close("malformed message: " + m.error().message());
        return;
      }
      if (is_shutting_down_) return;
      router_->send(m->hdr.destnode, m->srvid, std::move(m->data));
      return;
    }
    default:
      D_WARNING("client %u: operation %u not supported on the control socket, ignoring\n",
                client.id(), hdr->operation);
  }
}

void Daemon::onControl(ClientConnection& client, protocol::ReqControl c) {
  ControlRequest req;
  req.client_id = client.id();
  req.client_pid = client.peerPid();
  req.hdr = c.hdr;
  req.opcode = c.opcode;
  req.srvid = c.srvid;
  req.flags = c.flags;
  req.data = std::move(c.data);

  ReplySink sink;
  if (req.wantsReply()) {
    std::weak_ptr<ClientConnection> weak = client.shared_from_this();
    const uint32_t reqid = c.hdr.reqid;
    sink = ReplySink(req.opcode, [this, weak, reqid, alive = guard_.watch()](
                                     ControlReply r) {
      auto conn = weak.lock();
      if (!conn || conn->isClosed() || !alive.isAlive()) {
        D_DEBUG("reply to reqid %u dropped: client gone\n", reqid);
        return;
      }
      protocol::ReplyControl rep;
      rep.hdr.generation = nodes_->generation();
      rep.hdr.destnode = nodes_->ownPnn();
      rep.hdr.srcnode = nodes_->ownPnn();
      rep.hdr.reqid = reqid;
      rep.status = r.status;
      rep.data = std::move(r.data);
      rep.errmsg = std::move(r.errmsg);
      conn->send(protocol::encodePacket(rep));
    });
  }

  const uint32_t dest = req.hdr.destnode;
  const bool is_local = dest == nodes_->ownPnn() || dest == protocol::kCurrentNode ||
                        dest == protocol::kBroadcastAll || dest == protocol::kBroadcastActive ||
                        dest == protocol::kBroadcastConnected;
  if (!is_local && forwarder_ && !is_shutting_down_ && dest < nodes_->nodeCount()) {
    forwarder_(dest, std::move(req), std::move(sink));
    return;
  }
  if (!is_local) {
    D_INFO("control %s(%u) for node %u: node not connected, answering -1\n",
           protocol::opcodeName(req.opcode) ? protocol::opcodeName(req.opcode) : "UNKNOWN",
           req.opcode, dest);
    sink.status(-1);
    return;
  }
  if (is_shutting_down_) {
    sink.status(-1);
    return;
  }
  dispatcher_.dispatch(req, std::move(sink));
}

}  // namespace ctdb::server
