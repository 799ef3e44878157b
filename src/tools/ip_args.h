/*
 * Argument parsing shared by the `ctdb` tool's IP and node commands, with
 * the rules of CTDB 4.17's tool (ctdb_sock_addr_from_string,
 * ctdb_sock_addr_mask_from_string, smb_strtoul, parse_nodestring's strtok).
 * Pure functions, no I/O.
 */
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/ip_address.h"

namespace ctdb::tools {

/* An address without port: dotted IPv4, IPv6 (optionally in [brackets]);
 * an IPv4-mapped IPv6 address becomes the IPv4 address. */
std::optional<IpAddress> parseCtdbIp(const std::string& text);

/* "ADDR/BITS": the last '/' splits; BITS is a full decimal number without
 * '-' (its value is not range-checked, as in 4.17: "/40" is accepted). */
struct IpMask {
  IpAddress addr;
  unsigned mask = 0;
};
std::optional<IpMask> parseCtdbIpMask(const std::string& text);

/* smb_strtoul(text, NULL, base, &err, SMB_STR_STANDARD or, when full,
 * SMB_STR_FULL_STR_CONV): needs at least one digit, rejects a '-' inside
 * the converted part, overflow, and (full) trailing characters. *error (if
 * given) becomes 0, EINVAL or ERANGE as 4.17 reports it. */
std::optional<unsigned long> smbStrtoul(const std::string& text, int base, bool full,
                                        int* error = nullptr);

/* strtok(text, sep) tokens (empty ones skipped). */
std::vector<std::string> splitNonEmpty(const std::string& text, char sep);

/* Ours, not 4.17: addip's IFACE[,IFACE...] checked against Linux's rules
 * for interface names (dev_valid_name: 1..15 characters, no '/', ':' or
 * white space, not "." or ".."). nullopt = fine; otherwise the one-line
 * message (with its newline). 4.17 sends any name and, when the daemon
 * refuses it, retries for 15 s. */
std::optional<std::string> ifaceListError(const std::string& list);

/* ctdb_sock_addr_cmp() order for port-less addresses: IPv4 before IPv6,
 * then the address bytes. */
bool sockAddrLess(const IpAddress& a, const IpAddress& b);

}  // namespace ctdb::tools
