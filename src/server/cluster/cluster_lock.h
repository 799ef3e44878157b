/*
 * ClusterLock: the cluster-wide mutex behind --reclock (CTDB's "cluster
 * lock", formerly "recovery lock"). Only the node holding it may be leader.
 *
 * Two kinds, chosen by the --reclock text (as CTDB's ctdb_cluster_mutex):
 *   PATH           an fcntl write lock on byte 0 (length 1) of PATH, opened
 *                  O_RDWR|O_CREAT 0600 - the same byte CTDB's
 *                  ctdb_mutex_fcntl_helper locks, so both kinds exclude each
 *                  other. Taken in-process with a non-blocking open file
 *                  description lock (F_OFD_SETLK: conflicts with classic
 *                  fcntl locks of other processes, and with other
 *                  descriptions in this process, so two ClusterLocks in one
 *                  test process exclude each other too). While held, the
 *                  path is re-checked every `recheck` (default 5 s, as the
 *                  helper): a removed or replaced file (inode changed) means
 *                  the lock is lost.
 *   !HELPER ARGS   HELPER is started with ARGS (split on blanks/tabs, no
 *                  quoting, as CTDB) by posix_spawn - the daemon is never
 *                  forked - with stdout on a pipe, SIGTERM/SIGPIPE/... at
 *                  their defaults and an empty signal mask, as a direct child
 *                  (the helper watches getppid() and releases the lock when
 *                  its parent is gone). CTDB's mutex-helper protocol
 *                  (ctdb/doc/cluster_mutex_helper.txt): the helper writes one
 *                  ASCII status byte, '0' held / '1' contention / '2' timeout
 *                  / '3' error (EOF before a byte counts as '3'), and keeps
 *                  the lock until SIGTERM. EOF on the pipe after '0' (helper
 *                  exited) = lock lost. While held, a further '0' is a
 *                  renewal (ctdb_etcd_lock writes one after each refresh of
 *                  its lease: lastRenewal()); any other byte = lock lost.
 *                  If no status byte arrives within the take timeout, the
 *                  result is '2' and the helper is terminated. Each stderr
 *                  line of the helper is logged. Release = SIGTERM; the
 *                  helper is reaped without blocking (SIGKILL after 10 s).
 *
 * take() is asynchronous: the callback fires exactly once, on a later loop
 * iteration (never inside take()), unless release() or the destructor comes
 * first (then never). The lost callback fires at most once per successful
 * take, from the loop, and the lock is then no longer held. release() is
 * idempotent and synchronous for the file kind (unlocked on return).
 *
 * Single-threaded (event loop).
 */
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctdb/c_handles.h"
#include "ctdb/result.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::server {

/* The helper status byte, CTDB's numbering. */
enum class LockStatus { Held = 0, Contended = 1, Timeout = 2, Error = 3 };
const char* toString(LockStatus s);
/* '0'..'3' -> status; any other byte is Error (as CTDB's callers treat it). */
LockStatus lockStatusFromChar(char c);

/* The parsed --reclock value. */
struct LockSpec {
  enum class Kind { File, Helper };
  Kind kind = Kind::File;
  std::string path;               // File
  std::vector<std::string> argv;  // Helper: argv[0] = program
  /* "fcntl lock on PATH" / "helper 'PROG ARGS'" for log lines. */
  std::string describe() const;
};
/* "" or "!" with no command are errors. */
Result<LockSpec> parseLockSpec(std::string_view text);

class ClusterLock {
 public:
  using TakeDone = std::function<void(LockStatus status, std::chrono::milliseconds latency)>;
  using Lost = std::function<void(const std::string& why)>;

  struct Options {
    std::chrono::milliseconds take_timeout{std::chrono::seconds(120)};  // CTDB's value
    std::chrono::milliseconds recheck{std::chrono::seconds(5)};         // File kind
  };

  ClusterLock(EventLoop& loop, LockSpec spec, Options opts);
  ClusterLock(EventLoop& loop, LockSpec spec) : ClusterLock(loop, std::move(spec), Options{}) {}
  ~ClusterLock();
  ClusterLock(const ClusterLock&) = delete;
  ClusterLock& operator=(const ClusterLock&) = delete;

  /* Starts an attempt; a pending attempt or a held lock is released first. */
  void take(TakeDone done, Lost lost);
  void release();

  bool isHeld() const { return state_ == State::Held; }
  bool isPending() const { return state_ == State::Taking; }
  const LockSpec& spec() const { return spec_; }
  /* The current holding, for the quorum's lock-lease rule (LockLease). */
  struct Holding {
    bool held = false;
    bool may_renew = false;  // helper kind: it may renew a lease ('0' again)
    std::chrono::steady_clock::time_point since{};           // first '0' / taken
    uint64_t renewals = 0;                                   // '0's after the first
    std::chrono::steady_clock::time_point last_confirmed{};  // last '0'
  };
  Holding holding() const;
  /* Helper kind: pid of the running helper, else -1. */
  pid_t helperPid() const { return child_; }

 private:
  enum class State { Idle, Taking, Held };
  void takeFile();
  void recheckFile();
  void takeHelper();
  void onHelperOutput();
  void onHelperStderr();
  void finishTake(LockStatus s);
  void noteStatusBytes(const char* buf, size_t n);
  void lose(const std::string& why);
  void stopHelper();
  void reapChildren();

  EventLoop& loop_;
  const LockSpec spec_;
  const Options opts_;
  State state_ = State::Idle;
  TakeDone done_;
  Lost lost_;
  std::chrono::steady_clock::time_point started_;
  // File kind
  UniqueFd lock_fd_;
  ino_t inode_ = 0;
  dev_t dev_ = 0;
  std::unique_ptr<RepeatingTimer> recheck_timer_;
  // Helper kind
  pid_t child_ = -1;
  UniqueFd out_fd_;
  std::unique_ptr<FdEvent> out_event_;
  UniqueFd err_fd_;
  std::unique_ptr<FdEvent> err_event_;
  std::string err_buf_;
  uint64_t confirmations_ = 0;  // '0' bytes of the current holding
  std::chrono::steady_clock::time_point last_confirmed_{};
  std::chrono::steady_clock::time_point held_since_{};  // first '0'
  std::chrono::steady_clock::time_point held_at_{};     // finishTake(Held)
  std::unique_ptr<Timer> timeout_timer_;
  struct Reaping {
    pid_t pid;
    int ticks;
  };
  std::vector<Reaping> reaping_;
  std::unique_ptr<RepeatingTimer> reap_timer_;
  LifetimeGuard guard_;
};

}  // namespace ctdb::server
