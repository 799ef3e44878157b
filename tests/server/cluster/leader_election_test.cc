/*
 * LeaderElection (src/server/cluster/leader_election): CTDB 4.5's election
 * rules as pure functions, and in-process multi-daemon elections over a
 * loopback transport.
 */
#include "cluster_test_support.h"

namespace ctdb::server {
namespace {


/* ---------------- Election rules ---------------- */

ElectionData data(uint32_t pnn, int64_t sec, int64_t usec = 0, uint32_t flags = 0) {
  ElectionData d;
  d.pnn = pnn;
  d.priority_sec = sec;
  d.priority_usec = usec;
  d.node_flags = flags;
  d.num_connected = 3;
  return d;
}

TEST(ElectionRulesTest, LongestRunningNodeWins) {
  EXPECT_TRUE(electionWins(data(2, 100), true, data(0, 200)));
  EXPECT_FALSE(electionWins(data(0, 200), true, data(2, 100)));
  EXPECT_TRUE(electionWins(data(0, 100, 5), true, data(1, 100, 6)));
}

TEST(ElectionRulesTest, EqualTimesHigherPnnWins) {
  EXPECT_TRUE(electionWins(data(2, 100), true, data(1, 100)));
  EXPECT_FALSE(electionWins(data(1, 100), true, data(2, 100)));
}

TEST(ElectionRulesTest, BannedOrStoppedNeverWinsAndAlwaysLoses) {
  EXPECT_FALSE(electionWins(data(0, 1, 0, NF::kBanned), true, data(1, 999)));
  EXPECT_FALSE(electionWins(data(0, 1, 0, NF::kStopped), true, data(1, 999)));
  EXPECT_TRUE(electionWins(data(0, 999), true, data(1, 1, 0, NF::kBanned)));
  EXPECT_TRUE(electionWins(data(0, 999), true, data(1, 1, 0, NF::kStopped)));
  // DISABLED / UNHEALTHY nodes still compete normally.
  EXPECT_TRUE(electionWins(data(0, 1, 0, NF::kPermanentlyDisabled), true, data(1, 999)));
}

TEST(ElectionRulesTest, NoRecmasterCapabilityNeverWins) {
  EXPECT_FALSE(electionWins(data(2, 1), false, data(0, 999)));
}

TEST(ElectionRulesTest, WinnerOfThreeCandidates) {
  std::vector<ElectionCandidate> c{{data(0, 300), true}, {data(1, 100), true}, {data(2, 200), true}};
  EXPECT_EQ(electionWinner(c), 1u);
  c[1].data.node_flags = NF::kBanned;
  EXPECT_EQ(electionWinner(c), 2u);
  c[2].can_lead = false;  // such a node sends "now" as its priority time
  c[2].data.priority_sec = 1000;
  EXPECT_EQ(electionWinner(c), 0u);
  c[0].data.node_flags = NF::kStopped;
  EXPECT_EQ(electionWinner(c), protocol::kUnknownPnn);
}

TEST(ElectionRulesTest, WireLayoutIs32BytesAsCtdb) {
  ElectionData d = data(7, 0x0102030405060708LL, 9, 0x20);
  d.num_connected = 3;
  auto bytes = encodeElectionData(d);
  ASSERT_EQ(bytes.size(), 32u);
  EXPECT_EQ(bytes[0], 3);
  EXPECT_EQ(bytes[8], 0x08);   // tv_sec little-endian at offset 8
  EXPECT_EQ(bytes[15], 0x01);
  EXPECT_EQ(bytes[16], 9);     // tv_usec
  EXPECT_EQ(bytes[24], 7);     // pnn
  EXPECT_EQ(bytes[28], 0x20);  // flags
  auto back = decodeElectionData(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, d);
  bytes.pop_back();
  EXPECT_FALSE(decodeElectionData(bytes).ok());
}

TEST(ElectionClusterTest, ThreeNodesWithFileLockAgreeOnOneLeaderHoldingTheLock) {
  ScratchDir lockdir;
  std::string reclock = lockdir.file("reclock");
  Cluster c(3, reclock);
  ASSERT_TRUE(c.waitAgreed(10s)) << "no agreed leader";
  uint32_t leader = c.agreedLeader();
  EXPECT_EQ(c.leaderCount(), 1u);
  ASSERT_NE(c.daemon(leader)->election().lock(), nullptr);
  EXPECT_TRUE(c.daemon(leader)->election().lock()->isHeld());
  for (uint32_t i = 0; i < 3; ++i)
    if (i != leader) {
      EXPECT_FALSE(c.daemon(i)->election().lock()->isHeld()) << "node " << i;
    }
  // Node 0 started first: it has run longest, so it wins (CTDB 4.5 rule).
  EXPECT_EQ(leader, 0u);
  // Stable: nothing changes over a few broadcast periods.
  c.loop().runUntil([] { return false; }, 2500ms);
  EXPECT_EQ(c.agreedLeader(), leader);
}

TEST(ElectionClusterTest, NodesConnectingDuringTheirElectionsElectOneLeader) {
  // Started together, the election packets of all three are lost (nobody
  // is connected yet); the links come up while the elections run. The
  // candidates must exchange their data then, not each win alone.
  Cluster c(3, std::nullopt, {}, /*connected=*/false);
  c.loop().runUntil([] { return false; }, 300ms);
  c.connectAll();
  size_t most = 0;
  bool agreed = c.loop().runUntil([&] {
    most = std::max(most, c.leaderCount());
    return c.agreedLeader() != protocol::kUnknownPnn;
  }, 10s);
  ASSERT_TRUE(agreed) << "no agreed leader";
  EXPECT_EQ(most, 1u) << "several nodes were leader at once";
  EXPECT_EQ(c.agreedLeader(), 0u) << "node 0 has run longest";
}

TEST(ElectionClusterTest, KilledLeaderIsReplacedAndSurvivorsAgree) {
  ScratchDir lockdir;
  Cluster c(3, lockdir.file("reclock"));
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t old = c.agreedLeader();
  c.kill(old);
  ASSERT_TRUE(c.loop().runUntil(
      [&] {
        uint32_t l = c.agreedLeader();
        return l != protocol::kUnknownPnn && l != old;
      },
      10s))
      << "no new leader after the old one died";
  uint32_t now = c.agreedLeader();
  EXPECT_TRUE(c.daemon(now)->election().lock()->isHeld());
  EXPECT_EQ(c.leaderCount(), 1u);
}

TEST(ElectionClusterTest, NoLeaderWithoutTheClusterLock) {
  ScratchDir lockdir;
  std::string reclock = lockdir.file("reclock");
  // Somebody else (another partition) holds the lock.
  auto other_loop = makeLoop();
  ClusterLock outsider(*other_loop, LockSpec{LockSpec::Kind::File, reclock, {}});
  TakeResult r;
  takeAndWait(*other_loop, outsider, r);
  ASSERT_EQ(r.status, LockStatus::Held);
  Cluster c(2, reclock);
  c.loop().runUntil([] { return false; }, 3000ms);
  EXPECT_EQ(c.leaderCount(), 0u) << "a node became leader without the lock";
  EXPECT_EQ(c.daemon(0)->nodes().leader(), protocol::kUnknownPnn);
  outsider.release();
  ASSERT_TRUE(c.waitAgreed(5s)) << "no leader after the lock was freed";
}

TEST(ElectionClusterTest, WithoutLockStillExactlyOneLeader) {
  Cluster c(3, std::nullopt);
  ASSERT_TRUE(c.waitAgreed(10s));
  EXPECT_EQ(c.leaderCount(), 1u);
}

TEST(ElectionClusterTest, BannedLeaderHandsOverLeadership) {
  Cluster c(3, std::nullopt);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t old = c.agreedLeader();
  // The ban reaches the other nodes as a flag change (the transport's job).
  for (uint32_t i = 0; i < 3; ++i) c.daemon(i)->nodes().modifyFlags(old, NF::kBanned, 0);
  ASSERT_TRUE(c.loop().runUntil(
      [&] {
        uint32_t l = c.agreedLeader();
        return l != protocol::kUnknownPnn && l != old;
      },
      10s));
  EXPECT_FALSE(c.daemon(old)->election().isLeader());
}

TEST(ElectionClusterTest, OnlyTheLeaderRunsTakeoverRuns) {
  Cluster c(3, std::nullopt);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t leader = c.agreedLeader();
  c.loop().runUntil([] { return false; }, 300ms);
  std::map<uint32_t, uint64_t> before;
  for (uint32_t i = 0; i < 3; ++i) before[i] = c.daemon(i)->takeover().completedRuns();
  EXPECT_GE(before[leader], 1u) << "the new leader did not run a takeover run";
  // A TAKEOVER_RUN broadcast as the CLI sends it.
  c.daemon(1)->messages().send(protocol::kBroadcastConnected, protocol::kSrvidTakeoverRun,
                               protocol::encode(protocol::SrvidMessage{1, 0}));
  c.loop().runUntil([&] { return c.daemon(leader)->takeover().completedRuns() > before[leader]; },
                    2s);
  for (uint32_t i = 0; i < 3; ++i) {
    if (i == leader) {
      EXPECT_EQ(c.daemon(i)->takeover().completedRuns(), before[i] + 1);
    } else {
      EXPECT_EQ(c.daemon(i)->takeover().completedRuns(), before[i]) << "node " << i;
    }
  }
  // A flag change seen by the leader triggers a run.
  uint32_t other = (leader + 1) % 3;
  c.daemon(leader)->nodes().modifyFlags(other, NF::kPermanentlyDisabled, 0);
  EXPECT_TRUE(c.loop().runUntil(
      [&] { return c.daemon(leader)->takeover().completedRuns() > before[leader] + 1; }, 2s));
}

}  // namespace
}  // namespace ctdb::server
