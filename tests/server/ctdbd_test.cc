/*
 * Tests of the real ctdbd binary: started with -i in a scratch directory,
 * driven over its control socket with raw protocol packets.
 */
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "ctdbd_process.h"
#include "protocol/types.h"
#include "raw_client.h"

namespace ctdb::server {
namespace {

using namespace std::chrono_literals;
using protocol::Opcode;
using testing::CtdbdProcess;
using testing::RawClient;
using testing::ScratchDir;
namespace NF = protocol::NodeFlags;

class CtdbdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto why = CtdbdProcess::netnsUnavailableReason();
    if (!why.empty()) GTEST_SKIP() << why;
  }
  void startDaemon(const std::string& nodes = "198.18.0.1\n",
                   std::vector<std::string> extra = {}) {
    auto args = CtdbdProcess::standardArgs(dir_, nodes);
    args.insert(args.end(), extra.begin(), extra.end());
    proc_ = std::make_unique<CtdbdProcess>(dir_, args);
    ASSERT_TRUE(proc_->start(socket())) << proc_->output();
  }
  std::string socket() const { return dir_.file("run/ctdbd.socket"); }
  std::unique_ptr<RawClient> client() {
    auto c = std::make_unique<RawClient>(socket());
    EXPECT_TRUE(c->valid());
    return c;
  }
  void TearDown() override {
    if (proc_) proc_->stop();
  }

  ScratchDir dir_;
  std::unique_ptr<CtdbdProcess> proc_;
};

TEST_F(CtdbdTest, GetPnnAndPing) {
  startDaemon();
  auto c = client();
  auto pnn = c->call(Opcode::GetPnn);
  ASSERT_TRUE(pnn.has_value());
  EXPECT_EQ(pnn->status, 0);
  EXPECT_TRUE(pnn->data.empty());
  EXPECT_EQ(pnn->hdr.reqid, 2147483448u);
  EXPECT_EQ(pnn->hdr.length % 8, 0u);
  EXPECT_NE(pnn->hdr.generation, protocol::kInvalidGeneration);
  auto c2 = client();
  auto ping = c2->call(Opcode::Ping);
  ASSERT_TRUE(ping.has_value());
  // two test clients + the takeover-run client (as ctdbd 4.17 counts its
  // recovery daemon: one CLI sees "2 clients")
  EXPECT_EQ(ping->status, 3);
}

TEST_F(CtdbdTest, NodemapMarksDeletedAndOtherNodes) {
  std::string nodes = "198.18.0.1\n#198.18.0.2\n198.18.0.3\n";
  std::ofstream(dir_.file("nodes")) << nodes;
  startDaemon(nodes);
  auto c = client();
  auto r = c->call(Opcode::GetNodemap);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 0);
  auto map = protocol::decode<protocol::NodeMap>(r->data);
  ASSERT_TRUE(map.ok());
  ASSERT_EQ(map->nodes.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(map->nodes[i].pnn, i);
  EXPECT_EQ(map->nodes[0].flags, 0u);
  EXPECT_EQ(map->nodes[0].addr.toString(), "198.18.0.1:4379");
  EXPECT_EQ(map->nodes[1].flags, NF::kDeleted | NF::kDisconnected);
  EXPECT_EQ(map->nodes[2].flags & NF::kDisconnected, NF::kDisconnected);
  auto vnn = c->call(Opcode::GetVnnmap);
  ASSERT_TRUE(vnn.has_value());
  auto vm = protocol::decode<protocol::VnnMap>(vnn->data);
  ASSERT_TRUE(vm.ok());
  EXPECT_EQ(vm->map, std::vector<uint32_t>{0});
  EXPECT_NE(vm->generation, protocol::kInvalidGeneration);
}

TEST_F(CtdbdTest, ListTunables) {
  startDaemon();
  auto c = client();
  auto r = c->call(Opcode::ListTunables);
  ASSERT_TRUE(r.has_value());
  auto list = protocol::decode<protocol::VarList>(r->data);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->names.size(), 49u);
  EXPECT_EQ(list->names.front(), "SeqnumInterval");
  EXPECT_EQ(list->names.back(), "AllowMixedVersions");
  auto all = c->call(Opcode::GetAllTunables);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->data.size(), 248u);
}

TEST_F(CtdbdTest, SetAndGetTunable) {
  startDaemon();
  auto c = client();
  auto set = c->call(Opcode::SetTunable,
                     protocol::encode(protocol::TunableValue{10, "TakeoverTimeout"}));
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->status, 0);
  auto get = c->call(Opcode::GetTunable, protocol::encode(protocol::StringN{"takeovertimeout"}));
  ASSERT_TRUE(get.has_value());
  ASSERT_EQ(get->status, 0);
  EXPECT_EQ(*protocol::decodeU32(get->data), 10u);
  auto unknown = c->call(Opcode::GetTunable, protocol::encode(protocol::StringN{"NoSuchThing"}));
  EXPECT_EQ(unknown->status, -22);
  auto bad_set = c->call(Opcode::SetTunable, protocol::encode(protocol::TunableValue{1, "Nope"}));
  EXPECT_EQ(bad_set->status, -1);
}

TEST_F(CtdbdTest, RegisterLeaderGetsLeaderMessageAtOnce) {
  startDaemon();
  auto c = client();
  uint32_t id = c->sendControl(Opcode::RegisterSrvid, {}, protocol::kSrvidLeader);
  auto r = c->readReply(id);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 0);
  auto m = c->readMessage(protocol::kSrvidLeader, 300ms);  // well before the 1 s tick
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*protocol::decodeU32(m->data), 0u);
  EXPECT_EQ(m->hdr.reqid, 0u);
  auto again = c->readMessage(protocol::kSrvidLeader, 2500ms);  // periodic broadcast
  EXPECT_TRUE(again.has_value());
  auto dereg = c->call(Opcode::DeregisterSrvid, {}, protocol::kSrvidLeader);
  EXPECT_EQ(dereg->status, 0);
  auto dereg2 = c->call(Opcode::DeregisterSrvid, {}, protocol::kSrvidLeader);
  EXPECT_EQ(dereg2->status, 2);
}

TEST_F(CtdbdTest, MessageDeliveredBetweenClients) {
  startDaemon();
  auto a = client();
  auto b = client();
  const uint64_t srvid = 0xBE00000000000042ULL;
  ASSERT_EQ(b->call(Opcode::RegisterSrvid, {}, srvid)->status, 0);
  a->sendMessage(0, srvid, {1, 2, 3});
  auto m = b->readMessage(srvid);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->data, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(m->hdr.reqid, 0u);
  a->sendMessage(protocol::kBroadcastConnected, srvid, {4});
  auto m2 = b->readMessage(srvid);
  ASSERT_TRUE(m2.has_value());
  EXPECT_EQ(m2->data, std::vector<uint8_t>{4});
  EXPECT_FALSE(a->readPacket(200ms).has_value());  // the sender did not register
}

TEST_F(CtdbdTest, IpreallocateRoundTrip) {
  startDaemon();
  auto c = client();
  const uint64_t mine = 0xCE01000000010001ULL;
  ASSERT_EQ(c->call(Opcode::RegisterSrvid, {}, mine)->status, 0);
  c->sendMessage(protocol::kBroadcastConnected, protocol::kSrvidTakeoverRun,
                 protocol::encode(protocol::SrvidMessage{0, mine}));
  auto m = c->readMessage(mine);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*protocol::decodeI32(m->data), 0);
}

void expectDroppedAndDaemonAlive(CtdbdTest& t, RawClient& bad, const std::string& socket) {
  EXPECT_TRUE(bad.waitForEof(3000ms));
  RawClient good(socket);
  ASSERT_TRUE(good.valid());
  auto r = good.call(Opcode::GetPnn);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 0);
  (void)t;
}

std::vector<uint8_t> validControl() {
  protocol::ReqControl c;
  c.hdr.destnode = protocol::kCurrentNode;
  c.opcode = static_cast<uint32_t>(Opcode::GetPnn);
  return protocol::encodePacket(c);
}

TEST_F(CtdbdTest, BadMagicDropsConnection) {
  startDaemon();
  auto bad = client();
  auto pkt = validControl();
  pkt[4] ^= 0xff;
  bad->sendBytes(pkt);
  expectDroppedAndDaemonAlive(*this, *bad, socket());
}

TEST_F(CtdbdTest, HugeDatalenDropsConnection) {
  startDaemon();
  auto bad = client();
  auto pkt = validControl();
  const uint32_t huge = 0xffffffffu;
  std::memcpy(pkt.data() + 56, &huge, 4);
  bad->sendBytes(pkt);
  expectDroppedAndDaemonAlive(*this, *bad, socket());
}

TEST_F(CtdbdTest, ShortLengthDropsConnection) {
  startDaemon();
  auto bad = client();
  auto pkt = validControl();
  const uint32_t len = 8;
  std::memcpy(pkt.data(), &len, 4);
  pkt.resize(8);
  bad->sendBytes(pkt);
  expectDroppedAndDaemonAlive(*this, *bad, socket());
}

TEST_F(CtdbdTest, OversizedLengthDropsConnection) {
  startDaemon();
  auto bad = client();
  auto pkt = validControl();
  const uint32_t len = 64u * 1024 * 1024;
  std::memcpy(pkt.data(), &len, 4);
  bad->sendBytes(pkt);
  expectDroppedAndDaemonAlive(*this, *bad, socket());
}

TEST_F(CtdbdTest, SecondDaemonOnSameSocketRefused) {
  startDaemon();
  CtdbdProcess second(dir_, CtdbdProcess::standardArgs(dir_));
  second.spawn();
  EXPECT_EQ(second.waitExit(), 1);
  EXPECT_NE(second.output().find("another ctdbd is running on " + socket()), std::string::npos)
      << second.output();
  auto c = client();  // the first one is unaffected
  EXPECT_EQ(c->call(Opcode::GetPnn)->status, 0);
}

TEST_F(CtdbdTest, SigtermExitsZeroAndRemovesSocketAndPidfile) {
  startDaemon("198.18.0.1\n", {"--pidfile=" + dir_.file("ctdbd.pid")});
  struct stat st;
  ASSERT_EQ(stat(socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(access(dir_.file("ctdbd.pid").c_str(), F_OK), 0);
  auto c = client();
  EXPECT_EQ(proc_->stop(SIGTERM), 0);
  EXPECT_NE(access(socket().c_str(), F_OK), 0);
  EXPECT_NE(access(dir_.file("ctdbd.pid").c_str(), F_OK), 0);
  EXPECT_TRUE(c->waitForEof(1000ms));
}

TEST_F(CtdbdTest, ShutdownControlStopsDaemon) {
  startDaemon();
  auto c = client();
  c->sendControl(Opcode::Shutdown, {}, 0, protocol::kCtrlFlagNoReply);
  EXPECT_TRUE(c->waitForEof(3000ms));
  EXPECT_EQ(proc_->waitExit(), 0);
}

TEST_F(CtdbdTest, ReachesRunningRunstate) {
  startDaemon();
  auto c = client();
  uint32_t rs = 0;
  for (int i = 0; i < 100 && rs != 5; ++i) {
    auto r = c->call(Opcode::GetRunstate);
    ASSERT_TRUE(r.has_value());
    rs = *protocol::decodeU32(r->data);
    if (rs != 5) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(rs, 5u);
}

TEST_F(CtdbdTest, StartAsDisabledAndNodeFlagControls) {
  startDaemon("198.18.0.1\n", {"--start-as-disabled"});
  auto c = client();
  auto flags = [&] {
    auto r = c->call(Opcode::GetNodemap);
    return protocol::decode<protocol::NodeMap>(r->data)->nodes[0].flags;
  };
  EXPECT_EQ(flags(), NF::kPermanentlyDisabled);
  EXPECT_EQ(c->call(Opcode::EnableNode)->status, 0);
  EXPECT_EQ(flags(), 0u);
  EXPECT_EQ(c->call(Opcode::StopNode)->status, 0);
  EXPECT_EQ(flags(), NF::kStopped);
  auto g = c->call(Opcode::GetPnn);
  EXPECT_EQ(g->hdr.generation, protocol::kInvalidGeneration);  // stopped: INVALID generation
  EXPECT_EQ(c->call(Opcode::ContinueNode)->status, 0);
  EXPECT_EQ(c->call(Opcode::DisableNode)->status, 0);
  EXPECT_EQ(flags(), NF::kPermanentlyDisabled);
}

TEST(CtdbdStartup, UnknownOptionExitsOneWithUsage) {
  ScratchDir dir;
  CtdbdProcess p(dir, {"--frobnicate"});
  p.spawn();
  EXPECT_EQ(p.waitExit(), 1);
  auto out = p.output();
  EXPECT_EQ(out.rfind("ctdbd: unknown option '--frobnicate'\nUsage: ", 0), 0u) << out;
}

TEST(CtdbdStartup, BadNodesFileExitsOneWithFileLine) {
  ScratchDir dir;
  auto args = CtdbdProcess::standardArgs(dir, "198.18.0.1\nnot-an-address\n");
  CtdbdProcess p(dir, args);
  p.spawn();
  EXPECT_EQ(p.waitExit(), 1);
  auto out = p.output();
  EXPECT_EQ(out.rfind("ctdbd: " + dir.file("nodes") + ":2:", 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST(CtdbdStartup, ListenAddressNotInNodesFile) {
  ScratchDir dir;
  auto args = CtdbdProcess::standardArgs(dir, "198.18.0.2\n");
  CtdbdProcess p(dir, args);
  p.spawn();
  EXPECT_EQ(p.waitExit(), 1);
  EXPECT_NE(p.output().find("--listen address 198.18.0.1 is not a node"), std::string::npos)
      << p.output();
}

TEST(CtdbdStartup, DaemonizesWithoutInteractive) {
  auto why = CtdbdProcess::netnsUnavailableReason();
  if (!why.empty()) GTEST_SKIP() << why;
  ScratchDir dir;
  auto args = CtdbdProcess::standardArgs(dir);
  args.erase(args.begin());  // no -i
  args.push_back("--pidfile=" + dir.file("ctdbd.pid"));
  CtdbdProcess p(dir, args);
  p.spawn();
  EXPECT_EQ(p.waitExit(), 0);  // the parent returns once the child runs
  std::string sock = dir.file("run/ctdbd.socket");
  RawClient c(sock);
  ASSERT_TRUE(c.valid());
  auto pid = c.call(Opcode::GetPid);
  ASSERT_TRUE(pid.has_value());
  EXPECT_NE(pid->status, p.pid());
  int from_file = 0;
  std::ifstream(dir.file("ctdbd.pid")) >> from_file;
  EXPECT_EQ(from_file, pid->status);
  ASSERT_EQ(kill(pid->status, SIGTERM), 0);
  EXPECT_TRUE(c.waitForEof(3000ms));
  for (int i = 0; i < 300 && access(sock.c_str(), F_OK) == 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_NE(access(sock.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace ctdb::server
