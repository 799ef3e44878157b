#include "util/event_loop.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ctdb/c_handles.h"

namespace ctdb {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<EventLoop> makeLoop() {
  auto r = EventLoop::create();
  EXPECT_TRUE(r.ok());
  return std::move(r).value();
}

struct SocketPair {
  UniqueFd a, b;
  SocketPair() {
    int fds[2];
    EXPECT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds));
    a.reset(fds[0]);
    b.reset(fds[1]);
  }
};

TEST(EventLoop, CreateGivesRawContext) {
  auto loop = makeLoop();
  EXPECT_NE(nullptr, loop->raw());
}

TEST(EventLoop, RunUntilTimesOutWhenPredicateNeverTrue) {
  auto loop = makeLoop();
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(loop->runUntil([] { return false; }, 50ms));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 45ms);
  EXPECT_LT(elapsed, 2s);
}

TEST(EventLoop, RunUntilReturnsAtOnceIfPredicateAlreadyTrue) {
  auto loop = makeLoop();
  bool ran = false;
  loop->post([&] { ran = true; });
  EXPECT_TRUE(loop->runUntil([] { return true; }, 1s));
  EXPECT_FALSE(ran) << "no iteration should run when pred() is already true";
}

TEST(EventLoop, PostIsNeverSynchronousAndFifo) {
  auto loop = makeLoop();
  std::vector<int> order;
  loop->post([&] { order.push_back(1); });
  loop->post([&] { order.push_back(2); });
  loop->post([&] { order.push_back(3); });
  EXPECT_TRUE(order.empty());
  EXPECT_EQ(3u, loop->pendingPosts());
  EXPECT_TRUE(loop->runUntil([&] { return order.size() == 3; }, 1s));
  EXPECT_EQ((std::vector<int>{1, 2, 3}), order);
}

TEST(EventLoop, PostFromPostedClosureRunsOnLaterIteration) {
  auto loop = makeLoop();
  std::vector<std::string> order;
  loop->post([&] {
    order.push_back("a");
    loop->post([&] { order.push_back("c"); });
    EXPECT_EQ(1u, order.size()) << "nested post ran synchronously";
  });
  loop->post([&] { order.push_back("b"); });
  // Keeps loopOnce() from blocking (tevent idles up to 30 s) if the code
  // under test is broken; immediates run before timers, so it never fires.
  RepeatingTimer guard(*loop, 500ms, [] {});
  ASSERT_TRUE(loop->loopOnce());
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), order);
  ASSERT_TRUE(loop->loopOnce());
  EXPECT_EQ((std::vector<std::string>{"a", "b", "c"}), order);
}

TEST(EventLoop, RunReturnsAfterStop) {
  auto loop = makeLoop();
  int n = 0;
  loop->post([&] { ++n; });
  loop->post([&] { loop->stop(); });
  Timer guard(*loop, 2s, [&] { ADD_FAILURE() << "stop() did not end run()"; loop->stop(); });
  loop->run();
  EXPECT_EQ(1, n);
}

TEST(EventLoop, DestroyingLoopDropsQueuedPosts) {
  bool ran = false;
  auto token = std::make_shared<int>(0);
  {
    auto loop = makeLoop();
    loop->post([&ran, token] { ran = true; });
    EXPECT_EQ(2, token.use_count());
  }
  EXPECT_FALSE(ran);
  EXPECT_EQ(1, token.use_count()) << "queued closure was not destroyed";
}

TEST(EventLoop, DeleteLaterDestroysOnLaterIteration) {
  auto loop = makeLoop();
  auto token = std::make_shared<int>(0);
  auto obj = std::make_unique<std::shared_ptr<int>>(token);
  loop->deleteLater(std::move(obj));
  EXPECT_EQ(2, token.use_count());
  EXPECT_TRUE(loop->runUntil([&] { return token.use_count() == 1; }, 1s));
}

TEST(FdEvent, ReadFiresWhenDataArrives) {
  auto loop = makeLoop();
  SocketPair sp;
  uint16_t fired = 0;
  std::string got;
  FdEvent ev(*loop, sp.a.get(), FdEvent::kRead, [&](uint16_t f) {
    fired = f;
    char buf[16];
    ssize_t n = read(sp.a.get(), buf, sizeof(buf));
    if (n > 0) got.assign(buf, n);
  });
  EXPECT_EQ(FdEvent::kRead, ev.flags());
  EXPECT_TRUE(ev.isActive());
  EXPECT_FALSE(loop->runUntil([&] { return fired != 0; }, 30ms)) << "fired with no data";
  ASSERT_EQ(3, write(sp.b.get(), "abc", 3));
  EXPECT_TRUE(loop->runUntil([&] { return fired != 0; }, 1s));
  EXPECT_EQ(FdEvent::kRead, fired);
  EXPECT_EQ("abc", got);
}

TEST(FdEvent, WriteReadinessAndFlagChanges) {
  auto loop = makeLoop();
  SocketPair sp;
  int writes = 0, reads = 0;
  FdEvent ev(*loop, sp.a.get(), FdEvent::kWrite, [&](uint16_t f) {
    if (f & FdEvent::kWrite) ++writes;
    if (f & FdEvent::kRead) ++reads;
  });
  EXPECT_TRUE(loop->runUntil([&] { return writes > 0; }, 1s));
  EXPECT_EQ(0, reads);

  // Switch to read only: write readiness must stop being reported.
  ev.setFlags(FdEvent::kRead);
  EXPECT_EQ(FdEvent::kRead, ev.flags());
  writes = 0;
  EXPECT_FALSE(loop->runUntil([&] { return writes > 0 || reads > 0; }, 30ms));
  ASSERT_EQ(1, write(sp.b.get(), "x", 1));
  EXPECT_TRUE(loop->runUntil([&] { return reads > 0; }, 1s));
  EXPECT_EQ(0, writes);

  // Flags 0 pauses the watch even though data is still unread.
  ev.setFlags(0);
  reads = 0;
  EXPECT_FALSE(loop->runUntil([&] { return reads > 0; }, 30ms));
}

TEST(FdEvent, ReadFiresOnPeerClose) {
  auto loop = makeLoop();
  SocketPair sp;
  bool eof = false;
  FdEvent ev(*loop, sp.a.get(), FdEvent::kRead, [&](uint16_t) {
    char c;
    eof = read(sp.a.get(), &c, 1) == 0;
  });
  sp.b.reset();
  EXPECT_TRUE(loop->runUntil([&] { return eof; }, 1s));
}

TEST(FdEvent, DestroyingItselfInsideCallbackIsSafe) {
  auto loop = makeLoop();
  SocketPair sp;
  int calls = 0;
  std::unique_ptr<FdEvent> ev;
  auto token = std::make_shared<int>(7);
  ev = std::make_unique<FdEvent>(*loop, sp.a.get(), FdEvent::kRead, [&, token](uint16_t) {
    ++calls;
    ev.reset();
    // The closure (and its captures) must still be alive here.
    EXPECT_EQ(7, *token);
  });
  ASSERT_EQ(1, write(sp.b.get(), "x", 1));
  EXPECT_TRUE(loop->runUntil([&] { return ev == nullptr; }, 1s));
  // Data is still unread; a surviving watch would fire again.
  EXPECT_FALSE(loop->runUntil([&] { return calls > 1; }, 30ms));
  EXPECT_EQ(1, calls);
  EXPECT_EQ(1, token.use_count()) << "closure leaked after self-destruction";
}

TEST(FdEvent, DestroyedEventNeverFires) {
  auto loop = makeLoop();
  SocketPair sp;
  int calls = 0;
  auto ev = std::make_unique<FdEvent>(*loop, sp.a.get(), FdEvent::kRead, [&](uint16_t) { ++calls; });
  ASSERT_EQ(1, write(sp.b.get(), "x", 1));
  ev.reset();
  EXPECT_FALSE(loop->runUntil([&] { return calls > 0; }, 30ms));
}

TEST(FdEvent, InvalidFdIsInactive) {
  auto loop = makeLoop();
  FdEvent ev(*loop, -1, FdEvent::kRead, [](uint16_t) {});
  EXPECT_FALSE(ev.isActive());
  EXPECT_EQ(0, ev.flags());
}

TEST(Timer, FiresInDeadlineOrder) {
  auto loop = makeLoop();
  std::vector<int> order;
  Timer t3(*loop, 60ms, [&] { order.push_back(3); });
  Timer t1(*loop, 10ms, [&] { order.push_back(1); });
  Timer t2(*loop, 30ms, [&] { order.push_back(2); });
  Timer t2b(*loop, 30ms, [&] { order.push_back(22); });
  EXPECT_TRUE(t1.isPending());
  EXPECT_TRUE(loop->runUntil([&] { return order.size() == 4; }, 2s));
  EXPECT_EQ((std::vector<int>{1, 2, 22, 3}), order);
  EXPECT_FALSE(t1.isPending());
}

TEST(Timer, DoesNotFireBeforeDelay) {
  auto loop = makeLoop();
  bool fired = false;
  auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration fired_after{};
  Timer t(*loop, 40ms, [&] {
    fired = true;
    fired_after = std::chrono::steady_clock::now() - start;
  });
  EXPECT_FALSE(fired) << "timer fired synchronously";
  EXPECT_TRUE(loop->runUntil([&] { return fired; }, 2s));
  EXPECT_GE(fired_after, 39ms);
}

TEST(Timer, DestructionCancels) {
  auto loop = makeLoop();
  bool fired = false;
  auto t = std::make_unique<Timer>(*loop, 5ms, [&] { fired = true; });
  t.reset();
  EXPECT_FALSE(loop->runUntil([&] { return fired; }, 40ms));
}

TEST(Timer, DestroyingItselfInsideCallbackIsSafe) {
  auto loop = makeLoop();
  std::unique_ptr<Timer> t;
  auto token = std::make_shared<int>(1);
  bool done = false;
  t = std::make_unique<Timer>(*loop, 1ms, [&, token] {
    t.reset();
    EXPECT_EQ(1, *token);
    done = true;
  });
  EXPECT_TRUE(loop->runUntil([&] { return done; }, 1s));
  EXPECT_EQ(nullptr, t);
  EXPECT_EQ(1, token.use_count());
}

TEST(Timer, DestroyAfterFiringIsSafe) {
  auto loop = makeLoop();
  bool fired = false;
  auto t = std::make_unique<Timer>(*loop, 1ms, [&] { fired = true; });
  EXPECT_TRUE(loop->runUntil([&] { return fired; }, 1s));
  t.reset();  // tevent already freed the handle; must not double free
  SUCCEED();
}

TEST(RepeatingTimer, FiresRepeatedlyUntilDestroyed) {
  auto loop = makeLoop();
  int n = 0;
  auto t = std::make_unique<RepeatingTimer>(*loop, 5ms, [&] { ++n; });
  EXPECT_EQ(5ms, t->interval());
  EXPECT_TRUE(loop->runUntil([&] { return n >= 3; }, 2s));
  t.reset();
  int seen = n;
  EXPECT_FALSE(loop->runUntil([&] { return n > seen; }, 30ms));
}

TEST(RepeatingTimer, DestroyingItselfInsideCallbackIsSafe) {
  auto loop = makeLoop();
  int n = 0;
  std::unique_ptr<RepeatingTimer> t;
  t = std::make_unique<RepeatingTimer>(*loop, 2ms, [&] {
    if (++n == 2) t.reset();
  });
  EXPECT_TRUE(loop->runUntil([&] { return t == nullptr; }, 1s));
  EXPECT_FALSE(loop->runUntil([&] { return n > 2; }, 30ms));
  EXPECT_EQ(2, n);
}

TEST(SignalEvent, RaisedSignalRunsCallbackOnLoop) {
  auto loop = makeLoop();
  int got = 0;
  int calls = 0;
  SignalEvent se(*loop, SIGUSR1, [&](int signum) {
    got = signum;
    ++calls;
  });
  ASSERT_TRUE(se.isActive());
  ASSERT_EQ(0, raise(SIGUSR1));
  EXPECT_EQ(0, calls) << "callback ran inside the signal handler, not on the loop";
  EXPECT_TRUE(loop->runUntil([&] { return calls > 0; }, 1s));
  EXPECT_EQ(SIGUSR1, got);
  EXPECT_EQ(1, calls);
}

TEST(SignalEvent, DestroyedSignalEventNoLongerCalled) {
  auto loop = makeLoop();
  int calls_a = 0, calls_b = 0;
  SignalEvent keep(*loop, SIGUSR2, [&](int) { ++calls_a; });
  auto gone = std::make_unique<SignalEvent>(*loop, SIGUSR2, [&](int) { ++calls_b; });
  gone.reset();
  ASSERT_EQ(0, raise(SIGUSR2));
  EXPECT_TRUE(loop->runUntil([&] { return calls_a > 0; }, 1s));
  EXPECT_EQ(0, calls_b);
}

TEST(SignalEvent, InvalidSignalIsInactive) {
  auto loop = makeLoop();
  SignalEvent se(*loop, 100000, [](int) {});
  EXPECT_FALSE(se.isActive());
}

TEST(Immediate, RunsOnLaterIterationAndCanReschedule) {
  auto loop = makeLoop();
  Immediate im(*loop);
  int n = 0;
  std::function<void()> step = [&] {
    if (++n < 3) im.schedule(step);
  };
  im.schedule(step);
  EXPECT_EQ(0, n);
  EXPECT_TRUE(im.isPending());
  RepeatingTimer guard(*loop, 500ms, [] {});  // bounds loopOnce() if broken
  ASSERT_TRUE(loop->loopOnce());
  EXPECT_EQ(1, n) << "rescheduled immediate ran in the same iteration";
  EXPECT_TRUE(loop->runUntil([&] { return n == 3; }, 1s));
  EXPECT_FALSE(im.isPending());
}

TEST(Immediate, RescheduleReplacesPendingCallback) {
  auto loop = makeLoop();
  Immediate im(*loop);
  std::vector<int> order;
  im.schedule([&] { order.push_back(1); });
  im.schedule([&] { order.push_back(2); });
  loop->runUntil([&] { return !order.empty(); }, 1s);
  EXPECT_FALSE(loop->runUntil([&] { return order.size() > 1; }, 20ms));
  EXPECT_EQ(std::vector<int>{2}, order);
}

TEST(Immediate, CancelAndDestructionDropCallback) {
  auto loop = makeLoop();
  int n = 0;
  Immediate a(*loop);
  a.schedule([&] { ++n; });
  a.cancel();
  EXPECT_FALSE(a.isPending());
  auto b = std::make_unique<Immediate>(*loop);
  b->schedule([&] { ++n; });
  b.reset();
  EXPECT_FALSE(loop->runUntil([&] { return n > 0; }, 20ms));
}

}  // namespace
}  // namespace ctdb
