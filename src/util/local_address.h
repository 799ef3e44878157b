/*
 * "Is this address local?" — CTDB's have-ip test (ctdb_sys_have_ip), the one
 * definition in the tree. It owns nothing beyond the call: one TCP socket,
 * bound to ip (port 0) and closed before it returns.
 *
 * true when the address is usable as a local address right now. As for
 * ctdbd: a tentative IPv6 address (DAD not done) is not bindable, and with
 * net.ipv4.ip_nonlocal_bind=1 every IPv4 address is. EADDRNOTAVAIL is the
 * "not local" answer; any other failure (socket() itself, EACCES, ...) is
 * returned as an error naming the address. Synchronous, one system call
 * pair, no netlink; callable from any thread.
 *
 * Users: the ctdb tool (which nodes-file entry is this host,
 * src/tools/tool.cc) and the kernel-side checks of the address tests
 * (tests/net).
 */
#ifndef CTDB_UTIL_LOCAL_ADDRESS_H
#define CTDB_UTIL_LOCAL_ADDRESS_H

#include "ctdb/result.h"
#include "util/ip_address.h"

namespace ctdb {

Result<bool> haveLocalAddress(const IpAddress& ip);

}  // namespace ctdb

#endif
