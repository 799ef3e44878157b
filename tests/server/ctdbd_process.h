/*
 * Test helper: runs the real ctdbd binary (CTDBD_PATH) in the foreground
 * with a scratch socket, nodes file and log file, and stops it again.
 * Every wait is bounded.
 *
 * ctdbd binds its node address (198.18.0.1, port 4379) for the node
 * transport, so the daemon runs in a private network namespace of its own
 * (unshare --net, with 198.18.0.1/32 on its loopback); the unix control
 * socket lives in the file system and is reachable from the test as usual.
 * That needs root: tests call skipUnlessNetnsUsable() first, which skips
 * visibly otherwise. unshare and sh exec, so pid() is the daemon's pid.
 */
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "raw_client.h"

namespace ctdb::server::testing {

class CtdbdProcess {
 public:
  CtdbdProcess(const ScratchDir& dir, std::vector<std::string> args)
      : args_(std::move(args)), stderr_path_(dir.file("stderr." + std::to_string(++counter()))) {}
  ~CtdbdProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  /* Standard arguments for a one-node cluster in dir. */
  static std::vector<std::string> standardArgs(const ScratchDir& dir,
                                               const std::string& nodes = "198.18.0.1\n") {
    std::ofstream(dir.file("nodes")) << nodes;
    return {"-i", "--nlist=" + dir.file("nodes"), "--listen=198.18.0.1",
            "--socket=" + dir.file("run/ctdbd.socket"), "--logging=file:" + dir.file("log"),
            "-d", "INFO"};
  }

  /* Empty when the daemon can run in a private network namespace, else
   * the reason it cannot (for GTEST_SKIP). */
  static std::string netnsUnavailableReason() {
    if (geteuid() != 0) return "needs root to run ctdbd in a private network namespace";
    if (access("/usr/bin/unshare", X_OK) != 0) return "unshare(1) not installed";
    if (system("/usr/bin/unshare --net true >/dev/null 2>&1") != 0)
      return "network namespaces not available";
    return {};
  }

  void spawn() {
    static const bool kWrapInNetns = netnsUnavailableReason().empty();
    pid_ = fork();
    if (pid_ == 0) {
      int fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      std::vector<char*> argv;
      static const char* kWrap[] = {
          "/usr/bin/unshare", "--net", "/bin/sh", "-c",
          "ip link set lo up && ip addr add 198.18.0.1/32 dev lo && exec \"$0\" \"$@\"",
      };
      if (kWrapInNetns)
        for (const char* w : kWrap) argv.push_back(const_cast<char*>(w));
      argv.push_back(const_cast<char*>(CTDBD_PATH));
      for (auto& a : args_) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }

  /* Spawns and waits until socket_path accepts connections. */
  bool start(const std::string& socket_path) {
    spawn();
    for (int i = 0; i < 500; ++i) {
      RawClient probe(socket_path);
      if (probe.valid()) return true;
      if (hasExited()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  /* Exit status once the process ended (waits up to timeout), -1 if it did
   * not end, 128+N if killed by signal N. */
  int waitExit(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    if (exit_status_ >= 0) return exit_status_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (hasExited()) return exit_status_;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

  /* The bound is generous: under CI load a daemon in the middle of its
   * start-up events can take seconds to run its shutdown steps. */
  int stop(int sig = SIGTERM, std::chrono::milliseconds timeout = std::chrono::milliseconds(20000)) {
    if (pid_ > 0 && exit_status_ < 0) kill(pid_, sig);
    return waitExit(timeout);
  }

  std::string output() const {
    std::ifstream in(stderr_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  pid_t pid() const { return pid_; }

 private:
  bool hasExited() {
    if (exit_status_ >= 0) return true;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r != pid_) return false;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
    return true;
  }
  static int& counter() {
    static int c = 0;
    return c;
  }

  std::vector<std::string> args_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

}  // namespace ctdb::server::testing
