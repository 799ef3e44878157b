/*
 * Nodes file parser (ctdb::config): the cluster's node list, one node per
 * line, line N (counting only node lines) being PNN N-1.
 *
 * Format (as CTDB 4.17's ctdb_read_nodes_file):
 *   - leading/trailing white space is ignored;
 *   - an empty (or all-space) line is skipped and takes no PNN;
 *   - a line whose first non-space character is '#' is a DELETED node: it
 *     keeps its PNN slot (so later nodes keep their numbers) but has no
 *     address;
 *   - any other line is "ADDRESS" (IPv4, IPv6, [IPv6], IPv4-mapped IPv6
 *     read as IPv4); anything after the address is an error.
 * Stricter than CTDB: duplicate addresses and a file without any live node
 * are errors here (CTDB checks neither while parsing).
 * Errors are "FILE:LINE: what is wrong" (line numbers are 1-based physical
 * lines): bad address, duplicate address (names both lines), no nodes.
 *
 * Pure functions, no global state; safe to call from any thread.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctdb/result.h"
#include "util/ip_address.h"

namespace ctdb::config {

struct NodeEntry {
  uint32_t pnn = 0;
  std::optional<IpAddress> address;  // empty iff is_deleted
  bool is_deleted = false;
  int line = 0;  // 1-based line in the file
};

/* Parses the text of a nodes file; filename is only used in messages. */
Result<std::vector<NodeEntry>> parseNodes(std::string_view text, std::string_view filename);

/* Reads and parses PATH. A missing/unreadable file is an errno Error naming PATH. */
Result<std::vector<NodeEntry>> loadNodesFile(const std::string& path);

}  // namespace ctdb::config
