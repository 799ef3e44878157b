#include "event/child_reaper.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <iterator>
#include <vector>

#include "util/logging.h"

namespace ctdb::event {

ChildReaper::ChildReaper(EventLoop& loop)
    : loop_(loop), sigchld_(loop, SIGCHLD, [this](int) { reap(); }) {}

ChildReaper::~ChildReaper() {
  // Helpers told to stop (SIGTERM) clean up their script groups first; give
  // them up to a second, then SIGKILL whatever is left.
  for (int i = 0; i < 100 && !pids_.empty(); ++i) {
    for (auto it = pids_.begin(); it != pids_.end();) {
      int st = 0;
      pid_t r = waitpid(it->first, &st, WNOHANG);
      it = (r == it->first || (r < 0 && errno == ECHILD)) ? pids_.erase(it) : std::next(it);
    }
    if (!pids_.empty()) usleep(10000);
  }
  for (auto& [pid, entry] : pids_) {
    D_WARNING("event: child %d still running at shutdown, SIGKILLing its group\n", pid);
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
  }
}

void ChildReaper::watch(pid_t pid, std::function<void(int)> on_exit) {
  pids_[pid] = Entry{std::move(on_exit), nullptr};
}

void ChildReaper::killGroupLater(pid_t pid, std::chrono::milliseconds grace) {
  auto it = pids_.find(pid);
  if (it == pids_.end()) return;
  it->second.escalate = std::make_unique<Timer>(loop_, grace, [this, pid] {
    if (pids_.count(pid) == 0) return;
    D_WARNING("event: child %d ignored SIGTERM for too long, SIGKILLing its group\n", pid);
    kill(-pid, SIGKILL);
  });
}

void ChildReaper::reap() {
  std::vector<std::pair<std::function<void(int)>, int>> done;
  for (auto it = pids_.begin(); it != pids_.end();) {
    int st = 0;
    pid_t r = waitpid(it->first, &st, WNOHANG);
    if (r == it->first || (r < 0 && errno == ECHILD)) {
      if (r < 0) D_WARNING("event: child %d vanished (reaped elsewhere), forgetting it\n", it->first);
      done.emplace_back(std::move(it->second.on_exit), st);
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
