#include "util/event_loop.h"

#include <signal.h>

#include <cstdlib>

#include <talloc.h>
extern "C" {
#include <tevent.h>
}

#include "util/logging.h"

namespace ctdb {

static_assert(FdEvent::kRead == TEVENT_FD_READ, "kRead must equal TEVENT_FD_READ");
static_assert(FdEvent::kWrite == TEVENT_FD_WRITE, "kWrite must equal TEVENT_FD_WRITE");

namespace {

/* Out of memory is fatal by project convention (style-anchors §2.8). */
[[noreturn]] void oom(const char* what) {
  D_ERR("%s: out of memory, aborting", what);
  std::abort();
}

struct timeval delayToTimeval(std::chrono::steady_clock::duration d) {
  if (d < std::chrono::steady_clock::duration::zero()) d = std::chrono::steady_clock::duration::zero();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return tevent_timeval_current_ofs(static_cast<uint32_t>(us / 1000000),
                                    static_cast<uint32_t>(us % 1000000));
}

}  // namespace

/* ---------------------------------------------------------------- EventLoop */

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  loop->ev_ = tevent_context_init(loop->root_.get());
  if (loop->ev_ == nullptr) return errnoError(ENOMEM, "EventLoop: tevent_context_init failed");
  loop->post_im_ = tevent_create_immediate(loop->ev_);
  if (loop->post_im_ == nullptr) return errnoError(ENOMEM, "EventLoop: tevent_create_immediate failed");
  return loop;
}

EventLoop::~EventLoop() {
  closing_ = true;
  // Destroying a queued closure may run destructors that call post(); those
  // are dropped because closing_ is set. Loop in case one slipped in.
  while (!posts_.empty()) {
    auto dropped = std::move(posts_);
    posts_.clear();
  }
  // root_ (declared last) frees ev_ and post_im_.
}

void EventLoop::run() {
  stop_requested_ = false;
  while (!stop_requested_) {
    if (!loopOnce()) {
      D_ERR("EventLoop: tevent_loop_once failed, leaving run()");
      break;
    }
  }
}

void EventLoop::stop() { stop_requested_ = true; }

bool EventLoop::loopOnce() { return tevent_loop_once(ev_) == 0; }

bool EventLoop::runUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  if (pred()) return true;
  bool timed_out = false;
  Timer deadline(*this, timeout, [&timed_out] { timed_out = true; });
  while (!timed_out) {
    if (!loopOnce()) {
      D_ERR("EventLoop: tevent_loop_once failed in runUntil()");
      break;
    }
    if (pred()) return true;
  }
  return pred();
}

void EventLoop::post(std::function<void()> fn) {
  if (closing_ || !fn) return;
  posts_.push_back(std::move(fn));
  schedulePostDrain();
}

void EventLoop::schedulePostDrain() {
  if (drain_scheduled_) return;
  drain_scheduled_ = true;
  tevent_schedule_immediate(post_im_, ev_, &EventLoop::postTrampoline, this);
}

void EventLoop::postTrampoline(tevent_context*, tevent_immediate*, void* priv) noexcept {
  auto* self = static_cast<EventLoop*>(priv);
  self->drain_scheduled_ = false;
  // Only the closures queued before this iteration run now; anything they
  // post goes to posts_ and re-schedules the immediate (a later iteration).
  auto batch = std::move(self->posts_);
  self->posts_.clear();
  while (!batch.empty()) {
    auto fn = std::move(batch.front());
    batch.pop_front();
    fn();
  }
}

/* ------------------------------------------------------------------ FdEvent */

FdEvent::FdEvent(EventLoop& loop, int fd, uint16_t flags, std::function<void(uint16_t)> cb)
    : fd_(fd), cb_(std::make_shared<std::function<void(uint16_t)>>(std::move(cb))) {
  if (fd < 0) {
    D_ERR("FdEvent: invalid fd %d, watch not registered", fd);
    return;
  }
  fde_.reset(tevent_add_fd(loop.raw(), nullptr, fd, flags, &FdEvent::trampoline, this));
  if (!fde_) oom("FdEvent: tevent_add_fd");
}

FdEvent::~FdEvent() = default;

void FdEvent::setFlags(uint16_t flags) {
  if (fde_) tevent_fd_set_flags(fde_.get(), flags);
}

uint16_t FdEvent::flags() const { return fde_ ? tevent_fd_get_flags(fde_.get()) : 0; }

void FdEvent::trampoline(tevent_context*, tevent_fd*, uint16_t flags, void* priv) noexcept {
  auto* self = static_cast<FdEvent*>(priv);
  // Hold the callable: the callback may destroy *self. `self` is not used
  // after the call.
  auto cb = self->cb_;
  if (*cb) (*cb)(flags);
}

/* -------------------------------------------------------------------- Timer */

Timer::Timer(EventLoop& loop, std::chrono::milliseconds delay, std::function<void()> cb)
    : cb_(std::make_shared<std::function<void()>>(std::move(cb))) {
  te_.reset(tevent_add_timer(loop.raw(), nullptr, delayToTimeval(delay), &Timer::trampoline, this));
  if (!te_) oom("Timer: tevent_add_timer");
}

Timer::~Timer() = default;

void Timer::trampoline(tevent_context*, tevent_timer* te, struct timeval, void* priv) noexcept {
  auto* self = static_cast<Timer*>(priv);
  // tevent frees a one-shot timer after this handler returns: give up
  // ownership first so neither we nor ~Timer free it twice.
  if (self->te_.get() == te) (void)self->te_.release();
  auto cb = self->cb_;
  if (*cb) (*cb)();
}

/* ----------------------------------------------------------- RepeatingTimer */

RepeatingTimer::RepeatingTimer(EventLoop& loop, std::chrono::milliseconds interval,
                               std::function<void()> cb)
    : loop_(loop),
      interval_(interval < std::chrono::milliseconds(1) ? std::chrono::milliseconds(1) : interval),
      cb_(std::make_shared<std::function<void()>>(std::move(cb))) {
  arm(loop_.now() + interval_);
}

RepeatingTimer::~RepeatingTimer() = default;

void RepeatingTimer::arm(std::chrono::steady_clock::time_point due) {
  due_ = due;
  te_.reset(tevent_add_timer(loop_.raw(), nullptr, delayToTimeval(due - loop_.now()),
                             &RepeatingTimer::trampoline, this));
  if (!te_) oom("RepeatingTimer: tevent_add_timer");
}

void RepeatingTimer::trampoline(tevent_context*, tevent_timer* te, struct timeval,
                                void* priv) noexcept {
  auto* self = static_cast<RepeatingTimer*>(priv);
  if (self->te_.get() == te) (void)self->te_.release();  // tevent frees it
  auto now = self->loop_.now();
  auto next = self->due_ + self->interval_;
  if (next <= now) next = now + self->interval_;  // fell behind: re-base, no burst
  self->arm(next);
  auto cb = self->cb_;
  if (*cb) (*cb)();
}

/* -------------------------------------------------------------- SignalEvent */

SignalEvent::SignalEvent(EventLoop& loop, int signum, std::function<void(int)> cb)
    : signum_(signum), cb_(std::make_shared<std::function<void(int)>>(std::move(cb))) {
  se_.reset(tevent_add_signal(loop.raw(), nullptr, signum, SA_RESTART, &SignalEvent::trampoline,
                              this));
  if (!se_) {
    // tevent fails for an out-of-range signal number or on OOM.
    D_ERR("SignalEvent: cannot watch signal %d, handler not installed", signum);
  }
}

SignalEvent::~SignalEvent() = default;

void SignalEvent::trampoline(tevent_context*, tevent_signal*, int signum, int, void*,
                             void* priv) noexcept {
  auto* self = static_cast<SignalEvent*>(priv);
  auto cb = self->cb_;
  if (*cb) (*cb)(signum);
}

/* ---------------------------------------------------------------- Immediate */

Immediate::Immediate(EventLoop& loop) : loop_(loop) {
  im_.reset(tevent_create_immediate(nullptr));
  if (!im_) oom("Immediate: tevent_create_immediate");
}

Immediate::~Immediate() = default;

void Immediate::schedule(std::function<void()> fn) {
  // A fresh holder: a running callback keeps its own copy of the old one.
  cb_ = std::make_shared<std::function<void()>>(std::move(fn));
  is_pending_ = true;
  tevent_schedule_immediate(im_.get(), loop_.raw(), &Immediate::trampoline, this);
}

void Immediate::cancel() {
  if (!is_pending_) return;
  is_pending_ = false;
  tevent_schedule_immediate(im_.get(), loop_.raw(), nullptr, nullptr);
  cb_.reset();
}

void Immediate::trampoline(tevent_context*, tevent_immediate*, void* priv) noexcept {
  auto* self = static_cast<Immediate*>(priv);
  self->is_pending_ = false;
  auto cb = std::move(self->cb_);
  if (cb && *cb) (*cb)();
}

}  // namespace ctdb
