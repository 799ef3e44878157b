/*
 * NodeTransport and NodeLink without a network: several in-process "nodes"
 * (each its own NodeState, router, dispatcher and transport) on one
 * EventLoop, wired together with socketpairs injected as the outgoing and
 * incoming connections, or facing a raw socket end driven by the test
 * (to play a silent, lying or garbage-sending peer).
 */
#include "server/transport/transport_tcp.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <optional>

#include "protocol/types.h"
#include "test_nodes.h"

namespace ctdb::server {
namespace {

using test::nodeList;

using namespace std::chrono_literals;
namespace NF = protocol::NodeFlags;
using protocol::Opcode;

constexpr uint64_t kTestSrvid = 0xAE00000000000042ULL;

std::pair<UniqueFd, UniqueFd> streamPair() {
  int sv[2];
  EXPECT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
  return {UniqueFd(sv[0]), UniqueFd(sv[1])};
}


struct TestNode {
  /* is_connecting: only for tests that want connect attempts to fail (the
   * node addresses are not local here, so bind() refuses them). */
  TestNode(EventLoop& loop, uint32_t pnn, size_t n, TransportOptions opts,
           bool is_connecting = false)
      : nodes(nodeList(n), pnn, 0),
        router(nodes, srvids, [](ClientId, std::vector<uint8_t>) { return true; }, local) {
    opts.is_connecting = is_connecting;
    transport = std::make_unique<NodeTransport>(loop, nodes, router, dispatcher, tunables, opts);
    router.setTransport(*transport);
    router.registerInternalHandler(kTestSrvid, [this](uint64_t, std::span<const uint8_t> d) {
      received.emplace_back(d.begin(), d.end());
    });
  }
  ~TestNode() { transport.reset(); }

  NodeState nodes;
  SrvidRegistry srvids;
  LocalOnlyTransport local;
  MessageRouter router;
  ControlDispatcher dispatcher;
  config::Tunables tunables;
  std::unique_ptr<NodeTransport> transport;
  std::vector<std::vector<uint8_t>> received;
};

/* The test's side of a connection to a transport under test. */
struct RawPeer {
  UniqueFd fd;
  protocol::PacketFramer framer;

  void send(const std::vector<uint8_t>& bytes) {
    ASSERT_EQ(static_cast<ssize_t>(bytes.size()), ::write(fd.get(), bytes.data(), bytes.size()));
  }
  /* Reads what is available; returns complete packets; sets *eof on EOF. */
  std::vector<std::vector<uint8_t>> drain(bool* eof = nullptr) {
    std::vector<std::vector<uint8_t>> out;
    uint8_t buf[65536];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof(buf));
      if (n == 0 && eof) *eof = true;
      if (n <= 0) break;
      framer.append(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
    }
    for (;;) {
      auto next = framer.next();
      if (!next || !next->has_value()) break;
      out.push_back(std::move(**next));
    }
    return out;
  }
};

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l.ok());
    loop_ = std::move(*l);
  }
  void TearDown() override {
    nodes_.clear();
    loop_.reset();
  }

  void makeNodes(size_t n, TransportOptions opts = {}) {
    if (!opts.keepalive_interval) opts.keepalive_interval = 10s;  // out of the way
    for (uint32_t i = 0; i < n; ++i) nodes_.push_back(std::make_unique<TestNode>(*loop_, i, n, opts));
    for (auto& t : nodes_) t->transport->start();
  }
  TestNode& node(uint32_t pnn) { return *nodes_[pnn]; }

  /* a's outgoing connection is b's incoming one and vice versa. */
  void link(uint32_t a, uint32_t b) {
    auto [a_out, b_in] = streamPair();
    auto [b_out, a_in] = streamPair();
    node(a).transport->adoptOutgoing(b, std::move(a_out));
    node(b).transport->adoptIncoming(a, std::move(b_in));
    node(b).transport->adoptOutgoing(a, std::move(b_out));
    node(a).transport->adoptIncoming(b, std::move(a_in));
  }
  bool connected(uint32_t a, uint32_t b) { return node(a).transport->isConnected(b); }
  bool pump(const std::function<bool()>& pred, std::chrono::milliseconds t = 2000ms) {
    return loop_->runUntil(pred, t);
  }
  /* Node pnn faces a raw peer playing node `as`: returns {peer's view of
   * pnn's outgoing link, peer's own outgoing link into pnn}. */
  std::pair<RawPeer, RawPeer> rawPeer(uint32_t pnn, uint32_t as) {
    auto [out, seen_out] = streamPair();
    auto [in, raw_in] = streamPair();
    node(pnn).transport->adoptOutgoing(as, std::move(out));
    node(pnn).transport->adoptIncoming(as, std::move(in));
    return {RawPeer{std::move(seen_out), protocol::PacketFramer()}, RawPeer{std::move(raw_in), protocol::PacketFramer()}};
  }
  static std::vector<uint8_t> flagPush(uint32_t src, uint32_t dest, uint32_t about,
                                       uint32_t flags) {
    protocol::ReqMessage m;
    m.hdr.srcnode = src;
    m.hdr.destnode = dest;
    m.srvid = protocol::kSrvidPushNodeFlags;
    m.data = protocol::encode(protocol::NodeFlagChange{about, flags, 0});
    return protocol::encodePacket(m);
  }

  std::unique_ptr<EventLoop> loop_;
  std::vector<std::unique_ptr<TestNode>> nodes_;
};

TEST_F(TransportTest, PeersStartDisconnectedAndUnhealthy) {
  makeNodes(3);
  EXPECT_EQ(NF::kDisconnected | NF::kUnhealthy, node(0).nodes.flags(1));
  EXPECT_FALSE(connected(0, 1));
  EXPECT_EQ(0u, node(0).transport->connectedCount());
}

TEST_F(TransportTest, LinkedPeersConnectAndLearnEachOthersFlags) {
  makeNodes(3);
  std::vector<std::pair<uint32_t, bool>> changes;
  node(0).transport->onConnectionChange([&](uint32_t p, bool c) { changes.emplace_back(p, c); });
  node(1).nodes.modifyFlags(1, NF::kPermanentlyDisabled, 0);  // before connecting
  link(0, 1);
  ASSERT_TRUE(pump([&] { return connected(0, 1) && connected(1, 0); }));
  // The pushed flags replace UNHEALTHY; node 2 is still unreachable.
  EXPECT_TRUE(pump([&] { return node(0).nodes.flags(1) == NF::kPermanentlyDisabled; }))
      << std::hex << node(0).nodes.flags(1);
  EXPECT_EQ(0u, node(1).nodes.flags(0));
  EXPECT_EQ(NF::kDisconnected | NF::kUnhealthy, node(0).nodes.flags(2));
  EXPECT_EQ(1u, node(0).transport->connectedCount());
  ASSERT_EQ(1u, changes.size());
  EXPECT_EQ(std::make_pair(1u, true), changes[0]);
}

TEST_F(TransportTest, OwnFlagChangesReachEveryConnectedNode) {
  makeNodes(3);
  link(0, 1);
  link(0, 2);
  link(1, 2);
  ASSERT_TRUE(pump([&] { return node(1).nodes.flags(0) == 0 && node(2).nodes.flags(0) == 0; }));
  node(0).nodes.modifyFlags(0, NF::kStopped, 0);
  EXPECT_TRUE(pump([&] {
    return node(1).nodes.flags(0) == NF::kStopped && node(2).nodes.flags(0) == NF::kStopped;
  }));
  node(0).nodes.modifyFlags(0, NF::kBanned, NF::kStopped);
  EXPECT_TRUE(pump([&] {
    return node(1).nodes.flags(0) == NF::kBanned && node(2).nodes.flags(0) == NF::kBanned;
  }));
  node(0).nodes.modifyFlags(0, 0, NF::kBanned);
  EXPECT_TRUE(pump([&] { return node(1).nodes.flags(0) == 0 && node(2).nodes.flags(0) == 0; }));
}

TEST_F(TransportTest, NodeCannotPushAnotherNodesFlags) {
  makeNodes(3);
  auto [seen, raw] = rawPeer(0, 1);
  raw.send(flagPush(1, 0, 2, 0));  // "node 2 is fine", claims node 1
  raw.send(flagPush(1, 0, 1, NF::kStopped));
  ASSERT_TRUE(pump([&] { return node(0).nodes.flags(1) == NF::kStopped; }));
  EXPECT_EQ(NF::kDisconnected | NF::kUnhealthy, node(0).nodes.flags(2));
  EXPECT_EQ(1u, node(0).transport->stats().packets_rejected);
}

TEST_F(TransportTest, PacketWithWrongSourceIsDropped) {
  makeNodes(3);
  auto [seen, raw] = rawPeer(0, 1);
  protocol::ReqMessage m;
  m.hdr.srcnode = 2;  // lies: it's node 1's connection
  m.hdr.destnode = 0;
  m.srvid = kTestSrvid;
  m.data = {1, 2, 3};
  raw.send(protocol::encodePacket(m));
  m.hdr.srcnode = 1;
  m.data = {4};
  raw.send(protocol::encodePacket(m));
  ASSERT_TRUE(pump([&] { return !node(0).received.empty(); }));
  ASSERT_EQ(1u, node(0).received.size());
  EXPECT_EQ(std::vector<uint8_t>{4}, node(0).received[0]);
  EXPECT_EQ(1u, node(0).transport->stats().packets_rejected);
}

TEST_F(TransportTest, MessagesToOneNodeAndBroadcastToConnectedNodes) {
  makeNodes(3);
  link(0, 1);
  link(0, 2);
  ASSERT_TRUE(pump([&] { return connected(0, 1) && connected(0, 2); }));
  node(0).router.send(2, kTestSrvid, {7});
  ASSERT_TRUE(pump([&] { return node(2).received.size() == 1; }));
  EXPECT_TRUE(node(1).received.empty());
  node(0).router.send(protocol::kBroadcastConnected, kTestSrvid, {8});
  ASSERT_TRUE(pump([&] { return node(1).received.size() == 1 && node(2).received.size() == 2; }));
  EXPECT_EQ(std::vector<uint8_t>{8}, node(1).received[0]);
  EXPECT_EQ(1u, node(0).received.size());  // local delivery too
}

TEST_F(TransportTest, MessageToDisconnectedNodeIsDropped) {
  makeNodes(2);
  node(0).router.send(1, kTestSrvid, {1});
  EXPECT_EQ(1u, node(0).transport->stats().messages_dropped);
}

TEST_F(TransportTest, ForwardedControlIsAnsweredByTheRemoteDispatcher) {
  makeNodes(2);
  link(0, 1);
  ASSERT_TRUE(pump([&] { return connected(0, 1); }));
  std::optional<ControlRequest> seen;
  ASSERT_TRUE(node(1).dispatcher.registerHandler(Opcode::GetPid, [&](const ControlRequest& r,
                                                                     ReplySink s) {
    seen = r;
    s.reply({0, {9, 9}, std::string("from node 1")});
  }).ok());
  ControlRequest req;
  req.client_id = 17;
  req.opcode = static_cast<uint32_t>(Opcode::GetPid);
  req.data = {1, 2};
  std::optional<ControlReply> got;
  node(0).transport->forwardControl(
      1, req, ReplySink(req.opcode, [&](ControlReply r) { got = std::move(r); }));
  ASSERT_TRUE(pump([&] { return got.has_value(); }));
  EXPECT_EQ(0, got->status);
  EXPECT_EQ((std::vector<uint8_t>{9, 9}), got->data);
  EXPECT_EQ(std::optional<std::string>("from node 1"), got->errmsg);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(kNoClient, seen->client_id);
  EXPECT_EQ(0u, seen->hdr.srcnode);
  EXPECT_EQ(1u, seen->hdr.destnode);
  EXPECT_EQ((std::vector<uint8_t>{1, 2}), seen->data);
  EXPECT_EQ(0u, node(0).transport->pendingControls());
}

TEST_F(TransportTest, ControlToDisconnectedNodeFailsPromptlyNotSynchronously) {
  makeNodes(3);
  std::optional<ControlReply> got;
  PendingOp op = node(0).transport->sendControl(2, static_cast<uint32_t>(Opcode::GetPid), 0, 0,
                                                {}, [&](ControlReply r) { got = std::move(r); });
  EXPECT_FALSE(got.has_value());
  ASSERT_TRUE(pump([&] { return got.has_value(); }, 500ms));
  EXPECT_EQ(-1, got->status);
  EXPECT_EQ(std::optional<std::string>("ctdb_control to disconnected node"), got->errmsg);
}

TEST_F(TransportTest, UnansweredControlTimesOutAndLateReplyIsDropped) {
  TransportOptions o;
  o.control_timeout = 100ms;
  makeNodes(2, o);
  link(0, 1);
  ASSERT_TRUE(pump([&] { return connected(0, 1); }));
  std::vector<ReplySink> held;
  ASSERT_TRUE(node(1).dispatcher.registerHandler(Opcode::GetPid, [&](const ControlRequest&,
                                                                     ReplySink s) {
    held.push_back(std::move(s));
  }).ok());
  std::optional<ControlReply> got;
  auto start = std::chrono::steady_clock::now();
  PendingOp op = node(0).transport->sendControl(1, static_cast<uint32_t>(Opcode::GetPid), 0, 0,
                                                {}, [&](ControlReply r) { got = std::move(r); });
  ASSERT_TRUE(pump([&] { return got.has_value(); }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
  EXPECT_EQ(-1, got->status);
  EXPECT_EQ(std::optional<std::string>("ctdb_control timed out"), got->errmsg);
  EXPECT_EQ(1u, node(0).transport->stats().controls_timed_out);
  EXPECT_EQ(0u, node(0).transport->pendingControls());
  // The late answer finds no pending request: dropped, nothing delivered twice.
  got.reset();
  ASSERT_EQ(1u, held.size());
  held[0].ok({1});
  pump([&] { return false; }, 100ms);
  EXPECT_FALSE(got.has_value());
  EXPECT_TRUE(connected(0, 1));
}

TEST_F(TransportTest, LostNodeFailsAllItsOutstandingControlsAtOnce) {
  makeNodes(3);
  link(0, 1);
  link(0, 2);
  ASSERT_TRUE(pump([&] { return connected(0, 1) && connected(0, 2); }));
  std::vector<ReplySink> held;
  for (uint32_t k : {1u, 2u})
    ASSERT_TRUE(node(k).dispatcher.registerHandler(Opcode::GetPid, [&](const ControlRequest&,
                                                                       ReplySink s) {
      held.push_back(std::move(s));
    }).ok());
  std::vector<std::pair<uint32_t, int32_t>> results;
  std::vector<PendingOp> ops;
  for (uint32_t k : {1u, 1u, 1u, 2u})
    ops.push_back(node(0).transport->sendControl(
        k, static_cast<uint32_t>(Opcode::GetPid), 0, 0, {},
        [&results, k](ControlReply r) { results.emplace_back(k, r.status); }));
  ASSERT_TRUE(pump([&] { return held.size() == 4; }));
  std::vector<std::pair<uint32_t, bool>> changes;
  node(0).transport->onConnectionChange([&](uint32_t p, bool c) { changes.emplace_back(p, c); });
  node(1).transport.reset();  // node 1 dies: its sockets close
  ASSERT_TRUE(pump([&] { return results.size() == 3; }));
  for (auto& [k, st] : results) {
    EXPECT_EQ(1u, k);
    EXPECT_EQ(-1, st);
  }
  EXPECT_EQ(NF::kDisconnected | NF::kUnhealthy, node(0).nodes.flags(1) & (NF::kDisconnected | NF::kUnhealthy));
  EXPECT_TRUE(connected(0, 2));
  EXPECT_EQ(1u, node(0).transport->pendingControls());  // the one to node 2
  ASSERT_EQ(1u, changes.size());
  EXPECT_EQ(std::make_pair(1u, false), changes[0]);
  held.clear();  // answers node 0's control to node 2 (-1 from the sink)
  EXPECT_TRUE(pump([&] { return results.size() == 4; }));
}

TEST_F(TransportTest, ControlFromPeerIsDispatchedAndAnsweredWithItsReqid) {
  makeNodes(2);
  auto [seen, raw] = rawPeer(0, 1);
  raw.send(flagPush(1, 0, 1, 0));
  ASSERT_TRUE(pump([&] { return connected(0, 1); }));
  ASSERT_TRUE(node(0).dispatcher.registerHandler(Opcode::GetPid, [](const ControlRequest&,
                                                                    ReplySink s) {
    s.ok({4, 3, 2, 1});
  }).ok());
  protocol::ReqControl c;
  c.hdr.srcnode = 1;
  c.hdr.destnode = 0;
  c.hdr.reqid = 4242;
  c.opcode = static_cast<uint32_t>(Opcode::GetPid);
  raw.send(protocol::encodePacket(c));
  std::optional<protocol::ReplyControl> rep;
  ASSERT_TRUE(pump([&] {
    for (auto& p : seen.drain()) {
      auto h = protocol::decodeHeader(p);
      if (h && h->operation == static_cast<uint32_t>(protocol::Operation::ReplyControl))
        rep = *protocol::decodeReplyControl(p);
    }
    return rep.has_value();
  }));
  EXPECT_EQ(4242u, rep->hdr.reqid);
  EXPECT_EQ(0u, rep->hdr.srcnode);
  EXPECT_EQ(1u, rep->hdr.destnode);
  EXPECT_EQ((std::vector<uint8_t>{4, 3, 2, 1}), rep->data);
}

TEST_F(TransportTest, SilentPeerIsDeclaredDeadAfterKeepaliveLimitIntervals) {
  TransportOptions o;
  o.keepalive_interval = 50ms;
  makeNodes(2, o);
  node(0).tunables.set("KeepaliveLimit", 3);
  auto [seen, raw] = rawPeer(0, 1);
  raw.send(flagPush(1, 0, 1, 0));
  ASSERT_TRUE(pump([&] { return connected(0, 1); }));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(pump([&] { return !connected(0, 1); }, 3000ms));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 100ms);  // at least limit-1 whole intervals of silence
  EXPECT_LE(took, 1000ms);
  EXPECT_EQ(NF::kDisconnected | NF::kUnhealthy, node(0).nodes.flags(1));
  // Node 0 kept sending keepalives to its silent peer meanwhile, then hung up.
  bool eof = false;
  size_t keepalives = 0;
  for (auto& p : seen.drain(&eof)) {
    auto k = protocol::decodeReqKeepalive(p);
    if (!k) continue;
    ++keepalives;
    EXPECT_EQ(0u, k->hdr.srcnode);
    EXPECT_EQ(1u, k->hdr.destnode);
    EXPECT_EQ(protocol::kKeepaliveVersion417, k->version);
  }
  EXPECT_GE(keepalives, 2u);
  EXPECT_TRUE(eof);
}

TEST_F(TransportTest, KeepalivesKeepAnIdleLinkUp) {
  TransportOptions o;
  o.keepalive_interval = 30ms;
  makeNodes(2, o);
  node(0).tunables.set("KeepaliveLimit", 2);
  node(1).tunables.set("KeepaliveLimit", 2);
  link(0, 1);
  ASSERT_TRUE(pump([&] { return connected(0, 1) && connected(1, 0); }));
  pump([&] { return !connected(0, 1) || !connected(1, 0); }, 400ms);
  EXPECT_TRUE(connected(0, 1));
  EXPECT_TRUE(connected(1, 0));
  EXPECT_GE(node(0).transport->stats().keepalives_received, 3u);
}

TEST_F(TransportTest, PeerHeardAfterDeathReconnects) {
  makeNodes(2);
  {
    auto [seen, raw] = rawPeer(0, 1);
    raw.send(flagPush(1, 0, 1, 0));
    ASSERT_TRUE(pump([&] { return connected(0, 1); }));
  }  // both raw ends close: node 1 is dead
  ASSERT_TRUE(pump([&] { return !connected(0, 1); }));
  auto [seen, raw] = rawPeer(0, 1);
  pump([&] { return false; }, 50ms);
  EXPECT_FALSE(connected(0, 1));  // links up, but nothing heard from the peer yet
  raw.send(flagPush(1, 0, 1, NF::kPermanentlyDisabled));
  ASSERT_TRUE(pump([&] { return connected(0, 1); }));
  EXPECT_EQ(NF::kPermanentlyDisabled, node(0).nodes.flags(1));
}

TEST_F(TransportTest, PeerStateNamesEachStepOfTheConversation) {
  makeNodes(2);
  EXPECT_EQ(std::nullopt, node(0).transport->peerState(0));  // ourselves
  EXPECT_EQ(std::nullopt, node(0).transport->peerState(7));
  EXPECT_EQ(PeerState::Silent, node(0).transport->peerState(1));
  {
    // The peer's connection to us comes first: heard, not yet connected.
    auto [in, raw_in] = streamPair();
    node(0).transport->adoptIncoming(1, std::move(in));
    RawPeer raw{std::move(raw_in), protocol::PacketFramer()};
    raw.send(flagPush(1, 0, 1, 0));
    ASSERT_TRUE(pump([&] { return node(0).transport->peerState(1) == PeerState::Heard; }));
    EXPECT_FALSE(connected(0, 1));
    // Our outgoing connection comes up: connected.
    auto [out, seen_out] = streamPair();
    node(0).transport->adoptOutgoing(1, std::move(out));
    EXPECT_EQ(PeerState::Connected, node(0).transport->peerState(1));
    EXPECT_TRUE(connected(0, 1));
  }  // the peer's ends close: declared dead
  ASSERT_TRUE(pump([&] { return !connected(0, 1); }));
  EXPECT_EQ(PeerState::Silent, node(0).transport->peerState(1));
}

TEST_F(TransportTest, FailedConnectAttemptsMakeThePeerFailingUntilHeard) {
  TransportOptions o;
  o.keepalive_interval = 10s;
  o.reconnect_min = 10ms;
  TestNode n0(*loop_, 0, 2, o, /*is_connecting=*/true);
  n0.transport->start();  // bind() to 198.18.0.1 fails: not a local address here
  EXPECT_EQ(PeerState::Failing, n0.transport->peerState(1));
  auto [in, raw_in] = streamPair();
  n0.transport->adoptIncoming(1, std::move(in));
  RawPeer raw{std::move(raw_in), protocol::PacketFramer()};
  raw.send(flagPush(1, 0, 1, 0));
  ASSERT_TRUE(pump([&] { return n0.transport->peerState(1) == PeerState::Heard; }));
  auto [out, seen_out] = streamPair();
  n0.transport->adoptOutgoing(1, std::move(out));
  EXPECT_EQ(PeerState::Connected, n0.transport->peerState(1));
}

TEST_F(TransportTest, GarbageOnIncomingLinkDropsThatLink) {
  makeNodes(2);
  auto [seen, raw] = rawPeer(0, 1);
  std::vector<uint8_t> junk(64, 0xAB);
  raw.send(junk);
  bool eof = false;
  ASSERT_TRUE(pump([&] {
    raw.drain(&eof);
    return eof;
  }));
  EXPECT_FALSE(connected(0, 1));
}

TEST_F(TransportTest, OversizedPacketDropsTheLink) {
  makeNodes(2);
  auto [seen, raw] = rawPeer(0, 1);
  protocol::ReqMessage m;
  m.hdr.srcnode = 1;
  auto pkt = protocol::encodePacket(m);
  uint32_t huge = NodeLink::kMaxPacketSize + 8;
  memcpy(pkt.data(), &huge, 4);  // length field, little-endian host
  raw.send(pkt);
  bool eof = false;
  ASSERT_TRUE(pump([&] {
    raw.drain(&eof);
    return eof;
  }));
}

}  // namespace
}  // namespace ctdb::server
