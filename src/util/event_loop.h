/*
 * EventLoop and RAII event handles: the C++ face of tevent.
 *
 * Owns: EventLoop owns one tevent_context (under its own TallocContext) and a
 * FIFO queue of posted closures. FdEvent, Timer, RepeatingTimer, SignalEvent
 * and Immediate each own exactly one tevent handle, held in a TallocPtr
 * member declared last so the handle is freed (and the event unregistered)
 * before the wrapper's std::function is destroyed.
 *
 * Threading: single-threaded. Every method, constructor and destructor here
 * must be called on the thread that runs the loop. Nothing is signal-safe;
 * SignalEvent callbacks run from the loop, never inside the signal handler.
 *
 * Callback guarantees (all handle types):
 *  - Callbacks only ever run from inside run()/loopOnce()/runUntil(), never
 *    synchronously from a constructor, schedule(), setFlags() or post().
 *  - After a handle's destructor returns, its callback never runs again.
 *  - A callback may destroy its own handle (e.g. `fde_.reset()` inside the
 *    FdEvent's callback): the trampoline keeps the callable alive (shared
 *    ownership) until the call returns and does not touch the wrapper
 *    afterwards. Objects the callback captured by reference are the
 *    callback's own business.
 *  - A callback may create, destroy or modify any other handle and may call
 *    post(). It must not destroy the EventLoop itself.
 *  - Callbacks must not throw: trampolines are noexcept, so an exception
 *    escaping a callback terminates the process.
 *
 * Ordering: post() closures run FIFO, one batch per loop iteration; a closure
 * posted while a batch runs lands in a later iteration. Timers with the same
 * deadline fire in creation order. Timers, fd events, signals and immediates
 * are dispatched by tevent: at most one event per loop iteration, signals
 * first, then immediates, then due timers, then fd events.
 *
 * Lifetime: destroy every handle (and every PendingOp, util/async.h) before
 * the EventLoop that it was created on.
 *
 * No nesting: run(), loopOnce() and runUntil() must not be called from inside
 * a callback of the same loop (tevent aborts the process on a nested
 * tevent_loop_once). Synchronous helpers (the CLI's sync client, tests) call
 * runUntil() only from top-level code.
 *
 * Clock: Timer/RepeatingTimer delays are relative; tevent keeps deadlines on
 * gettimeofday(), so a wall-clock step can make a pending timer fire early or
 * late (same as ctdbd).
 */
#pragma once

#include <sys/time.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "ctdb/c_handles.h"
#include "ctdb/result.h"
#include "util/talloc_ctx.h"

struct tevent_context;
struct tevent_fd;
struct tevent_timer;
struct tevent_signal;
struct tevent_immediate;

namespace ctdb {

class EventLoop {
 public:
  /* Creates a tevent context with the default backend. Errors: ENOMEM. */
  static Result<std::unique_ptr<EventLoop>> create();

  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  /* Drops (never runs) closures still queued by post(). */
  ~EventLoop();

  /* The underlying context, for C APIs (tevent_req based code). */
  tevent_context* raw() { return ev_; }

  /* Runs iterations until stop() is called (from a callback). A stop()
   * issued before run() starts is forgotten: run() clears the flag first. */
  void run();
  /* Makes run() return after the current iteration. */
  void stop();
  /* Runs one iteration, blocking until some event is ready (tevent waits at
   * most 30 s when nothing is registered). Returns false if tevent reported
   * an error. */
  bool loopOnce();
  /* Runs iterations until pred() is true or `timeout` has passed; returns
   * pred()'s final value. pred() is checked before the first iteration (no
   * iteration runs if it is already true) and after each iteration. */
  bool runUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

  /* Queues fn to run on a later loop iteration, never synchronously inside
   * post(). FIFO. Safe inside any callback, including a posted closure
   * (which then lands in a later iteration). Use it for tevent_req_post
   * style early completion and for deferred deletion. */
  void post(std::function<void()> fn);

  /* Destroys `obj` on a later iteration (after the current callback has
   * unwound): the safe way to let a callback drop the object running it. */
  template <class T>
  void deleteLater(std::unique_ptr<T> obj) {
    post([p = std::shared_ptr<T>(std::move(obj))]() mutable { p.reset(); });
  }

  /* Monotonic time, for computing deadlines. */
  std::chrono::steady_clock::time_point now() const { return std::chrono::steady_clock::now(); }

  /* Number of closures waiting in the post() queue (for tests/diagnostics). */
  size_t pendingPosts() const { return posts_.size(); }

 private:
  EventLoop() = default;
  static void postTrampoline(tevent_context* ev, tevent_immediate* im, void* priv) noexcept;
  void schedulePostDrain();

  std::deque<std::function<void()>> posts_;
  bool stop_requested_ = false;
  bool closing_ = false;
  bool drain_scheduled_ = false;
  tevent_context* ev_ = nullptr;         // child of root_
  tevent_immediate* post_im_ = nullptr;  // child of ev_, reused
  TallocContext root_{"ctdb::EventLoop"};  // last: frees ev_ first
};

/* Watches a file descriptor it does NOT own. Declare the UniqueFd before the
 * FdEvent so the event is unregistered before the fd is closed. The callback
 * gets the subset of the requested flags that is ready (TEVENT_FD_READ also
 * fires on EOF/hangup/error, as in tevent). */
class FdEvent {
 public:
  static constexpr uint16_t kRead = 1;   // == TEVENT_FD_READ (checked in .cc)
  static constexpr uint16_t kWrite = 2;  // == TEVENT_FD_WRITE

  FdEvent(EventLoop& loop, int fd, uint16_t flags, std::function<void(uint16_t fired_flags)> cb);
  FdEvent(const FdEvent&) = delete;
  FdEvent& operator=(const FdEvent&) = delete;
  ~FdEvent();

  /* Changes the watched flags; 0 pauses the watch. Takes effect from the
   * next iteration. */
  void setFlags(uint16_t flags);
  uint16_t flags() const;
  int fd() const { return fd_; }
  /* False only if the fd was invalid (< 0): nothing is watched then. */
  bool isActive() const { return fde_ != nullptr; }

 private:
  static void trampoline(tevent_context* ev, tevent_fd* fde, uint16_t flags, void* priv) noexcept;

  int fd_;
  std::shared_ptr<std::function<void(uint16_t)>> cb_;
  TallocPtr<tevent_fd> fde_;  // last: unregistered first
};

/* One-shot timer. Fires once, `delay` after construction, on the first
 * iteration that sees it due. Destroying it before it fires cancels it. */
class Timer {
 public:
  Timer(EventLoop& loop, std::chrono::milliseconds delay, std::function<void()> cb);
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer();

  /* True until the timer has fired (its callback has started). */
  bool isPending() const { return te_ != nullptr; }

 private:
  static void trampoline(tevent_context* ev, tevent_timer* te, struct timeval now,
                         void* priv) noexcept;

  std::shared_ptr<std::function<void()>> cb_;
  TallocPtr<tevent_timer> te_;  // last; released when tevent fires (tevent frees it)
};

/* Periodic timer: fires every `interval` (first time one interval after
 * construction). The next firing is armed before the callback runs, at
 * (this firing + interval), so a slow callback does not add drift; if the
 * loop fell behind by more than an interval it re-bases to now + interval
 * rather than firing in a burst. Cancel by destruction. */
class RepeatingTimer {
 public:
  RepeatingTimer(EventLoop& loop, std::chrono::milliseconds interval, std::function<void()> cb);
  RepeatingTimer(const RepeatingTimer&) = delete;
  RepeatingTimer& operator=(const RepeatingTimer&) = delete;
  ~RepeatingTimer();

  std::chrono::milliseconds interval() const { return interval_; }

 private:
  static void trampoline(tevent_context* ev, tevent_timer* te, struct timeval now,
                         void* priv) noexcept;
  void arm(std::chrono::steady_clock::time_point due);

  EventLoop& loop_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point due_;
  std::shared_ptr<std::function<void()>> cb_;
  TallocPtr<tevent_timer> te_;  // last
};

/* Handles a POSIX signal on the loop. tevent installs the process handler
 * (which only records the signal and wakes the loop); the callback runs on a
 * later iteration. Several deliveries before the loop runs may be coalesced
 * into one callback (so SIGCHLD handlers must reap in a loop). Several
 * SignalEvents for one signal all fire. Destroying the last one for a signal
 * restores the previous disposition. */
class SignalEvent {
 public:
  SignalEvent(EventLoop& loop, int signum, std::function<void(int signum)> cb);
  SignalEvent(const SignalEvent&) = delete;
  SignalEvent& operator=(const SignalEvent&) = delete;
  ~SignalEvent();

  int signum() const { return signum_; }
  /* False if tevent refused the signal number (logged with D_ERR). */
  bool isActive() const { return se_ != nullptr; }

 private:
  static void trampoline(tevent_context* ev, tevent_signal* se, int signum, int count,
                         void* siginfo, void* priv) noexcept;

  int signum_;
  std::shared_ptr<std::function<void(int)>> cb_;
  TallocPtr<tevent_signal> se_;  // last
};

/* A reusable tevent_immediate: schedule(fn) runs fn on a later iteration
 * (tevent runs one immediate per iteration). Scheduling again before it ran
 * replaces the pending fn and moves it to the back of the queue. Destroying
 * it (or cancel()) drops a pending fn unrun. */
class Immediate {
 public:
  explicit Immediate(EventLoop& loop);
  Immediate(const Immediate&) = delete;
  Immediate& operator=(const Immediate&) = delete;
  ~Immediate();

  void schedule(std::function<void()> fn);
  void cancel();
  bool isPending() const { return is_pending_; }

 private:
  static void trampoline(tevent_context* ev, tevent_immediate* im, void* priv) noexcept;

  EventLoop& loop_;
  bool is_pending_ = false;
  std::shared_ptr<std::function<void()>> cb_;
  TallocPtr<tevent_immediate> im_;  // last
};

}  // namespace ctdb
