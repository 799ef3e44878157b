#include "server/ip_service.h"

#include "net/garp.h"
#include "takeover/takeover_run.h"
#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;

Result<std::unique_ptr<IpService>> IpService::create(EventLoop& loop, Daemon& daemon,
                                                     std::unique_ptr<IpActions> actions) {
  std::unique_ptr<IpService> s(new IpService(loop, daemon));
  if (auto st = s->init(std::move(actions)); !st) return st.error();
  return s;
}

IpService::~IpService() {
  *alive_ = false;
  run_.cancel();
  conn_.reset();
  core_.reset();
  watcher_fde_.reset();
}

Status IpService::init(std::unique_ptr<IpActions> actions) {
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

  if (actions) {
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
  }

  IpCoreHooks hooks;
  hooks.own_pnn = daemon_.nodes().ownPnn();
  hooks.can_host = [this]() {
    return daemon_.runstate().current() == Runstate::Running &&
           (daemon_.nodes().localFlags() & (NF::kInactive | NF::kDisabled)) == 0;
  };
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

  daemon_.addStartupStep(Runstate::Startup, [this](Daemon::StepDone done) {
    core_->releaseStale([done = std::move(done)](Status st) { done(st); });
  });
  daemon_.addShutdownStep([this](Daemon::StepDone done) {
    run_.cancel();
    core_->releaseAll([done = std::move(done)](Status st) { done(st); });
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

void IpService::runTakeover(const std::vector<uint32_t>& force_rebalance,
                            std::function<void(bool)> done) {
  auto finish = [this, done = std::move(done)](bool ok) {
    ok ? runs_ok_++ : runs_failed_++;
    done(ok);
    loop_.post([this, alive = std::weak_ptr<bool>(alive_)]() {
      if (alive.lock() && core_) core_->onTakeoverRunFinished();
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
