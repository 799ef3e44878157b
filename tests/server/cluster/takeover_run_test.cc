/*
 * TakeoverRun (src/server/cluster/takeover_run) against the fake ctdbd
 * (tests/client): which node a failed run blames (the culprit: most failed
 * controls, lowest PNN on ties), the BANNING message it sends for it (only
 * with EnableBans), and the one deadline of 3 x TakeoverTimeout that the
 * release/takeover/ipreallocated steps share.
 */
#include "server/cluster/takeover_run.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "client/connection.h"
#include "fake_daemon.h"
#include "protocol/types.h"
#include "util/event_loop.h"

namespace ctdb {
namespace {

using namespace std::chrono_literals;
using protocol::Opcode;

/* Six IPs nobody hosts yet, known to the fake's three nodes: the run takes
 * two over on each node. */
protocol::PublicIpList unassigned() {
  protocol::PublicIpList l;
  for (int i = 1; i <= 6; i++) {
    protocol::PublicIp ip;
    ip.pnn = protocol::kUnknownPnn;
    ip.addr.ip = *IpAddress::parse("198.19.0." + std::to_string(i));
    l.ips.push_back(ip);
  }
  return l;
}

class TakeoverRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (uint32_t pnn = 0; pnn < 3; pnn++) fake_.setPublicIps(pnn, unassigned());
    fake_.setMessageHook([this](const protocol::ReqMessage& m, testing::FakeDaemon::Session&) {
      if (m.srvid != protocol::kSrvidBanning) return false;
      auto pnn = protocol::decodeU32(m.data);
      std::lock_guard<std::mutex> g(mu_);
      banned_.push_back(pnn ? *pnn : 0xdeadbeef);
      return true;
    });
  }
  /* TAKEOVER_IP to the nodes in `fail` answers status -1; to `swallow`
   * never answers; IPREALLOCATED (which the fake does not model) succeeds.
   * Call before start(). */
  void failTakeovers(std::set<uint32_t> fail, std::set<uint32_t> swallow = {}) {
    fake_.setControlHook([fail, swallow](const protocol::ReqControl& c,
                                         testing::FakeDaemon::Session& s) {
      if (c.opcode == static_cast<uint32_t>(Opcode::Ipreallocated)) {
        s.send(testing::FakeDaemon::reply(c, 0));
        return true;
      }
      if (c.opcode != static_cast<uint32_t>(Opcode::TakeoverIp)) return false;
      if (swallow.count(c.hdr.destnode)) return true;
      if (!fail.count(c.hdr.destnode)) return false;
      s.send(testing::FakeDaemon::reply(c, -1));
      return true;
    });
  }
  void start() {
    fake_.start();
    auto l = EventLoop::create();
    ASSERT_TRUE(l);
    loop_ = std::move(*l);
    auto c = client::Connection::connect(*loop_, fake_.socketPath());
    ASSERT_TRUE(c) << c.error().message();
    conn_ = std::move(*c);
    conn_->setPnn(0);
  }
  Result<takeover::TakeoverRunReport> run(takeover::TakeoverRunOptions opts) {
    opts.fetch_tunables = false;
    std::optional<Result<takeover::TakeoverRunReport>> res;
    auto op = takeover::startTakeoverRun(*loop_, *conn_, opts, [&](auto r) { res = std::move(r); });
    EXPECT_TRUE(loop_->runUntil([&] { return res.has_value(); }, 30s));
    if (!res) return makeError("test: the run did not finish");
    return std::move(*res);
  }
  /* Everything the run sent has reached the fake once a later control on
   * the same connection is answered (one ordered stream). */
  void roundTrip() {
    client::ControlRequest req;
    req.opcode = Opcode::Ping;
    req.timeout = 5s;
    bool done = false;
    auto op = conn_->control(req, [&](auto) { done = true; });
    ASSERT_TRUE(loop_->runUntil([&] { return done; }, 10s));
  }
  std::vector<uint32_t> banned() {
    std::lock_guard<std::mutex> g(mu_);
    return banned_;
  }

  testing::FakeDaemon fake_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<client::Connection> conn_;
  std::mutex mu_;
  std::vector<uint32_t> banned_;
};

TEST_F(TakeoverRunTest, AllAnsweredHostsEveryIpAndBlamesNobody) {
  failTakeovers({});
  start();
  auto r = run({});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->takeovers_sent, 6u);
  EXPECT_EQ(r->ipreallocated_sent, 3u);
  roundTrip();
  EXPECT_TRUE(banned().empty());
}

TEST_F(TakeoverRunTest, FailedTakeoversBlameTheirNodeAndSendBanning) {
  failTakeovers({2});
  start();
  auto r = run({});
  ASSERT_FALSE(r);
  const std::string msg = r.error().message();
  EXPECT_NE(msg.find("TAKEOVER_IP"), std::string::npos) << msg;
  EXPECT_NE(msg.find("culprit node 2, 2 failed controls"), std::string::npos) << msg;
  roundTrip();
  EXPECT_EQ(banned(), std::vector<uint32_t>{2});
}

TEST_F(TakeoverRunTest, TiedCulpritsBlameTheLowestPnn) {
  failTakeovers({1, 2});
  start();
  auto r = run({});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("culprit node 1, 2 failed controls"), std::string::npos)
      << r.error().message();
  roundTrip();
  EXPECT_EQ(banned(), std::vector<uint32_t>{1});
}

TEST_F(TakeoverRunTest, WithoutEnableBansTheCulpritIsNamedButNotBanned) {
  failTakeovers({2});
  start();
  takeover::TakeoverRunOptions o;
  o.enable_bans = false;
  auto r = run(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("culprit node 2"), std::string::npos) << r.error().message();
  roundTrip();  // a BANNING message would have arrived before this reply
  EXPECT_TRUE(banned().empty());
}

TEST_F(TakeoverRunTest, AnUnansweredTakeoverFailsAtTheSharedDeadline) {
  failTakeovers({}, {1});
  start();
  takeover::TakeoverRunOptions o;
  o.timeout = 300ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(o);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("culprit node 1"), std::string::npos) << r.error().message();
  // Steps 4-6 share 3 x TakeoverTimeout from the allocation: not the 300 ms
  // of one control.
  EXPECT_GE(took, 900ms);
}

}  // namespace
}  // namespace ctdb
