#include "server/ip/ip_core.h"

#include <algorithm>
#include <cerrno>
#include <map>

#include "util/logging.h"

namespace ctdb::server {

namespace {

std::string joinIfaces(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& n : v) s += (s.empty() ? "" : ",") + n;
  return s;
}

}  // namespace

IpCore::IpCore(EventLoop& loop, IpActions& actions, IpCoreHooks hooks)
    : loop_(loop), actions_(actions), hooks_(std::move(hooks)), table_(hooks_.own_pnn) {}

IpCore::~IpCore() {
  guard_.revoke();
  in_flight_.clear();
  announce_.clear();
}

void IpCore::answer(Done done, Status st) {
  loop_.post([alive = guard_.watch(), done = std::move(done), st = std::move(st)]() {
    if (alive.isAlive() && done) done(st);
  });
}

/* ---- the public operations: each one PendingOp (util/async.h) -------- */

PendingOp IpCore::asOp(Done done, const std::function<void(Done)>& start) {
  auto [op, c] = makeAsync<void>(loop_, std::move(done));
  start([c](Status st) mutable { c.complete(std::move(st)); });
  return std::move(op);
}

PendingOp IpCore::takeoverIp(uint32_t pnn, const IpAddress& addr, Done done) {
  return asOp(std::move(done), [&](Done d) { doTakeoverIp(pnn, addr, std::move(d)); });
}
PendingOp IpCore::releaseIp(uint32_t pnn, const IpAddress& addr, Done done) {
  return asOp(std::move(done), [&](Done d) { doReleaseIp(pnn, addr, std::move(d)); });
}
PendingOp IpCore::reload(Done done) {
  return asOp(std::move(done), [&](Done d) { doReload(std::move(d)); });
}
PendingOp IpCore::fence(const std::string& reason, Done done) {
  return asOp(std::move(done), [&](Done d) { doFence(reason, std::move(d)); });
}
PendingOp IpCore::releaseStale(Done done) {
  return asOp(std::move(done), [&](Done d) { doReleaseStale(std::move(d)); });
}
PendingOp IpCore::releaseAll(Done done) {
  return asOp(std::move(done), [&](Done d) { doReleaseAll(std::move(d)); });
}

std::optional<std::string> IpCore::kernelIface(const IpAddress& addr) const {
  return hooks_.kernel_iface ? hooks_.kernel_iface(addr) : std::nullopt;
}

Status IpCore::loadEntries(const std::vector<config::PublicAddressEntry>& entries,
                           const std::string& filename) {
  for (const auto& e : entries) {
    for (const auto& n : e.ifaces) {
      if (hooks_.iface_exists && !hooks_.iface_exists(n))
        return makeError(filename + ":" + std::to_string(e.line) + ": interface '" + n +
                         "' of public IP " + e.prefix.toString() + " does not exist");
    }
  }
  for (const auto& e : entries) {
    if (auto st = table_.add(e.prefix, e.ifaces); !st)
      return makeError(filename + ":" + std::to_string(e.line) + ": " + st.error().message());
  }
  D_NOTICE("public IPs: loaded %zu addresses from %s\n", entries.size(), filename.c_str());
  return {};
}

/* ---- TAKEOVER_IP ---------------------------------------------------- */

void IpCore::doTakeoverIp(uint32_t pnn, const IpAddress& addr, Done done) {
  if (pnn != table_.ownPnn()) {
    D_ERR("TAKEOVER_IP %s for node %u received on node %u, refusing\n", addr.toString().c_str(),
          pnn, table_.ownPnn());
    return answer(std::move(done), makeError("takeover for another node"));
  }
  PublicIpEntry* ip = table_.find(addr);
  if (!ip) {
    D_INFO("TAKEOVER_IP %s: not a public IP of this node, ignoring\n", addr.toString().c_str());
    return answer(std::move(done), {});
  }
  if (ip->isBusy()) {
    D_ERR("TAKEOVER_IP %s: %s in flight, refusing\n", addr.toString().c_str(),
          toString(ip->state));
    return answer(std::move(done), errnoError(EBUSY, "update in flight for " + addr.toString()));
  }
  auto best = table_.bestIface(*ip);
  if (!best) {
    D_ERR("TAKEOVER_IP %s: no usable interface among %s\n", addr.toString().c_str(),
          joinIfaces(ip->ifaces).c_str());
    return answer(std::move(done), errnoError(ENETDOWN, "no usable interface for " + addr.toString()));
  }
  auto kernel = kernelIface(addr);
  if (!kernel) {
    if (ip->iface) table_.unassign(*ip);  // stale belief: the kernel does not have it
    return startTakeIp(*ip, *best, std::move(done));
  }
  const bool kernel_allowed =
      std::find(ip->ifaces.begin(), ip->ifaces.end(), *kernel) != ip->ifaces.end();
  const IfaceEntry* kif = table_.ifaces().find(*kernel);
  if (!ip->iface || *ip->iface != *kernel) {
    // Held in the kernel but not (or elsewhere) in the table: repair.
    if (kernel_allowed && kif && kif->link_up) {
      D_NOTICE("TAKEOVER_IP %s: already on %s, recording it\n", addr.toString().c_str(),
               kernel->c_str());
      table_.assign(*ip, *kernel);
      ip->state = IpState::Held;
      return answer(std::move(done), {});
    }
    return startUpdateIp(*ip, *kernel, *best, std::move(done));
  }
  // Table and kernel agree on the current interface.
  if (*ip->iface != *best) {
    const IfaceEntry* cur = table_.ifaces().find(*ip->iface);
    const IfaceEntry* bst = table_.ifaces().find(*best);
    if (!cur || !cur->link_up || (bst && cur->references > bst->references + 1))
      return startUpdateIp(*ip, *ip->iface, *best, std::move(done));
  }
  D_DEBUG("TAKEOVER_IP %s: redundant, held on %s\n", addr.toString().c_str(), ip->iface->c_str());
  ip->pnn = table_.ownPnn();
  ip->state = IpState::Held;
  answer(std::move(done), {});
}

void IpCore::startTakeIp(PublicIpEntry& ip, std::string iface, Done done) {
  table_.assign(ip, iface);
  ip.state = IpState::Taking;
  const IpAddress addr = ip.addr();
  D_NOTICE("takeip %s on %s\n", ip.prefix.toString().c_str(), iface.c_str());
  in_flight_[addr] = actions_.takeIp(iface, ip.prefix, [this, addr, iface,
                                                        done = std::move(done)](Status st) {
    in_flight_.erase(addr);
    PublicIpEntry* e = table_.find(addr);
    if (!e) return done(st);
    if (!st) {
      D_ERR("takeip %s on %s failed: %s\n", addr.toString().c_str(), iface.c_str(),
            st.error().message().c_str());
      table_.unassign(*e);
      releaseFenced(addr);
      return done(st);
    }
    e->state = IpState::Held;
    if (fence_after_action_.contains(addr)) {
      releaseFenced(addr);
      return done(errnoError(ENOTCONN, "takeip " + addr.toString() + ": node fenced meanwhile"));
    }
    announce(iface, addr);
    sendLocal(protocol::kSrvidTakeIp, addr);
    done({});
  });
}

void IpCore::startUpdateIp(PublicIpEntry& ip, std::string old_iface, std::string new_iface,
                           Done done) {
  std::optional<std::string> restore = ip.iface;
  if (!restore && old_iface != kNoIface) restore = old_iface;
  table_.assign(ip, new_iface);
  if (old_iface == new_iface) {
    ip.state = IpState::Held;
    return answer(std::move(done), {});
  }
  ip.state = IpState::Updating;
  const IpAddress addr = ip.addr();
  D_NOTICE("updateip %s %s -> %s\n", ip.prefix.toString().c_str(), old_iface.c_str(),
           new_iface.c_str());
  in_flight_[addr] = actions_.updateIp(
      old_iface, new_iface, ip.prefix,
      [this, addr, new_iface, restore, done = std::move(done)](Status st) {
        in_flight_.erase(addr);
        PublicIpEntry* e = table_.find(addr);
        if (!e) return done(st);
        if (!st) {
          // Put the old interface back, pnn included (CTDB leaves pnn -1).
          const bool can_restore =
              restore && std::find(e->ifaces.begin(), e->ifaces.end(), *restore) != e->ifaces.end();
          if (can_restore) {
            table_.assign(*e, *restore);
            e->state = IpState::Held;
          } else {
            table_.unassign(*e);
          }
          releaseFenced(addr);
          return done(st);
        }
        e->state = IpState::Held;
        if (fence_after_action_.contains(addr)) {
          releaseFenced(addr);
          return done(errnoError(ENOTCONN, "updateip " + addr.toString() + ": node fenced meanwhile"));
        }
        announce(new_iface, addr);
        done({});
      });
}

/* ---- RELEASE_IP ----------------------------------------------------- */

void IpCore::doReleaseIp(uint32_t pnn, const IpAddress& addr, Done done) {
  PublicIpEntry* ip = table_.find(addr);
  if (!ip) return answer(std::move(done), {});
  announce_.erase(addr);
  if (ip->state == IpState::Releasing) {
    // Already being released (release-all on a ban, shutdown): the same
    // outcome is wanted, so answer with that release's result instead of
    // failing the caller's takeover run.
    D_INFO("RELEASE_IP %s: release in flight, answering with its result\n",
           addr.toString().c_str());
    release_waiters_[addr].push_back(ReleaseWaiter{pnn, std::move(done)});
    return;
  }
  if (ip->isBusy()) {
    D_ERR("RELEASE_IP %s: %s in flight, refusing\n", addr.toString().c_str(), toString(ip->state));
    return answer(std::move(done), errnoError(EBUSY, "update in flight for " + addr.toString()));
  }
  // A held IP whose address the cached view misses is re-checked before the
  // release is called redundant: the cache can lag a script's takeip by a
  // notification, and a skipped release would leave the address on this
  // node while the new owner takes it.
  const bool is_absent =
      !kernelIface(addr) &&
      !(ip->state == IpState::Held && hooks_.kernel_iface_recheck && hooks_.kernel_iface_recheck(addr));
  if (is_absent) {
    // Redundant release: record the new owner. A delete-pending IP goes now
    // (CTDB keeps it forever in this case).
    table_.unassign(*ip);
    ip->pnn = pnn;
    if (ip->isDeletePending()) {
      D_NOTICE("public IP %s deleted (was pending deletion)\n", addr.toString().c_str());
      (void)table_.remove(addr);
    }
    return answer(std::move(done), {});
  }
  startRelease(*ip, pnn, std::move(done));
}

void IpCore::startRelease(PublicIpEntry& ip, uint32_t new_pnn, Done done) {
  ip.state = IpState::Releasing;
  const IpAddress addr = ip.addr();
  const std::string iface = ip.iface.value_or(kNoIface);
  D_NOTICE("releaseip %s from %s\n", ip.prefix.toString().c_str(), iface.c_str());
  in_flight_[addr] = actions_.releaseIp(iface, ip.prefix, [this, addr, new_pnn,
                                                           done = std::move(done)](Status st) {
    in_flight_.erase(addr);
    std::vector<ReleaseWaiter> waiters;
    if (auto w = release_waiters_.find(addr); w != release_waiters_.end()) {
      waiters = std::move(w->second);
      release_waiters_.erase(w);
    }
    PublicIpEntry* e = table_.find(addr);
    if (!e) {
      for (auto& w : waiters) w.done(st);
      return done(st);
    }
    if (st && kernelIface(addr)) {
      st = errnoError(EADDRINUSE, "public IP " + addr.toString() + " still on an interface after release");
    }
    if (!st) {
      D_ERR("releaseip %s failed: %s\n", addr.toString().c_str(), st.error().message().c_str());
      e->state = e->iface ? IpState::Held : IpState::Unassigned;
      for (auto& w : waiters) w.done(st);
      return done(st);
    }
    // The last RELEASE_IP names the owner the cluster wants now.
    uint32_t owner = new_pnn;
    for (const auto& w : waiters)
      if (w.names_owner) owner = w.pnn;
    postRelease(addr, owner);
    for (auto& w : waiters) w.done({});
    done({});
  });
}

void IpCore::postRelease(const IpAddress& addr, uint32_t new_pnn) {
  PublicIpEntry* e = table_.find(addr);
  if (!e) return;
  sendLocal(protocol::kSrvidReleaseIp, addr);
  table_.unassign(*e);
  e->pnn = new_pnn;
  if (e->isDeletePending()) {
    D_NOTICE("public IP %s deleted after release\n", addr.toString().c_str());
    (void)table_.remove(addr);
  }
}

/* ---- ADD / DEL ------------------------------------------------------ */

Status IpCore::addIp(const IpPrefix& prefix, const std::vector<std::string>& ifaces) {
  if (ifaces.empty()) return makeError("no interface given for " + prefix.toString());
  for (const auto& n : ifaces) {
    if (n.empty() || n.size() > config::kMaxIfaceNameLen)
      return makeError("invalid interface name '" + n + "'");
    if (hooks_.iface_exists && !hooks_.iface_exists(n))
      return errnoError(ENODEV, "interface '" + n + "' does not exist");
  }
  if (PublicIpEntry* e = table_.find(prefix.addr); e && e->isDeletePending() &&
                                                  e->prefix == prefix && e->ifaces == ifaces) {
    (void)table_.cancelDeletion(*e);  // re-added before it was released
    D_NOTICE("public IP %s: pending deletion cancelled\n", prefix.toString().c_str());
    return {};
  }
  if (auto st = table_.add(prefix, ifaces); !st) return st;
  D_NOTICE("public IP %s on %s added\n", prefix.toString().c_str(), joinIfaces(ifaces).c_str());
  return {};
}

Status IpCore::delIp(const IpAddress& addr) {
  PublicIpEntry* e = table_.find(addr);
  if (!e) return errnoError(ENOENT, "public IP " + addr.toString() + " is not known");
  if (e->pnn == table_.ownPnn() || e->isBusy() || kernelIface(addr)) {
    (void)table_.markDeletePending(*e);
    D_NOTICE("public IP %s is hosted here: deletion pending until it is released\n",
             addr.toString().c_str());
    return {};
  }
  announce_.erase(addr);
  D_NOTICE("public IP %s deleted\n", addr.toString().c_str());
  return table_.remove(addr);
}

/* ---- RELOAD_PUBLIC_IPS ---------------------------------------------- */

void IpCore::doReload(Done done) {
  reload_queue_.push_back(QueuedReload{std::move(done)});
  maybeStartReload();
}

void IpCore::onTakeoverRunFinished() { maybeStartReload(); }

void IpCore::maybeStartReload() {
  if (is_reloading_ || reload_queue_.empty()) return;
  if (hooks_.is_takeover_running && hooks_.is_takeover_running()) {
    D_INFO("reload of public IPs queued until the takeover run finished\n");
    return;
  }
  QueuedReload q = std::move(reload_queue_.front());
  reload_queue_.pop_front();
  is_reloading_ = true;
  runReload([this, alive = guard_.watch(), done = std::move(q.done)](Status st) {
    if (!alive.isAlive()) return;
    is_reloading_ = false;
    if (done) done(st);
    loop_.post([this, alive]() {
      if (alive.isAlive()) maybeStartReload();
    });
  });
}

void IpCore::runReload(Done done) {
  if (!hooks_.public_addresses_file)
    return answer(std::move(done), makeError("no public addresses file configured"));
  const std::string& path = *hooks_.public_addresses_file;
  auto parsed = config::loadPublicAddressesFile(path);
  if (!parsed) {
    D_ERR("reload of public IPs from %s failed: %s, table unchanged\n", path.c_str(),
          parsed.error().message().c_str());
    return answer(std::move(done), parsed.error());
  }
  // Validate everything before changing anything.
  for (const auto& e : *parsed) {
    for (const auto& n : e.ifaces) {
      if (hooks_.iface_exists && !hooks_.iface_exists(n)) {
        auto err = makeError(path + ":" + std::to_string(e.line) + ": interface '" + n +
                             "' does not exist");
        D_ERR("reload of public IPs failed: %s, table unchanged\n", err.message().c_str());
        return answer(std::move(done), err);
      }
    }
  }
  std::unordered_map<IpAddress, const config::PublicAddressEntry*, IpAddressHash> wanted;
  for (const auto& e : *parsed) wanted.emplace(e.prefix.addr, &e);

  size_t added = 0, removed = 0, changed = 0;
  std::vector<IpAddress> to_remove;
  std::vector<const config::PublicAddressEntry*> to_replace;
  for (const PublicIpEntry* cur : table_.list()) {
    auto it = wanted.find(cur->addr());
    if (it == wanted.end()) {
      if (!cur->isDeletePending()) to_remove.push_back(cur->addr());
    } else if (it->second->prefix != cur->prefix || it->second->ifaces != cur->ifaces) {
      to_replace.push_back(it->second);
    } else if (cur->isDeletePending()) {
      (void)addIp(cur->prefix, cur->ifaces);  // cancels the pending deletion
    }
  }
  for (const auto& a : to_remove) {
    if (delIp(a)) removed++;
  }
  for (const auto& e : *parsed) {
    if (table_.find(e.prefix.addr)) continue;
    if (auto st = addIp(e.prefix, e.ifaces); st) added++;
  }

  // A change refused while busy fails the reload as a branch of its own.
  WhenAll all([this, done = std::move(done)](const WhenAll::Summary& s) mutable {
    if (s.first_error) return answer(std::move(done), *s.first_error);
    answer(std::move(done), {});
  });
  for (const auto* e : to_replace) {
    PublicIpEntry* cur = table_.find(e->prefix.addr);
    if (!cur) continue;
    changed++;
    D_NOTICE("public IP %s changed to %s on %s\n", cur->prefix.toString().c_str(),
             e->prefix.toString().c_str(), joinIfaces(e->ifaces).c_str());
    if (cur->isBusy()) {
      all.branch()(errnoError(EBUSY, "public IP " + cur->addr().toString() +
                                         " changed while an action is in flight; reload again"));
      continue;
    }
    auto replace = [this, e]() {
      (void)table_.remove(e->prefix.addr);
      (void)table_.add(e->prefix, e->ifaces);
    };
    if (!kernelIface(cur->addr())) {
      replace();
      continue;
    }
    const config::PublicAddressEntry entry = *e;
    startRelease(*cur, protocol::kUnknownPnn,
                 [this, entry, branch = all.branch()](Status st) mutable {
                   if (st) {
                     (void)table_.remove(entry.prefix.addr);
                     (void)table_.add(entry.prefix, entry.ifaces);
                   }
                   branch(std::move(st));
                 });
  }
  D_NOTICE("reloaded public IPs from %s: %zu added, %zu removed, %zu changed\n", path.c_str(),
           added, removed, changed);
  all.seal();
}

/* ---- link state, queries ------------------------------------------- */

Status IpCore::setIfaceLink(const std::string& name, bool up) {
  IfaceEntry* ife = table_.ifaces().find(name);
  if (!ife) return errnoError(ENOENT, "interface '" + name + "' is not a public interface");
  if (ife->link_up == up) return {};
  ife->link_up = up;
  D_NOTICE("interface %s link %s -> %s\n", name.c_str(), up ? "down" : "up", up ? "up" : "down");
  if (hooks_.request_takeover_run) hooks_.request_takeover_run();
  return {};
}

void IpCore::onKernelLink(const std::string& name, bool usable) {
  if (table_.ifaces().find(name)) (void)setIfaceLink(name, usable);
}

void IpCore::onKernelAddressRemoved(const IpAddress& addr) {
  if (fence_state_ == FenceState::Dropping) return;  // the fence releases it
  PublicIpEntry* e = table_.find(addr);
  if (!e || e->state != IpState::Held || kernelIface(addr)) return;
  D_WARNING("public IP %s vanished from %s behind our back (expired?), releasing it and "
            "asking for a takeover run\n",
            addr.toString().c_str(), e->iface ? e->iface->c_str() : kNoIface);
  announce_.erase(addr);
  startRelease(*e, protocol::kUnknownPnn, [this, alive = guard_.watch(), addr](Status st) {
    if (!alive.isAlive()) return;
    if (!st) {
      D_ERR("releaseip of vanished %s: %s\n", addr.toString().c_str(), st.error().message().c_str());
      // The kernel does not have it: the table must not claim it either.
      if (PublicIpEntry* x = table_.find(addr); x && x->state == IpState::Held && !kernelIface(addr)) {
        table_.unassign(*x);
        x->pnn = protocol::kUnknownPnn;
      }
    }
    if (hooks_.request_takeover_run) hooks_.request_takeover_run();
  });
}

/* ---- fence ------------------------------------------------------------ */

void IpCore::doFence(const std::string& reason, Done done) {
  std::vector<PublicIpEntry*> targets;
  std::vector<IpPrefix> in_kernel;
  size_t deferred = 0;
  WhenAll all([this, done = std::move(done)](const WhenAll::Summary& s) mutable {
    D_NOTICE("fence: %zu public IPs released\n", s.ok);
    answer(std::move(done), {});
  });
  for (PublicIpEntry* e : table_.listMutable()) {
    announce_.erase(e->addr());
    const bool in_k = kernelIface(e->addr()).has_value();
    if (e->state == IpState::Taking || e->state == IpState::Updating) {
      // Its script may still add it: release when the action completes.
      ++deferred;
      fence_after_action_[e->addr()].push_back(all.branch());
      if (in_k) in_kernel.push_back(e->prefix);
      continue;
    }
    if (e->state == IpState::Releasing) continue;  // already going
    if (!in_k && !e->iface) {
      e->pnn = e->pnn == table_.ownPnn() ? protocol::kUnknownPnn : e->pnn;
      continue;
    }
    if (in_k) in_kernel.push_back(e->prefix);
    targets.push_back(e);
  }
  D_ERR("fence: %s: dropping all %zu public IPs of this node (%zu in the kernel)\n",
        reason.c_str(), targets.size() + deferred, in_kernel.size());
  fence_state_ = FenceState::Dropping;
  if (hooks_.kernel_drop && !in_kernel.empty()) {
    // The table lists newest first, as the kernel's secondaries are
    // deleted cheapest: last added first.
    const size_t n = hooks_.kernel_drop(in_kernel);
    D_NOTICE("fence: %zu addresses deleted from the kernel\n", n);
  }
  for (PublicIpEntry* e : targets) {
    startRelease(*e, protocol::kUnknownPnn,
                 [this, addr = e->addr(), branch = all.branch()](Status st) mutable {
                   if (!st) {
                     if (PublicIpEntry* x = table_.find(addr); x && !kernelIface(addr)) {
                       D_ERR("fence: releaseip %s failed (%s); the kernel no longer has it\n",
                             addr.toString().c_str(), st.error().message().c_str());
                       table_.unassign(*x);
                       x->pnn = protocol::kUnknownPnn;
                     }
                   }
                   branch(std::move(st));
                 });
  }
  fence_state_ = FenceState::Idle;
  all.seal();
}

void IpCore::releaseFenced(const IpAddress& addr) {
  auto it = fence_after_action_.find(addr);
  if (it == fence_after_action_.end()) return;
  std::vector<Done> waiters = std::move(it->second);
  fence_after_action_.erase(it);
  auto done_all = [waiters](Status st) {
    for (auto& w : waiters) w(st);
  };
  PublicIpEntry* e = table_.find(addr);
  if (!e || e->isBusy()) return loop_.post([done_all]() { done_all({}); });
  if (!e->iface && !kernelIface(addr)) return loop_.post([done_all]() { done_all({}); });
  D_NOTICE("fence: releasing %s now that its action finished\n", addr.toString().c_str());
  if (hooks_.kernel_drop && kernelIface(addr)) (void)hooks_.kernel_drop({e->prefix});
  startRelease(*e, protocol::kUnknownPnn, done_all);
}

PendingOp IpCore::ipreallocated(Done done) { return actions_.ipreallocated(std::move(done)); }

std::vector<protocol::PublicIp> IpCore::publicIps(bool only_available) const {
  std::vector<protocol::PublicIp> out;
  const bool can_host = canHost();
  if (only_available && !can_host) return out;
  for (const PublicIpEntry* e : table_.list()) {
    if (only_available && !table_.hasUsableIface(*e)) continue;
    protocol::PublicIp p;
    p.pnn = e->pnn;
    p.addr.ip = e->addr();
    out.push_back(p);
  }
  return out;
}

Result<protocol::PublicIpInfo> IpCore::ipInfo(const IpAddress& addr) const {
  const PublicIpEntry* e = table_.find(addr);
  if (!e) return errnoError(ENOENT, "public IP " + addr.toString() + " is not known");
  protocol::PublicIpInfo info;
  info.ip.pnn = e->pnn;
  info.ip.addr.ip = e->addr();
  for (size_t i = 0; i < e->ifaces.size(); i++) {
    const IfaceEntry* ife = table_.ifaces().find(e->ifaces[i]);
    protocol::Iface out;
    out.name = e->ifaces[i];
    out.link_state = ife && ife->link_up ? 1 : 0;
    out.references = ife ? ife->references : 0;
    info.ifaces.ifaces.push_back(out);
    if (e->iface && *e->iface == e->ifaces[i]) info.active_idx = static_cast<uint32_t>(i);
  }
  return info;
}

protocol::IfaceList IpCore::ifaces() const {
  protocol::IfaceList out;
  for (const auto& ife : table_.ifaces().list())
    out.ifaces.push_back(protocol::Iface{ife.name, static_cast<uint16_t>(ife.link_up ? 1 : 0),
                                         ife.references});
  return out;
}

/* ---- announcements and messages ------------------------------------- */

Status IpCore::sendGarp(const std::string& iface, const IpAddress& addr) {
  Status st = hooks_.send_garp ? hooks_.send_garp(iface, addr) : Status{};
  if (!st) return st;
  Announce a;
  a.iface = iface;
  a.rounds_left = kGarpRounds - 1;
  announce_[addr] = std::move(a);
  announceRound(addr);
  return {};
}

void IpCore::announce(const std::string& iface, const IpAddress& addr) {
  Announce a;
  a.iface = iface;
  a.rounds_left = kGarpRounds;
  announce_[addr] = std::move(a);
  loop_.post([this, alive = guard_.watch(), addr]() {
    if (alive.isAlive()) announceRound(addr);
  });
}

/* Sends one round if rounds_left says so (first call for announce(); the
 * control sent its first round itself) and arms the next. */
void IpCore::announceRound(const IpAddress& addr) {
  auto it = announce_.find(addr);
  if (it == announce_.end()) return;
  Announce& a = it->second;
  if (a.rounds_left == kGarpRounds) {
    if (hooks_.send_garp) {
      if (auto st = hooks_.send_garp(a.iface, addr); !st)
        D_WARNING("gratuitous ARP for %s on %s: %s\n", addr.toString().c_str(), a.iface.c_str(),
                  st.error().message().c_str());
    }
    a.rounds_left--;
  }
  if (a.rounds_left <= 0) {
    loop_.post([this, alive = guard_.watch(), addr]() {
      if (!alive.isAlive()) return;
      auto i = announce_.find(addr);
      if (i != announce_.end() && i->second.rounds_left <= 0) announce_.erase(i);
    });
    return;
  }
  a.timer = std::make_unique<Timer>(loop_, hooks_.garp_interval, [this, addr]() {
    auto i = announce_.find(addr);
    if (i == announce_.end()) return;
    if (hooks_.send_garp) {
      if (auto st = hooks_.send_garp(i->second.iface, addr); !st)
        D_WARNING("gratuitous ARP for %s on %s: %s\n", addr.toString().c_str(),
                  i->second.iface.c_str(), st.error().message().c_str());
    }
    i->second.rounds_left--;
    loop_.post([this, alive = guard_.watch(), addr]() {
      if (alive.isAlive()) announceRound(addr);
    });
  });
}

void IpCore::sendLocal(uint64_t srvid, const IpAddress& addr) {
  if (!hooks_.send_local) return;
  std::string s = addr.toString();
  std::vector<uint8_t> data(s.begin(), s.end());
  data.push_back(0);
  hooks_.send_local(srvid, std::move(data));
}

/* ---- start-up and shutdown ------------------------------------------ */

void IpCore::doReleaseStale(Done done) {
  size_t n = 0;
  WhenAll all([this, done = std::move(done)](const WhenAll::Summary&) mutable {
    answer(std::move(done), {});
  });
  for (PublicIpEntry* e : table_.listMutable()) {
    if (e->isBusy() || !kernelIface(e->addr())) continue;
    n++;
    D_NOTICE("start-up: removing stale public IP %s\n", e->prefix.toString().c_str());
    startRelease(*e, protocol::kUnknownPnn, [branch = all.branch()](Status st) mutable {
      if (!st) D_ERR("start-up: %s\n", st.error().message().c_str());
      branch({});  // a failed removal does not stop the start-up
    });
  }
  D_NOTICE("start-up: %zu stale public IPs to remove\n", n);
  all.seal();
}

void IpCore::doReleaseAll(Done done) {
  WhenAll all([this, done = std::move(done)](const WhenAll::Summary& s) mutable {
    D_NOTICE("Released %zu public IPs\n", s.ok);
    answer(std::move(done), {});
  });
  for (PublicIpEntry* e : table_.listMutable()) {
    announce_.erase(e->addr());
    if (e->isBusy()) {
      // No address may be left behind (shutdown, ban): a release in
      // flight is joined; a takeip/updateip in flight is followed by a
      // release once it completes (the fence's deferral, releaseFenced).
      D_NOTICE("release all: %s has %s in flight, releasing after it\n",
               e->addr().toString().c_str(), toString(e->state));
      if (e->state == IpState::Releasing)
        release_waiters_[e->addr()].push_back(ReleaseWaiter{protocol::kUnknownPnn, all.branch(), false});
      else
        fence_after_action_[e->addr()].push_back(all.branch());
      continue;
    }
    if (!kernelIface(e->addr())) {
      table_.unassign(*e);
      continue;
    }
    startRelease(*e, protocol::kUnknownPnn, all.branch());
  }
  all.seal();
}

}  // namespace ctdb::server
