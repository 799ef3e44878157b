/*
 * The leader-side rules of cluster takeover runs in TakeoverMessages
 * (doc/cluster.md "Takeover runs"): a failed run is retried by the leader
 * after kRetryDelay; a non-leader asked for a run does not run one itself.
 * A real Daemon on a real EventLoop, the runner replaced by a fake.
 */
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "raw_client.h"
#include "server/core/control_socket.h"
#include "server/daemon/daemon.h"

namespace ctdb::server {
namespace {

using namespace std::chrono_literals;
using testing::ScratchDir;

class ClusterTakeoverTest : public ::testing::Test {
 protected:
  void start(size_t node_count) {
    auto l = EventLoop::create();
    ASSERT_TRUE(l.ok());
    loop_ = std::move(*l);
    auto fd = openControlSocket(dir_.file("ctdbd.socket"));
    ASSERT_TRUE(fd.ok());
    DaemonSetup setup;
    setup.options.socket_path = dir_.file("ctdbd.socket");
    for (size_t i = 0; i < node_count; ++i) {
      config::NodeEntry n;
      n.pnn = static_cast<uint32_t>(i);
      n.address = *IpAddress::parse("198.18.0." + std::to_string(i + 1));
      setup.nodes.push_back(n);
    }
    setup.pnn = 0;
    auto d = Daemon::create(*loop_, std::move(setup), std::move(*fd));
    ASSERT_TRUE(d.ok()) << d.error().message();
    daemon_ = std::move(*d);
  }
  void TearDown() override {
    daemon_.reset();
    loop_.reset();
  }

  ScratchDir dir_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ClusterTakeoverTest, FailedRunIsRetriedByTheLeaderAfterTheRetryDelay) {
  start(1);
  std::vector<std::chrono::steady_clock::time_point> runs;
  daemon_->takeover().setRunner([&](const std::vector<uint32_t>&, TakeoverMessages::Done done) {
    runs.push_back(std::chrono::steady_clock::now());
    done(runs.size() >= 2);  // the first run fails, the retry succeeds
  });
  daemon_->takeover().requestRun();
  ASSERT_TRUE(loop_->runUntil([&] { return daemon_->takeover().completedRuns() == 2; }, 5000ms));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(daemon_->takeover().failedRuns(), 1u);
  EXPECT_GE(runs[1] - runs[0], TakeoverMessages::kRetryDelay - 50ms);
  // A success is not retried.
  loop_->runUntil([] { return false; }, 1500ms);
  EXPECT_EQ(runs.size(), 2u);
}

TEST_F(ClusterTakeoverTest, PersistentFailureKeepsRetrying) {
  start(1);
  int runs = 0;
  daemon_->takeover().setRunner([&](const std::vector<uint32_t>&, TakeoverMessages::Done done) {
    ++runs;
    done(false);
  });
  daemon_->takeover().requestRun();
  ASSERT_TRUE(loop_->runUntil([&] { return runs >= 3; }, 5000ms));
  EXPECT_GE(daemon_->takeover().failedRuns(), 3u);
}

TEST_F(ClusterTakeoverTest, NonLeaderDoesNotRunButAsksTheLeader) {
  start(2);
  daemon_->nodes().setLeader(1);
  int runs = 0;
  daemon_->takeover().setRunner([&](const std::vector<uint32_t>&, TakeoverMessages::Done done) {
    ++runs;
    done(true);
  });
  daemon_->takeover().requestRun();
  loop_->runUntil([] { return false; }, 300ms);
  EXPECT_EQ(runs, 0);
  EXPECT_FALSE(daemon_->takeover().isRunInProgress());
  // Leader again: the same request runs here.
  daemon_->nodes().setLeader(0);
  daemon_->takeover().requestRun();
  ASSERT_TRUE(loop_->runUntil([&] { return runs == 1; }, 2000ms));
}

TEST_F(ClusterTakeoverTest, NoRetryOnceLeadershipIsGone) {
  start(2);
  int runs = 0;
  daemon_->takeover().setRunner([&](const std::vector<uint32_t>&, TakeoverMessages::Done done) {
    ++runs;
    daemon_->nodes().setLeader(1);  // lost leadership during the run
    done(false);
  });
  daemon_->takeover().requestRun();
  ASSERT_TRUE(loop_->runUntil([&] { return runs == 1; }, 2000ms));
  loop_->runUntil([] { return false; }, TakeoverMessages::kRetryDelay + 500ms);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace ctdb::server
