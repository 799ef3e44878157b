/*
 * ipalloc_driver: the text interface of CTDB's allocation test driver
 * (`ctdb_takeover_tests ipalloc NODE_FLAGS [multi]`, samba-4.17.12), turned
 * into an AllocInput, and the allocation turned back into its output lines.
 * Used by the ctdb_ipalloc program; kept free of real I/O (stdin text and the
 * environment are passed in) so it can be tested directly.
 *
 * Input rules (CTDB's driver, made strict: what the driver silently ignores
 * or misreads is an error here, naming the line or variable):
 *   NODE_FLAGS  comma-separated node flags, C integer syntax (0x20, 010, 2);
 *               the number of values is the number of nodes.
 *   stdin       "IP [PNN [ALLOWED,...]]" lines; PNN default -1; without
 *               ALLOWED every node knows the IP, with it only the listed
 *               nodes. The list ends at the first empty line. Lines that are
 *               blank (spaces only) or start with '#' are skipped.
 *   multi       one block per node (node 0 first), each ended by an empty
 *               line or end of input: that node's own known list; ALLOWED
 *               lists are not allowed. Missing blocks = nodes knowing no IPs.
 *   A node's available IPs = its known IPs; the allocator then removes them
 *   for nodes that are not RUNNING or whose flags exclude hosting.
 *   Environment (name → meaning):
 *     CTDB_IP_ALGORITHM        lcp2 (default) | nondet | det
 *     CTDB_SET_NoIPTakeover    one value or one per node; like CTDB 4.17,
 *                              one cluster-wide value: the first one
 *     CTDB_SET_NoIPFailback    same form; honoured as the 4.17 daemon does
 *                              (CTDB's own driver ignores it)
 *     CTDB_SET_NoIPHostOnAllDisabled  one value or one per node, per node
 *                              (CTDB 4.5 rule); default 1 = CTDB 4.17
 *     CTDB_TEST_RUNSTATE       one runstate number or one per node
 *                              (default all RUNNING = 5)
 *     CTDB_TEST_LOGLEVEL       ERR/WARNING/NOTICE/INFO/DEBUG or a number
 *                              (default DEBUG, as the driver)
 *     CTDB_TEST_FORCE_REBALANCE  comma-separated PNNs (extension: the
 *                              leader's force-rebalance list)
 * Output: one "IP PNN" line per IP in merged-list order, PNN -1 = nobody.
 */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ctdb/result.h"
#include "takeover/ipalloc.h"

namespace ctdb::takeover {

/* Returns the value of an environment variable, or nullopt if unset. */
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

struct DriverSetup {
  AllocInput input;
  int logLevel = static_cast<int>(log::Level::Debug);
};

/* Parses NODE_FLAGS, the environment and the stdin text. The error text is
 * one line naming the bad argument, variable or "stdin:LINE". */
Result<DriverSetup> parseDriverSetup(std::string_view node_flags, bool multi,
                                     std::string_view stdin_text, const EnvLookup& env);

/* "IP PNN\n" for every IP, in result order. */
std::string formatAllocation(const AllocResult& result);

}  // namespace ctdb::takeover
