/* Connection / SyncClient against FakeDaemon: reqids, matching, timeouts,
 * unmatched replies, messages, takeover-run waiting. */
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <chrono>

#include "client/connection.h"
#include "client/sync_client.h"
#include "fake_daemon.h"

namespace ctdb::client {
namespace {

using namespace std::chrono_literals;
using protocol::Opcode;
using testing::FakeDaemon;

std::vector<protocol::ReqControl> controlsOf(const FakeDaemon& d) {
  std::vector<protocol::ReqControl> out;
  for (const auto& p : d.packets())
    if (auto c = protocol::decodeReqControl(p)) out.push_back(*c);
  return out;
}

TEST(SyncClient, PrologueGetPnnUsesFirstReqidAndUnknownSrcnode) {
  FakeDaemon d;
  d.start();
  auto c = SyncClient::connect(d.socketPath());
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ((*c)->pnn(), 0u);
  auto ctrls = controlsOf(d);
  ASSERT_EQ(ctrls.size(), 1u);
  EXPECT_EQ(ctrls[0].opcode, static_cast<uint32_t>(Opcode::GetPnn));
  EXPECT_EQ(ctrls[0].hdr.reqid, 2147483448u);
  EXPECT_EQ(ctrls[0].hdr.srcnode, protocol::kUnknownPnn);
  EXPECT_EQ(ctrls[0].hdr.destnode, protocol::kCurrentNode);
  EXPECT_EQ(ctrls[0].hdr.generation, 0u);
}

TEST(SyncClient, ReqidsCountUpAcrossControlsAndMessages) {
  FakeDaemon d;
  d.start();
  auto c = SyncClient::connect(d.socketPath());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->sendMessage(0, 0xAE00000000000001ULL, {1, 2, 3, 4}).ok());
  ASSERT_TRUE((*c)->getNodemap(0).ok());
  auto pk = d.packets();
  ASSERT_EQ(pk.size(), 3u);
  std::vector<uint32_t> reqids;
  for (const auto& p : pk) reqids.push_back(protocol::decodeHeader(p)->reqid);
  EXPECT_EQ(reqids, (std::vector<uint32_t>{2147483448u, 2147483449u, 2147483450u}));
  /* After the prologue srcnode is the PNN learnt from GET_PNN. */
  EXPECT_EQ(protocol::decodeHeader(pk[2])->srcnode, 0u);
}

TEST(Connection, MatchesOutOfOrderRepliesByReqid) {
  FakeDaemon d;
  std::vector<protocol::ReqControl> held;
  d.setControlHook([&held](const protocol::ReqControl& c, FakeDaemon::Session& s) {
    if (c.opcode != static_cast<uint32_t>(Opcode::GetPid)) return false;
    held.push_back(c);
    if (held.size() == 3) {
      /* answer in reverse order, status = index */
      for (int i = 2; i >= 0; --i) s.send(FakeDaemon::reply(held[i], 100 + i));
    }
    return true;
  });
  d.start();
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop.ok());
  auto conn = Connection::connect(**loop, d.socketPath());
  ASSERT_TRUE(conn.ok());
  std::vector<int32_t> got(3, 0);
  std::vector<PendingOp> ops;
  for (int i = 0; i < 3; ++i) {
    ControlRequest r;
    r.destnode = 0;
    r.opcode = Opcode::GetPid;
    r.timeout = 5s;
    ops.push_back((*conn)->control(std::move(r), [&got, i](Result<protocol::ReplyControl> rep) {
      ASSERT_TRUE(rep.ok());
      got[i] = rep->status;
    }));
  }
  EXPECT_EQ((*conn)->outstandingControls(), 3u);
  bool done = (*loop)->runUntil([&] { return got[0] && got[1] && got[2]; }, 5s);
  ASSERT_TRUE(done);
  EXPECT_EQ(got, (std::vector<int32_t>{100, 101, 102}));
  EXPECT_EQ((*conn)->invalidReqidCount(), 0u);
  EXPECT_EQ((*conn)->outstandingControls(), 0u);
}

TEST(Connection, ControlTimesOutAndLateReplyIsCountedInvalid) {
  FakeDaemon d;
  std::vector<protocol::ReqControl> held;
  d.setControlHook([&held](const protocol::ReqControl& c, FakeDaemon::Session& s) {
    if (c.opcode == static_cast<uint32_t>(Opcode::GetPid)) {
      held.push_back(c);  // never answered in time
      return true;
    }
    if (c.opcode == static_cast<uint32_t>(Opcode::Ping) && !held.empty()) {
      s.send(FakeDaemon::reply(held[0], 7));  // the late answer
      s.send(FakeDaemon::reply(c, 1));
      return true;
    }
    return false;
  });
  d.start();
  auto c = SyncClient::connect(d.socketPath(), 200ms);
  ASSERT_TRUE(c.ok());
  auto start = std::chrono::steady_clock::now();
  auto pid = (*c)->getPid(0);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.error().errnoValue(), ETIMEDOUT);
  EXPECT_EQ(pid.error().context, "Control GET_PID failed to node 0, ret=110");
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 3s);
  auto ping = (*c)->ping(0);
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(*ping, 1);
  EXPECT_EQ((*c)->connection().invalidReqidCount(), 1u);
}

TEST(Connection, UnknownReqidIsCountedAndIgnored) {
  FakeDaemon d;
  d.setControlHook([](const protocol::ReqControl& c, FakeDaemon::Session& s) {
    if (c.opcode != static_cast<uint32_t>(Opcode::Ping)) return false;
    protocol::ReqControl bogus = c;
    bogus.hdr.reqid = 42;
    s.send(FakeDaemon::reply(bogus, 9));
    s.send(FakeDaemon::reply(bogus, 9));
    s.send(FakeDaemon::reply(c, 3));
    return true;
  });
  d.start();
  auto c = SyncClient::connect(d.socketPath());
  ASSERT_TRUE(c.ok());
  auto ping = (*c)->ping(0);
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(*ping, 3);
  EXPECT_EQ((*c)->connection().invalidReqidCount(), 2u);
}

TEST(Connection, StatusErrorTextMatchesCtdb) {
  FakeDaemon d;
  d.start();
  auto c = SyncClient::connect(d.socketPath());
  ASSERT_TRUE(c.ok());
  auto info = (*c)->getPublicIpInfo(0, *IpAddress::parse("198.19.99.99"));
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().context, "Control GET_PUBLIC_IP_INFO failed, ret=-1");
  EXPECT_EQ(info.error().errnoValue(), -1);
}

TEST(Connection, MessagesReachTheirHandlerOnly) {
  FakeDaemon d;
  d.start();
  auto c = SyncClient::connect(d.socketPath());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->listen(protocol::kSrvidLeader).ok());  // fake pushes LEADER 0
  auto m = (*c)->waitMessage(protocol::kSrvidLeader, 2s);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(*protocol::decodeU32(*m), 0u);
  auto none = (*c)->waitMessage(0xAE00000000000077ULL, 100ms);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().errnoValue(), ETIMEDOUT);
}

TEST(Connection, DisconnectFailsOutstandingControls) {
  FakeDaemon d;
  d.setControlHook([](const protocol::ReqControl& c, FakeDaemon::Session& s) {
    if (c.opcode != static_cast<uint32_t>(Opcode::GetPid)) return false;
    ::shutdown(s.fd, SHUT_RDWR);
    return true;
  });
  d.start();
  auto c = SyncClient::connect(d.socketPath());
  ASSERT_TRUE(c.ok());
  auto pid = (*c)->getPid(0);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.error().errnoValue(), ECONNRESET);
  EXPECT_FALSE((*c)->connection().isConnected());
  EXPECT_FALSE((*c)->ping(0).ok());
}

TEST(Connection, ConnectFailureNamesErrno) {
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop.ok());
  auto conn = Connection::connect(**loop, "/nonexistent/ctdbd.socket");
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().context, "connect() failed, errno=2");
}

TEST(SyncClient, TakeoverRunRegistersPrivateSrvidAndWaitsForAnswer) {
  FakeDaemon d;
  d.start();
  auto c = SyncClient::connect(d.socketPath());
  ASSERT_TRUE(c.ok());
  auto r = (*c)->takeoverRun(5s);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, 0);
  uint64_t expect_srvid = 0xCE01000000000000ULL | (static_cast<uint64_t>(getpid() & 0xFFFF) << 16) | 1;
  auto pk = d.packets();
  ASSERT_EQ(pk.size(), 4u);  // GET_PNN, REGISTER, MESSAGE, DEREGISTER
  auto reg = protocol::decodeReqControl(pk[1]);
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(reg->opcode, static_cast<uint32_t>(Opcode::RegisterSrvid));
  EXPECT_EQ(reg->srvid, expect_srvid);
  auto msg = protocol::decodeReqMessage(pk[2]);
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->hdr.destnode, protocol::kBroadcastConnected);
  EXPECT_EQ(msg->srvid, protocol::kSrvidTakeoverRun);
  auto sm = protocol::decode<protocol::SrvidMessage>(msg->data);
  EXPECT_EQ(sm->pnn, 0u);
  EXPECT_EQ(sm->srvid, expect_srvid);
  auto dereg = protocol::decodeReqControl(pk[3]);
  EXPECT_EQ(dereg->opcode, static_cast<uint32_t>(Opcode::DeregisterSrvid));
}

TEST(SyncClient, TakeoverRunResendsAfterTimelimit) {
  FakeDaemon d;
  int seen = 0;
  d.setMessageHook([&seen](const protocol::ReqMessage& m, FakeDaemon::Session& s) {
    if (m.srvid != protocol::kSrvidTakeoverRun) return false;
    if (++seen < 2) return true;  // drop the first request
    auto sm = protocol::decode<protocol::SrvidMessage>(m.data);
    s.send(FakeDaemon::message(sm->srvid, protocol::encodeI32(2)));
    return true;
  });
  d.start();
  auto c = SyncClient::connect(d.socketPath(), 300ms);
  ASSERT_TRUE(c.ok());
  auto r = (*c)->takeoverRun(5s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  EXPECT_EQ(seen, 2);
}

TEST(SyncClient, TakeoverRunNegativeAnswerIsAnError) {
  FakeDaemon d;
  d.setMessageHook([](const protocol::ReqMessage& m, FakeDaemon::Session& s) {
    if (m.srvid != protocol::kSrvidTakeoverRun) return false;
    auto sm = protocol::decode<protocol::SrvidMessage>(m.data);
    s.send(FakeDaemon::message(sm->srvid, {1, 2}));  // wrong size: ignored
    s.send(FakeDaemon::message(sm->srvid, protocol::encodeI32(-1)));
    return true;
  });
  d.start();
  auto c = SyncClient::connect(d.socketPath());
  ASSERT_TRUE(c.ok());
  auto r = (*c)->takeoverRun(5s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().errnoValue(), -1);
}

TEST(SyncClient, DisableTakeoverRunsWaitsForEveryNode) {
  FakeDaemon d;
  d.setMessageHook([](const protocol::ReqMessage& m, FakeDaemon::Session& s) {
    if (m.srvid != protocol::kSrvidDisableTakeoverRuns) return false;
    auto dm = protocol::decode<protocol::DisableMessage>(m.data);
    if (m.hdr.destnode == 2) return true;  // node 2 never answers
    s.send(FakeDaemon::message(dm->srvid, protocol::encodeI32(static_cast<int32_t>(m.hdr.destnode))));
    return true;
  });
  d.start();
  auto c = SyncClient::connect(d.socketPath(), 300ms);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE((*c)->disableTakeoverRuns({0, 1}, 20).ok());
  auto st = (*c)->disableTakeoverRuns({0, 1, 2}, 20);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().context, "Timed out waiting to disable takeover runs");
}

}  // namespace
}  // namespace ctdb::client
