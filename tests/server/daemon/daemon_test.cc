/*
 * In-process tests of the Daemon core: a real EventLoop, a real control
 * socket in a scratch directory and raw-protocol clients; the loop is pumped
 * by the test between client writes and reads.
 */
#include "server/daemon/daemon.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <optional>

#include "protocol/types.h"
#include "raw_client.h"
#include "server/core/control_socket.h"

namespace ctdb::server {
namespace {

using namespace std::chrono_literals;
using protocol::Opcode;
using testing::RawClient;
using testing::ScratchDir;

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) > 0;
}

class DaemonCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l.ok());
    loop_ = std::move(*l);
    path_ = dir_.file("ctdbd.socket");
    auto fd = openControlSocket(path_);
    ASSERT_TRUE(fd.ok());
    DaemonSetup setup;
    setup.options.socket_path = path_;
    config::NodeEntry n;
    n.pnn = 0;
    n.address = *IpAddress::parse("198.18.0.1");
    setup.nodes = {n};
    setup.pnn = 0;
    auto d = Daemon::create(*loop_, std::move(setup), std::move(*fd));
    ASSERT_TRUE(d.ok()) << d.error().message();
    daemon_ = std::move(*d);
    daemon_->setOnExit([this](int code) { exit_code_ = code; });
  }
  void TearDown() override {
    daemon_.reset();
    loop_.reset();
  }

  std::unique_ptr<RawClient> connect() {
    size_t before = daemon_->clientCount();
    auto c = std::make_unique<RawClient>(path_);
    EXPECT_TRUE(c->valid());
    loop_->runUntil([&] { return daemon_->clientCount() > before; }, 2000ms);
    return c;
  }
  void pumpUntilReadable(RawClient& c) {
    loop_->runUntil([&] { return readable(c.fd()); }, 2000ms);
  }
  std::optional<protocol::ReplyControl> call(RawClient& c, Opcode op,
                                             std::vector<uint8_t> data = {}, uint64_t srvid = 0) {
    uint32_t reqid = c.sendControl(op, std::move(data), srvid);
    pumpUntilReadable(c);
    return c.readReply(reqid);
  }

  ScratchDir dir_;
  std::string path_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<Daemon> daemon_;
  std::optional<int> exit_code_;
};

TEST_F(DaemonCoreTest, UnknownOpcodeOverTheSocket) {
  auto c = connect();
  auto r = call(*c, static_cast<Opcode>(1234));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, -1);
  EXPECT_TRUE(r->data.empty());
  EXPECT_EQ(r->hdr.srcnode, 0u);
}

TEST_F(DaemonCoreTest, AsyncReplyAfterClientGoneIsDropped) {
  std::optional<ReplySink> kept;
  daemon_->controls().replaceHandler(Opcode::EchoData, [&](const ControlRequest&, ReplySink s) {
    kept.emplace(std::move(s));
  });
  auto c = connect();
  c->sendControl(Opcode::EchoData);
  ASSERT_TRUE(loop_->runUntil([&] { return kept.has_value(); }, 2000ms));
  c->close();
  ASSERT_TRUE(loop_->runUntil([&] { return daemon_->clientCount() == 0; }, 2000ms));
  kept->ok({1, 2, 3, 4});  // the client is gone: must be dropped quietly
  EXPECT_TRUE(kept->isDone());
  kept.reset();
  // The daemon still serves others.
  auto c2 = connect();
  auto r = call(*c2, Opcode::GetPnn);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 0);
}

TEST_F(DaemonCoreTest, OutstandingRequestsAnsweredOutOfOrderByReqid) {
  std::vector<ReplySink> kept;
  daemon_->controls().replaceHandler(Opcode::EchoData, [&](const ControlRequest& req,
                                                           ReplySink s) {
    (void)req;
    kept.push_back(std::move(s));
  });
  auto c = connect();
  uint32_t a = c->sendControl(Opcode::EchoData);
  uint32_t b = c->sendControl(Opcode::EchoData);
  ASSERT_TRUE(loop_->runUntil([&] { return kept.size() == 2; }, 2000ms));
  kept[1].status(22);
  kept[0].status(11);
  pumpUntilReadable(*c);
  auto rb = c->readReply(b);
  auto ra = c->readReply(a);
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->status, 11);
  EXPECT_EQ(rb->status, 22);
}

TEST_F(DaemonCoreTest, NoReplyFlagHonoured) {
  auto c = connect();
  c->sendControl(Opcode::GetPnn, {}, 0, protocol::kCtrlFlagNoReply);
  uint32_t second = c->sendControl(Opcode::GetPid);
  pumpUntilReadable(*c);
  auto p = c->readPacket();
  ASSERT_TRUE(p.has_value());
  auto r = protocol::decodeReplyControl(*p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->hdr.reqid, second);  // the NOREPLY request produced nothing
  EXPECT_EQ(r->status, getpid());
}

TEST_F(DaemonCoreTest, RemoteDestinationFailsUntilTransportExists) {
  auto c = connect();
  uint32_t id = c->sendControl(Opcode::GetPnn, {}, 0, 0, 5);
  pumpUntilReadable(*c);
  auto r = c->readReply(id);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, -1);
}

TEST_F(DaemonCoreTest, StartupWalksRunstatesAndWaitsForSteps) {
  std::optional<Completer<void>> setup_done;
  daemon_->addStartupStep(Runstate::Setup, [&](Daemon::StepDone d) {
    auto [op, c] = makeAsync<void>(*loop_, std::move(d));
    setup_done = c;
    return std::move(op);
  });
  daemon_->start();
  ASSERT_TRUE(loop_->runUntil([&] { return setup_done.has_value(); }, 2000ms));
  loop_->runUntil([] { return false; }, 50ms);
  EXPECT_EQ(daemon_->runstate().current(), Runstate::Setup);
  setup_done->complete(Status{});
  ASSERT_TRUE(loop_->runUntil(
      [&] { return daemon_->runstate().current() == Runstate::Running; }, 2000ms));
}

TEST_F(DaemonCoreTest, FailingStartupStepShutsDownWithExitCode1) {
  daemon_->addStartupStep(Runstate::Init, [&](Daemon::StepDone d) {
    auto [op, c] = makeAsync<void>(*loop_, std::move(d));
    c.complete(makeError("init failed"));
    return std::move(op);
  });
  daemon_->start();
  ASSERT_TRUE(loop_->runUntil([&] { return exit_code_.has_value(); }, 2000ms));
  EXPECT_EQ(*exit_code_, 1);
  EXPECT_EQ(daemon_->runstate().current(), Runstate::Shutdown);
  EXPECT_NE(access(path_.c_str(), F_OK), 0);  // socket unlinked
}

TEST_F(DaemonCoreTest, ShutdownControlClosesClientsAndExitsZero) {
  bool step_ran = false;
  daemon_->addShutdownStep([&](Daemon::StepDone d) {
    step_ran = true;
    auto [op, c] = makeAsync<void>(*loop_, std::move(d));
    c.complete(Status{});
    return std::move(op);
  });
  auto c = connect();
  c->sendControl(Opcode::Shutdown, {}, 0, protocol::kCtrlFlagNoReply);
  ASSERT_TRUE(loop_->runUntil([&] { return exit_code_.has_value(); }, 2000ms));
  EXPECT_EQ(*exit_code_, 0);
  EXPECT_TRUE(step_ran);
  EXPECT_TRUE(c->waitForEof(1000ms));
}

TEST_F(DaemonCoreTest, TakeoverRunUsesPluggableRunnerAndRepliesOwnPnn) {
  std::optional<TakeoverMessages::Done> pending;
  daemon_->takeover().setRunner(
      [&](const std::vector<uint32_t>&, TakeoverMessages::Done d) { pending = d; });
  auto c = connect();
  const uint64_t mine = 0xCE01000012340001ULL;
  ASSERT_EQ(call(*c, Opcode::RegisterSrvid, {}, mine)->status, 0);
  c->sendMessage(protocol::kBroadcastConnected, protocol::kSrvidTakeoverRun,
                 protocol::encode(protocol::SrvidMessage{0, mine}));
  ASSERT_TRUE(loop_->runUntil([&] { return pending.has_value(); }, 2000ms));
  EXPECT_FALSE(readable(c->fd()));  // no answer before the run finished
  (*pending)(true);
  pumpUntilReadable(*c);
  auto m = c->readMessage(mine);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*protocol::decodeI32(m->data), 0);
  EXPECT_EQ(m->hdr.reqid, 0u);
}

TEST_F(DaemonCoreTest, DisabledTakeoverRunsDeferTheRun) {
  auto c = connect();
  const uint64_t mine = 0xCE01000012340002ULL;
  ASSERT_EQ(call(*c, Opcode::RegisterSrvid, {}, mine)->status, 0);
  c->sendMessage(0, protocol::kSrvidDisableTakeoverRuns,
                 protocol::encode(protocol::DisableMessage{0, mine, 30}));
  pumpUntilReadable(*c);
  auto ack = c->readMessage(mine);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(*protocol::decodeI32(ack->data), 0);
  EXPECT_TRUE(daemon_->takeover().areRunsDisabled());

  c->sendMessage(protocol::kBroadcastConnected, protocol::kSrvidTakeoverRun,
                 protocol::encode(protocol::SrvidMessage{0, mine}));
  loop_->runUntil([] { return false; }, 100ms);
  EXPECT_EQ(daemon_->takeover().completedRuns(), 0u);

  c->sendMessage(0, protocol::kSrvidDisableTakeoverRuns,
                 protocol::encode(protocol::DisableMessage{0, mine, 0}));
  ASSERT_TRUE(
      loop_->runUntil([&] { return daemon_->takeover().completedRuns() == 1; }, 2000ms));
  pumpUntilReadable(*c);
  auto reenable = c->readMessage(mine);
  auto run = c->readMessage(mine);
  ASSERT_TRUE(reenable && run);
  EXPECT_EQ(*protocol::decodeI32(run->data), 0);
}

TEST_F(DaemonCoreTest, InternalHandlerSeesClientMessages) {
  std::vector<uint8_t> got;
  daemon_->messages().registerInternalHandler(
      0xAE00000000000001ULL,
      [&](uint64_t, std::span<const uint8_t> d) { got.assign(d.begin(), d.end()); });
  auto c = connect();
  c->sendMessage(protocol::kCurrentNode, 0xAE00000000000001ULL, {9, 8, 7});
  ASSERT_TRUE(loop_->runUntil([&] { return !got.empty(); }, 2000ms));
  EXPECT_EQ(got, (std::vector<uint8_t>{9, 8, 7}));
}

TEST_F(DaemonCoreTest, DisconnectDropsSrvidRegistrations) {
  auto c = connect();
  ASSERT_EQ(call(*c, Opcode::RegisterSrvid, {}, 77)->status, 0);
  EXPECT_TRUE(daemon_->srvids().hasListeners(77));
  c->close();
  ASSERT_TRUE(loop_->runUntil([&] { return daemon_->clientCount() == 0; }, 2000ms));
  EXPECT_FALSE(daemon_->srvids().hasListeners(77));
}

TEST_F(DaemonCoreTest, ManyClientsEachHearABroadcastOnce) {
  const uint64_t srvid = 0xBE00000000000007ULL;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 100; ++i) {
    clients.push_back(connect());
    ASSERT_EQ(call(*clients.back(), Opcode::RegisterSrvid, {}, srvid)->status, 0);
  }
  auto sender = connect();
  sender->sendMessage(protocol::kBroadcastConnected, srvid, {42});
  ASSERT_TRUE(loop_->runUntil([&] { return readable(clients.back()->fd()); }, 2000ms));
  for (auto& c : clients) {
    auto m = c->readMessage(srvid, 1000ms);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->data, std::vector<uint8_t>{42});
    EXPECT_FALSE(c->readPacket(std::chrono::milliseconds(0)).has_value());  // exactly once
  }
}

}  // namespace
}  // namespace ctdb::server
