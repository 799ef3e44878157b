#include "server/ip/ip_service.h"

#include <cstdlib>
#include <unordered_set>

#include "net/garp.h"
#include "net/sysctl.h"
#include "server/cluster/takeover_run.h"
#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;

namespace {

/* IpActions decorator: an action the inner implementation reports as done
 * is checked against the kernel; the kernel decides what is true. */
class KernelCheckedIpActions final : public IpActions {
 public:
  using Where = std::function<std::optional<std::string>(const IpAddress&, bool expect_present)>;
  KernelCheckedIpActions(std::unique_ptr<IpActions> inner, Where where)
      : inner_(std::move(inner)), where_(std::make_shared<Where>(std::move(where))) {}

  PendingOp takeIp(const std::string& iface, const IpPrefix& ip, Done done) override {
    return inner_->takeIp(iface, ip, expectOn("takeip", iface, ip, std::move(done)));
  }
  PendingOp updateIp(const std::string& old_iface, const std::string& new_iface,
                     const IpPrefix& ip, Done done) override {
    return inner_->updateIp(old_iface, new_iface, ip,
                            expectOn("updateip", new_iface, ip, std::move(done)));
  }
  PendingOp releaseIp(const std::string& iface, const IpPrefix& ip, Done done) override {
    return inner_->releaseIp(iface, ip, [where = where_, ip, done = std::move(done)](Status st) {
      if (!st) return done(std::move(st));
      if (auto on = (*where)(ip.addr, false)) {
        D_ERR("releaseip %s: the scripts succeeded but the kernel still has it on %s, failing\n",
              ip.toString().c_str(), on->c_str());
        return done(errnoError(EEXIST, "releaseip " + ip.toString() +
                                           ": script succeeded but the address is still on " +
                                           *on));
      }
      done({});
    });
  }
  PendingOp ipreallocated(Done done) override { return inner_->ipreallocated(std::move(done)); }

 private:
  Done expectOn(const char* what, const std::string& iface, const IpPrefix& ip, Done done) {
    return [where = where_, what, iface, ip, done = std::move(done)](Status st) {
      if (!st) return done(std::move(st));
      auto on = (*where)(ip.addr, true);
      if (on && *on == iface) return done({});
      std::string seen = on ? "on " + *on : "on no interface";
      D_ERR("%s %s on %s: the scripts succeeded but the kernel has it %s, failing\n", what,
            ip.toString().c_str(), iface.c_str(), seen.c_str());
      done(errnoError(EADDRNOTAVAIL, std::string(what) + " " + ip.toString() + " on " + iface +
                                         ": script succeeded but the address is " + seen));
    };
  }

  std::unique_ptr<IpActions> inner_;
  std::shared_ptr<Where> where_;
};

/* Built-in address work, but ipreallocated handed to someone else (the
 * events.d scripts). */
class NetlinkWithEvents final : public IpActions {
 public:
  using Ipreallocated = std::function<PendingOp(Done)>;
  NetlinkWithEvents(std::unique_ptr<IpActions> inner, Ipreallocated ipr)
      : inner_(std::move(inner)), ipr_(std::move(ipr)) {}
  PendingOp takeIp(const std::string& iface, const IpPrefix& ip, Done done) override {
    return inner_->takeIp(iface, ip, std::move(done));
  }
  PendingOp releaseIp(const std::string& iface, const IpPrefix& ip, Done done) override {
    return inner_->releaseIp(iface, ip, std::move(done));
  }
  PendingOp updateIp(const std::string& old_iface, const std::string& new_iface,
                     const IpPrefix& ip, Done done) override {
    return inner_->updateIp(old_iface, new_iface, ip, std::move(done));
  }
  PendingOp ipreallocated(Done done) override { return ipr_(std::move(done)); }

 private:
  std::unique_ptr<IpActions> inner_;
  Ipreallocated ipr_;
};

}  // namespace

Result<std::unique_ptr<IpService>> IpService::create(EventLoop& loop, Daemon& daemon,
                                                     IpServiceOptions options) {
  std::unique_ptr<IpService> s(new IpService(loop, daemon));
  if (auto st = s->init(std::move(options)); !st) return st.error();
  return s;
}

std::optional<std::string> IpService::kernelIfaceFresh(const IpAddress& a, bool expect_present) {
  // Another process (a script) changed the kernel: its notifications are
  // queued on the watcher's socket by now. Drain them (bounded).
  for (int i = 0; i < 64; ++i) {
    size_t before = watcher_->notificationsSeen();
    (void)watcher_->process();
    if (watcher_->notificationsSeen() == before) break;
  }
  if (watcher_->isResyncNeeded()) (void)watcher_->resync();
  auto f = watcher_->findAddress(a);
  if (f.has_value() == expect_present) return f ? std::optional<std::string>(f->iface) : std::nullopt;
  // Unexpected answer: ask the kernel itself before failing anything.
  auto dump = ops_->dumpAddresses();
  if (!dump) {
    D_WARNING("checking %s in the kernel: %s, using the cached view\n", a.toString().c_str(),
              dump.error().message().c_str());
    return f ? std::optional<std::string>(f->iface) : std::nullopt;
  }
  for (const auto& ia : *dump)
    if (ia.prefix.addr == a) return ia.iface;
  return std::nullopt;
}

uint32_t IpService::lifetimeSecs() const {
  return std::max<uint32_t>(daemon_.tunables().fenceTimeout(), 1);
}

void IpService::exportLifetime() {
  const uint32_t secs = lifetimeSecs();
  if (secs == exported_lifetime_) return;
  exported_lifetime_ = secs;
  // The event helper is started per event and inherits this environment.
  ::setenv("CTDB_PUBLIC_IP_LIFETIME", std::to_string(secs).c_str(), 1);
}

void IpService::drainWatcher() {
  for (int i = 0; i < 64; ++i) {
    size_t before = watcher_->notificationsSeen();
    (void)watcher_->process();
    if (watcher_->notificationsSeen() == before) break;
  }
  if (watcher_->isResyncNeeded()) (void)watcher_->resync();
}

/* Deletes prefixes from the kernel, in reverse kernel order (secondaries
 * before their primary: no O(n^2) promotion), one round-trip each. */
size_t IpService::kernelDrop(const std::vector<IpPrefix>& prefixes) {
  std::unordered_set<IpAddress, IpAddressHash> want;
  for (const auto& p : prefixes) want.insert(p.addr);
  std::vector<net::InterfaceAddress> order;
  if (auto dump = ops_->dumpAddresses(); dump) {
    for (const auto& ia : *dump)
      if (want.contains(ia.prefix.addr)) order.push_back(ia);
  } else {
    D_ERR("fence: dump: %s, deleting from the cached view\n", dump.error().message().c_str());
    for (const auto& p : prefixes)
      if (auto f = watcher_->findAddress(p.addr)) order.push_back(*f);
  }
  size_t n = 0;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (it->prefix.addr.isV4()) (void)net::setPromoteSecondaries(it->iface, net::Setting::On);
    if (auto st = ops_->deleteAddress(it->iface, it->prefix); st) {
      n++;
    } else {
      D_ERR("fence: %s\n", st.error().message().c_str());
    }
  }
  drainWatcher();
  return n;
}

void IpService::fence(const std::string& reason) {
  if (!core_) return;
  renew_queue_.clear();  // nothing left to renew
  // Nobody waits for the answer; the releases themselves always finish.
  core_->fence(reason, [](Status) {}).detach();
}

void IpService::startRenewal(std::chrono::steady_clock::time_point started) {
  renew_queue_.clear();
  renew_pos_ = 0;
  renewed_ = 0;
  renew_started_ = started;
  for (const PublicIpEntry* e : core_->table().list())
    if (e->state != IpState::Unassigned && e->state != IpState::Releasing)
      renew_queue_.push_back(e->addr());
  renewChunk();
}

void IpService::renewChunk() {
  // Only what the kernel still has, as seen after draining: a renewal
  // would re-create an expired address.
  drainWatcher();
  const uint32_t secs = lifetimeSecs();
  const size_t end = std::min(renew_queue_.size(), renew_pos_ + kRenewChunk);
  for (; renew_pos_ < end; ++renew_pos_) {
    const PublicIpEntry* e = core_->table().find(renew_queue_[renew_pos_]);
    if (!e || e->state == IpState::Unassigned || e->state == IpState::Releasing) continue;
    for (const auto& ia : watcher_->addresses().findAll(e->addr())) {
      if (auto st = ops_->renewAddress(ia, secs); st) {
        renewed_++;
      } else {
        D_WARNING("renewing %s: %s\n", ia.prefix.toString().c_str(), st.error().message().c_str());
      }
    }
  }
  if (renew_pos_ < renew_queue_.size()) {
    loop_.post([this, alive = guard_.watch()]() {
      if (alive.isAlive() && !renew_queue_.empty()) renewChunk();
    });
    return;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - renew_started_).count();
  D_INFO("renewed the lifetime of %zu public addresses (%us) in %lld ms\n", renewed_, secs,
         static_cast<long long>(ms));
  last_renewal_ = renew_started_;
  renew_queue_.clear();
}

void IpService::onFenceTick() {
  exportLifetime();
  const auto now = std::chrono::steady_clock::now();
  // RecoveryDropAllIPs (CTDB 4.5): out of normal operation too long.
  const uint32_t drop_after = daemon_.tunables().recoveryDropAllIps();
  if (daemon_.nodes().leader() != protocol::kUnknownPnn) {
    no_leader_since_ = now;
    drop_all_state_ = DropAllState::Watching;
  } else if (drop_after > 0 && drop_all_state_ == DropAllState::Watching &&
             now - no_leader_since_ >= std::chrono::seconds(drop_after)) {
    drop_all_state_ = DropAllState::Dropped;
    char why[128];
    snprintf(why, sizeof why, "Drop all IPs, node has been out of normal operation for %u seconds",
             drop_after);
    D_ERR("%s\n", why);
    fence(why);
  }
  // Lifetime renewal every FenceTimeout/3.
  const auto ft = std::chrono::seconds(lifetimeSecs());
  if (now - last_renewal_ < ft / 3) return;
  if (!daemon_.quorum().checkNow()) {
    // Not quorate: the quorum listener fenced; what is taken after quorum
    // returns is added with a fresh lifetime.
    last_renewal_ = now;
    return;
  }
  bool holds = false;
  for (const PublicIpEntry* e : core_->table().list())
    if (e->state != IpState::Unassigned) holds = true;
  if (!holds) {
    last_renewal_ = now;
    return;
  }
  // Renewed every FenceTimeout/3; two thirds without one means the loop
  // was held up (load, a stop) and the kernel may expire addresses at any
  // moment: drop them all now rather than have them vanish one by one.
  if (now - last_renewal_ >= ft * 2 / 3) {
    char why[128];
    snprintf(why, sizeof why, "last address lifetime renewal was %lld ms ago, the addresses may have expired",
             static_cast<long long>(
                 std::chrono::duration_cast<std::chrono::milliseconds>(now - last_renewal_).count()));
    fence(why);
    last_renewal_ = now;
    return;
  }
  if (!renew_queue_.empty()) return;  // a cycle is still going
  startRenewal(now);
}

IpService::~IpService() {
  guard_.revoke();
  fence_timer_.reset();
  run_.cancel();
  conn_.reset();
  core_.reset();
  watcher_fde_.reset();
}

Status IpService::init(IpServiceOptions options) {
  auto actions = std::move(options.actions);
  auto ops = net::AddressOps::create();
  if (!ops) return ops.error();
  ops_ = std::move(*ops);

  net::WatcherCallbacks cb;
  cb.on_link_change = [this](const net::LinkInfo& l) {
    if (core_) core_->onKernelLink(l.name, l.isUsable());
  };
  cb.on_link_removed = [this](const net::LinkInfo& l) {
    if (core_) core_->onKernelLink(l.name, false);
  };
  cb.on_address_change = [this](const net::AddressEvent& ev) {
    if (core_ && ev.change == net::AddressChange::Removed && !watcher_->findAddress(ev.addr.prefix.addr))
      core_->onKernelAddressRemoved(ev.addr.prefix.addr);
  };
  auto w = net::LinkWatcher::create(std::move(cb));
  if (!w) return w.error();
  watcher_ = std::move(*w);
  watcher_fde_ = std::make_unique<FdEvent>(loop_, watcher_->fd(), FdEvent::kRead, [this](uint16_t) {
    if (auto st = watcher_->process(); !st)
      D_ERR("link watcher: %s, will resync\n", st.error().message().c_str());
  });
  resync_timer_ = std::make_unique<RepeatingTimer>(loop_, std::chrono::seconds(5), [this]() {
    if (watcher_->isResyncNeeded()) (void)watcher_->resync();
  });

  if (actions && options.verify_kernel) {
    actions_ = std::make_unique<KernelCheckedIpActions>(
        std::move(actions),
        [this](const IpAddress& a, bool expect) { return kernelIfaceFresh(a, expect); });
  } else if (actions) {
    actions_ = std::move(actions);
  } else {
    actions_ = std::make_unique<NetlinkIpActions>(
        loop_, *ops_,
        [this](const IpAddress& a) -> std::optional<std::string> {
          auto f = watcher_->findAddress(a);
          if (!f) return std::nullopt;
          return f->iface;
        },
        [this]() { (void)watcher_->process(); });
    static_cast<NetlinkIpActions*>(actions_.get())->setLifetime([this]() -> std::optional<uint32_t> {
      return lifetimeSecs();
    });
    if (options.ipreallocated)
      actions_ = std::make_unique<NetlinkWithEvents>(std::move(actions_), options.ipreallocated);
  }

  IpCoreHooks hooks;
  hooks.own_pnn = daemon_.nodes().ownPnn();
  hooks.can_host = [this]() {
    return daemon_.runstate().current() == Runstate::Running &&
           (daemon_.nodes().localFlags() & (NF::kInactive | NF::kDisabled)) == 0 &&
           daemon_.quorum().isQuorate();
  };
  hooks.kernel_drop = [this](const std::vector<IpPrefix>& p) { return kernelDrop(p); };
  hooks.send_local = [this](uint64_t srvid, std::vector<uint8_t> data) {
    daemon_.messages().send(daemon_.nodes().ownPnn(), srvid, std::move(data));
  };
  hooks.request_takeover_run = [this]() {
    if (daemon_.runstate().current() == Runstate::Running) daemon_.takeover().requestRun();
  };
  hooks.is_takeover_running = [this]() { return daemon_.takeover().isRunInProgress(); };
  hooks.kernel_iface = [this](const IpAddress& a) -> std::optional<std::string> {
    auto f = watcher_->findAddress(a);
    if (!f) return std::nullopt;
    return f->iface;
  };
  hooks.kernel_iface_recheck = [this](const IpAddress& a) { return kernelIfaceFresh(a, true); };
  hooks.iface_exists = [this](const std::string& name) { return watcher_->link(name).has_value(); };
  hooks.send_garp = [](const std::string& iface, const IpAddress& a) {
    return net::sendGratuitousArp(iface, a);
  };
  hooks.public_addresses_file = daemon_.options().public_addresses_file;
  core_ = std::make_unique<IpCore>(loop_, *actions_, std::move(hooks));

  if (const auto& path = daemon_.options().public_addresses_file) {
    auto entries = config::loadPublicAddressesFile(*path);
    if (!entries) return entries.error();
    if (auto st = core_->loadEntries(*entries, *path); !st) return st;
    // Interfaces start with the kernel's view of their link.
    for (const auto& ife : core_->table().ifaces().list()) {
      if (auto l = watcher_->link(ife.name); l && !l->isUsable())
        (void)core_->setIfaceLink(ife.name, false);
    }
  }

  if (auto st = registerIpControls(daemon_.controls(), *core_); !st) return st;

  // CTDB 4.5 order: release stale addresses, then the startup event;
  // release everything, then the shutdown event.
  daemon_.addStartupStep(Runstate::Startup, [this, after = options.after_stale_release](
                                                Daemon::StepDone done) {
    auto [op, c] = makeAsync<void>(loop_, std::move(done));
    step_op_ = core_->releaseStale([this, after, c](Status st) mutable {
      if (!st || !after) return c.complete(std::move(st));
      step_op_ = after([c](Status ev) mutable { c.complete(std::move(ev)); });
    });
    return std::move(op);
  });
  daemon_.addShutdownStep([this, after = options.after_release_all](Daemon::StepDone done) {
    run_.cancel();
    auto [op, c] = makeAsync<void>(loop_, std::move(done));
    step_op_ = core_->releaseAll([this, after, c](Status st) mutable {
      if (!after) return c.complete(std::move(st));
      // The shutdown event runs even when a release failed (4.5 does too).
      step_op_ = after([st, c](Status ev) mutable { c.complete(st ? std::move(ev) : st); });
    });
    return std::move(op);
  });
  // A banned node releases all its public IPs (CTDB's
  // ctdb_local_node_got_banned); not with IP failover disabled.
  daemon_.banning().onBanned([this, alive = guard_.watch()]() {
    if (!alive.isAlive() || !core_ || daemon_.tunables().disableIpFailover() != 0) return;
    D_NOTICE("This node has been banned - releasing all public IPs\n");
    core_->releaseAll([](Status) {}).detach();
  });
  exportLifetime();
  last_renewal_ = no_leader_since_ = std::chrono::steady_clock::now();
  daemon_.quorum().onChange([this, alive = guard_.watch()](QuorumState, QuorumState now) {
    if (!alive.isAlive()) return;
    if (now == QuorumState::Lost) fence("quorum lost");
    // Quorate again: this node offers its public IPs again (can_host), and
    // the leader's last run may have left it out; ask for a run, as on
    // reaching RUNNING.
    if (now == QuorumState::Quorate && daemon_.runstate().current() == Runstate::Running)
      daemon_.takeover().requestRun();
  });
  // 250 ms: a renewal is due every FenceTimeout/3, judged late at two
  // thirds of FenceTimeout; a coarse tick would make small FenceTimeouts fence.
  fence_timer_ = std::make_unique<RepeatingTimer>(loop_, std::chrono::milliseconds(250), [this]() {
    onFenceTick();
  });
  daemon_.runstate().onRunstate(Runstate::Running, [this](Runstate) {
    daemon_.takeover().requestRun();
  });
  // The takeover runs' client connection is made now, so that like CTDB's
  // recovery daemon it is a client from the start (PING counts it: one CLI
  // sees "2 clients", as with ctdbd 4.17).
  if (auto c = client::Connection::connect(loop_, daemon_.options().socket_path); c) {
    conn_ = std::move(*c);
    conn_->setPnn(daemon_.nodes().ownPnn());
  } else {
    D_WARNING("takeover runs: cannot connect to %s yet: %s\n",
              daemon_.options().socket_path.c_str(), c.error().message().c_str());
  }
  daemon_.takeover().setRunner(
      [this](const std::vector<uint32_t>& force, TakeoverMessages::Done done) {
        runTakeover(force, std::move(done));
      });
  return {};
}

std::vector<uint32_t> IpService::heldNodes() {
  // A lost node may still host its addresses until FenceTimeout after the
  // last packet it heard from us (it fences, or its address lifetimes run
  // out); FenceMargin covers keepalive skew, its release time and load.
  const auto hold = daemon_.quorum().fenceTimeout() +
                    std::chrono::seconds(daemon_.tunables().fenceMargin());
  const auto now = loop_.now();
  auto& nodes = daemon_.nodes();
  std::vector<uint32_t> held;
  std::optional<std::chrono::steady_clock::time_point> earliest;
  for (uint32_t pnn = 0; pnn < nodes.nodeCount(); ++pnn) {
    if (pnn == nodes.ownPnn()) continue;
    const uint32_t f = nodes.flags(pnn);
    if ((f & NF::kDeleted) || !(f & NF::kDisconnected)) continue;
    const auto until = nodes.lastHeard(pnn) + hold;
    if (until <= now) continue;
    held.push_back(pnn);
    D_NOTICE("takeover run: node %u is lost but may still hold its IPs for %.1f s (fence "
             "time), leaving them\n",
             pnn, std::chrono::duration<double>(until - now).count());
    if (!earliest || until < *earliest) earliest = until;
  }
  if (earliest) {
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(*earliest - now) +
                 std::chrono::milliseconds(50);
    hold_timer_ = std::make_unique<Timer>(loop_, delay, [this]() {
      hold_timer_.reset();
      daemon_.takeover().requestRun();
    });
  }
  return held;
}

void IpService::runTakeover(const std::vector<uint32_t>& force_rebalance,
                            std::function<void(bool)> done) {
  auto finish = [this, done = std::move(done)](bool ok) {
    ok ? runs_ok_++ : runs_failed_++;
    done(ok);
    loop_.post([this, alive = guard_.watch()]() {
      if (alive.isAlive() && core_) core_->onTakeoverRunFinished();
    });
  };
  if (daemon_.isShuttingDown()) return finish(false);
  if (!conn_ || !conn_->isConnected()) {
    auto c = client::Connection::connect(loop_, daemon_.options().socket_path);
    if (!c) {
      D_ERR("takeover run: cannot connect to %s: %s\n", daemon_.options().socket_path.c_str(),
            c.error().message().c_str());
      return finish(false);
    }
    conn_ = std::move(*c);
    conn_->setPnn(daemon_.nodes().ownPnn());
  }
  const auto& t = daemon_.tunables();
  takeover::TakeoverRunOptions opts;
  opts.algorithm = takeover::algorithmFromTunable(t.ipAllocAlgorithm());
  opts.no_ip_failback = t.noIpFailback() != 0;
  opts.no_ip_takeover = t.noIpTakeover() != 0;
  opts.force_rebalance = force_rebalance;
  opts.timeout = std::chrono::seconds(3 * std::max<uint32_t>(t.takeoverTimeout(), 1));
  opts.held_nodes = heldNodes();
  D_NOTICE("Takeover run starting\n");
  run_ = takeover::startTakeoverRun(
      loop_, *conn_, std::move(opts),
      [finish](Result<takeover::TakeoverRunReport> r) mutable {
        if (!r) {
          D_ERR("Takeover run unsuccessful: %s\n", r.error().message().c_str());
          return finish(false);
        }
        D_NOTICE("Takeover run completed successfully (%zu known IPs, %zu releases, %zu takeovers)\n",
                 r->known_ips, r->releases_sent, r->takeovers_sent);
        finish(true);
      });
}

}  // namespace ctdb::server
