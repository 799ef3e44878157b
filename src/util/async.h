/*
 * The project's one async shape (style-anchors §2.6): tevent_req/talloc
 * cancellation in C++ form.
 *
 *   PendingOp Foo::start(int x, std::function<void(Result<int>)> done) {
 *     auto [op, c] = makeAsync<int>(loop_, std::move(done));
 *     if (x < 0) { c.complete(makeError("negative")); return std::move(op); }
 *     pending_.push_back(c);
 *     return std::move(op);
 *   }
 *
 * Consumer side, PendingOp (move-only): keep it as long as the result is
 * wanted. Destroying it or calling cancel() guarantees the completion
 * callback never runs, even if complete() was already called and the
 * delivery is queued on the loop. The callback (and everything it
 * captured) is destroyed inside cancel(). detach() lets the operation run
 * to completion without keeping a handle.
 *
 * Producer side, Completer<T> (copyable, shared state): complete(result)
 * queues the callback with EventLoop::post(), so the callback runs on a
 * later loop iteration, NEVER synchronously inside complete() or inside the
 * producer's start(). The first complete() wins; later ones, and ones after
 * cancellation, are ignored. Producers check isCancelled()/isPending() to
 * skip work, and may register onCancel() hooks to abort it (kill a child,
 * drop a queued request).
 *
 * Guarantees: the callback runs at most once, exactly once if complete() is
 * called and the op is neither cancelled nor its loop destroyed first. It
 * may destroy the PendingOp that delivered it, start new operations and
 * destroy the producer. onCancel hooks run synchronously inside cancel() /
 * ~PendingOp, at most once, and only if the op was cancelled before
 * complete(); they must not throw and should not call user callbacks.
 *
 * Threading: single-threaded, on the EventLoop's thread. The EventLoop must
 * outlive every Completer and PendingOp made on it.
 *
 * WhenAll (below) joins a set of such operations' callbacks into one; the
 * guard that keeps a producer's own callbacks from outliving it is
 * LifetimeGuard (util/lifetime_guard.h).
 */
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "ctdb/result.h"
#include "util/event_loop.h"

namespace ctdb {

namespace detail {

/* Shared between one PendingOp, any number of Completers and at most one
 * queued delivery closure. */
struct AsyncStateBase {
  explicit AsyncStateBase(EventLoop& l) : loop(&l) {}
  virtual ~AsyncStateBase() = default;
  /* Drops the user's callback and any stored result. */
  virtual void dropCallback() = 0;

  EventLoop* loop;
  bool is_cancelled = false;
  bool is_completed = false;  // complete() accepted a result
  bool is_delivered = false;  // the callback has been started
  std::vector<std::function<void()>> cancel_hooks;
};

template <class T>
struct AsyncState final : AsyncStateBase {
  AsyncState(EventLoop& l, std::function<void(Result<T>)> d)
      : AsyncStateBase(l), done(std::move(d)) {}
  void dropCallback() override {
    done = nullptr;
    result.reset();
  }

  std::function<void(Result<T>)> done;
  std::optional<Result<T>> result;
};

}  // namespace detail

class [[nodiscard]] PendingOp {
 public:
  /* An empty handle (nothing pending). */
  PendingOp() = default;
  explicit PendingOp(std::shared_ptr<detail::AsyncStateBase> state) : state_(std::move(state)) {}
  PendingOp(PendingOp&& o) noexcept = default;
  /* Cancels whatever this handle held, then takes o's operation. */
  PendingOp& operator=(PendingOp&& o) noexcept {
    if (this != &o) {
      cancel();
      state_ = std::move(o.state_);
    }
    return *this;
  }
  PendingOp(const PendingOp&) = delete;
  PendingOp& operator=(const PendingOp&) = delete;
  ~PendingOp() { cancel(); }

  /* Guarantees the callback never runs (no-op if it already started or the
   * handle is empty). Runs the producer's onCancel hooks if the producer had
   * not completed yet. Leaves the handle empty. */
  void cancel() noexcept {
    auto s = std::move(state_);
    if (!s || s->is_cancelled || s->is_delivered) return;
    s->is_cancelled = true;
    s->dropCallback();
    auto hooks = std::move(s->cancel_hooks);
    s->cancel_hooks.clear();
    if (!s->is_completed) {
      for (auto& h : hooks) h();
    }
  }

  /* Forgets the handle without cancelling: the callback still runs. */
  void detach() { state_.reset(); }

  /* True while the callback may still run (not cancelled, not started). */
  bool isPending() const { return state_ && !state_->is_cancelled && !state_->is_delivered; }
  explicit operator bool() const { return isPending(); }

 private:
  std::shared_ptr<detail::AsyncStateBase> state_;
};

template <class T>
class Completer {
 public:
  /* An empty completer; complete() on it does nothing. */
  Completer() = default;
  explicit Completer(std::shared_ptr<detail::AsyncState<T>> state) : state_(std::move(state)) {}

  /* Queues delivery of r on the loop (never runs the callback here). Ignored
   * if the op was cancelled or already completed. */
  void complete(Result<T> r) {
    if (!state_ || state_->is_cancelled || state_->is_completed) return;
    state_->is_completed = true;
    state_->cancel_hooks.clear();
    state_->result.emplace(std::move(r));
    state_->loop->post([s = state_]() {
      if (s->is_cancelled || s->is_delivered) return;
      s->is_delivered = true;
      auto done = std::move(s->done);
      s->done = nullptr;
      std::optional<Result<T>> result = std::move(s->result);
      s->result.reset();
      if (done && result) done(std::move(*result));
    });
  }

  /* The consumer cancelled (destroyed/cancelled its PendingOp). */
  bool isCancelled() const { return state_ && state_->is_cancelled; }
  /* Neither cancelled nor completed: the producer's work is still wanted. */
  bool isPending() const {
    return state_ && !state_->is_cancelled && !state_->is_completed;
  }

  /* Registers a hook run (synchronously, inside cancel()) if the consumer
   * cancels before complete(). Runs hook immediately if the op is already
   * cancelled; drops it if the op is already completed. */
  void onCancel(std::function<void()> hook) {
    if (!state_ || state_->is_completed) return;
    if (state_->is_cancelled) {
      hook();
      return;
    }
    state_->cancel_hooks.push_back(std::move(hook));
  }

  /* Two completers of the same operation compare equal (for producers that
   * keep them in lists and need to erase one). */
  bool operator==(const Completer& o) const { return state_ == o.state_; }

 private:
  std::shared_ptr<detail::AsyncState<T>> state_;
};

/* Creates one operation: the consumer's handle and the producer's side.
 * T may be void (the callback then takes Result<void> / Status). */
template <class T>
std::pair<PendingOp, Completer<T>> makeAsync(EventLoop& loop,
                                             std::function<void(Result<T>)> done) {
  auto state = std::make_shared<detail::AsyncState<T>>(loop, std::move(done));
  return {PendingOp(state), Completer<T>(state)};
}

/* WhenAll: one completion for a set of branches that are started one by one
 * (the join-counter pattern). branch() hands out a callback per branch;
 * seal() says no more branches follow. done(summary) runs exactly once,
 * synchronously inside whichever of the last branch callback or seal()
 * comes last, so a set with no branches completes inside seal(). A branch
 * callback called twice counts once; one never called keeps the set open
 * (the producer owns that promise, as with Completer). Copyable handle,
 * shared state, single-threaded. */
class WhenAll {
 public:
  struct Summary {
    size_t ok = 0;
    size_t failed = 0;
    std::optional<Error> first_error;  // of the first failed branch
  };

  explicit WhenAll(std::function<void(const Summary&)> done)
      : state_(std::make_shared<State>()) {
    state_->done = std::move(done);
  }

  /* The callback of one more branch; call it once with the branch's status. */
  std::function<void(Status)> branch() {
    ++state_->open;
    return [s = state_, is_called = false](Status st) mutable {
      if (is_called) return;
      is_called = true;
      if (st) {
        ++s->summary.ok;
      } else {
        ++s->summary.failed;
        if (!s->summary.first_error) s->summary.first_error = st.error();
      }
      --s->open;
      finish(*s);
    };
  }

  /* No more branches; completes now if every branch already finished. */
  void seal() {
    if (state_->is_sealed) return;
    state_->is_sealed = true;
    finish(*state_);
  }

 private:
  struct State {
    size_t open = 0;
    bool is_sealed = false;
    Summary summary;
    std::function<void(const Summary&)> done;
  };
  static void finish(State& s) {
    if (!s.is_sealed || s.open != 0 || !s.done) return;
    auto done = std::move(s.done);
    s.done = nullptr;
    done(s.summary);
  }
  std::shared_ptr<State> state_;
};

}  // namespace ctdb
