/*
 * IpActions: the one narrow seam between the public-IP core (IpCore) and
 * whatever really moves addresses — the four IP events of CTDB.
 *
 *   takeIp(iface, prefix, done)          "takeip IFACE IP BITS"
 *   releaseIp(iface, prefix, done)       "releaseip IFACE IP BITS"; iface may
 *                                        be "__none__": find the real one
 *   updateIp(old, new, prefix, done)     "updateip OLD NEW IP BITS"; old may
 *                                        be "__none__"
 *   ipreallocated(done)                  "ipreallocated" (end of a run)
 *
 * Each returns a PendingOp and completes with a Status through util/async.h,
 * i.e. on a later loop iteration, never inside the call. Destroying the
 * PendingOp means "no longer interested", not "undo".
 *
 * Ordering contract: IpCore never has two actions in flight for the same
 * address (its per-IP state enum refuses a second one), so implementations
 * need not serialise per IP; actions for different IPs may overlap.
 *
 * Implementations: NetlinkIpActions below (direct rtnetlink through
 * net::AddressOps); the event-script subsystem (src/event) will provide one
 * that runs the ip_events.d scripts with the same arguments.
 */
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ctdb/result.h"
#include "net/address_ops.h"
#include "util/async.h"
#include "util/event_loop.h"
#include "util/ip_address.h"

namespace ctdb::server {

inline constexpr const char* kNoIface = "__none__";

class IpActions {
 public:
  using Done = std::function<void(Status)>;
  virtual ~IpActions() = default;
  virtual PendingOp takeIp(const std::string& iface, const IpPrefix& ip, Done done) = 0;
  virtual PendingOp releaseIp(const std::string& iface, const IpPrefix& ip, Done done) = 0;
  virtual PendingOp updateIp(const std::string& old_iface, const std::string& new_iface,
                             const IpPrefix& ip, Done done) = 0;
  virtual PendingOp ipreallocated(Done done) = 0;
};

/*
 * NetlinkIpActions: IpActions done in-process with rtnetlink.
 *   takeIp     promote_secondaries=1 on iface (so deleting a primary later
 *              promotes a secondary instead of dropping the whole subnet),
 *              then add IP/BITS.
 *   releaseIp  the kernel decides where the address is: the interface comes
 *              from `find_iface` (the LinkWatcher cache); a mismatch with the
 *              named iface is logged; not on any iface -> success. Then
 *              promote_secondaries=1 and delete.
 *   updateIp   delete from the real old iface (if any), add on new.
 *   ipreallocated  nothing to do -> success.
 * Each kernel call is one synchronous netlink round-trip; `after_change` is
 * called after each successful change so the caller can drain the
 * LinkWatcher (the kernel's notification is queued before the ack) and
 * have-ip checks see the new truth at once. Completion is posted.
 */
class NetlinkIpActions final : public IpActions {
 public:
  using FindIface = std::function<std::optional<std::string>(const IpAddress&)>;

  NetlinkIpActions(EventLoop& loop, net::AddressOps& ops, FindIface find_iface,
                   std::function<void()> after_change);

  PendingOp takeIp(const std::string& iface, const IpPrefix& ip, Done done) override;
  PendingOp releaseIp(const std::string& iface, const IpPrefix& ip, Done done) override;
  PendingOp updateIp(const std::string& old_iface, const std::string& new_iface,
                     const IpPrefix& ip, Done done) override;
  PendingOp ipreallocated(Done done) override;

  /* Seconds of valid/preferred lifetime for every address added (the
   * FenceTimeout); unset or nullopt: permanent. */
  void setLifetime(std::function<std::optional<uint32_t>()> fn) { lifetime_ = std::move(fn); }

 private:
  std::function<std::optional<uint32_t>()> lifetime_;
  PendingOp finish(Status st, Done done);
  Status add(const std::string& iface, const IpPrefix& ip);
  Status del(const std::string& iface, const IpPrefix& ip);

  EventLoop& loop_;
  net::AddressOps& ops_;
  FindIface find_iface_;
  std::function<void()> after_change_;
};

}  // namespace ctdb::server
