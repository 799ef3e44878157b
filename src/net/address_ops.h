/*
 * AddressOps: synchronous rtnetlink requests for public IPs — add, delete,
 * dump addresses, query and set link state — over one NETLINK_ROUTE socket
 * owned by this object (NlSockPtr).
 *
 * Blocking rule: every call costs at most one kernel round-trip (request +
 * ack, or one dump), never a sleep or a poll for state; nothing here waits
 * for IPv6 DAD. There is deliberately no per-IP "find" that dumps: use
 * LinkWatcher::findAddress() (cache, O(1)) or haveLocalAddress()
 * (util/local_address.h: one bind(), CTDB's ctdb_sys_have_ip test).
 *
 * Idempotence (CTDB / networkd semantics): adding an address that the
 * interface already has (EEXIST) and deleting one it does not have
 * (EADDRNOTAVAIL) both succeed. A success only means the kernel accepted the
 * request; the kernel's RTM_NEWADDR/RTM_DELADDR (seen by LinkWatcher) is what
 * makes an address held or gone.
 *
 * Errors are errno values in std::system_category() with a context naming the
 * address and interface; libnl's NLE_* codes never leave src/net. A missing
 * interface is ENODEV ("... on 'eth9': No such device").
 *
 * Not thread-safe; one instance per loop. The socket is blocking and private:
 * its fd is not meant to be polled.
 */
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ctdb/c_handles.h"
#include "ctdb/result.h"
#include "net/types.h"
#include "util/ip_address.h"

struct nlmsghdr;

namespace ctdb::net {

struct AddOptions {
  /* IPv6 only: IFA_F_NODAD, the address is usable at once (no tentative
   * phase). Default off: DAD runs and LinkWatcher reports the address as
   * is_tentative until the kernel clears it. */
  bool skip_dad = false;
  /* valid_lft = preferred_lft = this many seconds (IFA_CACHEINFO): the
   * kernel deletes the address when it is not renewed in time. nullopt:
   * permanent. */
  std::optional<uint32_t> lifetime;
};

enum class LinkAdminState { Down, Up };
const char* toString(LinkAdminState s);

class AddressOps {
 public:
  static Result<std::unique_ptr<AddressOps>> create();

  /* RTM_NEWADDR. IPv4 gets the subnet broadcast address (like `ip addr add
   * ... brd +`) unless the prefix is /31 or /32. EEXIST is success. */
  Status addAddress(const std::string& iface, const IpPrefix& prefix, AddOptions opts = {});

  /* Lifetime renewal of an address the kernel has (as the LinkWatcher
   * cache saw it): RTM_NEWADDR with NLM_F_REPLACE and no NLM_F_CREATE,
   * valid_lft = preferred_lft = secs, its prefix length and the
   * IPv6 flags the kernel re-applies (nodad, noprefixroute, ...) kept.
   * NOTE: the kernel (IPv4 and IPv6) re-creates an address that no longer
   * exists on this request, so pass only addresses the cache still holds
   * after draining its notifications. One round-trip. */
  Status renewAddress(const InterfaceAddress& addr, uint32_t secs);

  /* RTM_DELADDR. IPv4 matches by address only (the prefix length is not
   * sent), so a stale address with a different mask is still removed, like
   * 10.interface's releaseip which looks up the real mask first. IPv6
   * matches address and prefix length (the kernel requires both).
   * EADDRNOTAVAIL (not on that interface) is success. */
  Status deleteAddress(const std::string& iface, const IpPrefix& prefix);

  /* One RTM_GETADDR dump (IPv4 + IPv6, all interfaces) plus one RTM_GETLINK
   * dump to name the interfaces. Used at start-up to find stale public IPs
   * and by LinkWatcher to (re)fill its cache. Retries an interrupted dump at
   * most 3 times. */
  Result<std::vector<InterfaceAddress>> dumpAddresses();
  Result<std::vector<LinkInfo>> dumpLinks();

  /* nullopt when no such interface exists. */
  Result<std::optional<LinkInfo>> getLink(const std::string& iface);

  /* Sets or clears IFF_UP (`ip link set IFACE up|down`). */
  Status setLinkAdminState(const std::string& iface, LinkAdminState state);

 private:
  explicit AddressOps(NlSockPtr sock) : sock_(std::move(sock)) {}
  Status changeAddress(int msg_type, const std::string& iface, const IpPrefix& prefix,
                       AddOptions opts, int ifindex = 0, uint32_t keep_flags = 0);
  Status runDump(int msg_type, const std::string& what,
                 const std::function<void(const ::nlmsghdr*, size_t)>& on_msg);

  NlSockPtr sock_;
};

}  // namespace ctdb::net
