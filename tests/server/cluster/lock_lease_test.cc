// LockLease: which held cluster locks count for the exactly-half quorum
// rule, fed ClusterLock::Holding values the way the daemon's probe does.
#include "server/cluster/lock_lease.h"

#include <gtest/gtest.h>

namespace ctdb::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kFence = 3s;

ClusterLock::Holding helper(Clock::time_point since, uint64_t renewals, Clock::time_point last) {
  ClusterLock::Holding h;
  h.held = true;
  h.may_renew = true;
  h.since = since;
  h.renewals = renewals;
  h.last_confirmed = last;
  return h;
}

TEST(LockLease, NotHeldNeverCounts) {
  LockLease l;
  EXPECT_FALSE(l.counts(ClusterLock::Holding{}, true, Clock::now(), kFence));
}

TEST(LockLease, FileLockCountsUntilLost) {
  LockLease l;
  const auto t0 = Clock::now();
  ClusterLock::Holding h;
  h.held = true;
  h.since = h.last_confirmed = t0;
  EXPECT_TRUE(l.counts(h, false, t0 + 1h, kFence));
  EXPECT_EQ(l.kind(), LockLease::Kind::File);
}

TEST(LockLease, RenewedLeaseCountsOnlyWhileRenewedWithinFenceTimeout) {
  LockLease l;
  const auto t0 = Clock::now();
  EXPECT_TRUE(l.counts(helper(t0, 0, t0), true, t0 + 500ms, kFence));
  EXPECT_TRUE(l.counts(helper(t0, 1, t0 + 1s), true, t0 + 1100ms, kFence));
  EXPECT_EQ(l.kind(), LockLease::Kind::Renewing);
  EXPECT_TRUE(l.counts(helper(t0, 1, t0 + 1s), false, t0 + 3900ms, kFence));
  EXPECT_FALSE(l.counts(helper(t0, 1, t0 + 1s), false, t0 + 4s, kFence));
  // a renewal arrives again: it counts again
  EXPECT_TRUE(l.counts(helper(t0, 2, t0 + 4100ms), false, t0 + 4200ms, kFence));
}

TEST(LockLease, SplitBeforeTheFirstRenewalCountsOnlyWithinFenceTimeoutOfTheTake) {
  LockLease l;
  const auto t0 = Clock::now();
  EXPECT_TRUE(l.counts(helper(t0, 0, t0), true, t0 + 100ms, kFence));
  // the split: exactly half from now on, no renewal arrives
  EXPECT_TRUE(l.counts(helper(t0, 0, t0), false, t0 + 2900ms, kFence));
  EXPECT_FALSE(l.counts(helper(t0, 0, t0), false, t0 + 3s, kFence));
  EXPECT_EQ(l.kind(), LockLease::Kind::Unknown);
  EXPECT_FALSE(l.counts(helper(t0, 0, t0), false, t0 + 1h, kFence));
}

TEST(LockLease, OneShotHelperIsClassifiedAfterTwiceFenceTimeoutWithAMajority) {
  LockLease l;
  const auto t0 = Clock::now();
  // within FenceTimeout it counts as a lease not yet due
  for (auto t = 0ms; t < 3s; t += 250ms) EXPECT_TRUE(l.counts(helper(t0, 0, t0), true, t0 + t, kFence));
  // a split within FenceTimeout of the take still looks like a majority
  // for FenceTimeout: not classified yet
  EXPECT_FALSE(l.counts(helper(t0, 0, t0), true, t0 + 5s, kFence));
  EXPECT_EQ(l.kind(), LockLease::Kind::Unknown);
  EXPECT_TRUE(l.counts(helper(t0, 0, t0), true, t0 + 6s, kFence));
  EXPECT_EQ(l.kind(), LockLease::Kind::OneShot);
  EXPECT_TRUE(l.counts(helper(t0, 0, t0), false, t0 + 1h, kFence));
}

TEST(LockLease, ClassificationNeedsTheMajorityThroughout) {
  LockLease l;
  const auto t0 = Clock::now();
  EXPECT_TRUE(l.counts(helper(t0, 0, t0), true, t0, kFence));
  EXPECT_TRUE(l.counts(helper(t0, 0, t0), false, t0 + 1s, kFence));  // a dip
  EXPECT_TRUE(l.counts(helper(t0, 0, t0), true, t0 + 2s, kFence));
  EXPECT_FALSE(l.counts(helper(t0, 0, t0), true, t0 + 7s, kFence));  // 5 s of majority only
  EXPECT_EQ(l.kind(), LockLease::Kind::Unknown);
  EXPECT_TRUE(l.counts(helper(t0, 0, t0), true, t0 + 8s, kFence));
  EXPECT_EQ(l.kind(), LockLease::Kind::OneShot);
}

TEST(LockLease, ANewHoldingStartsUnknown) {
  LockLease l;
  const auto t0 = Clock::now();
  EXPECT_TRUE(l.counts(helper(t0, 1, t0 + 1s), true, t0 + 1s, kFence));
  EXPECT_EQ(l.kind(), LockLease::Kind::Renewing);
  const auto t1 = t0 + 10s;
  EXPECT_TRUE(l.counts(helper(t1, 0, t1), false, t1 + 1s, kFence));
  EXPECT_EQ(l.kind(), LockLease::Kind::Unknown);
}

}  // namespace
}  // namespace ctdb::server
