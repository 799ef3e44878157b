/*
 * INTERNAL to src/net: decoding of rtnetlink link and address messages.
 *
 * Used both for dump replies (AddressOps) and for multicast notifications
 * (LinkWatcher), so the two paths can never disagree about what a message
 * means. Pure functions over a byte buffer: no sockets, no allocation beyond
 * the returned value, testable without root. A malformed or irrelevant
 * message yields std::nullopt (callers skip it), never a crash.
 */
#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <optional>

#include "net/types.h"

namespace ctdb::net::detail {

struct ParsedLink {
  LinkInfo info;
  bool is_delete = false;  // RTM_DELLINK
};

struct ParsedAddress {
  InterfaceAddress addr;   // iface left empty: the caller maps ifindex->name
  bool is_delete = false;  // RTM_DELADDR
};

/* hdr must point to at least hdr->nlmsg_len readable bytes (checked against
 * avail). Returns nullopt for other message types or truncated messages. */
std::optional<ParsedLink> parseLinkMessage(const nlmsghdr* hdr, size_t avail);
std::optional<ParsedAddress> parseAddressMessage(const nlmsghdr* hdr, size_t avail);

}  // namespace ctdb::net::detail
