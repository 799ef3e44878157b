/*
 * HelperProcess: one running ctdb_event_helper, from spawn to EOF.
 *
 * spawn() builds argv, envp and the fd plan first, then starts the helper
 * with posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), i.e. vfork
 * semantics; the daemon is never fork()ed) in a new process group, with an
 * empty signal mask, default dispositions, stdin from /dev/null and the
 * result pipe's write end as fd 3 (every other fd is CLOEXEC). An exec
 * failure of the helper itself is returned by spawn() as an error.
 *
 * The result pipe is read non-blocking through an FdEvent; records
 * (event/helper_proto.h) are parsed as they arrive:
 *   on_script_start(job, pid)  a script of `job` is running as group `pid`
 *   on_job_done(job, scripts)  job finished; scripts in run order
 *   on_batch_done(first, n, fallback, script)
 *                              a batch run of one script for n jobs ended
 *                              (informational; fallback = it failed and
 *                              runs per job now)
 *   on_exit(unfinished)        EOF: the helper is gone; `unfinished` lists
 *                              the jobs that never reported an end
 * With spec.is_batch_group all jobs form one batch group (helper_proto.h):
 * they must all be takeip or all releaseip; their JOB_ENDs may come in any
 * order. All callbacks run on loop iterations after spawn(), never inside
 * it, in record order. A callback may destroy the HelperProcess (then no further
 * callback runs).
 *
 * kill() / the destructor: SIGTERM to the helper (it SIGKILLs the group of
 * the script it is running and exits - this covers a script whose START
 * record is still unread), SIGKILL to the script group we know of, and a
 * ChildReaper escalation that SIGKILLs the helper's group if it has not
 * exited 1 s later. The ChildReaper reaps the helper.
 */
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ctdb/c_handles.h"
#include "ctdb/result.h"
#include "event/child_reaper.h"
#include "event/event_types.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::event {

struct HelperJob {
  Event event = Event::Monitor;
  std::vector<std::string> args;
};

struct HelperSpec {
  std::string helper_path;
  std::string script_dir;
  std::chrono::milliseconds timeout{0};  // per job; 0 = none
  std::vector<HelperJob> jobs;           // 1..n, run in order
  bool is_batch_group = false;           // jobs form one batch group
  std::vector<std::string> env;          // complete environment, "NAME=value"
};

class HelperProcess {
 public:
  struct Callbacks {
    std::function<void(size_t job, pid_t script_pid)> on_script_start;
    std::function<void(size_t job, std::vector<ScriptResult> scripts)> on_job_done;
    std::function<void(std::vector<size_t> unfinished)> on_exit;
    std::function<void(size_t first_job, size_t count, bool fallback, ScriptResult script)>
        on_batch_done;
  };

  static Result<std::unique_ptr<HelperProcess>> spawn(EventLoop& loop, ChildReaper& reaper,
                                                      const HelperSpec& spec, Callbacks cbs);
  ~HelperProcess();
  HelperProcess(const HelperProcess&) = delete;
  HelperProcess& operator=(const HelperProcess&) = delete;

  /* Kills the running script's group and the helper's group; no callback
   * runs afterwards. Idempotent. */
  void kill();
  pid_t pid() const { return pid_; }
  bool isRunning() const { return fde_ != nullptr; }

  /* Parses one record payload into a ScriptResult (exposed for tests). */
  static Result<ScriptResult> decodeScriptDone(const uint8_t* p, size_t len, uint32_t* job);

 private:
  HelperProcess(EventLoop& loop, ChildReaper& reaper, size_t njobs, Callbacks cbs);
  void onReadable();
  bool parseRecords();  // false if a callback destroyed or killed us
  void finish();        // EOF or protocol error: report unfinished jobs

  EventLoop& loop_;
  ChildReaper& reaper_;
  Callbacks cbs_;
  pid_t pid_ = -1;
  pid_t script_pgid_ = 0;  // running script (0 = none)
  std::vector<bool> job_done_;
  std::vector<std::vector<ScriptResult>> current_;  // per job, until its JOB_END
  std::vector<uint8_t> buf_;
  LifetimeGuard guard_;
  std::shared_ptr<bool> reaped_ = std::make_shared<bool>(false);
  UniqueFd fd_;
  std::unique_ptr<FdEvent> fde_;  // after fd_: unregistered before close
};

}  // namespace ctdb::event
