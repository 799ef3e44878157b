/*
 * Administration paths of the daemon, in-process (real EventLoop, real
 * control socket, client::Connection on the same loop):
 *  - TakeoverMessages: DISABLE_TAKEOVER_RUNS during a run waits for the run
 *    and then answers (CTDB bug 13924), a disable expires by itself (a dead
 *    CLI cannot leave runs disabled), a re-enable drops waiting disables,
 *    DISABLE_IP_CHECK holds runs off (4.17 moveip), REBALANCE_NODE starts a
 *    run with the node in the force-rebalance list, kept when the run fails;
 *  - the talk's bug #1: hundreds of overlapping asynchronous IP controls
 *    (GET_PUBLIC_IPS, GET_PUBLIC_IP_INFO, ADD/DEL_PUBLIC_IP,
 *    RELOAD_PUBLIC_IPS) on one Connection: every reply is matched to its
 *    request, every callback runs exactly once.
 */
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>

#include "client/connection.h"
#include "config/public_addresses.h"
#include "protocol/types.h"
#include "raw_client.h"
#include "server/core/control_socket.h"
#include "server/daemon/daemon.h"
#include "server/ip/ip_core.h"

namespace ctdb::server {
namespace {

using namespace std::chrono_literals;
using protocol::Opcode;
using testing::ScratchDir;

class AdminTest : public ::testing::Test {
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
    auto c = client::Connection::connect(*loop_, path_);
    ASSERT_TRUE(c.ok());
    conn_ = std::move(*c);
    conn_->setPnn(0);
    conn_->setMessageHandler(kMine, [this](uint64_t, std::span<const uint8_t> data) {
      auto v = protocol::decodeI32(data);
      replies_.push_back(v ? *v : -1000);
    });
    ASSERT_EQ(control(Opcode::RegisterSrvid, {}, kMine), 0);
    daemon_->takeover().setRunner([this](const std::vector<uint32_t>& force,
                                         TakeoverMessages::Done done) {
      runs_started_++;
      last_force_ = force;
      pending_run_ = std::move(done);
    });
  }
  void TearDown() override {
    conn_.reset();
    daemon_.reset();
    loop_.reset();
  }

  int32_t control(Opcode op, std::vector<uint8_t> data = {}, uint64_t srvid = 0) {
    std::optional<int32_t> st;
    client::ControlRequest req;
    req.opcode = op;
    req.data = std::move(data);
    req.srvid = srvid;
    req.timeout = 2000ms;
    auto op_ = conn_->control(req, [&](Result<protocol::ReplyControl> r) {
      st = r ? r->status : -9999;
    });
    loop_->runUntil([&] { return st.has_value(); }, 3000ms);
    return st.value_or(-9999);
  }
  void send(uint64_t srvid, std::vector<uint8_t> data) {
    ASSERT_TRUE(conn_->sendMessage(0, srvid, std::move(data)).ok());
  }
  void disable(uint32_t secs) {
    send(protocol::kSrvidDisableTakeoverRuns,
         protocol::encode(protocol::DisableMessage{0, kMine, secs}));
  }
  void requestRun() {
    send(protocol::kSrvidTakeoverRun, protocol::encode(protocol::SrvidMessage{0, kMine}));
  }
  void pump(std::chrono::milliseconds t) { loop_->runUntil([] { return false; }, t); }
  bool pumpUntil(const std::function<bool()>& f, std::chrono::milliseconds t = 3000ms) {
    return loop_->runUntil(f, t);
  }
  void finishRun(bool ok) {
    ASSERT_TRUE(pending_run_.has_value());
    auto d = std::move(*pending_run_);
    pending_run_.reset();
    d(ok);
  }

  static constexpr uint64_t kMine = 0xCE01000012340001ULL;
  ScratchDir dir_;
  std::string path_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<client::Connection> conn_;
  std::vector<int32_t> replies_;
  std::optional<TakeoverMessages::Done> pending_run_;
  std::vector<uint32_t> last_force_;
  int runs_started_ = 0;
};

TEST_F(AdminTest, DisableDuringRunWaitsForTheRunThenAnswers) {
  requestRun();
  ASSERT_TRUE(pumpUntil([&] { return pending_run_.has_value(); }));
  disable(30);
  pump(300ms);
  EXPECT_TRUE(replies_.empty()) << "the disable must wait for the run in progress";
  EXPECT_FALSE(daemon_->takeover().areRunsDisabled());
  EXPECT_EQ(daemon_->takeover().deferredDisables(), 1u);

  requestRun();  // queued behind the run, must not start once disabled
  finishRun(true);
  ASSERT_TRUE(pumpUntil([&] { return replies_.size() == 2; }));
  // The run's answer (own PNN 0) and the disable's answer (own PNN 0).
  EXPECT_EQ(replies_, (std::vector<int32_t>{0, 0}));
  EXPECT_TRUE(daemon_->takeover().areRunsDisabled());
  EXPECT_EQ(daemon_->takeover().deferredDisables(), 0u);
  pump(200ms);
  EXPECT_EQ(runs_started_, 1) << "a queued run started although runs are disabled";

  disable(0);
  ASSERT_TRUE(pumpUntil([&] { return runs_started_ == 2; }));
  finishRun(true);
  ASSERT_TRUE(pumpUntil([&] { return replies_.size() == 4; }));
}

TEST_F(AdminTest, DisableExpiresWithoutReenable) {
  disable(1);  // the "CLI" never re-enables
  ASSERT_TRUE(pumpUntil([&] { return replies_.size() == 1; }));
  EXPECT_TRUE(daemon_->takeover().areRunsDisabled());
  auto t0 = std::chrono::steady_clock::now();
  requestRun();
  ASSERT_TRUE(pumpUntil([&] { return pending_run_.has_value(); }, 3000ms))
      << "runs stayed disabled after the timeout";
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 700ms);
  EXPECT_FALSE(daemon_->takeover().areRunsDisabled());
  finishRun(true);
  ASSERT_TRUE(pumpUntil([&] { return replies_.size() == 2; }));
  EXPECT_EQ(replies_[1], 0);
}

TEST_F(AdminTest, SecondDisableReplacesTheTimer) {
  disable(30);
  ASSERT_TRUE(pumpUntil([&] { return replies_.size() == 1; }));
  disable(1);
  ASSERT_TRUE(pumpUntil([&] { return replies_.size() == 2; }));
  ASSERT_TRUE(pumpUntil([&] { return !daemon_->takeover().areRunsDisabled(); }, 3000ms));
}

TEST_F(AdminTest, ReenableDropsWaitingDisable) {
  requestRun();
  ASSERT_TRUE(pumpUntil([&] { return pending_run_.has_value(); }));
  disable(30);
  pump(100ms);
  disable(0);
  // -1 for the dropped disable, own PNN for the re-enable.
  ASSERT_TRUE(pumpUntil([&] { return replies_.size() == 2; }));
  EXPECT_EQ(replies_, (std::vector<int32_t>{-1, 0}));
  finishRun(true);
  ASSERT_TRUE(pumpUntil([&] { return replies_.size() == 3; }));
  EXPECT_FALSE(daemon_->takeover().areRunsDisabled());
}

TEST_F(AdminTest, DisableIpCheckHoldsRunsOff) {
  send(protocol::kSrvidDisableIpCheck, protocol::encodeU32(1));
  ASSERT_TRUE(pumpUntil([&] { return daemon_->takeover().areRunsDisabled(); }));
  EXPECT_TRUE(replies_.empty()) << "DISABLE_IP_CHECK has no reply";
  ASSERT_TRUE(daemon_->takeover().ipCheckDisabledUntil().has_value());
  auto t0 = std::chrono::steady_clock::now();
  requestRun();
  pump(300ms);
  EXPECT_EQ(runs_started_, 0) << "a run started during the moveip hold";
  ASSERT_TRUE(pumpUntil([&] { return pending_run_.has_value(); }, 3000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 700ms);
  finishRun(true);
  ASSERT_TRUE(pumpUntil([&] { return replies_.size() == 1; }));
}

TEST_F(AdminTest, DisableIpCheckDuringRunWaitsForIt) {
  requestRun();
  ASSERT_TRUE(pumpUntil([&] { return pending_run_.has_value(); }));
  send(protocol::kSrvidDisableIpCheck, protocol::encodeU32(30));
  pump(100ms);
  EXPECT_FALSE(daemon_->takeover().areRunsDisabled());
  EXPECT_EQ(daemon_->takeover().deferredDisables(), 1u);
  finishRun(true);
  ASSERT_TRUE(pumpUntil([&] { return daemon_->takeover().areRunsDisabled(); }));
  requestRun();
  pump(200ms);
  EXPECT_EQ(runs_started_, 1);
}

TEST_F(AdminTest, DisableIpCheckZeroIsIgnored) {
  send(protocol::kSrvidDisableIpCheck, protocol::encodeU32(0));
  pump(100ms);
  EXPECT_FALSE(daemon_->takeover().areRunsDisabled());
}

TEST_F(AdminTest, RebalanceNodeStartsARunWithTheForceList) {
  send(protocol::kSrvidRebalanceNode, protocol::encodeU32(2));
  ASSERT_TRUE(pumpUntil([&] { return pending_run_.has_value(); }));
  EXPECT_EQ(last_force_, (std::vector<uint32_t>{2}));
  finishRun(false);  // a failed run keeps the list for the retry
  EXPECT_EQ(daemon_->takeover().forceRebalance(), (std::vector<uint32_t>{2}));
  ASSERT_TRUE(pumpUntil([&] { return pending_run_.has_value(); }, 3000ms));  // retry
  EXPECT_EQ(last_force_, (std::vector<uint32_t>{2}));
  send(protocol::kSrvidRebalanceNode, protocol::encodeU32(1));  // during the run
  pump(100ms);
  finishRun(true);
  // 2 was served by the successful run; 1 arrived during it and stays.
  EXPECT_EQ(daemon_->takeover().forceRebalance(), (std::vector<uint32_t>{1}));
  ASSERT_TRUE(pumpUntil([&] { return pending_run_.has_value(); }));
  EXPECT_EQ(last_force_, (std::vector<uint32_t>{1}));
  finishRun(true);
  EXPECT_TRUE(daemon_->takeover().forceRebalance().empty());
}

TEST_F(AdminTest, RebalanceNodeWhileDisabledWaitsForReenable) {
  disable(30);
  ASSERT_TRUE(pumpUntil([&] { return replies_.size() == 1; }));
  send(protocol::kSrvidRebalanceNode, protocol::encodeU32(0));
  pump(200ms);
  EXPECT_EQ(runs_started_, 0);
  disable(0);
  ASSERT_TRUE(pumpUntil([&] { return pending_run_.has_value(); }));
  EXPECT_EQ(last_force_, (std::vector<uint32_t>{0}));
  finishRun(true);
}

/* ---- bug #1: overlapping asynchronous IP controls ---- */

class NullActions : public IpActions {
 public:
  explicit NullActions(EventLoop& loop) : loop_(loop) {}
  PendingOp takeIp(const std::string&, const IpPrefix&, Done done) override { return ok(done); }
  PendingOp releaseIp(const std::string&, const IpPrefix&, Done done) override { return ok(done); }
  PendingOp updateIp(const std::string&, const std::string&, const IpPrefix&, Done done) override {
    return ok(done);
  }
  PendingOp ipreallocated(Done done) override { return ok(done); }

 private:
  PendingOp ok(Done done) {
    auto [op, c] = makeAsync<void>(loop_, std::move(done));
    c.complete(Status{});
    return std::move(op);
  }
  EventLoop& loop_;
};

TEST_F(AdminTest, HundredsOfOverlappingIpControlsAreAllMatched) {
  const std::string pa = dir_.file("public_addresses");
  auto write_file = [&](int first, int count) {
    std::ofstream f(pa);
    for (int i = first; i < first + count; ++i)
      f << "198.19.1." << i << "/16 eth0\n";
  };
  write_file(1, 50);
  NullActions actions(*loop_);
  IpCoreHooks hooks;
  hooks.own_pnn = 0;
  hooks.kernel_iface = [](const IpAddress&) { return std::nullopt; };
  hooks.iface_exists = [](const std::string& n) { return n == "eth0"; };
  hooks.send_garp = [](const std::string&, const IpAddress&) { return Status{}; };
  hooks.public_addresses_file = pa;
  IpCore core(*loop_, actions, hooks);
  ASSERT_TRUE(registerIpControls(daemon_->controls(), core).ok());

  constexpr int kControls = 600;
  std::vector<int> calls(kControls, 0);
  std::vector<int32_t> status(kControls, -9999);
  std::vector<Opcode> ops(kControls);
  std::vector<PendingOp> pending;
  const uint32_t first_reqid = conn_->nextReqid();
  for (int i = 0; i < kControls; ++i) {
    client::ControlRequest req;
    req.timeout = 0ms;  // no timeouts: a late reply must never be "invalid"
    switch (i % 6) {
      case 0:
        req.opcode = Opcode::GetPublicIps;
        break;
      case 1: {
        req.opcode = Opcode::GetPublicIpInfo;
        protocol::SockAddr a{*IpAddress::parse("198.19.1." + std::to_string(1 + i % 50)), 0};
        req.data = protocol::encode(a);
        break;
      }
      case 2:
      case 3: {  // add a fresh IP, delete one added earlier
        int n = i / 6;
        auto ip = *IpAddress::parse("198.19.2." + std::to_string(1 + n % 200));
        req.opcode = i % 6 == 2 ? Opcode::AddPublicIp : Opcode::DelPublicIp;
        protocol::AddrInfo ai{protocol::SockAddr{ip, 0}, 16,
                              i % 6 == 2 ? std::optional<std::string>("eth0") : std::nullopt};
        req.data = protocol::encode(ai);
        break;
      }
      case 4:
        req.opcode = Opcode::ReloadPublicIps;
        break;
      default:
        req.opcode = Opcode::GetPublicIps;
        req.flags = protocol::kPublicIpFlagsOnlyAvailable;
        break;
    }
    ops[i] = req.opcode;
    pending.push_back(conn_->control(req, [&, i](Result<protocol::ReplyControl> r) {
      calls[i]++;
      status[i] = r ? r->status : -9999;
    }));
    // Change the file now and then so reloads really add and delete.
    if (i == kControls / 3) write_file(20, 50);
  }
  EXPECT_EQ(conn_->nextReqid(), first_reqid + kControls);
  ASSERT_TRUE(pumpUntil(
      [&] { return std::all_of(calls.begin(), calls.end(), [](int c) { return c > 0; }); },
      20000ms));
  pump(100ms);  // anything duplicated or stray would arrive now
  for (int i = 0; i < kControls; ++i) {
    ASSERT_EQ(calls[i], 1) << "control " << i << " completed " << calls[i] << " times";
    ASSERT_NE(status[i], -9999) << "control " << i << " got a transport error";
    if (ops[i] == Opcode::GetPublicIps || ops[i] == Opcode::ReloadPublicIps ||
        ops[i] == Opcode::AddPublicIp) {
      EXPECT_EQ(status[i], 0) << "control " << i << " (opcode " << static_cast<int>(ops[i])
                              << ")";
    }
    // A reload queued earlier may already have removed the added IP
    // (it is not in the file): DEL_PUBLIC_IP of an unknown IP is -1.
    if (ops[i] == Opcode::DelPublicIp) {
      EXPECT_TRUE(status[i] == 0 || status[i] == -1) << i;
    }
  }
  EXPECT_EQ(conn_->invalidReqidCount(), 0u);
  EXPECT_EQ(conn_->outstandingControls(), 0u);
  EXPECT_EQ(conn_->unhandledMessageCount(), 0u);
  // Final state: exactly the last file's 50 IPs (every 198.19.2.x was
  // deleted right after its add; the reloads converged on the file).
  auto ips = core.publicIps(false);
  EXPECT_EQ(ips.size(), 50u);
  for (const auto& p : ips) {
    auto s = p.addr.ip.toString();
    EXPECT_EQ(s.rfind("198.19.1.", 0), 0u) << s;
  }
  EXPECT_EQ(core.table().checkInvariants(), "");
}

/* admin (#7), bad input at the daemon: ADD_PUBLIC_IP and
 * SET_IFACE_LINK_STATE with interface names that cannot exist (empty, too
 * long, with '/' or a space, an empty element of a list), a bad mask or link
 * state, and controls for a PNN that does not exist. Each is answered with
 * status -1 and a one-line error naming the field; nothing changes and the
 * daemon keeps answering. */
TEST_F(AdminTest, BadInterfaceNamesAndPnnsAreRefusedWithOneLineErrors) {
  NullActions actions(*loop_);
  IpCoreHooks hooks;
  hooks.own_pnn = 0;
  hooks.kernel_iface = [](const IpAddress&) { return std::nullopt; };
  hooks.iface_exists = [](const std::string& n) { return n == "eth0"; };
  hooks.send_garp = [](const std::string&, const IpAddress&) { return Status{}; };
  hooks.public_addresses_file = dir_.file("public_addresses");
  IpCore core(*loop_, actions, hooks);
  auto entries = config::parsePublicAddresses("198.19.1.1/16 eth0\n", "pa");
  ASSERT_TRUE(entries.ok());
  ASSERT_TRUE(core.loadEntries(*entries, "pa").ok());
  ASSERT_TRUE(registerIpControls(daemon_->controls(), core).ok());

  struct Answer {
    int32_t status = -9999;
    std::string errmsg;
  };
  auto ask = [&](uint32_t dest, Opcode op, std::vector<uint8_t> data) {
    std::optional<Answer> a;
    client::ControlRequest req;
    req.destnode = dest;
    req.opcode = op;
    req.data = std::move(data);
    req.timeout = 2000ms;
    auto pending = conn_->control(req, [&](Result<protocol::ReplyControl> r) {
      Answer x;
      if (r) {
        x.status = r->status;
        x.errmsg = r->errmsg.value_or("");
      }
      a = x;
    });
    loop_->runUntil([&] { return a.has_value(); }, 3000ms);
    return a.value_or(Answer{});
  };
  auto addip = [&](const std::string& ip, uint32_t mask, const std::string& iface) {
    protocol::AddrInfo ai{protocol::SockAddr{*IpAddress::parse(ip), 0}, mask, iface};
    return ask(0, Opcode::AddPublicIp, protocol::encode(ai));
  };
  auto known = [&] {
    std::string s;
    for (const auto& p : core.publicIps(false)) s += p.addr.ip.toString() + " ";
    return s;
  };
  const std::string before = known();
  ASSERT_EQ(before, "198.19.1.1 ");

  const std::vector<std::pair<std::string, std::string>> bad_ifaces = {
      {"", "no interface given"},
      {"abcdefghijklmnopq", "abcdefghijklmnopq"},
      {"eth/0", "eth/0"},
      {"eth 0", "eth 0"},
      {"eth0,", "''"},
      {",eth0", "''"},
      {"eth9", "eth9"},
  };
  for (const auto& [iface, named] : bad_ifaces) {
    Answer a = addip("198.19.2.1", 16, iface);
    EXPECT_EQ(a.status, -1) << "'" << iface << "'";
    EXPECT_NE(a.errmsg.find(named), std::string::npos) << "'" << iface << "': " << a.errmsg;
    EXPECT_EQ(a.errmsg.find('\n'), std::string::npos) << a.errmsg;
  }
  for (uint32_t mask : {0u, 33u, 4096u}) {
    Answer a = addip("198.19.2.1", mask, "eth0");
    EXPECT_EQ(a.status, -1) << mask;
    EXPECT_NE(a.errmsg.find("invalid mask " + std::to_string(mask)), std::string::npos) << a.errmsg;
  }
  EXPECT_EQ(known(), before);

  const protocol::IfaceList ifaces_before = core.ifaces();
  auto setlink = [&](const std::string& name, uint16_t state) {
    protocol::Iface i;
    i.name = name;
    i.link_state = state;
    i.references = 0;
    return ask(0, Opcode::SetIfaceLinkState, protocol::encode(i));
  };
  for (const std::string& name : {std::string(""), std::string("eth/0"), std::string("eth 0"),
                                  std::string("eth9")}) {
    Answer a = setlink(name, 0);
    EXPECT_EQ(a.status, -1) << "'" << name << "'";
    EXPECT_EQ(a.errmsg.find('\n'), std::string::npos) << a.errmsg;
  }
  Answer st2 = setlink("eth0", 2);
  EXPECT_EQ(st2.status, -1);
  EXPECT_NE(st2.errmsg.find("link state 2"), std::string::npos) << st2.errmsg;
  std::vector<uint8_t> unterminated = protocol::encode(protocol::Iface{"eth0", 0, 0});
  std::fill(unterminated.begin(), unterminated.begin() + protocol::kIfaceNameField, 'a');
  Answer nt = ask(0, Opcode::SetIfaceLinkState, unterminated);
  EXPECT_EQ(nt.status, -1);
  EXPECT_NE(nt.errmsg.find("not terminated"), std::string::npos) << nt.errmsg;
  Answer shortp = ask(0, Opcode::SetIfaceLinkState, {1, 2, 3});
  EXPECT_EQ(shortp.status, -1);
  EXPECT_NE(shortp.errmsg.find("payload of 3 bytes"), std::string::npos) << shortp.errmsg;
  EXPECT_EQ(core.ifaces(), ifaces_before);

  /* A PNN that does not exist (this daemon knows one node): an error, and
   * the daemon still answers afterwards. */
  for (uint32_t dest : {1u, 99u, 0xFFFFFFF0u}) {
    Answer a = ask(dest, Opcode::GetPublicIps, {});
    EXPECT_NE(a.status, 0) << dest;
    EXPECT_NE(a.status, -9999) << dest << ": no answer";
  }
  EXPECT_EQ(ask(0, Opcode::GetPublicIps, {}).status, 0);
  EXPECT_EQ(addip("198.19.2.1", 16, "eth0").status, 0);
  EXPECT_EQ(known(), "198.19.2.1 198.19.1.1 ");  // newest first, as GET_PUBLIC_IPS lists
  EXPECT_EQ(conn_->invalidReqidCount(), 0u);
}

}  // namespace
}  // namespace ctdb::server
