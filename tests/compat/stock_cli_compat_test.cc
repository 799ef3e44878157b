/* Compatibility (issue item 8): our ctdbd driven by Debian's STOCK 4.17
 * /usr/bin/ctdb, compared with our own ctdb for the same commands: same exit
 * status, same stdout and stderr once run-dependent values (times, ping
 * latency) are masked. Skipped with a message when /usr/bin/ctdb is absent.
 *
 * ctdbd binds its node address (198.18.0.1) and adds public IPs, so it runs
 * in a network namespace of its own (veth ct0, root needed, else a visible
 * skip); the tools reach it through the unix socket from the test's
 * namespace. */
#include <gtest/gtest.h>

#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#ifndef CTDBD_PATH
#error CTDBD_PATH and CTDB_TOOL_PATH must be defined by CMake
#endif

namespace {

constexpr const char* kStock = "/usr/bin/ctdb";

struct ToolRun {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

class StockCliCompat : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kStock, X_OK) != 0) GTEST_SKIP() << kStock << " (Debian ctdb 4.17) not installed";
    if (geteuid() != 0) GTEST_SKIP() << "needs root: ctdbd runs in its own network namespace";
    char tmpl[] = "/tmp/ctdb-compat-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::filesystem::create_directories(dir_ + "/state");
    std::filesystem::create_directories(dir_ + "/events.d");
    std::ofstream(dir_ + "/nodes") << "198.18.0.1\n";
    std::ofstream(dir_ + "/public_addresses") << "198.18.5.1/24 ct0\n198.18.5.2/24 ct0\nfd00::5/64 ct0\n";
    socket_ = dir_ + "/ctdbd.socket";
    pid_ = fork();
    if (pid_ == 0) {
      if (unshare(CLONE_NEWNET) != 0 ||
          std::system("ip link set lo up && ip link add ct0 type veth peer name ct1 && "
                      "ip link set ct0 up && ip link set ct1 up && ip addr add 198.18.0.1/24 dev ct0") != 0)
        _exit(126);
      std::vector<std::string> a = {CTDBD_PATH, "-i", "--nlist=" + dir_ + "/nodes",
                                    "--public-addresses=" + dir_ + "/public_addresses",
                                    "--listen=198.18.0.1", "--socket=" + socket_,
                                    "--dbdir-state=" + dir_ + "/state",
                                    "--event-script-dir=" + dir_ + "/events.d",
                                    "--logging=file:" + dir_ + "/log.ctdb"};
      std::vector<char*> argv;
      for (auto& s : a) argv.push_back(s.data());
      argv.push_back(nullptr);
      execv(CTDBD_PATH, argv.data());
      _exit(127);
    }
    /* Wait (bounded) until the daemon answers and is RUNNING. */
    for (int i = 0; i < 100; ++i) {
      struct stat st;
      if (stat(socket_.c_str(), &st) == 0 && run(CTDB_TOOL_PATH, {"runstate", "running"}).status == 0) {
        ready_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(ready_) << "our ctdbd did not reach RUNNING; log:\n" << slurp(dir_ + "/log.ctdb");
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st = 0;
      for (int i = 0; i < 50 && waitpid(pid_, &st, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (waitpid(pid_, &st, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &st, 0);
      }
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  ToolRun run(const std::string& tool, const std::vector<std::string>& args) {
    std::string out = dir_ + "/run.out", err = dir_ + "/run.err";
    pid_t p = fork();
    if (p == 0) {
      freopen(out.c_str(), "w", stdout);
      freopen(err.c_str(), "w", stderr);
      setenv("CTDB_SOCKET", socket_.c_str(), 1);
      setenv("CTDB_BASE", dir_.c_str(), 1);
      setenv("CTDB_TIMEOUT", "30", 1);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(tool.c_str()));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(tool.c_str(), argv.data());
      _exit(127);
    }
    int st = 0;
    waitpid(p, &st, 0);
    ToolRun r;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  static std::string mask(std::string s) {
    s = std::regex_replace(s, std::regex(R"(time=[0-9.]+ sec)"), "time=T sec");
    s = std::regex_replace(s, std::regex(R"(\(\d{3} \d\d:\d\d:\d\d\))"), "(DDD HH:MM:SS)");
    s = std::regex_replace(s, std::regex(R"(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})"), "DATE");
    return s;
  }

  std::string dir_, socket_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

TEST_F(StockCliCompat, SameStatusAndOutputAsOurTool) {
  const std::vector<std::vector<std::string>> cmds = {
      {"pnn"},
      {"listnodes"},
      {"-X", "listnodes"},
      {"status"},
      {"-X", "status"},
      {"uptime"},
      {"ping"},
      {"getpid"},
      {"runstate"},
      {"runstate", "startup"},
      {"getvar", "NoIPFailback"},
      {"getvar", "NoSuchTunable"},
      {"setvar", "NoIPFailback", "0"},
      {"listvars"},
      {"leader"},
      {"ipreallocate"},
      {"-n", "5", "pnn"},
      {"ip"},
      {"ip", "all"},
      {"-v", "ip"},
      {"-X", "-v", "ip", "all"},
      {"-x", ",", "-Y", "ip"},
      {"ipinfo", "198.18.5.1"},
      {"ipinfo", "fd00::5"},
      {"ipinfo", "198.18.9.9"},
      {"ifaces"},
      {"-X", "ifaces"},
      {"setifacelink", "ct9", "down"},
      {"addip", "198.18.5.1/24", "ct0"},
      {"delip", "198.18.9.9"},
      {"gratarp", "198.18.5.1", "ct0"},
      {"reloadips"},
      {"reloadips", "all"},
      {"reloadips", "0"},
      {"reloadips", "7"},
      {"enable"},
      {"continue"},
      {"unban"},
  };
  for (const auto& c : cmds) {
    std::string label;
    for (const auto& a : c) label += a + " ";
    ToolRun s = run(kStock, c);
    ToolRun o = run(CTDB_TOOL_PATH, c);
    EXPECT_EQ(o.status, s.status) << label;
    EXPECT_EQ(mask(o.out), mask(s.out)) << label;
    EXPECT_EQ(mask(o.err), mask(s.err)) << label;
  }
  /* Sanity: the stock tool really talked to our daemon. */
  EXPECT_EQ(run(kStock, {"ip"}).out, "Public IPs on node 0\n198.18.5.1 0\n198.18.5.2 0\nfd00::5 0\n");
  EXPECT_EQ(run(kStock, {"pnn"}).out, "0\n");
  EXPECT_EQ(run(kStock, {"runstate"}).out, "RUNNING\n");
}

/* Commands that change state: each is run with the stock tool, undone with
 * ours, run with ours, undone again. Not here: stop/ban (and so their
 * undo): a stopped or banned single node cannot be leader, so the takeover
 * run both tools wait for is never answered; moveip on one node retries 5x3 s
 * in both tools (identical, seen by hand) - too slow here. The fake-daemon
 * e2e tests in tests/tools cover all of them, packet by packet. */
TEST_F(StockCliCompat, StateChangingCommandsMatch) {
  struct Pair {
    std::vector<std::string> cmd, undo;
  };
  const std::vector<Pair> pairs = {
      {{"setifacelink", "ct0", "down"}, {"setifacelink", "ct0", "up"}},
      {{"addip", "198.18.6.1/24", "ct0"}, {"delip", "198.18.6.1"}},
      {{"disable"}, {"enable"}},
  };
  for (const auto& p : pairs) {
    std::string label;
    for (const auto& a : p.cmd) label += a + " ";
    /* After each undo a takeover run: delip of a hosted IP only marks it
     * for deletion (CTDB's deferred deletion); the run releases and
     * forgets it, so the next addip starts from the same state. */
    ToolRun s = run(kStock, p.cmd);
    ToolRun su = run(CTDB_TOOL_PATH, p.undo);
    EXPECT_EQ(run(CTDB_TOOL_PATH, {"ipreallocate"}).status, 0) << label;
    ToolRun o = run(CTDB_TOOL_PATH, p.cmd);
    ToolRun ou = run(CTDB_TOOL_PATH, p.undo);
    EXPECT_EQ(run(CTDB_TOOL_PATH, {"ipreallocate"}).status, 0) << label;
    EXPECT_EQ(su.status, 0) << label << su.err;
    EXPECT_EQ(ou.status, 0) << label << ou.err;
    EXPECT_EQ(o.status, s.status) << label;
    EXPECT_EQ(o.out, s.out) << label;
    EXPECT_EQ(o.err, s.err) << label;
  }
  EXPECT_EQ(run(kStock, {"ifaces"}).out, "Interfaces on node 0\nname:ct0 link:up references:3\n")
      << "daemon log:\n" << slurp(dir_ + "/log.ctdb");
}

}  // namespace
