/*
 * ChildReaper: the one owner of SIGCHLD handling and of the pid table for
 * the processes the event subsystem starts (style-anchors §2.13).
 *
 * watch(pid, cb) registers a direct child; on SIGCHLD (a SignalEvent on the
 * loop, never inside the signal handler) every watched pid is polled with
 * waitpid(pid, WNOHANG) - never waitpid(-1), so children of other modules
 * are left alone. cb(wait_status) runs on the loop iteration that reaped
 * the child; the pid is forgotten before cb runs.
 *
 * Results never depend on the exit status: helpers report over their pipe,
 * the reaper only prevents zombies and tells owners that a pid is gone (so
 * they stop signalling a pid that may be reused).
 *
 * ~ChildReaper SIGKILLs the process group of every child still watched and
 * reaps it (blocking, bounded by the kernel delivering SIGKILL).
 * Single-threaded, on the loop passed to the constructor.
 */
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "util/event_loop.h"

namespace ctdb::event {

class ChildReaper {
 public:
  explicit ChildReaper(EventLoop& loop);
  ~ChildReaper();
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;

  void watch(pid_t pid, std::function<void(int wait_status)> on_exit);
  /* If `pid` is still watched after `grace`, SIGKILL its process group. */
  void killGroupLater(pid_t pid, std::chrono::milliseconds grace);
  /* Stops watching without reaping (the caller reaps). */
  void forget(pid_t pid) { pids_.erase(pid); }
  bool isWatched(pid_t pid) const { return pids_.count(pid) != 0; }
  size_t size() const { return pids_.size(); }
  /* Polls all watched pids now (also done on every SIGCHLD). */
  void reap();

 private:
  struct Entry {
    std::function<void(int)> on_exit;
    std::unique_ptr<Timer> escalate;
  };
  EventLoop& loop_;
  std::map<pid_t, Entry> pids_;
  SignalEvent sigchld_;
};

}  // namespace ctdb::event
