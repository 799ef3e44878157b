/* End-to-end: our `ctdb` binary (and, when installed, the stock 4.17
 * /usr/bin/ctdb) against the in-process fake ctdbd. Output must equal the
 * golden captures' text and the stock tool's output byte for byte. */
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "fake_daemon.h"
#include "json_check.h"
#include "run_tool.h"

#ifndef CTDB_TOOL_PATH
#error CTDB_TOOL_PATH must name the built ctdb binary
#endif

namespace {

using ctdb::testing::FakeDaemon;

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

/* Runs tool with args; env CTDB_SOCKET/CTDB_BASE/TZ set for the child only. */
RunResult runTool(const std::string& tool, const std::vector<std::string>& args,
                  const std::string& socket, const std::string& base) {
  auto o = ctdb::test::runTool(tool, args, socket, base);
  return RunResult{o.status, std::move(o.out), std::move(o.err)};
}

class ToolE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.start();
    std::ofstream(daemon_.dir() + "/nodes") << "198.18.0.1\n198.18.0.2\n#gone\n198.18.0.4\n";
  }
  RunResult ours(const std::vector<std::string>& args) {
    return runTool(CTDB_TOOL_PATH, args, daemon_.socketPath(), daemon_.dir());
  }
  RunResult stock(const std::vector<std::string>& args) {
    return runTool("/usr/bin/ctdb", args, daemon_.socketPath(), daemon_.dir());
  }
  static bool haveStock() { return access("/usr/bin/ctdb", X_OK) == 0; }
  FakeDaemon daemon_;
};

TEST_F(ToolE2E, Pnn) {
  auto r = ours({"pnn"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "0\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(ToolE2E, StatusMatchesCaptureAndDoesNotWaitWhenLeaderKnown) {
  auto start = std::chrono::steady_clock::now();
  auto r = ours({"status"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
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

TEST_F(ToolE2E, StatusWithoutLeaderWaitsTimelimitAndPrintsUnknown) {
  daemon_.setSendLeader(false);
  auto start = std::chrono::steady_clock::now();
  auto r = ours({"-t", "1", "status"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Leader:UNKNOWN\n"), std::string::npos);
}

TEST_F(ToolE2E, PartiallyOnlineWhenAnInterfaceIsDown) {
  daemon_.setIfaceLinkDown(true);
  auto r = ours({"-X", "status"});
  EXPECT_EQ(r.out,
            "|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|\n"
            "|0|198.18.0.1|0|0|0|0|0|0|0|0|Y|\n"
            "|1|198.18.0.2|0|0|0|0|0|0|0|1|N|\n"
            "|2|198.18.0.3|0|0|0|0|0|0|0|0|N|\n");
}

TEST_F(ToolE2E, UptimePingGetpidRunstateGetvar) {
  EXPECT_EQ(ours({"uptime"}).out,
            "Current time of node 0        :                Thu Nov 26 01:52:01 2026\n"
            "Ctdbd start time              : (000 00:01:44) Thu Nov 26 01:50:17 2026\n"
            "Time of last recovery/failover: (000 00:00:08) Thu Nov 26 01:51:53 2026\n"
            "Duration of last recovery/failover: 0.048885 seconds\n");
  auto ping = ours({"ping"});
  EXPECT_EQ(ping.out.substr(0, 22), "response from 0 time=0");
  EXPECT_EQ(ping.out.substr(ping.out.size() - 18), " sec  (2 clients)\n");
  EXPECT_EQ(ours({"getpid"}).out, "11990\n");
  EXPECT_EQ(ours({"runstate"}).out, "RUNNING\n");
  EXPECT_EQ(ours({"runstate", "startup", "running"}).out, "RUNNING\n");
  auto bad = ours({"runstate", "startup"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.out, "CTDB not in required run state (got RUNNING)\n");
  EXPECT_EQ(ours({"getvar", "takeovertimeout"}).out, "takeovertimeout            = 9\n");
  auto nosuch = ours({"getvar", "Bogus"});
  EXPECT_EQ(nosuch.status, 1);
  EXPECT_EQ(nosuch.out, "No such tunable Bogus\n");
}

TEST_F(ToolE2E, SetvarThenGetvar) {
  auto s = ours({"setvar", "TakeoverTimeout", "10"});
  EXPECT_EQ(s.status, 0);
  EXPECT_EQ(s.out + s.err, "");
  EXPECT_EQ(ours({"getvar", "TakeoverTimeout"}).out, "TakeoverTimeout            = 10\n");
}

TEST_F(ToolE2E, ListnodesReadsCtdbBase) {
  auto r = ours({"listnodes"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "198.18.0.1\n198.18.0.2\n198.18.0.4\n");
  EXPECT_EQ(ours({"-X", "listnodes"}).out, "|0|198.18.0.1|\n|1|198.18.0.2|\n|3|198.18.0.4|\n");
  EXPECT_EQ(daemon_.connections(), 0);
  auto n = ours({"-n", "1", "listnodes"});
  EXPECT_EQ(n.status, 1);
  EXPECT_EQ(n.err, "Cannot specify node for command listnodes\n");
}

TEST_F(ToolE2E, ErrorsAndUsage) {
  auto unknown = ours({"bogus"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_EQ(unknown.err, "Unknown command 'bogus'\n");
  auto pnn = ours({"-n", "1", "pnn"});
  EXPECT_EQ(pnn.status, 1);
  EXPECT_EQ(pnn.err, "Node cannot be specified for command pnn\n");
  auto nonode = ours({"-n", "7", "uptime"});
  EXPECT_EQ(nonode.status, 1);
  EXPECT_EQ(nonode.err, "Node 7 does not exist\n");
  auto usage = ours({"getvar"});
  EXPECT_EQ(usage.status, 1);
  EXPECT_NE(usage.out.find("  getvar          <name>"), std::string::npos);
  auto noconn = runTool(CTDB_TOOL_PATH, {"pnn"}, daemon_.dir() + "/none.sock", daemon_.dir());
  EXPECT_EQ(noconn.status, 1);
  EXPECT_EQ(noconn.err.substr(0, 26), "connect() failed, errno=2\n");
  EXPECT_NE(noconn.err.find("Failed to connect to CTDB daemon (" + daemon_.dir() + "/none.sock)\n"),
            std::string::npos);
}

TEST_F(ToolE2E, IpreallocateAndLeader) {
  auto r = ours({"ipreallocate"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out + r.err, "");
  EXPECT_EQ(ours({"sync"}).status, 0);
  EXPECT_EQ(ours({"leader"}).out, "0\n");
}

TEST_F(ToolE2E, JsonOutputsAreObjects) {
  for (auto cmd : {"pnn", "status", "uptime", "ping", "getpid", "runstate", "listvars", "leader",
                   "listnodes", "ipreallocate"}) {
    auto r = ours({"--json", cmd});
    EXPECT_EQ(r.status, 0) << cmd;
    ASSERT_GE(r.out.size(), 3u) << cmd;
    EXPECT_EQ(r.out.front(), '{') << cmd;
    EXPECT_EQ(r.out.substr(r.out.size() - 2), "}\n") << cmd;
  }
  EXPECT_EQ(ours({"--json", "getvar", "EnableBans"}).out, "{\"name\":\"EnableBans\",\"value\":1}\n");
}

/* admin: every basic command's --json parses and carries its documented
 * keys (doc/json.md). */
TEST_F(ToolE2E, JsonOfEveryBasicCommandParsesWithItsKeys) {
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
      {{"pnn"}, {"pnn"}},
      {{"listnodes"}, {"nodes"}},
      {{"status"}, {"num_nodes", "this_node", "nodes", "generation", "vnnmap", "recovery_mode", "leader"}},
      {{"uptime"}, {"pnn", "current_time", "ctdbd_start_time", "uptime_seconds"}},
      {{"ping"}, {"pnn", "time", "clients"}},
      {{"getpid"}, {"pnn", "pid"}},
      {{"runstate"}, {"pnn", "runstate"}},
      {{"getvar", "NoIPFailback"}, {"name", "value"}},
      {{"setvar", "NoIPFailback", "1"}, {"name", "value", "obsolete"}},
      {{"listvars"}, {"tunables"}},
      {{"leader"}, {"leader"}},
      {{"ipreallocate"}, {"leader"}},
      {{"sync"}, {"leader"}},
  };
  for (const auto& [args, keys] : cases) {
    std::vector<std::string> a{"--json"};
    a.insert(a.end(), args.begin(), args.end());
    auto r = ours(a);
    ASSERT_EQ(r.status, 0) << args[0] << ": " << r.err;
    auto j = ctdb::testing::JsonReader::parse(r.out);
    ASSERT_TRUE(j.has_value()) << args[0] << " printed no valid JSON: " << r.out;
    for (const auto& k : keys) EXPECT_TRUE(j->has(k)) << args[0] << " lacks " << k << ": " << r.out;
  }
}

TEST_F(ToolE2E, SameOutputAsStockTool) {
  if (!haveStock()) GTEST_SKIP() << "/usr/bin/ctdb (Debian ctdb 4.17) not installed";
  const std::vector<std::vector<std::string>> cmds = {
      {"pnn"},      {"status"},          {"-X", "status"}, {"uptime"},
      {"getpid"},   {"runstate"},        {"runstate", "startup"}, {"getvar", "NoIPFailback"},
      {"getvar", "Bogus"}, {"listvars"}, {"leader"},       {"ipreallocate"},
      {"listnodes"}, {"-X", "listnodes"}, {"-Y", "-x", ",", "status"}, {"-n", "1", "pnn"},
      {"-n", "7", "uptime"}, {"-n", "1", "listnodes"}, {"bogus"}, {"-n", "all", "ip"},
      {"setvar", "NoIPFailback", "0"}};
  /* The stock tool really talks to the fake daemon (not two failures). */
  ASSERT_NE(stock({"status"}).out.find("Leader:0\n"), std::string::npos);
  for (const auto& c : cmds) {
    std::string label;
    for (const auto& a : c) label += a + " ";
    auto s = stock(c);
    auto o = ours(c);
    EXPECT_EQ(o.status, s.status) << label;
    EXPECT_EQ(o.out, s.out) << label;
    EXPECT_EQ(o.err, s.err) << label;
  }
}

}  // namespace
