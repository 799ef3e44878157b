/*
 * Output formatting of the `ctdb` tool, separated from protocol calls.
 *
 * Every function turns a plain "view" struct (filled by the command handlers
 * from control replies) into the exact text CTDB 4.17's tool prints, in human,
 * machine-readable (-X/-Y with separator) or JSON (--json, schema in
 * doc/json.md) form. Pure functions: no I/O, no global state, except that
 * time formatting uses the process's local time zone (ctime), as 4.17 does.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ctdb::tools {

/* Output mode chosen by -X/-Y/-x and --json. */
struct OutputMode {
  bool machine = false;   // -X or -Y
  std::string sep = "|";  // -x
  bool json = false;      // --json (wins over machine)
};

/* CTDB's flag names joined by '|' ("OK" when none), 4.17 order. */
std::string flagsToString(uint32_t flags);
/* The individual names, same order (empty when OK). */
std::vector<std::string> flagNames(uint32_t flags);

/* "N\n", or "UNKNOWN\n" for 0xFFFFFFFF. */
std::string formatPnn(uint32_t pnn);
std::string formatPnnJson(const char* key, uint32_t pnn);

struct ListNode {
  uint32_t pnn = 0;
  std::string address;
};
std::string formatListnodes(const std::vector<ListNode>& nodes, const OutputMode& mode);

struct StatusNode {
  uint32_t pnn = 0;
  std::string address;
  uint32_t flags = 0;  // after the UNKNOWN substitution
  bool partially_online = false;
};
struct StatusView {
  std::vector<StatusNode> nodes;  // the whole node map, deleted nodes included
  uint32_t this_pnn = 0;          // cmd_pnn
  uint32_t generation = 0;
  std::vector<uint32_t> vnnmap;   // lmaster per hash
  int recmode = 0;
  uint32_t leader = 0xFFFFFFFF;
};
/* Human form: node list, vnnmap, recovery mode, leader. */
std::string formatStatus(const StatusView& s);
/* -X form: node table only (no vnnmap/recmode/leader). */
std::string formatStatusMachine(const StatusView& s, const std::string& sep);
/* The pieces of the two forms above, so the tool can print each node line as
 * soon as its PARTIALLYONLINE probe is done (4.17's order on the terminal). */
std::string formatStatusHeader(const StatusView& s);
std::string formatStatusNode(const StatusView& s, const StatusNode& n);  // "" for deleted
std::string formatStatusTail(const StatusView& s);
std::string formatStatusMachineHeader(const std::string& sep);
std::string formatStatusMachineNode(const StatusView& s, const StatusNode& n, const std::string& sep);
std::string formatStatusJson(const StatusView& s, bool with_cluster_state);

struct TimevalView {
  int64_t sec = 0;
  int64_t usec = 0;
};
struct UptimeView {
  uint32_t pnn = 0;
  TimevalView current_time, ctdbd_start_time, last_recovery_started, last_recovery_finished;
};
std::string formatUptime(const UptimeView& u);
std::string formatUptimeJson(const UptimeView& u);
/* "(DDD HH:MM:SS)" for a duration in seconds. */
std::string formatDuration(int64_t seconds);

std::string formatPing(uint32_t pnn, double seconds, int clients, const OutputMode& mode);
std::string formatGetpid(uint32_t pnn, uint32_t pid, const OutputMode& mode);
std::string formatRunstate(uint32_t pnn, const std::string& name, const OutputMode& mode);

struct TunableView {
  std::string name;
  uint32_t value = 0;
};
/* "%-26s = %u\n" per tunable. JSON: {"name","value"} for one (getvar) or
 * {"tunables":[...]} for a list (listvars). */
std::string formatTunables(const std::vector<TunableView>& vars, const OutputMode& mode, bool as_list);
std::string formatSetvarJson(const std::string& name, uint32_t value, bool obsolete);

/* ---- public IPs and interfaces (format_ip.cc) ---- */

struct IfaceView {
  std::string name;
  uint16_t link_state = 0;  // as on the wire; 0 = down, anything else up
  uint32_t references = 0;
  bool linkUp() const { return link_state != 0; }
};

/* One row of `ctdb ip`: the address text, the hosting PNN (-1 unknown) and,
 * when fetched, the node's GET_PUBLIC_IP_INFO answer (for -v). */
struct IpRow {
  std::string address;
  int32_t pnn = -1;
  bool has_info = false;
  uint32_t active_idx = 0xFFFFFFFF;
  std::vector<IfaceView> ifaces;
};
struct IpView {
  bool all_nodes = false;   // `ctdb ip all`
  uint32_t cmd_pnn = 0;     // node asked (without `all`)
  std::vector<IpRow> rows;  // already sorted (IPv4 before IPv6, by address)
};
/* Human/-X text, with or without -v. */
std::string formatIp(const IpView& v, const OutputMode& mode, bool verbose);
std::string formatIpJson(const IpView& v);

struct IpinfoView {
  uint32_t cmd_pnn = 0;
  std::string address;
  uint32_t current_node = 0;
  uint32_t active_idx = 0xFFFFFFFF;
  std::vector<IfaceView> ifaces;
};
std::string formatIpinfo(const IpinfoView& v, const OutputMode& mode);

/* `ctdb ifaces` (human, -X, JSON); empty list prints 4.17's
 * "No interfaces configured on node N" in text modes. */
std::string formatIfaces(uint32_t pnn, const std::vector<IfaceView>& ifaces, const OutputMode& mode);

}  // namespace ctdb::tools
