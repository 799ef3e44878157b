/*
 * Per-interface IPv4 sysctls the public-IP code depends on, written through
 * /proc/sys/net/ipv4/conf/IFACE/KEY. /proc/sys/net shows the network
 * namespace of the calling process, so tests in a private namespace never
 * touch the host's settings.
 *
 * promote_secondaries matters for scale (reference §7.2): without it Linux
 * deletes every secondary address of a subnet when the primary is deleted;
 * with it, a secondary is promoted instead. 10.interface sets it before
 * every delete and refuses to start when the sysctl does not exist.
 *
 * Each call is one open/read-or-write/close; no caching.
 */
#pragma once

#include <string>
#include <string_view>

#include "ctdb/result.h"

namespace ctdb::net {

enum class Setting { Off, On };
const char* toString(Setting s);

/* Errors: invalid name -> EINVAL; interface or sysctl missing -> ENOENT,
 * naming the path. */
Status setPromoteSecondaries(std::string_view iface, Setting setting);
Result<Setting> getPromoteSecondaries(std::string_view iface);

/* CTDB's init sets arp_filter=1 so that only the interface holding an
 * address answers ARP for it. */
Status setArpFilter(std::string_view iface, Setting setting);

namespace detail {
/* "/proc/sys/net/ipv4/conf/IFACE/KEY" after validating IFACE. */
Result<std::string> ipv4ConfPath(std::string_view iface, std::string_view key);
}  // namespace detail

}  // namespace ctdb::net
