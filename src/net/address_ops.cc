#include "net/address_ops.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "net/netlink_error.h"
#include "net/rtnl_parse.h"
#include "util/logging.h"

namespace ctdb::net {

namespace {

using NlMsgPtr = std::unique_ptr<nl_msg, CDeleter<&nlmsg_free>>;
using NlCbPtr = std::unique_ptr<nl_cb, CDeleter<&nl_cb_put>>;

constexpr int kDumpAttempts = 3;

std::string describe(const std::string& iface, const IpPrefix& prefix) {
  return prefix.toString() + " on '" + iface + "'";
}

/* Resolves an interface name to its index, or ENODEV naming it. */
Result<int> ifaceIndex(const std::string& iface, const std::string& what) {
  if (auto st = validateIfaceName(iface); !st) return errnoError(ENODEV, what + ": " + st.error().context);
  unsigned idx = if_nametoindex(iface.c_str());
  if (idx == 0) {
    int err = errno == 0 ? ENODEV : errno;
    if (err == ENXIO) err = ENODEV;
    return errnoError(err, what + ": no interface '" + iface + "'");
  }
  return static_cast<int>(idx);
}

Status prefixCheck(const IpPrefix& prefix, const std::string& what) {
  if (prefix.addr.family != AF_INET && prefix.addr.family != AF_INET6) {
    return makeError(what + ": address family " + std::to_string(prefix.addr.family) + " is not IPv4/IPv6");
  }
  if (prefix.prefix > prefix.addr.maxPrefix()) {
    return makeError(what + ": prefix length " + std::to_string(prefix.prefix) + " out of range");
  }
  return {};
}

/* Sends msg and waits for the kernel's ack (one round-trip). Returns the raw
 * libnl code so the caller can decide which errors are success. */
int sendAndAck(nl_sock* sock, nl_msg* msg) {
  int rc = nl_send_auto(sock, msg);
  if (rc < 0) return rc;
  return nl_wait_for_ack(sock);
}

int onValid(nl_msg* msg, void* arg) {
  auto* fn = static_cast<const std::function<void(const nlmsghdr*, size_t)>*>(arg);
  const nlmsghdr* hdr = nlmsg_hdr(msg);
  (*fn)(hdr, hdr->nlmsg_len);
  return NL_OK;
}

}  // namespace

const char* toString(LinkAdminState s) { return s == LinkAdminState::Up ? "up" : "down"; }

Result<std::unique_ptr<AddressOps>> AddressOps::create() {
  NlSockPtr sock(nl_socket_alloc());
  if (!sock) return errnoError(ENOMEM, "netlink: cannot allocate request socket");
  if (int rc = nl_connect(sock.get(), NETLINK_ROUTE); rc < 0) {
    return detail::nlError(rc, "netlink: cannot connect request socket");
  }
  // Link dumps carry large attributes; let libnl size its buffer by peeking.
  nl_socket_enable_msg_peek(sock.get());
  return std::unique_ptr<AddressOps>(new AddressOps(std::move(sock)));
}

Status AddressOps::changeAddress(int msg_type, const std::string& iface, const IpPrefix& prefix,
                                 AddOptions opts, int ifindex, uint32_t keep_flags) {
  const bool is_renew = ifindex != 0;
  const bool is_add = msg_type == RTM_NEWADDR;
  const std::string what = std::string(is_renew ? "renew " : is_add ? "add " : "delete ") +
                           describe(iface, prefix);
  if (auto st = prefixCheck(prefix, what); !st) return st;
  Result<int> idx = ifindex;
  if (!is_renew) idx = ifaceIndex(iface, what);
  if (!idx) return idx.error();

  const bool is_v4 = prefix.addr.isV4();
  const size_t alen = is_v4 ? 4 : 16;
  NlMsgPtr msg(nlmsg_alloc_simple(
      msg_type, is_renew ? NLM_F_REPLACE : is_add ? (NLM_F_CREATE | NLM_F_EXCL) : 0));
  if (!msg) return errnoError(ENOMEM, what + ": cannot allocate netlink message");

  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<uint8_t>(prefix.addr.family);
  ifa.ifa_prefixlen = static_cast<uint8_t>(prefix.prefix);
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  ifa.ifa_index = static_cast<uint32_t>(*idx);
  uint32_t flags = 0;
  if (is_add && !is_v4 && opts.skip_dad) flags |= IFA_F_NODAD;
  // What the kernel re-applies on a modification of an IPv6 address.
  if (is_renew && !is_v4)
    flags |= keep_flags & (IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE);
  ifa.ifa_flags = static_cast<uint8_t>(flags & 0xff);
  if (!is_add && is_v4) ifa.ifa_prefixlen = 0;  // match by address only (see header)

  int rc = nlmsg_append(msg.get(), &ifa, sizeof(ifa), NLMSG_ALIGNTO);
  if (rc >= 0) rc = nla_put(msg.get(), IFA_LOCAL, static_cast<int>(alen), prefix.addr.bytes.data());
  if (rc >= 0 && (is_add || !is_v4)) {
    rc = nla_put(msg.get(), IFA_ADDRESS, static_cast<int>(alen), prefix.addr.bytes.data());
  }
  if (rc >= 0 && is_add && is_v4 && prefix.prefix < 31) {
    uint32_t a;
    std::memcpy(&a, prefix.addr.bytes.data(), 4);
    uint32_t host_mask = prefix.prefix == 0 ? 0xffffffffu : ((1u << (32 - prefix.prefix)) - 1);
    uint32_t brd = a | htonl(host_mask);
    rc = nla_put(msg.get(), IFA_BROADCAST, 4, &brd);
  }
  if (rc >= 0 && flags > 0xff) rc = nla_put_u32(msg.get(), IFA_FLAGS, flags);
  if (rc >= 0 && is_add && opts.lifetime) {
    ifa_cacheinfo ci{};
    ci.ifa_valid = *opts.lifetime;
    ci.ifa_prefered = *opts.lifetime;
    rc = nla_put(msg.get(), IFA_CACHEINFO, sizeof(ci), &ci);
  }
  if (rc < 0) return detail::nlError(rc, what + ": cannot build request");

  rc = sendAndAck(sock_.get(), msg.get());
  if (rc == 0) {
    D_DEBUG("net: %s: done\n", what.c_str());
    return {};
  }
  if (is_add && !is_renew && rc == -NLE_EXIST) {
    D_DEBUG("net: %s: already present, treating as success\n", what.c_str());
    return {};
  }
  if (!is_add && rc == -NLE_NOADDR) {
    D_DEBUG("net: %s: not present, treating as success\n", what.c_str());
    return {};
  }
  return detail::nlError(rc, what);
}

Status AddressOps::addAddress(const std::string& iface, const IpPrefix& prefix, AddOptions opts) {
  return changeAddress(RTM_NEWADDR, iface, prefix, opts);
}

Status AddressOps::renewAddress(const InterfaceAddress& addr, uint32_t secs) {
  AddOptions o;
  o.lifetime = secs;
  return changeAddress(RTM_NEWADDR, addr.iface, addr.prefix, o, addr.ifindex, addr.flags);
}

Status AddressOps::deleteAddress(const std::string& iface, const IpPrefix& prefix) {
  return changeAddress(RTM_DELADDR, iface, prefix, {});
}

Status AddressOps::runDump(int msg_type, const std::string& what,
                           const std::function<void(const nlmsghdr*, size_t)>& on_msg) {
  int rc = 0;
  for (int attempt = 1; attempt <= kDumpAttempts; ++attempt) {
    rtgenmsg gen{};
    gen.rtgen_family = AF_UNSPEC;
    // ifinfomsg/ifaddrmsg both start with the family byte; the kernel
    // accepts the short rtgenmsg header for an unfiltered dump.
    rc = nl_send_simple(sock_.get(), msg_type, NLM_F_DUMP, &gen, sizeof(gen));
    if (rc < 0) return detail::nlError(rc, what + ": cannot send dump request");
    NlCbPtr cb(nl_cb_alloc(NL_CB_DEFAULT));
    if (!cb) return errnoError(ENOMEM, what + ": cannot allocate callback");
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, onValid,
              const_cast<std::function<void(const nlmsghdr*, size_t)>*>(&on_msg));
    rc = nl_recvmsgs(sock_.get(), cb.get());
    if (rc >= 0) return {};
    if (rc != -NLE_DUMP_INTR) break;
    D_INFO("net: %s: dump interrupted by a concurrent change, retry %d\n", what.c_str(), attempt);
  }
  return detail::nlError(rc, what);
}

Result<std::vector<LinkInfo>> AddressOps::dumpLinks() {
  std::vector<LinkInfo> links;
  auto st = runDump(RTM_GETLINK, "dump links", [&](const nlmsghdr* hdr, size_t avail) {
    if (auto p = detail::parseLinkMessage(hdr, avail); p && !p->is_delete) links.push_back(p->info);
  });
  if (!st) return st.error();
  return links;
}

Result<std::vector<InterfaceAddress>> AddressOps::dumpAddresses() {
  auto links = dumpLinks();
  if (!links) return links.error();
  std::unordered_map<int, std::string> names;
  for (const auto& l : *links) names.emplace(l.index, l.name);

  std::vector<InterfaceAddress> addrs;
  auto st = runDump(RTM_GETADDR, "dump addresses", [&](const nlmsghdr* hdr, size_t avail) {
    auto p = detail::parseAddressMessage(hdr, avail);
    if (!p || p->is_delete) return;
    if (auto it = names.find(p->addr.ifindex); it != names.end()) {
      p->addr.iface = it->second;
    } else {
      char buf[IF_NAMESIZE] = {};
      if (if_indextoname(static_cast<unsigned>(p->addr.ifindex), buf) != nullptr) p->addr.iface = buf;
    }
    addrs.push_back(std::move(p->addr));
  });
  if (!st) return st.error();
  return addrs;
}

Result<std::optional<LinkInfo>> AddressOps::getLink(const std::string& iface) {
  const std::string what = "get link '" + iface + "'";
  if (auto st = validateIfaceName(iface); !st) return st.error();
  NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETLINK, 0));
  if (!msg) return errnoError(ENOMEM, what + ": cannot allocate netlink message");
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  int rc = nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO);
  if (rc >= 0) rc = nla_put_string(msg.get(), IFLA_IFNAME, iface.c_str());
  if (rc >= 0) rc = nla_put_u32(msg.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  if (rc < 0) return detail::nlError(rc, what + ": cannot build request");

  std::optional<LinkInfo> found;
  std::function<void(const nlmsghdr*, size_t)> on_msg = [&](const nlmsghdr* hdr, size_t avail) {
    if (auto p = detail::parseLinkMessage(hdr, avail); p && !p->is_delete) found = p->info;
  };
  // The answer is one RTM_NEWLINK followed by the ack, or only an error
  // (which is the ack). Consuming the ack keeps libnl's sequence numbers in
  // step for the next request.
  rc = nl_send_auto(sock_.get(), msg.get());
  if (rc >= 0) {
    NlCbPtr cb(nl_cb_alloc(NL_CB_DEFAULT));
    if (!cb) return errnoError(ENOMEM, what + ": cannot allocate callback");
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, onValid, &on_msg);
    rc = nl_recvmsgs(sock_.get(), cb.get());
    if (rc >= 0 && found) rc = nl_wait_for_ack(sock_.get());
  }
  if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) return std::optional<LinkInfo>{};
  if (rc < 0) return detail::nlError(rc, what);
  return found;
}

Status AddressOps::setLinkAdminState(const std::string& iface, LinkAdminState state) {
  const std::string what = std::string("set link '") + iface + "' " + toString(state);
  auto idx = ifaceIndex(iface, what);
  if (!idx) return idx.error();
  NlMsgPtr msg(nlmsg_alloc_simple(RTM_NEWLINK, 0));
  if (!msg) return errnoError(ENOMEM, what + ": cannot allocate netlink message");
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = *idx;
  ifi.ifi_flags = state == LinkAdminState::Up ? IFF_UP : 0;
  ifi.ifi_change = IFF_UP;
  int rc = nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO);
  if (rc < 0) return detail::nlError(rc, what + ": cannot build request");
  rc = sendAndAck(sock_.get(), msg.get());
  if (rc < 0) return detail::nlError(rc, what);
  return {};
}

}  // namespace ctdb::net
