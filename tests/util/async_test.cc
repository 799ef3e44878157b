#include "util/async.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/event_loop.h"

namespace ctdb {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<EventLoop> makeLoop() {
  auto r = EventLoop::create();
  EXPECT_TRUE(r.ok());
  return std::move(r).value();
}

/* A tiny producer in the documented shape: early errors are completed inside
 * start(), other requests wait for finishAll(). */
class Doubler {
 public:
  explicit Doubler(EventLoop& loop) : loop_(loop) {}
  PendingOp start(int x, std::function<void(Result<int>)> done) {
    auto [op, c] = makeAsync<int>(loop_, std::move(done));
    if (x < 0) {
      c.complete(makeError("negative"));
      return std::move(op);
    }
    c.onCancel([this] { ++cancel_hooks_run; });
    pending_.push_back({x, c});
    return std::move(op);
  }
  void finishAll() {
    auto p = std::move(pending_);
    pending_.clear();
    for (auto& [x, c] : p) c.complete(2 * x);
  }
  std::vector<std::pair<int, Completer<int>>> pending_;
  int cancel_hooks_run = 0;

 private:
  EventLoop& loop_;
};

TEST(Async, CallbackRunsExactlyOnceOnTheLoop) {
  auto loop = makeLoop();
  Doubler d(*loop);
  int calls = 0, value = 0;
  auto op = d.start(21, [&](Result<int> r) {
    ++calls;
    ASSERT_TRUE(r.ok());
    value = *r;
  });
  EXPECT_TRUE(op.isPending());
  d.finishAll();
  EXPECT_EQ(0, calls) << "complete() ran the callback synchronously";
  EXPECT_TRUE(loop->runUntil([&] { return calls > 0; }, 1s));
  EXPECT_FALSE(loop->runUntil([&] { return calls > 1; }, 20ms));
  EXPECT_EQ(1, calls);
  EXPECT_EQ(42, value);
  EXPECT_FALSE(op.isPending());
  EXPECT_EQ(0, d.cancel_hooks_run);
}

TEST(Async, EarlyErrorIsNotDeliveredInsideStart) {
  auto loop = makeLoop();
  Doubler d(*loop);
  int calls = 0;
  std::string err;
  auto op = d.start(-1, [&](Result<int> r) {
    ++calls;
    ASSERT_FALSE(r.ok());
    err = r.error().message();
  });
  EXPECT_EQ(0, calls) << "callback ran synchronously inside start()";
  EXPECT_TRUE(loop->runUntil([&] { return calls == 1; }, 1s));
  EXPECT_NE(std::string::npos, err.find("negative"));
}

TEST(Async, SecondCompleteIsIgnored) {
  auto loop = makeLoop();
  std::vector<int> got;
  auto [op, c] = makeAsync<int>(*loop, [&](Result<int> r) { got.push_back(*r); });
  Completer<int> copy = c;
  c.complete(1);
  copy.complete(2);
  EXPECT_FALSE(c.isPending());
  EXPECT_TRUE(loop->runUntil([&] { return !got.empty(); }, 1s));
  EXPECT_FALSE(loop->runUntil([&] { return got.size() > 1; }, 20ms));
  EXPECT_EQ(std::vector<int>{1}, got);
  c.complete(3);  // after delivery: still ignored
  EXPECT_FALSE(loop->runUntil([&] { return got.size() > 1; }, 20ms));
}

TEST(Async, DestroyingPendingOpBeforeCompleteCancels) {
  auto loop = makeLoop();
  Doubler d(*loop);
  int calls = 0;
  {
    auto op = d.start(5, [&](Result<int>) { ++calls; });
  }
  EXPECT_EQ(1, d.cancel_hooks_run);
  ASSERT_EQ(1u, d.pending_.size());
  EXPECT_TRUE(d.pending_[0].second.isCancelled());
  EXPECT_FALSE(d.pending_[0].second.isPending());
  d.finishAll();
  EXPECT_FALSE(loop->runUntil([&] { return calls > 0; }, 30ms));
}

TEST(Async, CancelAfterCompleteBeforeDeliveryDropsCallback) {
  auto loop = makeLoop();
  Doubler d(*loop);
  int calls = 0;
  auto token = std::make_shared<int>(0);
  auto op = d.start(5, [&calls, token](Result<int>) { ++calls; });
  d.finishAll();  // delivery now queued on the loop
  EXPECT_EQ(2, token.use_count());
  op.cancel();
  EXPECT_FALSE(op.isPending());
  EXPECT_EQ(1, token.use_count()) << "cancel() must destroy the callback and its captures";
  EXPECT_EQ(0, d.cancel_hooks_run) << "hooks are for ops cancelled before complete()";
  EXPECT_FALSE(loop->runUntil([&] { return calls > 0; }, 30ms));
}

TEST(Async, MoveAssignCancelsPreviousOp) {
  auto loop = makeLoop();
  Doubler d(*loop);
  int a = 0, b = 0;
  PendingOp op = d.start(1, [&](Result<int>) { ++a; });
  op = d.start(2, [&](Result<int>) { ++b; });
  EXPECT_EQ(1, d.cancel_hooks_run);
  d.finishAll();
  EXPECT_TRUE(loop->runUntil([&] { return b == 1; }, 1s));
  EXPECT_EQ(0, a);
}

TEST(Async, MovedPendingOpKeepsOperation) {
  auto loop = makeLoop();
  Doubler d(*loop);
  int calls = 0;
  PendingOp outer;
  EXPECT_FALSE(outer.isPending());
  {
    PendingOp inner = d.start(1, [&](Result<int>) { ++calls; });
    outer = std::move(inner);
  }
  EXPECT_EQ(0, d.cancel_hooks_run);
  d.finishAll();
  EXPECT_TRUE(loop->runUntil([&] { return calls == 1; }, 1s));
}

TEST(Async, DetachedOpStillCompletes) {
  auto loop = makeLoop();
  Doubler d(*loop);
  int calls = 0;
  d.start(1, [&](Result<int>) { ++calls; }).detach();
  EXPECT_EQ(0, d.cancel_hooks_run);
  d.finishAll();
  EXPECT_TRUE(loop->runUntil([&] { return calls == 1; }, 1s));
}

TEST(Async, CallbackMayDestroyItsOwnPendingOp) {
  auto loop = makeLoop();
  Doubler d(*loop);
  std::unique_ptr<PendingOp> op;
  bool done = false;
  op = std::make_unique<PendingOp>(d.start(3, [&](Result<int> r) {
    EXPECT_EQ(6, *r);
    op.reset();  // cancel after delivery started: a no-op, not a crash
    done = true;
  }));
  d.finishAll();
  EXPECT_TRUE(loop->runUntil([&] { return done; }, 1s));
  EXPECT_EQ(0, d.cancel_hooks_run);
}

TEST(Async, VoidResult) {
  auto loop = makeLoop();
  int ok = 0, failed = 0;
  auto [op1, c1] = makeAsync<void>(*loop, [&](Status s) { s.ok() ? ++ok : ++failed; });
  auto [op2, c2] = makeAsync<void>(*loop, [&](Status s) {
    EXPECT_EQ(ETIMEDOUT, s.error().errnoValue());
    ++failed;
  });
  c1.complete({});
  c2.complete(errnoError(ETIMEDOUT, "helper"));
  EXPECT_TRUE(loop->runUntil([&] { return ok + failed == 2; }, 1s));
  EXPECT_EQ(1, ok);
  EXPECT_EQ(1, failed);
}

TEST(Async, MoveOnlyResultType) {
  auto loop = makeLoop();
  std::unique_ptr<int> got;
  auto [op, c] = makeAsync<std::unique_ptr<int>>(
      *loop, [&](Result<std::unique_ptr<int>> r) { got = std::move(r).value(); });
  c.complete(std::make_unique<int>(9));
  EXPECT_TRUE(loop->runUntil([&] { return got != nullptr; }, 1s));
  EXPECT_EQ(9, *got);
}

TEST(Async, OnCancelAfterCancellationRunsAtOnce) {
  auto loop = makeLoop();
  auto [op, c] = makeAsync<int>(*loop, [](Result<int>) {});
  op.cancel();
  bool hook = false;
  c.onCancel([&] { hook = true; });
  EXPECT_TRUE(hook);
  EXPECT_TRUE(c.isCancelled());
}

TEST(Async, CompletionsDeliverInCompletionOrder) {
  auto loop = makeLoop();
  std::vector<int> order;
  auto [op1, c1] = makeAsync<int>(*loop, [&](Result<int> r) { order.push_back(*r); });
  auto [op2, c2] = makeAsync<int>(*loop, [&](Result<int> r) { order.push_back(*r); });
  c2.complete(2);
  c1.complete(1);
  EXPECT_TRUE(loop->runUntil([&] { return order.size() == 2; }, 1s));
  EXPECT_EQ((std::vector<int>{2, 1}), order);
}

TEST(Async, CompleterEquality) {
  auto loop = makeLoop();
  auto [op1, c1] = makeAsync<int>(*loop, [](Result<int>) {});
  auto [op2, c2] = makeAsync<int>(*loop, [](Result<int>) {});
  Completer<int> c1b = c1;
  EXPECT_TRUE(c1 == c1b);
  EXPECT_FALSE(c1 == c2);
}

}  // namespace
}  // namespace ctdb

namespace ctdb {
namespace {

TEST(WhenAll, CompletesInsideSealWhenThereAreNoBranches) {
  int calls = 0;
  WhenAll all([&calls](const WhenAll::Summary& s) {
    ++calls;
    EXPECT_EQ(s.ok, 0u);
    EXPECT_EQ(s.failed, 0u);
  });
  EXPECT_EQ(calls, 0);
  all.seal();
  EXPECT_EQ(calls, 1);
  all.seal();
  EXPECT_EQ(calls, 1);
}

TEST(WhenAll, WaitsForSealAndEveryBranch) {
  int calls = 0;
  WhenAll::Summary got;
  WhenAll all([&](const WhenAll::Summary& s) {
    ++calls;
    got = s;
  });
  auto a = all.branch();
  auto b = all.branch();
  a(Status{});
  all.seal();
  EXPECT_EQ(calls, 0);  // b still open
  b(makeError("second failed"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got.ok, 1u);
  EXPECT_EQ(got.failed, 1u);
  ASSERT_TRUE(got.first_error.has_value());
  EXPECT_EQ(got.first_error->context, "second failed");
}

TEST(WhenAll, BranchesFinishingBeforeSealDoNotComplete) {
  int calls = 0;
  WhenAll all([&calls](const WhenAll::Summary&) { ++calls; });
  all.branch()(Status{});
  EXPECT_EQ(calls, 0);
  all.seal();
  EXPECT_EQ(calls, 1);
}

TEST(WhenAll, ABranchCalledTwiceCountsOnceAndFirstErrorIsKept) {
  WhenAll::Summary got;
  int calls = 0;
  WhenAll all([&](const WhenAll::Summary& s) {
    ++calls;
    got = s;
  });
  auto a = all.branch();
  auto b = all.branch();
  auto c = all.branch();
  a(makeError("first"));
  a(Status{});
  b(makeError("later"));
  all.seal();
  EXPECT_EQ(calls, 0);
  c(Status{});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(got.ok, 1u);
  EXPECT_EQ(got.failed, 2u);
  EXPECT_EQ(got.first_error->context, "first");
}

}  // namespace
}  // namespace ctdb
