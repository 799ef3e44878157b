/*
 * Public addresses file parser (ctdb::config): the public IPs this node may
 * host, one per line: "IP/MASKBITS IFACE[,IFACE...]".
 *
 * Rules (CTDB's ctdb_set_public_addresses, 4.5 and 4.17, made stricter
 * where noted; see doc/config-files.md for the differences):
 *   - blank lines and lines whose first non-space character is '#' are
 *     ignored; fields are separated by spaces or tabs;
 *   - IPv4, IPv6, [IPv6] and IPv4-mapped IPv6 (read as IPv4), as 4.17;
 *   - mask 1..32 (IPv4) or 1..128 (IPv6), /0 rejected too (stricter: CTDB
 *     does not range-check the mask at all);
 *   - host bits may be set (198.18.1.5/16 is a normal entry); the address is
 *     kept as written;
 *   - at least one interface is required (CTDB 4.5 accepted a missing one
 *     and fell back to a default interface; we do not); every name in the
 *     comma list is non-empty and at most 15 characters (IFNAMSIZ-1);
 *   - an IP may appear only once;
 *   - nothing may follow the interface list (stricter: CTDB ignores it);
 *   - an empty name in the list or a name listed twice is an error
 *     (stricter: CTDB skips empty names).
 * Errors are "FILE:LINE: what is wrong"; a duplicate names both lines.
 *
 * Pure functions, no global state; O(n) in the number of lines.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ctdb/result.h"
#include "util/ip_address.h"

namespace ctdb::config {

struct PublicAddressEntry {
  IpPrefix prefix;
  std::vector<std::string> ifaces;  // in file order, at least one
  int line = 0;                     // 1-based line in the file
};

/* Longest interface name accepted (CTDB_IFACE_SIZE 16 minus the NUL). */
inline constexpr size_t kMaxIfaceNameLen = 15;

Result<std::vector<PublicAddressEntry>> parsePublicAddresses(std::string_view text,
                                                             std::string_view filename);

/* Reads and parses PATH. A missing/unreadable file is an errno Error naming PATH. */
Result<std::vector<PublicAddressEntry>> loadPublicAddressesFile(const std::string& path);

}  // namespace ctdb::config
