/* Compatibility (issue item 8): our ctdbd driven by Debian's STOCK 4.17
 * /usr/bin/ctdb, compared with our own ctdb for the same commands: same exit
 * status, same stdout and stderr once run-dependent values (times, ping
 * latency) are masked. Skipped with a message when /usr/bin/ctdb is absent. */
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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
    char tmpl[] = "/tmp/ctdb-compat-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::filesystem::create_directories(dir_ + "/state");
    std::filesystem::create_directories(dir_ + "/events.d");
    std::ofstream(dir_ + "/nodes") << "198.18.0.1\n";
    socket_ = dir_ + "/ctdbd.socket";
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<std::string> a = {CTDBD_PATH, "-i", "--nlist=" + dir_ + "/nodes",
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
  EXPECT_EQ(run(kStock, {"pnn"}).out, "0\n");
  EXPECT_EQ(run(kStock, {"runstate"}).out, "RUNNING\n");
}

}  // namespace
