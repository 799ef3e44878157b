#include "util/lifetime_guard.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>

namespace ctdb {
namespace {

TEST(LifetimeGuard, GuardedCallableRunsWhileAlive) {
  LifetimeGuard g;
  int calls = 0;
  auto f = g.guard([&calls](int n) { calls += n; });
  f(2);
  f(3);
  EXPECT_EQ(calls, 5);
}

TEST(LifetimeGuard, RevokeMakesEveryCopyANoOp) {
  LifetimeGuard g;
  int calls = 0;
  std::function<void()> a = g.guard([&calls] { ++calls; });
  std::function<void()> b = a;
  g.revoke();
  a();
  b();
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(g.isAlive());
  g.revoke();  // idempotent
}

TEST(LifetimeGuard, DestroyedGuardMakesCallableANoOp) {
  int calls = 0;
  std::function<void()> f;
  {
    auto g = std::make_unique<LifetimeGuard>();
    f = g->guard([&calls] { ++calls; });
  }
  f();
  EXPECT_EQ(calls, 0);
}

/* The case the guard exists for: an owner whose members fire callbacks
 * while they are destroyed, after the destructor body. */
TEST(LifetimeGuard, MembersDestroyedAfterRevokeDoNotReachTheOwner) {
  struct Member {
    std::function<void()> on_destroy;
    ~Member() {
      if (on_destroy) on_destroy();
    }
  };
  struct Owner {
    explicit Owner(int& hits) : hits_(hits) { m.on_destroy = guard_.guard([this] { ++hits_; }); }
    ~Owner() { guard_.revoke(); }
    int& hits_;
    Member m;  // destroyed after ~Owner's body
    LifetimeGuard guard_;
  };
  int hits = 0;
  { Owner o(hits); }
  EXPECT_EQ(hits, 0);
}

TEST(LifetimeGuard, WatchReportsLiveness) {
  LifetimeGuard g;
  auto w = g.watch();
  EXPECT_TRUE(w.isAlive());
  g.revoke();
  EXPECT_FALSE(w.isAlive());
  EXPECT_FALSE(LifetimeGuard::Watch().isAlive());
}

}  // namespace
}  // namespace ctdb
