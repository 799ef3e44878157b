// Quorum rule (pure) and QuorumMonitor over a NodeState whose flags and
// last-heard times the test sets, as the transport would.
#include "server/cluster/quorum.h"

#include <gtest/gtest.h>

#include <memory>

#include "util/event_loop.h"

namespace ctdb::server {
namespace {

namespace NF = protocol::NodeFlags;
using namespace std::chrono_literals;

TEST(QuorumRule, MoreThanHalfIsQuorate) {
  EXPECT_EQ(quorumVerdict(3, 2, false), QuorumVerdict::Quorate);
  EXPECT_EQ(quorumVerdict(3, 3, false), QuorumVerdict::Quorate);
  EXPECT_EQ(quorumVerdict(3, 1, false), QuorumVerdict::Lost);
  EXPECT_EQ(quorumVerdict(3, 1, true), QuorumVerdict::Lost);  // the lock cannot save a minority
  EXPECT_EQ(quorumVerdict(5, 3, false), QuorumVerdict::Quorate);
  EXPECT_EQ(quorumVerdict(5, 2, true), QuorumVerdict::Lost);
  EXPECT_EQ(quorumVerdict(1, 1, false), QuorumVerdict::Quorate);
}

TEST(QuorumRule, ExactlyHalfNeedsTheLock) {
  EXPECT_EQ(quorumVerdict(2, 1, true), QuorumVerdict::Quorate);
  EXPECT_EQ(quorumVerdict(2, 1, false), QuorumVerdict::NeedLock);
  EXPECT_EQ(quorumVerdict(4, 2, true), QuorumVerdict::Quorate);
  EXPECT_EQ(quorumVerdict(4, 2, false), QuorumVerdict::NeedLock);
  EXPECT_EQ(quorumVerdict(4, 3, false), QuorumVerdict::Quorate);
}

TEST(QuorumRule, WhoMayCompete) {
  EXPECT_TRUE(mayCompete(3, 2, false));
  EXPECT_FALSE(mayCompete(3, 1, true));
  EXPECT_TRUE(mayCompete(4, 2, true));    // the lock decides
  EXPECT_FALSE(mayCompete(4, 2, false));  // no lock: an even split has no leader
  EXPECT_TRUE(mayCompete(1, 1, false));
}

std::vector<config::NodeEntry> nodes(int n, int deleted = -1) {
  std::vector<config::NodeEntry> v;
  for (int i = 0; i < n; ++i) {
    config::NodeEntry e;
    e.pnn = static_cast<uint32_t>(i);
    e.line = i + 1;
    if (i == deleted) e.is_deleted = true;
    else e.address = IpAddress::v4(0xc6120001u + static_cast<uint32_t>(i));
    v.push_back(e);
  }
  return v;
}

struct QuorumMonitorTest : ::testing::Test {
  std::unique_ptr<EventLoop> loop = makeLoop();
  static std::unique_ptr<EventLoop> makeLoop() {
    auto l = EventLoop::create();
    EXPECT_TRUE(l.ok());
    return std::move(l.value());
  }
  config::Tunables tunables;
  std::unique_ptr<NodeState> state;
  std::unique_ptr<QuorumMonitor> q;
  std::vector<std::pair<QuorumState, QuorumState>> changes;

  void make(int n, bool lock = false, int deleted = -1) {
    state = std::make_unique<NodeState>(nodes(n, deleted), 0, 0);
    QuorumMonitor::Options o;
    o.lock_configured = lock;
    o.check_interval = 20ms;
    q = std::make_unique<QuorumMonitor>(*loop, *state, tunables, o);
    q->onChange([this](QuorumState a, QuorumState b) { changes.emplace_back(a, b); });
    q->start();
  }
  void connect(uint32_t pnn) {
    state->modifyFlags(pnn, 0, NF::kDisconnected);
    state->noteHeard(pnn, loop->now());
  }
};

TEST_F(QuorumMonitorTest, StartsWaitingAndBecomesQuorateWithAMajority) {
  make(3);
  EXPECT_EQ(q->state(), QuorumState::Waiting);
  EXPECT_FALSE(q->checkNow());
  connect(1);
  EXPECT_TRUE(q->checkNow());
  EXPECT_EQ(q->reachable(), 2u);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].second, QuorumState::Quorate);
}

TEST_F(QuorumMonitorTest, DeletedNodesDoNotCount) {
  make(3, false, 2);  // N = 2
  EXPECT_EQ(q->configured(), 2u);
  connect(1);
  EXPECT_TRUE(q->checkNow());
}

TEST_F(QuorumMonitorTest, SilentPeerIsNotReachableAfterFenceTimeout) {
  tunables.set("FenceTimeout", 1);
  make(3);
  connect(1);
  connect(2);
  ASSERT_TRUE(q->checkNow());
  // Only node 1 keeps talking: still a majority.
  ASSERT_TRUE(loop->runUntil(
      [&] {
        state->noteHeard(1, loop->now());
        return !q->isReachable(2);
      },
      3s));
  EXPECT_TRUE(q->checkNow());
  EXPECT_EQ(q->reachable(), 2u);
  // Then node 1 falls silent too, although the transport still calls it
  // connected: quorum is lost on silence alone.
  ASSERT_TRUE(loop->runUntil([&] { return q->state() == QuorumState::Lost; }, 3s));
  EXPECT_EQ(changes.back().first, QuorumState::Quorate);
  EXPECT_EQ(changes.back().second, QuorumState::Lost);
  EXPECT_EQ(state->flags(1) & NF::kDisconnected, 0u);
  // Hearing from node 1 again regains it.
  state->noteHeard(1, loop->now());
  EXPECT_TRUE(q->checkNow());
  EXPECT_EQ(changes.back().second, QuorumState::Quorate);
}

TEST_F(QuorumMonitorTest, DisconnectedPeerIsNotReachableEvenIfHeardRecently) {
  make(3);
  connect(1);
  ASSERT_TRUE(q->checkNow());
  state->modifyFlags(1, NF::kDisconnected, 0);
  EXPECT_FALSE(q->checkNow());
  EXPECT_EQ(q->state(), QuorumState::Lost);
}

TEST_F(QuorumMonitorTest, HalfIsQuorateOnlyWithTheLock) {
  make(4, true);
  bool holds = false;
  q->setLockProbe([&] { return holds; });
  connect(1);
  EXPECT_FALSE(q->checkNow());
  EXPECT_TRUE(q->mayCompete());  // the lock configured: may try to take it
  holds = true;
  EXPECT_TRUE(q->checkNow());
  holds = false;
  EXPECT_FALSE(q->checkNow());
  EXPECT_EQ(q->state(), QuorumState::Lost);
}

TEST_F(QuorumMonitorTest, HalfWithoutAnyLockIsNeverQuorate) {
  make(2);
  q->setLockProbe([] { return true; });  // ignored: nothing to hold
  EXPECT_FALSE(q->mayCompeteNow());
  EXPECT_FALSE(q->checkNow());
  connect(1);
  EXPECT_TRUE(q->checkNow());  // 2 of 2
}

TEST_F(QuorumMonitorTest, AStalledLoopFencesAndDropsLinks) {
  tunables.set("FenceTimeout", 1);
  make(3);
  connect(1);
  connect(2);
  ASSERT_TRUE(q->checkNow());
  int stalls = 0;
  q->onStall([&](std::chrono::milliseconds gap) {
    ++stalls;
    EXPECT_GE(gap, 1000ms);
  });
  // Block the loop for longer than FenceTimeout while the peers keep being
  // "heard" (as packets queued during a SIGSTOP would make them look).
  const auto until = loop->now() + 1100ms;
  while (loop->now() < until) {
    state->noteHeard(1, loop->now());
    state->noteHeard(2, loop->now());
  }
  EXPECT_FALSE(q->checkNow());
  EXPECT_EQ(stalls, 1);
  EXPECT_EQ(q->state(), QuorumState::Lost);
}

}  // namespace
}  // namespace ctdb::server
