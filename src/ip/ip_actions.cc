#include "ip/ip_actions.h"

#include "net/sysctl.h"
#include "util/logging.h"

namespace ctdb::server {

NetlinkIpActions::NetlinkIpActions(EventLoop& loop, net::AddressOps& ops, FindIface find_iface,
                                   std::function<void()> after_change)
    : loop_(loop),
      ops_(ops),
      find_iface_(std::move(find_iface)),
      after_change_(std::move(after_change)) {}

PendingOp NetlinkIpActions::finish(Status st, Done done) {
  auto [op, c] = makeAsync<void>(loop_, std::move(done));
  c.complete(std::move(st));
  return std::move(op);
}

Status NetlinkIpActions::add(const std::string& iface, const IpPrefix& ip) {
  if (ip.addr.isV4()) {
    if (auto st = net::setPromoteSecondaries(iface, net::Setting::On); !st)
      D_WARNING("takeip %s on %s: promote_secondaries: %s, continuing\n", ip.toString().c_str(),
                iface.c_str(), st.error().message().c_str());
  }
  net::AddOptions o;
  if (lifetime_) o.lifetime = lifetime_();
  auto st = ops_.addAddress(iface, ip, o);
  if (st && after_change_) after_change_();
  return st;
}

Status NetlinkIpActions::del(const std::string& iface, const IpPrefix& ip) {
  if (ip.addr.isV4()) (void)net::setPromoteSecondaries(iface, net::Setting::On);
  auto st = ops_.deleteAddress(iface, ip);
  if (st && after_change_) after_change_();
  return st;
}

PendingOp NetlinkIpActions::takeIp(const std::string& iface, const IpPrefix& ip, Done done) {
  auto st = add(iface, ip);
  if (!st) D_ERR("takeip %s on %s failed: %s\n", ip.toString().c_str(), iface.c_str(),
                 st.error().message().c_str());
  return finish(std::move(st), std::move(done));
}

PendingOp NetlinkIpActions::releaseIp(const std::string& iface, const IpPrefix& ip, Done done) {
  auto real = find_iface_ ? find_iface_(ip.addr) : std::nullopt;
  if (!real) {
    D_INFO("releaseip %s: not on any interface, nothing to do\n", ip.toString().c_str());
    return finish({}, std::move(done));
  }
  if (iface != kNoIface && iface != *real)
    D_WARNING("releaseip %s: asked for %s but the kernel has it on %s, releasing there\n",
              ip.toString().c_str(), iface.c_str(), real->c_str());
  auto st = del(*real, ip);
  if (!st) D_ERR("releaseip %s on %s failed: %s\n", ip.toString().c_str(), real->c_str(),
                 st.error().message().c_str());
  return finish(std::move(st), std::move(done));
}

PendingOp NetlinkIpActions::updateIp(const std::string& old_iface, const std::string& new_iface,
                                     const IpPrefix& ip, Done done) {
  auto real = find_iface_ ? find_iface_(ip.addr) : std::nullopt;
  if (real && *real == new_iface) {
    D_INFO("updateip %s: already on %s (redundant)\n", ip.toString().c_str(), new_iface.c_str());
    return finish({}, std::move(done));
  }
  if (real) {
    if (old_iface != kNoIface && old_iface != *real)
      D_WARNING("updateip %s: old iface %s but the kernel has it on %s\n", ip.toString().c_str(),
                old_iface.c_str(), real->c_str());
    if (auto st = del(*real, ip); !st) {
      D_ERR("updateip %s: delete from %s failed: %s\n", ip.toString().c_str(), real->c_str(),
            st.error().message().c_str());
      return finish(std::move(st), std::move(done));
    }
  }
  auto st = add(new_iface, ip);
  if (!st) D_ERR("updateip %s: add on %s failed: %s\n", ip.toString().c_str(), new_iface.c_str(),
                 st.error().message().c_str());
  return finish(std::move(st), std::move(done));
}

PendingOp NetlinkIpActions::ipreallocated(Done done) { return finish({}, std::move(done)); }

}  // namespace ctdb::server
