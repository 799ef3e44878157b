/*
 * Banning (src/server/cluster/banning): ban-credit arithmetic, and BANNING
 * messages in an in-process cluster over a loopback transport.
 */
#include "cluster_test_support.h"

namespace ctdb::server {
namespace {


/* ---------------- Ban credits ---------------- */

TEST(BanCreditsTest, ThresholdIsTwiceTheNodeCount) {
  EXPECT_EQ(BanCredits::threshold(3), 6u);
  BanCredits c;
  auto t0 = BanCredits::Clock::now();
  EXPECT_EQ(c.add(1, 3, t0, 120s), 3u);  // one BANNING message in a 3-node cluster
  EXPECT_TRUE(c.takeDue(6).empty());
  EXPECT_EQ(c.add(1, 3, t0 + 10s, 120s), 6u);
  EXPECT_EQ(c.takeDue(6), std::vector<uint32_t>{1});
  EXPECT_EQ(c.count(1), 0u) << "credits restart after a ban";
}

TEST(BanCreditsTest, CreditsAreForgottenAfterTheGracePeriod) {
  BanCredits c;
  auto t0 = BanCredits::Clock::now();
  c.add(2, 3, t0, 120s);
  EXPECT_EQ(c.add(2, 3, t0 + 121s, 120s), 3u);
  EXPECT_EQ(c.add(2, 1, t0 + 200s, 120s), 4u) << "within grace of the last report";
  EXPECT_EQ(c.count(0), 0u);
}

/* ---------------- Banning in a cluster ---------------- */

TEST(BanningClusterTest, TwoBanningMessagesBanTheCulpritAndItsHookFires) {
  Cluster c(2, std::nullopt);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t leader = c.agreedLeader();
  uint32_t culprit = 1 - leader;
  int banned_hooks = 0;
  c.daemon(culprit)->banning().onBanned([&] { ++banned_hooks; });
  // 2 nodes: each BANNING message = 2 credits, ban at 4.
  c.daemon(leader)->messages().send(leader, protocol::kSrvidBanning, protocol::encodeU32(culprit));
  EXPECT_EQ(c.daemon(leader)->banning().credits().count(culprit), 2u);
  c.loop().runUntil([] { return false; }, 100ms);
  EXPECT_EQ(c.daemon(culprit)->nodes().localFlags() & NF::kBanned, 0u);
  c.daemon(leader)->messages().send(leader, protocol::kSrvidBanning, protocol::encodeU32(culprit));
  ASSERT_TRUE(c.loop().runUntil(
      [&] { return (c.daemon(culprit)->nodes().localFlags() & NF::kBanned) != 0; }, 2s));
  EXPECT_EQ(banned_hooks, 1);
  EXPECT_EQ(c.daemon(leader)->banning().credits().count(culprit), 0u);
}

TEST(BanningClusterTest, NonLeaderIgnoresBanningMessages) {
  Cluster c(2, std::nullopt);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t other = 1 - c.agreedLeader();
  for (int k = 0; k < 3; ++k)
    c.daemon(other)->messages().send(other, protocol::kSrvidBanning, protocol::encodeU32(other));
  EXPECT_EQ(c.daemon(other)->banning().credits().count(other), 0u);
  c.loop().runUntil([] { return false; }, 200ms);
  EXPECT_EQ(c.daemon(other)->nodes().localFlags() & NF::kBanned, 0u);
}

TEST(BanningClusterTest, EnableBansZeroPreventsTheBan) {
  config::Tunables t;
  ASSERT_TRUE(t.set("EnableBans", 0) == config::Tunables::SetResult::Ok);
  Cluster c(2, std::nullopt, t);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t leader = c.agreedLeader();
  uint32_t culprit = 1 - leader;
  for (int k = 0; k < 2; ++k)
    c.daemon(leader)->messages().send(leader, protocol::kSrvidBanning,
                                      protocol::encodeU32(culprit));
  c.loop().runUntil([] { return false; }, 300ms);
  EXPECT_EQ(c.daemon(culprit)->nodes().localFlags() & NF::kBanned, 0u);
  EXPECT_EQ(c.daemon(leader)->banning().bansIssued(), 0u);
}

TEST(BanningClusterTest, BanExpiresAfterTheBanPeriod) {
  config::Tunables t;
  ASSERT_TRUE(t.set("RecoveryBanPeriod", 1) == config::Tunables::SetResult::Ok);
  Cluster c(2, std::nullopt, t);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t leader = c.agreedLeader();
  uint32_t culprit = 1 - leader;
  int unbanned = 0;
  c.daemon(culprit)->banning().onUnbanned([&] { ++unbanned; });
  c.daemon(leader)->banning().assignCredits(culprit, 4, "test");
  ASSERT_TRUE(c.loop().runUntil(
      [&] { return (c.daemon(culprit)->nodes().localFlags() & NF::kBanned) != 0; }, 2s));
  EXPECT_TRUE(c.loop().runUntil(
      [&] { return (c.daemon(culprit)->nodes().localFlags() & NF::kBanned) == 0; }, 3s));
  EXPECT_EQ(unbanned, 1);
}

}  // namespace
}  // namespace ctdb::server
