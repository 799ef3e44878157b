#include "event/child_reaper.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <vector>

#include "util/logging.h"

namespace ctdb::event {

ChildReaper::ChildReaper(EventLoop& loop)
    : sigchld_(loop, SIGCHLD, [this](int) { reap(); }) {}

ChildReaper::~ChildReaper() {
  for (auto& [pid, cb] : pids_) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
  }
}

void ChildReaper::watch(pid_t pid, std::function<void(int)> on_exit) {
  pids_[pid] = std::move(on_exit);
}

void ChildReaper::reap() {
  std::vector<std::pair<std::function<void(int)>, int>> done;
  for (auto it = pids_.begin(); it != pids_.end();) {
    int st = 0;
    pid_t r = waitpid(it->first, &st, WNOHANG);
    if (r == it->first || (r < 0 && errno == ECHILD)) {
      if (r < 0) D_WARNING("event: child %d vanished (reaped elsewhere), forgetting it\n", it->first);
      done.emplace_back(std::move(it->second), st);
      it = pids_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [cb, st] : done) {
    if (cb) cb(st);
  }
}

}  // namespace ctdb::event
