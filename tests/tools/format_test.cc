/* Formatting of every command from plain structs, against the strings of the
 * golden captures (reference/captures/ *.txt files), option parsing errors and the
 * JSON writer. */
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "tools/format.h"
#include "tools/json.h"
#include "tools/options.h"
#include "tools/tool.h"

namespace ctdb::tools {
namespace {

StatusView captureStatus() {
  StatusView s;
  for (uint32_t i = 0; i < 3; ++i) s.nodes.push_back({i, "198.18.0." + std::to_string(i + 1), 0, false});
  s.this_pnn = 0;
  s.generation = 1910388866;
  s.vnnmap = {0, 1, 2};
  s.recmode = 0;
  s.leader = 0;
  return s;
}

TEST(Format, StatusMatchesCapture) {
  EXPECT_EQ(formatStatus(captureStatus()),
            "Number of nodes:3\n"
            "pnn:0 198.18.0.1       OK (THIS NODE)\n"
            "pnn:1 198.18.0.2       OK\n"
            "pnn:2 198.18.0.3       OK\n"
            "Generation:1910388866\n"
            "Size:3\n"
            "hash:0 lmaster:0\n"
            "hash:1 lmaster:1\n"
            "hash:2 lmaster:2\n"
            "Recovery mode:NORMAL (0)\n"
            "Leader:0\n");
}

TEST(Format, StatusMachineMatchesCapture) {
  EXPECT_EQ(formatStatusMachine(captureStatus(), "|"),
            "|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|\n"
            "|0|198.18.0.1|0|0|0|0|0|0|0|0|Y|\n"
            "|1|198.18.0.2|0|0|0|0|0|0|0|0|N|\n"
            "|2|198.18.0.3|0|0|0|0|0|0|0|0|N|\n");
}

TEST(Format, StatusFlagsDeletedInvalidGenerationUnknownLeader) {
  StatusView s = captureStatus();
  s.nodes[1].flags = 0x20;  // STOPPED -> STOPPED|INACTIVE
  s.nodes[2].flags = 0x10;  // DELETED: not listed
  s.nodes.push_back({3, "198.18.0.4", 0x04, false});
  s.nodes.push_back({4, "198.18.0.5", 0, true});
  s.generation = 1;
  s.vnnmap = {0};
  s.recmode = 1;
  s.leader = 0xFFFFFFFF;
  EXPECT_EQ(formatStatus(s),
            "Number of nodes:5 (including 1 deleted nodes)\n"
            "pnn:0 198.18.0.1       OK (THIS NODE)\n"
            "pnn:1 198.18.0.2       STOPPED|INACTIVE\n"
            "pnn:3 198.18.0.4       DISABLED\n"
            "pnn:4 198.18.0.5       PARTIALLYONLINE\n"
            "Generation:INVALID\n"
            "Size:1\n"
            "hash:0 lmaster:0\n"
            "Recovery mode:RECOVERY (1)\n"
            "Leader:UNKNOWN\n");
  EXPECT_EQ(formatStatusMachine(s, "|").substr(formatStatusMachine(s, "|").find("|1|")),
            "|1|198.18.0.2|0|0|0|0|0|1|1|0|N|\n"
            "|3|198.18.0.4|0|0|0|1|0|0|0|0|N|\n"
            "|4|198.18.0.5|0|0|0|0|0|0|0|1|N|\n");
}

TEST(Format, FlagOrderIs417Order) {
  EXPECT_EQ(flagsToString(0), "OK");
  EXPECT_EQ(flagsToString(0x7f), "DISCONNECTED|UNKNOWN|DISABLED|BANNED|UNHEALTHY|DELETED|STOPPED|INACTIVE");
  EXPECT_EQ(flagsToString(0x02), "UNHEALTHY");
}

TEST(Format, UptimeMatchesCapture) {
  setenv("TZ", "UTC", 1);
  tzset();
  UptimeView u;
  u.pnn = 0;
  u.current_time = {1795657921, 0};
  u.ctdbd_start_time = {1795657817, 0};
  u.last_recovery_started = {1795657913, 0};
  u.last_recovery_finished = {1795657913, 48885};
  EXPECT_EQ(formatUptime(u),
            "Current time of node 0        :                Thu Nov 26 01:52:01 2026\n"
            "Ctdbd start time              : (000 00:01:44) Thu Nov 26 01:50:17 2026\n"
            "Time of last recovery/failover: (000 00:00:08) Thu Nov 26 01:51:53 2026\n"
            "Duration of last recovery/failover: 0.048885 seconds\n");
  EXPECT_EQ(formatDuration(2 * 86400 + 3 * 3600 + 4 * 60 + 5), "(002 03:04:05)");
}

TEST(Format, PingHasTwoSpacesBeforeClients) {
  OutputMode m;
  EXPECT_EQ(formatPing(0, 0.000231, 2, m), "response from 0 time=0.000231 sec  (2 clients)\n");
}

TEST(Format, SimpleCommands) {
  OutputMode m;
  EXPECT_EQ(formatGetpid(0, 11990, m), "11990\n");
  EXPECT_EQ(formatRunstate(0, "RUNNING", m), "RUNNING\n");
  EXPECT_EQ(formatPnn(1), "1\n");
  EXPECT_EQ(formatPnn(0xFFFFFFFF), "UNKNOWN\n");
  EXPECT_EQ(formatTunables({{"TakeoverTimeout", 9}}, m, false), "TakeoverTimeout            = 9\n");
  EXPECT_EQ(formatTunables({{"SeqnumInterval", 1000}, {"DatabaseHashSize", 100001}}, m, true),
            "SeqnumInterval             = 1000\n"
            "DatabaseHashSize           = 100001\n");
}

TEST(Format, Listnodes) {
  std::vector<ListNode> n = {{0, "198.18.7.1"}, {2, "fd00::3"}};
  OutputMode m;
  EXPECT_EQ(formatListnodes(n, m), "198.18.7.1\nfd00::3\n");
  m.machine = true;
  EXPECT_EQ(formatListnodes(n, m), "|0|198.18.7.1|\n|2|fd00::3|\n");
  m.sep = ",";
  EXPECT_EQ(formatListnodes(n, m), ",0,198.18.7.1,\n,2,fd00::3,\n");
  m.json = true;
  EXPECT_EQ(formatListnodes(n, m),
            "{\"nodes\":[{\"pnn\":0,\"address\":\"198.18.7.1\"},{\"pnn\":2,\"address\":\"fd00::3\"}]}\n");
}

TEST(Format, JsonOutputs) {
  OutputMode j;
  j.json = true;
  EXPECT_EQ(formatPing(1, 0.5, 3, j), "{\"pnn\":1,\"time\":0.500000,\"clients\":3}\n");
  EXPECT_EQ(formatGetpid(0, 42, j), "{\"pnn\":0,\"pid\":42}\n");
  EXPECT_EQ(formatPnnJson("leader", 0xFFFFFFFF), "{\"leader\":null}\n");
  EXPECT_EQ(formatTunables({{"A", 1}}, j, false), "{\"name\":\"A\",\"value\":1}\n");
  EXPECT_EQ(formatTunables({{"A", 1}}, j, true), "{\"tunables\":[{\"name\":\"A\",\"value\":1}]}\n");
  std::string st = formatStatusJson(captureStatus(), true);
  EXPECT_NE(st.find("\"generation\":1910388866"), std::string::npos);
  EXPECT_NE(st.find("\"leader\":0"), std::string::npos);
  EXPECT_NE(st.find("{\"pnn\":1,\"address\":\"198.18.0.2\",\"flags\":0,\"flag_names\":[],\"status\":\"OK\""),
            std::string::npos);
}

TEST(Json, EscapesAndNests) {
  EXPECT_EQ(JsonWriter::escape("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  JsonWriter w;
  w.beginObject().key("k\"").beginArray().value(1).value(true).null().value("x").endArray().endObject();
  EXPECT_EQ(w.str(), "{\"k\\\"\":[1,true,null,\"x\"]}");
  EXPECT_TRUE(w.complete());
}

Result<Options> parse(std::vector<std::string> a) {
  a.insert(a.begin(), "ctdb");
  return parseOptions(a);
}

TEST(Options, ErrorsAre417Texts) {
  EXPECT_EQ(parse({"-n", "all", "pnn"}).error().context, "Invalid option all: invalid numeric value");
  EXPECT_EQ(parse({"--foo"}).error().context, "Invalid option --foo: unknown option");
  EXPECT_EQ(parse({"-q", "pnn"}).error().context, "Invalid option -q: unknown option");
  EXPECT_EQ(parse({"-n"}).error().context, "Invalid option -n: missing argument");
  EXPECT_EQ(parse({"-x"}).error().context, "Invalid option -x: missing argument");
  EXPECT_EQ(parse({"-n", "99999999999", "pnn"}).error().context,
            "Invalid option 99999999999: number too large or too small");
  EXPECT_EQ(parse({"-t", "abc", "pnn"}).error().context, "Invalid option abc: invalid numeric value");
  EXPECT_EQ(parse({"-n", "3 ", "x"}).error().context, "Invalid option 3 : invalid numeric value");
}

TEST(Options, PermutedClusteredAndAttached) {
  auto o = parse({"ip", "-v", "all", "-Xn1", "--timelimit=3", "--socket=/s", "--json"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->args, (std::vector<std::string>{"ip", "all"}));
  EXPECT_TRUE(o->verbose);
  EXPECT_TRUE(o->machine_readable);
  EXPECT_EQ(o->pnn, 1);
  EXPECT_EQ(o->timelimit, 3);
  EXPECT_EQ(*o->socket, "/s");
  EXPECT_TRUE(o->json);
  auto h = parse({"-n", "0x1", "-x,", "--", "-n", "2"});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->pnn, 1);
  EXPECT_EQ(h->sep, ",");
  EXPECT_EQ(h->args, (std::vector<std::string>{"-n", "2"}));
  EXPECT_EQ(parse({"--separator", "listnodes"})->sep, "listnodes");
}

TEST(Options, Environment) {
  Options o;
  auto env = [](const char* n) -> std::optional<std::string> {
    if (std::string(n) == "CTDB_TIMEOUT") return "30";
    if (std::string(n) == "CTDB_SOCKET") return "/tmp/x.sock";
    return std::nullopt;
  };
  ASSERT_TRUE(applyEnvironment(o, env).ok());
  EXPECT_EQ(o.maxruntime, 30);
  EXPECT_EQ(*o.socket, "/tmp/x.sock");
  Options d;
  ASSERT_TRUE(applyEnvironment(d, [](const char*) -> std::optional<std::string> { return std::nullopt; }).ok());
  EXPECT_EQ(d.maxruntime, 120);
  EXPECT_EQ(*d.socket, "/run/ctdb/ctdbd.socket");
  Options bad;
  auto st = applyEnvironment(bad, [](const char*) -> std::optional<std::string> { return "abc"; });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().context, "Invalid value CTDB_TIMEOUT");
}

TEST(Usage, CommandLinesHave417Layout) {
  std::string u = commandUsageText("getvar");
  EXPECT_NE(u.find("\nCommands:\n  getvar          <name>                       get a tunable variable\n"),
            std::string::npos);
  std::string full = fullUsageText();
  EXPECT_NE(full.find("  runstate        [setup|first_recovery|startup|running]  get/check runstate of a node\n"),
            std::string::npos);
  EXPECT_NE(full.find("  -n, --node=INT           node specification - integer\n"), std::string::npos);
}

}  // namespace
}  // namespace ctdb::tools
