#include "net/rtnl_parse.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace ctdb::net::detail {

namespace {

bool lengthOk(const nlmsghdr* hdr, size_t avail, size_t body) {
  return hdr != nullptr && avail >= sizeof(nlmsghdr) && hdr->nlmsg_len <= avail &&
         hdr->nlmsg_len >= NLMSG_LENGTH(body);
}

}  // namespace

std::optional<ParsedLink> parseLinkMessage(const nlmsghdr* hdr, size_t avail) {
  if (!lengthOk(hdr, avail, sizeof(ifinfomsg))) return std::nullopt;
  if (hdr->nlmsg_type != RTM_NEWLINK && hdr->nlmsg_type != RTM_DELLINK) return std::nullopt;
  const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(hdr));
  ParsedLink out;
  out.is_delete = hdr->nlmsg_type == RTM_DELLINK;
  out.info.index = ifi->ifi_index;
  out.info.is_admin_up = (ifi->ifi_flags & IFF_UP) != 0;
  out.info.is_running = (ifi->ifi_flags & IFF_RUNNING) != 0;
  out.info.has_carrier = (ifi->ifi_flags & IFF_LOWER_UP) != 0;

  int len = static_cast<int>(hdr->nlmsg_len - NLMSG_LENGTH(sizeof(ifinfomsg)));
  for (auto* rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
    if (rta->rta_type != IFLA_IFNAME) continue;
    const char* data = static_cast<const char*>(RTA_DATA(rta));
    size_t n = RTA_PAYLOAD(rta);
    out.info.name.assign(data, strnlen(data, n));
  }
  if (out.info.name.empty() || out.info.index <= 0) return std::nullopt;
  return out;
}

std::optional<ParsedAddress> parseAddressMessage(const nlmsghdr* hdr, size_t avail) {
  if (!lengthOk(hdr, avail, sizeof(ifaddrmsg))) return std::nullopt;
  if (hdr->nlmsg_type != RTM_NEWADDR && hdr->nlmsg_type != RTM_DELADDR) return std::nullopt;
  const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(hdr));
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return std::nullopt;
  const size_t addr_len = ifa->ifa_family == AF_INET ? 4 : 16;

  const void* local = nullptr;
  const void* address = nullptr;
  uint32_t flags = ifa->ifa_flags;
  uint32_t valid = kInfiniteLifetime, preferred = kInfiniteLifetime;
  int len = static_cast<int>(hdr->nlmsg_len - NLMSG_LENGTH(sizeof(ifaddrmsg)));
  for (auto* rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
    switch (rta->rta_type) {
      case IFA_LOCAL:
        if (RTA_PAYLOAD(rta) == addr_len) local = RTA_DATA(rta);
        break;
      case IFA_ADDRESS:
        if (RTA_PAYLOAD(rta) == addr_len) address = RTA_DATA(rta);
        break;
      case IFA_CACHEINFO:
        if (RTA_PAYLOAD(rta) >= sizeof(ifa_cacheinfo)) {
          ifa_cacheinfo ci;
          std::memcpy(&ci, RTA_DATA(rta), sizeof ci);
          valid = ci.ifa_valid;
          preferred = ci.ifa_prefered;
        }
        break;
      case IFA_FLAGS:  // 32-bit flags supersede the 8-bit header field
        if (RTA_PAYLOAD(rta) == sizeof(uint32_t)) std::memcpy(&flags, RTA_DATA(rta), sizeof flags);
        break;
      default:
        break;
    }
  }
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on
  // point-to-point links and equals the local one otherwise.
  const void* own = local != nullptr ? local : address;
  if (own == nullptr) return std::nullopt;

  ParsedAddress out;
  out.is_delete = hdr->nlmsg_type == RTM_DELADDR;
  out.addr.ifindex = static_cast<int>(ifa->ifa_index);
  out.addr.prefix.addr.family = ifa->ifa_family;
  std::memcpy(out.addr.prefix.addr.bytes.data(), own, addr_len);
  out.addr.prefix.prefix = ifa->ifa_prefixlen;
  out.addr.flags = flags;
  out.addr.valid_lft = valid;
  out.addr.preferred_lft = preferred;
  if (ifa->ifa_family == AF_INET) {
    out.addr.is_secondary = (flags & IFA_F_SECONDARY) != 0;
  } else {
    out.addr.is_tentative = (flags & IFA_F_TENTATIVE) != 0;
    out.addr.is_dad_failed = (flags & IFA_F_DADFAILED) != 0;
  }
  return out;
}

}  // namespace ctdb::net::detail
