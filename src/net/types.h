/*
 * Value types shared by the kernel-facing net module (src/net): what the
 * kernel reports about a link and about an address bound to a link.
 *
 * These are plain snapshots: they are copied out of netlink messages and are
 * never updated in place by the module after being handed to a caller.
 * Interface names are at most IFNAMSIZ-1 (15) bytes; validateIfaceName()
 * is the one place that rule is checked before a name reaches a syscall or a
 * /proc path.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ctdb/result.h"
#include "util/ip_address.h"

namespace ctdb::net {

/* Kernel view of one network interface. */
struct LinkInfo {
  std::string name;
  int index = 0;
  bool is_admin_up = false;  // IFF_UP: administratively up
  bool is_running = false;   // IFF_RUNNING: operationally up
  bool has_carrier = false;  // IFF_LOWER_UP: physical layer reports carrier

  /* The link can carry a public address: admin up and carrier present (what
   * 10.interface's "Link detected: yes" check means). */
  bool isUsable() const { return is_admin_up && has_carrier; }
  bool operator==(const LinkInfo&) const = default;
};

/* One address as the kernel holds it on one interface. */
inline constexpr uint32_t kInfiniteLifetime = 0xffffffffu;

struct InterfaceAddress {
  std::string iface;  // name at the time the address was seen
  int ifindex = 0;
  IpPrefix prefix;    // address and prefix length as configured
  bool is_secondary = false;  // IPv4 IFA_F_SECONDARY
  bool is_tentative = false;  // IPv6 DAD still running (not yet usable)
  bool is_dad_failed = false; // IPv6 DAD failed: address is unusable
  /* As last reported by the kernel, not part of the identity or of
   * equality (a lifetime renewal is not a change of the address): the raw
   * IFA flags (IFA_FLAGS, or the 8-bit header field) and IFA_CACHEINFO's
   * lifetimes in seconds (kInfiniteLifetime: permanent). */
  uint32_t flags = 0;
  uint32_t valid_lft = 0xffffffffu;
  uint32_t preferred_lft = 0xffffffffu;

  bool operator==(const InterfaceAddress& o) const {
    return iface == o.iface && ifindex == o.ifindex && prefix == o.prefix &&
           is_secondary == o.is_secondary && is_tentative == o.is_tentative &&
           is_dad_failed == o.is_dad_failed;
  }
};

/* What happened to an address in the kernel. */
enum class AddressChange { Added, Updated, Removed };
const char* toString(AddressChange c);
Result<AddressChange> addressChangeFromString(std::string_view text);

/* Non-empty, shorter than IFNAMSIZ, no '/', no whitespace, not "." or "..".
 * The error names the rejected name. */
Status validateIfaceName(std::string_view name);

}  // namespace ctdb::net
