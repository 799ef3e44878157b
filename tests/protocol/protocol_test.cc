/*
 * Unit tests of the protocol marshalling: golden packets captured from the
 * stock CTDB 4.17 CLI and ctdbd (golden_packets.h), round trips of every
 * packet kind and data type, rejections, the PacketFramer and the constants.
 */
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "golden_packets.h"
#include "protocol/constants.h"
#include "protocol/packet.h"
#include "protocol/types.h"

namespace ctdb::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

template <size_t N>
Bytes bytesOf(const uint8_t (&a)[N]) {
  return Bytes(a, a + N);
}

SockAddr addr(const char* text, uint16_t port = 0) {
  auto ip = IpAddress::parse(text);
  EXPECT_TRUE(ip.ok()) << text;
  return SockAddr{ip.ok() ? *ip : IpAddress{}, port};
}

void putU32(Bytes& b, size_t off, uint32_t v) { std::memcpy(b.data() + off, &v, 4); }

/* Decodes a golden REQ_CONTROL, checks it re-encodes to the same bytes. */
template <size_t N>
ReqControl goldenReqControl(const uint8_t (&pkt)[N], Opcode op) {
  auto c = decodeReqControl(std::span<const uint8_t>(pkt, N));
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message());
  if (!c.ok()) return {};
  EXPECT_EQ(c->opcode, static_cast<uint32_t>(op));
  EXPECT_EQ(encodePacket(*c), bytesOf(pkt));
  return *c;
}

template <size_t N>
ReplyControl goldenReply(const uint8_t (&pkt)[N]) {
  auto r = decodeReplyControl(std::span<const uint8_t>(pkt, N));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  if (!r.ok()) return {};
  EXPECT_EQ(encodePacket(*r), bytesOf(pkt));
  return *r;
}

template <size_t N>
ReqMessage goldenMessage(const uint8_t (&pkt)[N], uint64_t srvid) {
  auto m = decodeReqMessage(std::span<const uint8_t>(pkt, N));
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message());
  if (!m.ok()) return {};
  EXPECT_EQ(m->srvid, srvid);
  EXPECT_EQ(encodePacket(*m), bytesOf(pkt));
  return *m;
}

/* Decodes data as T, expects success and an identical re-encoding. */
template <class T>
T payload(const Bytes& data) {
  auto v = decode<T>(data);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message());
  if (!v.ok()) return T{};
  EXPECT_EQ(encode(*v), data);
  return *v;
}

// ---------------------------------------------------------------- golden

TEST(GoldenTest, GetPnnRequestMatchesReferenceExample) {
  ReqControl c = goldenReqControl(golden::kPnnRequest, Opcode::GetPnn);
  EXPECT_EQ(c.hdr.length, 64u);
  EXPECT_EQ(c.hdr.operation, static_cast<uint32_t>(Operation::ReqControl));
  EXPECT_EQ(c.hdr.destnode, kCurrentNode);
  EXPECT_EQ(c.hdr.srcnode, kUnknownPnn);
  EXPECT_EQ(c.hdr.reqid, 2147483448u);
  EXPECT_EQ(c.hdr.generation, 0u);
  EXPECT_TRUE(c.data.empty());

  ReqControl built;
  built.hdr.destnode = kCurrentNode;
  built.hdr.srcnode = kUnknownPnn;
  built.hdr.reqid = 2147483448u;
  built.opcode = static_cast<uint32_t>(Opcode::GetPnn);
  EXPECT_EQ(encodePacket(built), bytesOf(golden::kPnnRequest));
}

TEST(GoldenTest, GetPnnReplyCarriesPnnInStatus) {
  ReplyControl r = goldenReply(golden::kPnnReply);
  EXPECT_EQ(r.hdr.length, 48u);
  EXPECT_EQ(r.hdr.generation, 1910388866u);
  EXPECT_EQ(r.hdr.reqid, 2147483448u);
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.data.empty());
  EXPECT_FALSE(r.errmsg.has_value());
}

TEST(GoldenTest, RegisterSrvidCarriesSrvidInControlHeader) {
  ReqControl c = goldenReqControl(golden::kRegisterLeaderRequest, Opcode::RegisterSrvid);
  EXPECT_EQ(c.srvid, kSrvidLeader);
}

TEST(GoldenTest, PingReplyStatusIsClientCount) {
  ReplyControl r = goldenReply(golden::kPingReply);
  EXPECT_EQ(r.status, 2);
}

TEST(GoldenTest, ShutdownRequestHasNoReplyFlag) {
  ReqControl c = goldenReqControl(golden::kShutdownRequest, Opcode::Shutdown);
  EXPECT_EQ(c.flags, kCtrlFlagNoReply);
}

TEST(GoldenTest, NodemapReply) {
  ReplyControl r = goldenReply(golden::kNodemapReply);
  ASSERT_EQ(r.data.size(), 112u);
  NodeMap m = payload<NodeMap>(r.data);
  ASSERT_EQ(m.nodes.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(m.nodes[i].pnn, i);
    EXPECT_EQ(m.nodes[i].flags, 0u);
    EXPECT_EQ(m.nodes[i].addr.port, 4379);
    EXPECT_EQ(m.nodes[i].addr.ip.toString(), "198.18.0." + std::to_string(i + 1));
  }
  EXPECT_EQ(m.nodes[0].addr.toString(), "198.18.0.1:4379");
}

TEST(GoldenTest, VnnmapReply) {
  ReplyControl r = goldenReply(golden::kVnnmapReply);
  VnnMap v = payload<VnnMap>(r.data);
  EXPECT_EQ(v.generation, 1910388866u);
  EXPECT_EQ(v.map, (std::vector<uint32_t>{0, 1, 2}));
}

TEST(GoldenTest, RunstateReply) {
  ReplyControl r = goldenReply(golden::kRunstateReply);
  auto v = decodeU32(r.data);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(static_cast<Runstate>(*v), Runstate::Running);
  EXPECT_EQ(encodeU32(*v), r.data);
}

TEST(GoldenTest, IfacesReplyIsUnpadded72Bytes) {
  ReplyControl r = goldenReply(golden::kIfacesReply);
  EXPECT_EQ(r.hdr.length, 72u);
  IfaceList l = payload<IfaceList>(r.data);
  ASSERT_EQ(l.ifaces.size(), 1u);
  EXPECT_EQ(l.ifaces[0].name, "eth0");
  EXPECT_EQ(l.ifaces[0].link_state, 1);
  EXPECT_EQ(l.ifaces[0].references, 2u);
}

TEST(GoldenTest, PublicIpsReply) {
  ReplyControl r = goldenReply(golden::kPublicIpsReply);
  ASSERT_EQ(r.data.size(), 196u);
  PublicIpList l = payload<PublicIpList>(r.data);
  ASSERT_EQ(l.ips.size(), 6u);
  const uint32_t pnns[] = {1, 0, 2, 1, 0, 2};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(l.ips[i].pnn, pnns[i]);
    EXPECT_EQ(l.ips[i].addr, addr(("198.19.0." + std::to_string(6 - i)).c_str()));
  }
}

TEST(GoldenTest, PublicIpInfoRequestAndReply) {
  ReqControl c = goldenReqControl(golden::kIpInfoRequest, Opcode::GetPublicIpInfo);
  EXPECT_EQ(payload<SockAddr>(c.data), addr("198.19.0.1"));

  ReplyControl r = goldenReply(golden::kIpInfoReply);
  ASSERT_EQ(r.data.size(), 64u);
  PublicIpInfo info = payload<PublicIpInfo>(r.data);
  EXPECT_EQ(info.ip.pnn, 2u);
  EXPECT_EQ(info.ip.addr, addr("198.19.0.1"));
  EXPECT_EQ(info.active_idx, 0xFFFFFFFFu);
  ASSERT_EQ(info.ifaces.ifaces.size(), 1u);
  EXPECT_EQ(info.ifaces.ifaces[0], (Iface{"eth0", 1, 2}));
}

TEST(GoldenTest, PublicIpInfoUnknownIpFails) {
  ReplyControl r = goldenReply(golden::kIpInfoUnknownReply);
  EXPECT_EQ(r.status, -1);
  EXPECT_TRUE(r.data.empty());
  EXPECT_FALSE(r.errmsg.has_value());
}

TEST(GoldenTest, AddPublicIpRequest) {
  ReqControl c = goldenReqControl(golden::kAddIpRequest, Opcode::AddPublicIp);
  ASSERT_EQ(c.data.size(), 41u);
  AddrInfo a = payload<AddrInfo>(c.data);
  EXPECT_EQ(a.addr, addr("198.19.1.1"));
  EXPECT_EQ(a.mask, 16u);
  EXPECT_EQ(a.iface, std::optional<std::string>("eth0"));
}

TEST(GoldenTest, DelPublicIpRequestHasNoIface) {
  ReqControl c = goldenReqControl(golden::kDelIpRequest, Opcode::DelPublicIp);
  ASSERT_EQ(c.data.size(), 36u);
  AddrInfo a = payload<AddrInfo>(c.data);
  EXPECT_EQ(a.addr, addr("198.19.1.1"));
  EXPECT_EQ(a.mask, 0u);
  EXPECT_FALSE(a.iface.has_value());
}

TEST(GoldenTest, GratuitousArpKeepsGarbageMask) {
  ReqControl c = goldenReqControl(golden::kGratArpRequest, Opcode::SendGratuitousArp);
  AddrInfo a = payload<AddrInfo>(c.data);
  EXPECT_EQ(a.addr, addr("198.19.0.2"));
  EXPECT_EQ(a.mask, 0xd53471b1u);
  EXPECT_EQ(a.iface, std::optional<std::string>("eth0"));
}

TEST(GoldenTest, SetTunableRequest) {
  ReqControl c = goldenReqControl(golden::kSetTunableRequest, Opcode::SetTunable);
  TunableValue t = payload<TunableValue>(c.data);
  EXPECT_EQ(t.value, 10u);
  EXPECT_EQ(t.name, "TakeoverTimeout");
}

TEST(GoldenTest, GetTunableRequestAndReply) {
  ReqControl c = goldenReqControl(golden::kGetTunableRequest, Opcode::GetTunable);
  EXPECT_EQ(payload<StringN>(c.data).s, std::optional<std::string>("TakeoverTimeout"));
  ReplyControl r = goldenReply(golden::kGetTunableReply);
  auto v = decodeU32(r.data);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 9u);
}

TEST(GoldenTest, ListTunablesReplyHasLeadingColon) {
  ReplyControl r = goldenReply(golden::kListTunablesReply);
  ASSERT_EQ(r.data.size(), 823u);
  VarList v = payload<VarList>(r.data);
  ASSERT_EQ(v.names.size(), 49u);
  EXPECT_EQ(v.names.front(), "SeqnumInterval");
  EXPECT_EQ(v.names[8], "TakeoverTimeout");
  EXPECT_EQ(v.names.back(), "AllowMixedVersions");
  EXPECT_EQ(r.data[4], ':');
}

TEST(GoldenTest, UptimeReply) {
  ReplyControl r = goldenReply(golden::kUptimeReply);
  Uptime u = payload<Uptime>(r.data);
  EXPECT_EQ(u.current_time, (Timeval{1795657921, 358461}));
  EXPECT_EQ(u.ctdbd_start_time, (Timeval{1795657817, 888373}));
  EXPECT_EQ(u.last_recovery_started, (Timeval{1795657913, 302084}));
  EXPECT_EQ(u.last_recovery_finished, (Timeval{1795657913, 350969}));
}

TEST(GoldenTest, SetBanStateRequest) {
  ReqControl c = goldenReqControl(golden::kSetBanStateRequest, Opcode::SetBanState);
  EXPECT_EQ(payload<BanState>(c.data), (BanState{0, 30}));
}

TEST(GoldenTest, SetIfaceLinkStateRequest) {
  ReqControl c = goldenReqControl(golden::kSetIfaceLinkRequest, Opcode::SetIfaceLinkState);
  EXPECT_EQ(payload<Iface>(c.data), (Iface{"eth0", 0, 0}));
}

TEST(GoldenTest, ReleaseIpRequest) {
  ReqControl c = goldenReqControl(golden::kReleaseIpRequest, Opcode::ReleaseIp);
  PublicIp ip = payload<PublicIp>(c.data);
  EXPECT_EQ(ip.pnn, 1u);
  EXPECT_EQ(ip.addr, addr("198.19.0.2"));
}

TEST(GoldenTest, LeaderMessage) {
  ReqMessage m = goldenMessage(golden::kLeaderMessage, kSrvidLeader);
  EXPECT_EQ(m.hdr.reqid, 0u);
  auto v = decodeU32(m.data);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 1u);
}

TEST(GoldenTest, TakeoverRunMessageAndAnswer) {
  ReqMessage m = goldenMessage(golden::kTakeoverRunMessage, kSrvidTakeoverRun);
  SrvidMessage s = payload<SrvidMessage>(m.data);
  EXPECT_EQ(s.pnn, 0u);
  EXPECT_EQ(s.srvid, 0xce0100005cc20001ULL);
  EXPECT_EQ(s.srvid & kSrvidRangeMask, kSrvidToolRange);

  ReqMessage a = goldenMessage(golden::kTakeoverRunAnswer, 0xce0100005cc20001ULL);
  auto v = decodeI32(a.data);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 0);
  EXPECT_EQ(encodeI32(*v), a.data);
}

TEST(GoldenTest, DisableTakeoverRunsMessage) {
  ReqMessage m = goldenMessage(golden::kDisableTakeoverRunsMessage, kSrvidDisableTakeoverRuns);
  DisableMessage d = payload<DisableMessage>(m.data);
  EXPECT_EQ(d.pnn, 0u);
  EXPECT_EQ(d.srvid, 0xce0100005b030001ULL);
  EXPECT_EQ(d.timeout, 20u);
}

TEST(GoldenTest, RebalanceAndDisableIpCheckMessages) {
  ReqMessage m = goldenMessage(golden::kRebalanceMessage, kSrvidRebalanceNode);
  EXPECT_EQ(m.hdr.destnode, kBroadcastConnected);
  EXPECT_TRUE(decodeU32(m.data).ok());
  ReqMessage d = goldenMessage(golden::kDisableIpCheckMessage, kSrvidDisableIpCheck);
  auto v = decodeU32(d.data);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 20u);
}

// ---------------------------------------------------------------- round trips

template <class T>
void expectRoundTrip(const T& v, size_t expected_size) {
  Bytes b = encode(v);
  EXPECT_EQ(b.size(), expected_size);
  auto d = decode<T>(b);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(*d, v);
  // Trailing bytes are ignored, like CTDB.
  b.push_back(0xAA);
  auto t = decode<T>(b);
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(*t, v);
}

TEST(RoundTripTest, SockAddrIpv4AndIpv6) {
  expectRoundTrip(addr("198.18.0.1", 4379), 28);
  expectRoundTrip(addr("fd00::10"), 28);
  expectRoundTrip(addr("fd00::1", 4379), 28);
}

TEST(RoundTripTest, SockAddrLayoutZeroesUnusedBytes) {
  Bytes v4 = encode(addr("198.19.7.1"));
  Bytes want4(28, 0);
  want4[0] = 2;
  want4[4] = 0xc6; want4[5] = 0x13; want4[6] = 0x07; want4[7] = 0x01;
  EXPECT_EQ(v4, want4);

  Bytes v6 = encode(addr("fd00::10", 4379));
  Bytes want6(28, 0);
  want6[0] = 10;
  want6[2] = 0x11; want6[3] = 0x1b;
  want6[8] = 0xfd; want6[23] = 0x10;
  EXPECT_EQ(v6, want6);
}

TEST(RoundTripTest, SockAddrToString) {
  EXPECT_EQ(addr("198.18.0.1").toString(), "198.18.0.1");
  EXPECT_EQ(addr("198.18.0.1", 4379).toString(), "198.18.0.1:4379");
  EXPECT_EQ(addr("fd00::1", 4379).toString(), "[fd00::1]:4379");
}

TEST(RoundTripTest, FixedRecords) {
  expectRoundTrip(PublicIp{kUnknownPnn, addr("198.19.0.9")}, 32);
  expectRoundTrip(NodeAndFlags{2, NodeFlags::kBanned | NodeFlags::kStopped, addr("198.18.0.3", 4379)},
                  36);
  expectRoundTrip(Iface{"eth0", 1, 3}, 24);
  expectRoundTrip(BanState{1, 300}, 8);
  expectRoundTrip(NodeFlagChange{1, 0x4, 0x0}, 12);
  expectRoundTrip(SrvidMessage{2, 0xce01000012340005ULL}, 16);
  expectRoundTrip(DisableMessage{1, 0xce01000012340001ULL, 20}, 24);
  expectRoundTrip(PidSrvid{4242, 0xBE00000000000001ULL}, 12);
  expectRoundTrip(Timeval{-5, 999999}, 16);
  expectRoundTrip(Uptime{{1, 2}, {3, 4}, {5, 6}, {7, 8}}, 64);
  expectRoundTrip(Connection{addr("198.19.0.1", 445), addr("198.18.5.5", 50000)}, 56);
}

TEST(RoundTripTest, Lists) {
  expectRoundTrip(PublicIpList{}, 4);
  expectRoundTrip(PublicIpList{{{0, addr("198.19.0.1")}, {1, addr("fd00::5")}}}, 4 + 64);
  expectRoundTrip(NodeMap{{{0, 0, addr("198.18.0.1", 4379)}, {1, 0x10, addr("0.0.0.0", 4379)}}},
                  4 + 72);
  expectRoundTrip(VnnMap{12345, {0, 1, 2, 1}}, 8 + 16);
  expectRoundTrip(IfaceList{{{"eth0", 1, 2}, {"eth1", 0, 0}}}, 4 + 48);
  expectRoundTrip(PublicIpInfo{{0, addr("198.19.0.2")}, 1, {{{"eth0", 1, 2}, {"eth1", 1, 1}}}},
                  40 + 48);
  ConnectionList cl{{{addr("198.19.0.1", 445), addr("198.18.5.5", 1000)},
                     {addr("fd00::1", 2049), addr("fd00::9", 900)}}};
  expectRoundTrip(cl, 4 + 112);
  expectRoundTrip(TickleList{addr("198.19.0.1"), cl.conns}, 32 + 112);
  expectRoundTrip(EchoData{5, {1, 2, 3, 4, 5}}, 13);
  TunableList tl;
  for (size_t i = 0; i < tl.values.size(); ++i) tl.values[i] = static_cast<uint32_t>(i * 7);
  expectRoundTrip(tl, 248);
}

TEST(RoundTripTest, StringsAndTunables) {
  expectRoundTrip(AddrInfo{addr("198.19.1.1"), 16, "eth0"}, 41);
  expectRoundTrip(AddrInfo{addr("fd00::10"), 64, std::nullopt}, 36);
  expectRoundTrip(TunableValue{1, "NoIPFailback"}, 21);
  expectRoundTrip(StringN{"NoIPFailback"}, 17);
  expectRoundTrip(StringN{std::nullopt}, 4);
  EXPECT_EQ(encode(String{"198.19.0.1"}).size(), 11u);
  auto s = decode<String>(encode(String{"198.19.0.1"}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->s, std::optional<std::string>("198.19.0.1"));
  auto none = decode<String>(Bytes{});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->s.has_value());
  EXPECT_TRUE(encode(String{std::nullopt}).empty());
}

TEST(RoundTripTest, VarListEncodesLikeCtdbd) {
  Bytes b = encode(VarList{{"A", "Bc"}});
  Bytes want = {6, 0, 0, 0, ':', 'A', ':', 'B', 'c', 0};
  EXPECT_EQ(b, want);
  expectRoundTrip(VarList{{"SeqnumInterval", "ControlTimeout"}}, 4 + 31);
  expectRoundTrip(VarList{}, 5);
}

TEST(RoundTripTest, VarListDecodeSkipsEmptyTokensAndStopsAtNul) {
  Bytes b = {9, 0, 0, 0, 'x', ':', ':', 'y', ':', 0, 'z', 'z', 'z'};
  auto v = decode<VarList>(b);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->names, (std::vector<std::string>{"x", "y"}));
}

TEST(RoundTripTest, Scalars) {
  EXPECT_EQ(encodeU32(0xFFFFFFFF), (Bytes{0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(encodeI32(-1), (Bytes{0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(*decodeI32(encodeI32(-22)), -22);
  EXPECT_EQ(*decodeU64(encodeU64(kSrvidLeader)), kSrvidLeader);
  EXPECT_FALSE(decodeU32(Bytes{1, 2, 3}).ok());
  EXPECT_FALSE(decodeI32(Bytes{}).ok());
}

TEST(IfaceTest, LongNameIsTruncatedTo16AndKeepsNul) {
  Iface i{"abcdefghijklmnopqrstuvwxyz", 1, 0};
  Bytes b = encode(i);
  ASSERT_EQ(b.size(), 24u);
  EXPECT_EQ(b[15], 'p');
  EXPECT_EQ(b[16], 0);
  EXPECT_EQ(b[17], 0);
  auto d = decode<Iface>(b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->name, "abcdefghijklmnop");
}

TEST(IfaceTest, DecodeStopsAtFieldEndWithoutNul) {
  Bytes b(24, 'x');
  b[18] = 1; b[19] = 0;
  b[20] = 7; b[21] = 0; b[22] = 0; b[23] = 0;
  auto d = decode<Iface>(b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->name, std::string(18, 'x'));
  EXPECT_EQ(d->link_state, 1);
  EXPECT_EQ(d->references, 7u);
}

// ---------------------------------------------------------------- packets

TEST(PacketTest, AllKindsRoundTripAndPadTo8) {
  ReqControl c;
  c.hdr = {0, kMagic, kVersion, 77, 0, 1, 0, 42};
  c.opcode = static_cast<uint32_t>(Opcode::TakeoverIp);
  c.srvid = 9;
  c.client_id = 3;
  c.flags = kPublicIpFlagsOnlyAvailable;
  c.data = encode(PublicIp{1, addr("198.19.0.2")});
  Bytes b = encodePacket(c);
  EXPECT_EQ(b.size(), 96u);  // 60 + 32 = 92 -> 96
  EXPECT_EQ(b[92], 0);
  auto dc = decodeReqControl(b);
  ASSERT_TRUE(dc.ok());
  c.hdr.length = 96;
  c.hdr.operation = static_cast<uint32_t>(Operation::ReqControl);
  EXPECT_EQ(*dc, c);

  ReplyControl r;
  r.hdr.reqid = 42;
  r.status = -1;
  r.data = {1, 2, 3};
  r.errmsg = "no such IP";
  Bytes rb = encodePacket(r);
  EXPECT_EQ(rb.size(), paddedLength(44 + 3 + 11));
  auto dr = decodeReplyControl(rb);
  ASSERT_TRUE(dr.ok());
  EXPECT_EQ(dr->status, -1);
  EXPECT_EQ(dr->data, r.data);
  EXPECT_EQ(dr->errmsg, r.errmsg);

  ReqMessage m;
  m.hdr.destnode = kBroadcastConnected;
  m.srvid = kSrvidTakeoverRun;
  m.data = encode(SrvidMessage{0, 0xce01000000010001ULL});
  Bytes mb = encodePacket(m);
  EXPECT_EQ(mb.size(), 64u);  // 44 + 16 = 60 -> 64
  auto dm = decodeReqMessage(mb);
  ASSERT_TRUE(dm.ok());
  EXPECT_EQ(dm->data, m.data);
  EXPECT_EQ(dm->hdr.destnode, kBroadcastConnected);

  ReqKeepalive k;
  k.hdr.destnode = 2;
  k.hdr.srcnode = 0;
  k.version = 0x0001;
  k.uptime = 1234;
  Bytes kb = encodePacket(k);
  EXPECT_EQ(kb.size(), 40u);
  auto dk = decodeReqKeepalive(kb);
  ASSERT_TRUE(dk.ok());
  EXPECT_EQ(dk->uptime, 1234u);
  EXPECT_EQ(dk->version, 1u);
}

TEST(PacketTest, ReplyErrmsgWithoutNulIsTolerated) {
  ReplyControl r;
  r.status = -1;
  r.errmsg = "abc";
  Bytes b = encodePacket(r);
  b[44 + 3] = 'd';  // overwrite the NUL: errorlen 4 bytes "abcd"
  auto d = decodeReplyControl(b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->errmsg, std::optional<std::string>("abcd"));
}

TEST(PacketTest, UnpaddedPacketsAreAccepted) {
  Bytes b = bytesOf(golden::kPnnRequest);
  b.resize(60);
  putU32(b, 0, 60);
  auto c = decodeReqControl(b);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->opcode, static_cast<uint32_t>(Opcode::GetPnn));
}

TEST(PacketTest, DecodeUsesOnlyHdrLengthBytes) {
  Bytes b = bytesOf(golden::kLeaderMessage);
  b.insert(b.end(), 16, 0xEE);  // next packet's bytes in the same buffer
  auto m = decodeReqMessage(b);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->hdr.length, 48u);
}

// ---------------------------------------------------------------- rejections

std::string errorOf(const Result<ReqControl>& r) { return r.ok() ? "" : r.error().context; }
std::string errorOf(const Result<ReplyControl>& r) { return r.ok() ? "" : r.error().context; }
std::string errorOf(const Result<ReqMessage>& r) { return r.ok() ? "" : r.error().context; }
std::string errorOf(const Result<PacketHeader>& r) { return r.ok() ? "" : r.error().context; }

TEST(RejectTest, BufferShorterThanHeader) {
  Bytes b = bytesOf(golden::kPnnRequest);
  b.resize(20);
  EXPECT_EQ(errorOf(decodeHeader(b)), "packet of 20 bytes shorter than 32-byte header");
  EXPECT_FALSE(decodeReqControl(b).ok());
}

TEST(RejectTest, LengthFieldShorterThanHeader) {
  Bytes b = bytesOf(golden::kPnnRequest);
  putU32(b, 0, 20);
  EXPECT_EQ(errorOf(decodeHeader(b)), "packet length 20 shorter than header");
}

TEST(RejectTest, LengthFieldBeyondBuffer) {
  Bytes b = bytesOf(golden::kPnnRequest);
  putU32(b, 0, 72);
  EXPECT_EQ(errorOf(decodeHeader(b)), "packet length 72 exceeds buffer of 64 bytes");
  b.resize(40);  // truncated packet
  putU32(b, 0, 64);
  EXPECT_FALSE(decodeReqControl(b).ok());
}

TEST(RejectTest, WrongMagic) {
  Bytes b = bytesOf(golden::kPnnRequest);
  putU32(b, 4, 0x12345678);
  EXPECT_EQ(errorOf(decodeHeader(b)), "bad magic 0x12345678");
  EXPECT_EQ(errorOf(decodeReqControl(b)), "bad magic 0x12345678");
}

TEST(RejectTest, WrongVersion) {
  Bytes b = bytesOf(golden::kPnnReply);
  putU32(b, 8, 2);
  EXPECT_EQ(errorOf(decodeReplyControl(b)), "unsupported protocol version 2");
}

TEST(RejectTest, WrongOperation) {
  auto r = decodeReplyControl(bytesOf(golden::kPnnRequest));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().context.find("operation 7 (REQ_CONTROL) is not REPLY_CONTROL"),
            std::string::npos)
      << r.error().context;
}

TEST(RejectTest, ControlShorterThanFixedPart) {
  Bytes b = bytesOf(golden::kPnnRequest);
  b.resize(56);
  putU32(b, 0, 56);
  EXPECT_EQ(errorOf(decodeReqControl(b)),
            "control request: packet length 56 shorter than 60-byte fixed part");
}

TEST(RejectTest, ControlDatalenAllOnes) {
  Bytes b = bytesOf(golden::kPnnRequest);
  putU32(b, 56, 0xFFFFFFFF);
  EXPECT_EQ(errorOf(decodeReqControl(b)), "control datalen 4294967295 exceeds packet length 64");
}

TEST(RejectTest, ControlDatalenJustTooLong) {
  Bytes b = bytesOf(golden::kPnnRequest);
  putU32(b, 56, 5);  // 4 bytes of padding available
  EXPECT_EQ(errorOf(decodeReqControl(b)), "control datalen 5 exceeds packet length 64");
  putU32(b, 56, 4);  // padding counted as data: allowed
  EXPECT_TRUE(decodeReqControl(b).ok());
}

TEST(RejectTest, ReplyDatalenAndErrorlenInconsistent) {
  Bytes b = bytesOf(golden::kPnnReply);  // 48 bytes, 4 after the fixed part
  putU32(b, 36, 0xFFFFFFFF);
  EXPECT_EQ(errorOf(decodeReplyControl(b)),
            "control reply datalen 4294967295 exceeds packet length 48");
  putU32(b, 36, 2);
  putU32(b, 40, 3);
  EXPECT_EQ(errorOf(decodeReplyControl(b)),
            "control reply errorlen 3 after datalen 2 exceeds packet length 48");
  putU32(b, 40, 2);
  EXPECT_TRUE(decodeReplyControl(b).ok());
}

TEST(RejectTest, MessageDatalenTooLong) {
  Bytes b = bytesOf(golden::kLeaderMessage);
  putU32(b, 40, 0xFFFFFFFF);
  EXPECT_EQ(errorOf(decodeReqMessage(b)), "message datalen 4294967295 exceeds packet length 48");
}

TEST(RejectTest, TruncatedTypesNameTypeAndField) {
  Bytes nm = encode(NodeMap{{{0, 0, addr("198.18.0.1")}, {1, 0, addr("198.18.0.2")}}});
  nm.resize(nm.size() - 10);
  auto d = decode<NodeMap>(nm);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().context, "node_map: num 2 needs 72 bytes, have 62");

  Bytes ip = encode(PublicIp{1, addr("198.19.0.1")});
  ip.resize(14);
  auto pi = decode<PublicIp>(ip);
  ASSERT_FALSE(pi.ok());
  EXPECT_EQ(pi.error().context, "public_ip: addr: need 28 bytes at offset 4, have 10");

  auto big = decode<PublicIpList>(Bytes{0xff, 0xff, 0xff, 0xff});
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().context.find("public_ip_list: num 4294967295"), std::string::npos);

  auto ai = decode<AddrInfo>(Bytes(30, 0));
  ASSERT_FALSE(ai.ok());
  EXPECT_NE(ai.error().context.find("addr_info"), std::string::npos);

  Bytes sn = encode(StringN{"eth0"});
  sn.pop_back();
  auto s = decode<StringN>(sn);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().context, "stringn: string: length 5 exceeds remaining 4 bytes");

  EXPECT_FALSE(decode<Uptime>(Bytes(63, 0)).ok());
  EXPECT_FALSE(decode<TunableList>(Bytes(247, 0)).ok());
  EXPECT_FALSE(decode<VarList>(Bytes{10, 0, 0, 0, ':', 'a'}).ok());
  EXPECT_FALSE(decode<EchoData>(Bytes{0, 0, 0, 0, 9, 0, 0, 0, 1}).ok());
  EXPECT_FALSE(decode<DisableMessage>(Bytes(20, 0)).ok());
  EXPECT_FALSE(decode<TickleList>(Bytes(31, 0)).ok());
}

TEST(RejectTest, SockAddrUnknownFamily) {
  Bytes b = encode(addr("198.18.0.1"));
  b[0] = 1;  // AF_UNIX
  auto d = decode<SockAddr>(b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().context, "sock_addr: addr: unsupported address family 1");
}

// ---------------------------------------------------------------- framer

Bytes stream(std::initializer_list<Bytes> pkts) {
  Bytes s;
  for (const auto& p : pkts) s.insert(s.end(), p.begin(), p.end());
  return s;
}

TEST(FramerTest, ReassemblesBytewiseStream) {
  Bytes a = bytesOf(golden::kPnnRequest), b = bytesOf(golden::kIfacesReply),
        c = bytesOf(golden::kLeaderMessage);
  Bytes s = stream({a, b, c});
  PacketFramer f;
  std::vector<Bytes> out;
  for (uint8_t byte : s) {
    f.append(std::span<const uint8_t>(&byte, 1));
    for (;;) {
      auto n = f.next();
      ASSERT_TRUE(n.ok()) << n.error().message();
      if (!n->has_value()) break;
      out.push_back(**n);
    }
  }
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], a);
  EXPECT_EQ(out[1], b);
  EXPECT_EQ(out[2], c);
  EXPECT_EQ(f.buffered(), 0u);
}

TEST(FramerTest, ManySmallPacketsInOneAppend) {
  Bytes one = bytesOf(golden::kLeaderMessage);
  Bytes s;
  const size_t n = 20000;
  s.reserve(one.size() * n);
  for (size_t i = 0; i < n; ++i) s.insert(s.end(), one.begin(), one.end());
  PacketFramer f;
  f.append(s);
  size_t count = 0;
  for (;;) {
    auto p = f.next();
    ASSERT_TRUE(p.ok());
    if (!p->has_value()) break;
    ASSERT_EQ(**p, one);
    ++count;
  }
  EXPECT_EQ(count, n);
}

TEST(FramerTest, PartialPacketWaits) {
  Bytes a = bytesOf(golden::kNodemapReply);
  PacketFramer f;
  f.append(std::span<const uint8_t>(a).first(100));
  auto p = f.next();
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->has_value());
  EXPECT_EQ(f.buffered(), 100u);
  f.append(std::span<const uint8_t>(a).subspan(100));
  p = f.next();
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ(**p, a);
}

TEST(FramerTest, RejectsShortLength) {
  Bytes a = bytesOf(golden::kPnnRequest);
  putU32(a, 0, 20);
  PacketFramer f;
  f.append(a);
  auto p = f.next();
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().context, "packet length 20 shorter than header");
  EXPECT_TRUE(f.failed());
  EXPECT_FALSE(f.next().ok());  // sticky
}

TEST(FramerTest, RejectsOversizedBeforeBuffering) {
  PacketFramer f(1024);
  Bytes a = bytesOf(golden::kPnnRequest);
  putU32(a, 0, 4096);
  f.append(std::span<const uint8_t>(a).first(4));
  auto p = f.next();
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().context, "packet length 4096 exceeds maximum 1024");
}

TEST(FramerTest, RejectsBadMagicAndVersion) {
  Bytes a = bytesOf(golden::kPnnRequest);
  putU32(a, 4, 0xdeadbeef);
  PacketFramer f;
  f.append(std::span<const uint8_t>(a).first(8));
  auto p = f.next();
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().context, "bad magic 0xdeadbeef");

  Bytes b = bytesOf(golden::kPnnRequest);
  putU32(b, 8, 7);
  PacketFramer g;
  g.append(b);
  auto q = g.next();
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().context, "unsupported protocol version 7");
}

// ---------------------------------------------------------------- constants

TEST(ConstantsTest, OpcodeNames) {
  EXPECT_STREQ(opcodeName(Opcode::GetPnn), "GET_PNN");
  EXPECT_STREQ(opcodeName(Opcode::GetVnnmap), "GETVNNMAP");
  EXPECT_STREQ(opcodeName(Opcode::GetPublicIpInfo), "GET_PUBLIC_IP_INFO");
  EXPECT_STREQ(opcodeName(Opcode::GetPublicIpsv4), "GET_PUBLIC_IPSv4");
  EXPECT_STREQ(opcodeName(Opcode::ProcessExists), "PROCESS_EXISTS");
  EXPECT_STREQ(opcodeName(Opcode::EnableNode), "ENABLE_NODE");
  EXPECT_EQ(opcodeName(2u), nullptr);
  EXPECT_EQ(opcodeName(159u), nullptr);
  EXPECT_EQ(opcodeName(0xFFFFFFFFu), nullptr);
  EXPECT_EQ(opcodeFromName("IPREALLOCATED"), Opcode::Ipreallocated);
  EXPECT_FALSE(opcodeFromName("NOPE").has_value());
  EXPECT_EQ(static_cast<uint32_t>(Opcode::GetNodemap), 91u);
  EXPECT_EQ(static_cast<uint32_t>(Opcode::DisableNode), 157u);
  EXPECT_STREQ(operationName(8), "REPLY_CONTROL");
  EXPECT_EQ(operationName(6), nullptr);
}

TEST(ConstantsTest, Runstates) {
  EXPECT_STREQ(runstateToString(Runstate::Running), "RUNNING");
  EXPECT_STREQ(runstateToString(Runstate::FirstRecovery), "FIRST_RECOVERY");
  EXPECT_STREQ(runstateToString(static_cast<Runstate>(99)), "UNKNOWN");
  EXPECT_EQ(runstateFromString("running"), Runstate::Running);
  EXPECT_EQ(runstateFromString("SHUTDOWN"), Runstate::Shutdown);
  EXPECT_FALSE(runstateFromString("RUN").has_value());
}

TEST(ConstantsTest, FlagMasks) {
  EXPECT_EQ(NodeFlags::kDisabled, 0x06u);
  EXPECT_EQ(NodeFlags::kInactive, 0x39u);
  EXPECT_EQ(kCapDefault, kCapRecmaster | kCapLmaster | kCapParallelRecovery | kCapFragmentedControls);
}

}  // namespace
}  // namespace ctdb::protocol
