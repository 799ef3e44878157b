/*
 * TakeoverMessages on its own: a NodeState, a MessageRouter whose transport
 * records what leaves the node, and a runner the test completes by hand.
 * Covers the leader's run queue (one run answers every waiting request, a
 * request during a run gets the next run), disables (a hold, its re-enable,
 * a disable that waits for the run in progress), the failed-run retry, and
 * a non-leader's request that waits for a leader to be known.
 */
#include "server/cluster/takeover_messages.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <vector>

#include "protocol/constants.h"
#include "protocol/types.h"
#include "test_nodes.h"

namespace ctdb::server {
namespace {

using test::nodeList;
using test::RecordingTransport;

using namespace std::chrono_literals;



class TakeoverMessagesTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kReplySrvid = 0xCE00000000000001ULL;

  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l.ok());
    loop_ = std::move(*l);
    nodes_ = std::make_unique<NodeState>(nodeList(3), 0, 0);
    router_ = std::make_unique<MessageRouter>(
        *nodes_, srvids_, [](ClientId, std::vector<uint8_t>) { return true; }, transport_);
    tm_ = std::make_unique<TakeoverMessages>(*loop_, *nodes_, *router_);
    tm_->setRunner([this](const std::vector<uint32_t>& rebalance, TakeoverMessages::Done d) {
      runs_.push_back(rebalance);
      pending_ = std::move(d);
    });
    router_->registerInternalHandler(kReplySrvid, [this](uint64_t, std::span<const uint8_t> d) {
      int32_t v = 0;
      ASSERT_EQ(d.size(), sizeof v);
      std::memcpy(&v, d.data(), sizeof v);
      replies_.push_back(v);
    });
  }
  void TearDown() override {
    tm_.reset();
    router_.reset();
    nodes_.reset();
    loop_.reset();
  }
  void beLeader() { nodes_->setLeader(0); }
  void takeoverRun(uint64_t srvid = kReplySrvid) {
    router_->deliverLocal(protocol::kSrvidTakeoverRun,
                          protocol::encode(protocol::SrvidMessage{0, srvid}));
  }
  void disable(uint32_t timeout) {
    router_->deliverLocal(protocol::kSrvidDisableTakeoverRuns,
                          protocol::encode(protocol::DisableMessage{0, kReplySrvid, timeout}));
  }
  bool pump(const std::function<bool()>& pred, std::chrono::milliseconds t = 2000ms) {
    return loop_->runUntil(pred, t);
  }
  /* A run starts from a posted closure: once a closure posted after the
   * trigger has run, a run that was going to start has started. */
  void settle() {
    bool is_done = false;
    loop_->post([&] { is_done = true; });
    ASSERT_TRUE(pump([&] { return is_done; }));
  }
  void finish(bool ok) {
    ASSERT_TRUE(pending_);
    auto d = std::move(pending_);
    pending_ = nullptr;
    d(ok);
  }

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<NodeState> nodes_;
  SrvidRegistry srvids_;
  RecordingTransport transport_;
  std::unique_ptr<MessageRouter> router_;
  std::unique_ptr<TakeoverMessages> tm_;
  std::vector<std::vector<uint32_t>> runs_;
  TakeoverMessages::Done pending_;
  std::vector<int32_t> replies_;
};

TEST_F(TakeoverMessagesTest, OneRunAnswersEveryRequestWaitingForIt) {
  beLeader();
  disable(60);  // hold the runs so that two requests wait together
  replies_.clear();
  takeoverRun();
  takeoverRun();
  disable(0);
  replies_.clear();
  ASSERT_TRUE(pump([&] { return runs_.size() == 1; }));
  EXPECT_TRUE(tm_->isRunInProgress());
  EXPECT_TRUE(replies_.empty());  // answered only when the run ends
  finish(true);
  EXPECT_EQ(replies_, (std::vector<int32_t>{0, 0}));  // own PNN: success
  settle();
  EXPECT_EQ(runs_.size(), 1u);
  EXPECT_EQ(tm_->completedRuns(), 1u);
}

TEST_F(TakeoverMessagesTest, RequestDuringARunGetsTheNextRun) {
  beLeader();
  takeoverRun();
  ASSERT_TRUE(pump([&] { return runs_.size() == 1; }));
  takeoverRun();
  finish(true);
  EXPECT_EQ(replies_, (std::vector<int32_t>{0}));
  ASSERT_TRUE(pump([&] { return runs_.size() == 2; }));
  finish(true);
  EXPECT_EQ(replies_, (std::vector<int32_t>{0, 0}));
}

TEST_F(TakeoverMessagesTest, NonLeaderIgnoresTakeoverRun) {
  nodes_->setLeader(2);
  takeoverRun();
  settle();
  EXPECT_TRUE(runs_.empty());
  EXPECT_FALSE(tm_->isRunInProgress());
}

TEST_F(TakeoverMessagesTest, DisabledRunsWaitForTheReEnable) {
  beLeader();
  disable(60);
  EXPECT_TRUE(tm_->areRunsDisabled());
  EXPECT_EQ(replies_, (std::vector<int32_t>{0}));  // the disable is answered
  takeoverRun();
  settle();
  EXPECT_TRUE(runs_.empty());
  disable(0);  // re-enable now
  EXPECT_FALSE(tm_->areRunsDisabled());
  ASSERT_TRUE(pump([&] { return runs_.size() == 1; }));
}

TEST_F(TakeoverMessagesTest, DisableDuringARunWaitsForItsEnd) {
  beLeader();
  takeoverRun(0);  // no answer wanted
  ASSERT_TRUE(pump([&] { return runs_.size() == 1; }));
  disable(60);
  EXPECT_EQ(tm_->deferredDisables(), 1u);
  EXPECT_FALSE(tm_->areRunsDisabled());
  EXPECT_TRUE(replies_.empty());
  finish(true);
  EXPECT_TRUE(tm_->areRunsDisabled());
  EXPECT_EQ(replies_, (std::vector<int32_t>{0}));
}

TEST_F(TakeoverMessagesTest, FailedRunAnswersMinusOneAndIsRetried) {
  beLeader();
  takeoverRun();
  ASSERT_TRUE(pump([&] { return runs_.size() == 1; }));
  finish(false);
  EXPECT_EQ(replies_, (std::vector<int32_t>{-1}));
  EXPECT_EQ(tm_->failedRuns(), 1u);
  ASSERT_TRUE(pump([&] { return runs_.size() == 2; },
                   TakeoverMessages::kRetryDelay + 2000ms));
  finish(true);
}

TEST_F(TakeoverMessagesTest, RunnerCompletingTwiceCountsOnce) {
  beLeader();
  takeoverRun();
  ASSERT_TRUE(pump([&] { return runs_.size() == 1; }));
  auto d = pending_;
  finish(true);
  d(true);
  EXPECT_EQ(tm_->completedRuns(), 1u);
  EXPECT_EQ(replies_.size(), 1u);
}

TEST_F(TakeoverMessagesTest, NonLeaderRequestWaitsForALeaderThenGoesToIt) {
  nodes_->setLeader(protocol::kUnknownPnn);
  tm_->requestRun();  // no leader known
  EXPECT_TRUE(transport_.sent.empty());
  nodes_->setLeader(2);
  tm_->onLeaderKnown();
  ASSERT_EQ(transport_.sent.size(), 1u);
  EXPECT_EQ(transport_.sent[0].first, 2u);
  EXPECT_EQ(transport_.sent[0].second.srvid, protocol::kSrvidTakeoverRun);
  auto m = protocol::decode<protocol::SrvidMessage>(transport_.sent[0].second.data);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (protocol::SrvidMessage{0, 0}));
  tm_->onLeaderKnown();  // sent once only
  EXPECT_EQ(transport_.sent.size(), 1u);
}

TEST_F(TakeoverMessagesTest, RebalanceNodeIsHandedToTheRunAndClearedBySuccess) {
  beLeader();
  router_->deliverLocal(protocol::kSrvidRebalanceNode, protocol::encodeU32(2));
  ASSERT_TRUE(pump([&] { return runs_.size() == 1; }));
  EXPECT_EQ(runs_[0], (std::vector<uint32_t>{2}));
  finish(true);
  EXPECT_TRUE(tm_->forceRebalance().empty());
}

}  // namespace
}  // namespace ctdb::server
