/*
 * runTool(): run a built ctdb tool binary (ours or the stock one) as a
 * child process against a daemon socket and collect its exit status,
 * stdout and stderr. Shared by the tool end-to-end tests.
 *
 * The child gets CTDB_SOCKET and CTDB_BASE, TZ=UTC (stable time output)
 * and no CTDB_TIMEOUT; the test process's environment is untouched.
 * Output goes through temporary files (removed before returning), so a
 * tool that writes a lot cannot block on a pipe.
 */
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace ctdb::test {

struct ToolOutput {
  int status = -1;  // exit status, -1 when killed by a signal
  std::string out;
  std::string err;
};

inline ToolOutput runTool(const std::string& tool, const std::vector<std::string>& args,
                          const std::string& socket, const std::string& base) {
  char out_tmpl[] = "/tmp/ctdb-tool-out-XXXXXX";
  char err_tmpl[] = "/tmp/ctdb-tool-err-XXXXXX";
  int out_fd = mkstemp(out_tmpl);
  int err_fd = mkstemp(err_tmpl);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    setenv("CTDB_SOCKET", socket.c_str(), 1);
    setenv("CTDB_BASE", base.c_str(), 1);
    setenv("TZ", "UTC", 1);
    unsetenv("CTDB_TIMEOUT");
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(tool.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(tool.c_str(), argv.data());
    _exit(127);
  }
  ToolOutput r;
  int st = 0;
  if (pid > 0 && waitpid(pid, &st, 0) == pid) r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  auto slurp = [](const char* path) {
    std::ifstream f(path);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  r.out = slurp(out_tmpl);
  r.err = slurp(err_tmpl);
  close(out_fd);
  close(err_fd);
  unlink(out_tmpl);
  unlink(err_tmpl);
  return r;
}

}  // namespace ctdb::test
