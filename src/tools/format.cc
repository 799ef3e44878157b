#include "tools/format.h"

#include <cstdio>
#include <ctime>

#include "protocol/constants.h"
#include "tools/json.h"

namespace ctdb::tools {

namespace NF = protocol::NodeFlags;

namespace {

struct FlagName {
  uint32_t flag;
  const char* name;
};
constexpr FlagName kFlagNames[] = {
    {NF::kDisconnected, "DISCONNECTED"}, {NF::kUnknownCliOnly, "UNKNOWN"},
    {NF::kPermanentlyDisabled, "DISABLED"}, {NF::kBanned, "BANNED"},
    {NF::kUnhealthy, "UNHEALTHY"},         {NF::kDeleted, "DELETED"},
    {NF::kStopped, "STOPPED"},             {NF::kInactive, "INACTIVE"},
};

std::string printf1(const char* fmt, auto... args) {
  char buf[512];
  int n = std::snprintf(buf, sizeof(buf), fmt, args...);
  if (n < 0) return {};
  if (static_cast<size_t>(n) < sizeof(buf)) return std::string(buf, n);
  std::string big(n + 1, '\0');
  std::snprintf(big.data(), big.size(), fmt, args...);
  big.resize(n);
  return big;
}

std::string ctimeText(int64_t sec) {
  time_t t = static_cast<time_t>(sec);
  char buf[64];
  if (ctime_r(&t, buf) == nullptr) return "(invalid time)\n";
  return buf;
}

void timevalJson(JsonWriter& w, const char* k, const TimevalView& tv) {
  w.key(k).beginObject().key("sec").value(tv.sec).key("usec").value(tv.usec).endObject();
}

}  // namespace

std::vector<std::string> flagNames(uint32_t flags) {
  std::vector<std::string> out;
  for (const auto& f : kFlagNames)
    if (flags & f.flag) out.emplace_back(f.name);
  return out;
}

std::string flagsToString(uint32_t flags) {
  std::string s;
  for (const auto& n : flagNames(flags)) {
    if (!s.empty()) s += '|';
    s += n;
  }
  return s.empty() ? "OK" : s;
}

std::string formatPnn(uint32_t pnn) {
  if (pnn == protocol::kUnknownPnn) return "UNKNOWN\n";
  return std::to_string(pnn) + "\n";
}

std::string formatPnnJson(const char* key, uint32_t pnn) {
  JsonWriter w;
  w.beginObject().key(key);
  if (pnn == protocol::kUnknownPnn) w.null();
  else w.value(pnn);
  w.endObject();
  return w.str() + "\n";
}

std::string formatListnodes(const std::vector<ListNode>& nodes, const OutputMode& mode) {
  if (mode.json) {
    JsonWriter w;
    w.beginObject().key("nodes").beginArray();
    for (const auto& n : nodes)
      w.beginObject().key("pnn").value(n.pnn).key("address").value(n.address).endObject();
    w.endArray().endObject();
    return w.str() + "\n";
  }
  std::string out;
  for (const auto& n : nodes) {
    if (mode.machine)
      out += mode.sep + std::to_string(n.pnn) + mode.sep + n.address + mode.sep + "\n";
    else
      out += n.address + "\n";
  }
  return out;
}

std::string formatStatusHeader(const StatusView& s) {
  int deleted = 0;
  for (const auto& n : s.nodes)
    if (n.flags & NF::kDeleted) ++deleted;
  if (deleted == 0) return printf1("Number of nodes:%d\n", static_cast<int>(s.nodes.size()));
  return printf1("Number of nodes:%d (including %d deleted nodes)\n",
                 static_cast<int>(s.nodes.size()), deleted);
}

std::string formatStatusNode(const StatusView& s, const StatusNode& n) {
  if (n.flags & NF::kDeleted) return {};
  return printf1("pnn:%u %-16s %s%s\n", n.pnn, n.address.c_str(),
                 n.partially_online ? "PARTIALLYONLINE" : flagsToString(n.flags).c_str(),
                 n.pnn == s.this_pnn ? " (THIS NODE)" : "");
}

std::string formatStatusTail(const StatusView& s) {
  std::string out;
  if (s.generation == protocol::kInvalidGeneration)
    out += "Generation:INVALID\n";
  else
    out += printf1("Generation:%u\n", s.generation);
  out += printf1("Size:%d\n", static_cast<int>(s.vnnmap.size()));
  for (size_t i = 0; i < s.vnnmap.size(); ++i)
    out += printf1("hash:%d lmaster:%d\n", static_cast<int>(i), static_cast<int>(s.vnnmap[i]));
  out += printf1("Recovery mode:%s (%d)\n",
                 s.recmode == static_cast<int>(protocol::kRecmodeNormal) ? "NORMAL" : "RECOVERY",
                 s.recmode);
  out += "Leader:" + formatPnn(s.leader);
  return out;
}

std::string formatStatus(const StatusView& s) {
  std::string out = formatStatusHeader(s);
  for (const auto& n : s.nodes) out += formatStatusNode(s, n);
  return out + formatStatusTail(s);
}

std::string formatStatusMachineHeader(const std::string& sep) {
  static const char* const kCols[] = {"Node",      "IP",       "Disconnected",    "Unknown",
                                      "Banned",    "Disabled", "Unhealthy",       "Stopped",
                                      "Inactive",  "PartiallyOnline", "ThisNode"};
  std::string out = sep;
  for (const char* c : kCols) out += std::string(c) + sep;
  return out + "\n";
}

std::string formatStatusMachineNode(const StatusView& s, const StatusNode& n, const std::string& sep) {
  if (n.flags & NF::kDeleted) return {};
  auto bit = [&](uint32_t f) { return std::string((n.flags & f) ? "1" : "0") + sep; };
  return sep + std::to_string(n.pnn) + sep + n.address + sep + bit(NF::kDisconnected) +
         bit(NF::kUnknownCliOnly) + bit(NF::kBanned) + bit(NF::kPermanentlyDisabled) +
         bit(NF::kUnhealthy) + bit(NF::kStopped) + bit(NF::kInactive) +
         (n.partially_online ? "1" : "0") + sep + (n.pnn == s.this_pnn ? "Y" : "N") + sep + "\n";
}

std::string formatStatusMachine(const StatusView& s, const std::string& sep) {
  std::string out = formatStatusMachineHeader(sep);
  for (const auto& n : s.nodes) out += formatStatusMachineNode(s, n, sep);
  return out;
}

std::string formatStatusJson(const StatusView& s, bool with_cluster_state) {
  JsonWriter w;
  w.beginObject();
  w.key("num_nodes").value(static_cast<uint64_t>(s.nodes.size()));
  w.key("this_node").value(s.this_pnn);
  w.key("nodes").beginArray();
  for (const auto& n : s.nodes) {
    w.beginObject();
    w.key("pnn").value(n.pnn).key("address").value(n.address).key("flags").value(n.flags);
    w.key("flag_names").beginArray();
    for (const auto& f : flagNames(n.flags)) w.value(f);
    w.endArray();
    w.key("status").value(n.partially_online ? "PARTIALLYONLINE" : flagsToString(n.flags));
    w.key("partially_online").value(n.partially_online);
    w.key("deleted").value((n.flags & NF::kDeleted) != 0);
    w.key("this_node").value(n.pnn == s.this_pnn);
    w.endObject();
  }
  w.endArray();
  if (with_cluster_state) {
    w.key("generation");
    if (s.generation == protocol::kInvalidGeneration) w.null();
    else w.value(s.generation);
    w.key("vnnmap").beginArray();
    for (size_t i = 0; i < s.vnnmap.size(); ++i)
      w.beginObject().key("hash").value(static_cast<uint64_t>(i)).key("lmaster").value(s.vnnmap[i]).endObject();
    w.endArray();
    w.key("recovery_mode")
        .value(s.recmode == static_cast<int>(protocol::kRecmodeNormal) ? "NORMAL" : "RECOVERY");
    w.key("recovery_mode_value").value(s.recmode);
    w.key("leader");
    if (s.leader == protocol::kUnknownPnn) w.null();
    else w.value(s.leader);
  }
  w.endObject();
  return w.str() + "\n";
}

std::string formatDuration(int64_t tmp) {
  int t = static_cast<int>(tmp);
  int seconds = t % 60;
  t /= 60;
  int minutes = t % 60;
  t /= 60;
  int hours = t % 24;
  t /= 24;
  return printf1("(%03d %02d:%02d:%02d)", t, hours, minutes, seconds);
}

std::string formatUptime(const UptimeView& u) {
  std::string out;
  out += printf1("Current time of node %-4u     :                %s", u.pnn,
                 ctimeText(u.current_time.sec).c_str());
  out += "Ctdbd start time              : " +
         formatDuration(u.current_time.sec - u.ctdbd_start_time.sec) + " " +
         ctimeText(u.ctdbd_start_time.sec);
  out += "Time of last recovery/failover: " +
         formatDuration(u.current_time.sec - u.last_recovery_finished.sec) + " " +
         ctimeText(u.last_recovery_finished.sec);
  double d = static_cast<double>(u.last_recovery_finished.sec - u.last_recovery_started.sec) +
             static_cast<double>(u.last_recovery_finished.usec - u.last_recovery_started.usec) * 1.0e-6;
  out += printf1("Duration of last recovery/failover: %lf seconds\n", d);
  return out;
}

std::string formatUptimeJson(const UptimeView& u) {
  JsonWriter w;
  w.beginObject().key("pnn").value(u.pnn);
  timevalJson(w, "current_time", u.current_time);
  timevalJson(w, "ctdbd_start_time", u.ctdbd_start_time);
  timevalJson(w, "last_recovery_started", u.last_recovery_started);
  timevalJson(w, "last_recovery_finished", u.last_recovery_finished);
  w.key("uptime_seconds").value(u.current_time.sec - u.ctdbd_start_time.sec);
  w.key("seconds_since_last_recovery").value(u.current_time.sec - u.last_recovery_finished.sec);
  double d = static_cast<double>(u.last_recovery_finished.sec - u.last_recovery_started.sec) +
             static_cast<double>(u.last_recovery_finished.usec - u.last_recovery_started.usec) * 1.0e-6;
  w.key("last_recovery_duration").value(d);
  w.endObject();
  return w.str() + "\n";
}

std::string formatPing(uint32_t pnn, double seconds, int clients, const OutputMode& mode) {
  if (mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(pnn).key("time").value(seconds).key("clients").value(clients).endObject();
    return w.str() + "\n";
  }
  return printf1("response from %u time=%.6f sec  (%d clients)\n", pnn, seconds, clients);
}

std::string formatGetpid(uint32_t pnn, uint32_t pid, const OutputMode& mode) {
  if (mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(pnn).key("pid").value(pid).endObject();
    return w.str() + "\n";
  }
  return printf1("%u\n", pid);
}

std::string formatRunstate(uint32_t pnn, const std::string& name, const OutputMode& mode) {
  if (mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(pnn).key("runstate").value(name).endObject();
    return w.str() + "\n";
  }
  return name + "\n";
}

std::string formatTunables(const std::vector<TunableView>& vars, const OutputMode& mode, bool as_list) {
  if (mode.json) {
    JsonWriter w;
    if (!as_list && vars.size() == 1) {
      w.beginObject().key("name").value(vars[0].name).key("value").value(vars[0].value).endObject();
    } else {
      w.beginObject().key("tunables").beginArray();
      for (const auto& v : vars)
        w.beginObject().key("name").value(v.name).key("value").value(v.value).endObject();
      w.endArray().endObject();
    }
    return w.str() + "\n";
  }
  std::string out;
  for (const auto& v : vars) out += printf1("%-26s = %u\n", v.name.c_str(), v.value);
  return out;
}

std::string formatSetvarJson(const std::string& name, uint32_t value, bool obsolete) {
  JsonWriter w;
  w.beginObject().key("name").value(name).key("value").value(value).key("obsolete").value(obsolete).endObject();
  return w.str() + "\n";
}

}  // namespace ctdb::tools
