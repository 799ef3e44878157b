/*
 * Deterministic fuzz test of the protocol decoders, built with
 * -fsanitize=address,undefined -fno-sanitize-recover=all (see CMakeLists.txt):
 * the protocol sources are compiled into this executable directly so that
 * every read they do is checked.
 *
 * Inputs start from valid encodings of every packet kind and data type (and
 * the golden captures), then get bit flips, byte overwrites, truncation,
 * extension and "length field games" (header length, datalen, errorlen,
 * list counts set to 0, 31, 32, size, size+1, 0xffffffff, random). Each
 * mutated input lives in an exactly-sized heap block, so a read one byte past
 * the span is an ASan error. Besides "no crash", decoders must be stable: a
 * value decoded once re-encodes to bytes that decode and re-encode to the
 * same bytes again.
 */
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "golden_packets.h"
#include "protocol/packet.h"
#include "protocol/types.h"

namespace ctdb::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr int kIterations = 20000;

SockAddr sa(const char* text, uint16_t port = 0) {
  return SockAddr{*IpAddress::parse(text), port};
}

template <size_t N>
Bytes bytesOf(const uint8_t (&a)[N]) {
  return Bytes(a, a + N);
}

std::vector<Bytes> payloadSeeds() {
  ConnectionList cl{{{sa("198.19.0.1", 445), sa("198.18.5.5", 1000)},
                     {sa("fd00::1", 2049), sa("fd00::9", 900)}}};
  TunableList tl;
  tl.values.fill(7);
  return {
      encode(sa("198.18.0.1", 4379)),
      encode(sa("fd00::10")),
      encode(PublicIp{1, sa("198.19.0.1")}),
      encode(PublicIpList{{{0, sa("198.19.0.1")}, {kUnknownPnn, sa("fd00::2")}}}),
      encode(NodeAndFlags{1, 0x20, sa("198.18.0.2", 4379)}),
      encode(NodeMap{{{0, 0, sa("198.18.0.1", 4379)}, {1, 8, sa("198.18.0.2", 4379)}}}),
      encode(VnnMap{99, {0, 1, 2}}),
      encode(Iface{"eth0", 1, 2}),
      encode(IfaceList{{{"eth0", 1, 2}, {"bond0", 0, 0}}}),
      encode(PublicIpInfo{{0, sa("198.19.0.2")}, 0, {{{"eth0", 1, 1}}}}),
      encode(AddrInfo{sa("198.19.1.1"), 16, "eth0"}),
      encode(AddrInfo{sa("fd00::1"), 64, std::nullopt}),
      encode(TunableValue{10, "TakeoverTimeout"}),
      encode(StringN{"NoIPFailback"}),
      encode(String{"198.19.0.1"}),
      encode(VarList{{"SeqnumInterval", "ControlTimeout", "EnableBans"}}),
      encode(tl),
      encode(Uptime{{1, 2}, {3, 4}, {5, 6}, {7, 8}}),
      encode(BanState{0, 30}),
      encode(NodeFlagChange{1, 4, 0}),
      encode(SrvidMessage{0, 0xce01000000010001ULL}),
      encode(DisableMessage{0, 0xce01000000010002ULL, 20}),
      encode(PidSrvid{123, 5}),
      encode(cl.conns[0]),
      encode(cl),
      encode(TickleList{sa("198.19.0.1"), cl.conns}),
      encode(EchoData{1, {1, 2, 3}}),
  };
}

std::vector<Bytes> packetSeeds(const std::vector<Bytes>& payloads) {
  std::vector<Bytes> out = {
      bytesOf(golden::kPnnRequest),       bytesOf(golden::kNodemapReply),
      bytesOf(golden::kPublicIpsReply),   bytesOf(golden::kIpInfoReply),
      bytesOf(golden::kIfacesReply),      bytesOf(golden::kAddIpRequest),
      bytesOf(golden::kListTunablesReply), bytesOf(golden::kLeaderMessage),
      bytesOf(golden::kTakeoverRunMessage), bytesOf(golden::kUptimeReply),
  };
  for (const auto& p : payloads) {
    ReqControl c;
    c.opcode = 123;
    c.data = p;
    out.push_back(encodePacket(c));
    ReplyControl r;
    r.status = -1;
    r.data = p;
    r.errmsg = "failed";
    out.push_back(encodePacket(r));
    ReqMessage m;
    m.srvid = kSrvidTakeoverRun;
    m.data = p;
    out.push_back(encodePacket(m));
  }
  ReqKeepalive k;
  k.uptime = 5;
  out.push_back(encodePacket(k));
  return out;
}

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : rng_(seed) {}

  uint32_t below(uint32_t n) { return n == 0 ? 0 : static_cast<uint32_t>(rng_() % n); }

  uint32_t interestingLength(size_t size) {
    const uint32_t choices[] = {0, 1, 4, 31, 32, 43, 44, 59, 60,
                                static_cast<uint32_t>(size), static_cast<uint32_t>(size + 1),
                                static_cast<uint32_t>(size ? size - 1 : 0), 0x7FFFFFFF,
                                0xFFFFFFFF, 0xFFFFFFF8, static_cast<uint32_t>(rng_())};
    return choices[below(std::size(choices))];
  }

  void putU32(Bytes& b, size_t off, uint32_t v) {
    if (off + 4 <= b.size()) std::memcpy(b.data() + off, &v, 4);
  }

  Bytes mutate(Bytes b) {
    int rounds = 1 + static_cast<int>(below(4));
    for (int i = 0; i < rounds; ++i) {
      switch (below(8)) {
        case 0:  // bit flip
          if (!b.empty()) b[below(b.size())] ^= static_cast<uint8_t>(1u << below(8));
          break;
        case 1:  // random byte
          if (!b.empty()) b[below(b.size())] = static_cast<uint8_t>(rng_());
          break;
        case 2:  // truncate
          b.resize(below(static_cast<uint32_t>(b.size() + 1)));
          break;
        case 3:  // extend with random bytes
          for (uint32_t n = below(64); n > 0; --n) b.push_back(static_cast<uint8_t>(rng_()));
          break;
        case 4:  // header length games
          putU32(b, 0, interestingLength(b.size()));
          break;
        case 5:  // inner length games: datalen/errorlen/list counts at common offsets
        {
          const size_t offs[] = {0, 4, 28, 32, 36, 40, 44, 56, 60, 64, 68, 72};
          putU32(b, offs[below(std::size(offs))], interestingLength(b.size()));
          break;
        }
        case 6:  // length field at a random aligned offset
          if (b.size() >= 4) putU32(b, below(static_cast<uint32_t>(b.size() / 4)) * 4,
                                     interestingLength(b.size()));
          break;
        default:  // random 4-byte word anywhere
          if (b.size() >= 4) putU32(b, below(static_cast<uint32_t>(b.size() - 3)),
                                     static_cast<uint32_t>(rng_()));
          break;
      }
    }
    return b;
  }

 private:
  std::mt19937 rng_;
};

/* An exactly-sized heap copy so that ASan flags any read past the end. */
struct Exact {
  explicit Exact(const Bytes& b) : n(b.size()), p(new uint8_t[b.size() ? b.size() : 1]) {
    if (n) std::memcpy(p.get(), b.data(), n);
  }
  std::span<const uint8_t> span() const { return {p.get(), n}; }
  size_t n;
  std::unique_ptr<uint8_t[]> p;
};

template <class T>
void checkType(std::span<const uint8_t> in, int& decoded) {
  auto d = decode<T>(in);
  if (!d.ok()) {
    ASSERT_FALSE(d.error().context.empty());
    return;
  }
  ++decoded;
  Bytes e1 = encode(*d);
  Exact x(e1);
  auto d2 = decode<T>(x.span());
  ASSERT_TRUE(d2.ok()) << d2.error().message();
  ASSERT_EQ(encode(*d2), e1);
}

void checkAllTypes(std::span<const uint8_t> in, int& decoded) {
  checkType<SockAddr>(in, decoded);
  checkType<PublicIp>(in, decoded);
  checkType<PublicIpList>(in, decoded);
  checkType<NodeAndFlags>(in, decoded);
  checkType<NodeMap>(in, decoded);
  checkType<VnnMap>(in, decoded);
  checkType<Iface>(in, decoded);
  checkType<IfaceList>(in, decoded);
  checkType<PublicIpInfo>(in, decoded);
  checkType<AddrInfo>(in, decoded);
  checkType<TunableValue>(in, decoded);
  checkType<StringN>(in, decoded);
  checkType<String>(in, decoded);
  checkType<VarList>(in, decoded);
  checkType<TunableList>(in, decoded);
  checkType<Timeval>(in, decoded);
  checkType<Uptime>(in, decoded);
  checkType<BanState>(in, decoded);
  checkType<NodeFlagChange>(in, decoded);
  checkType<SrvidMessage>(in, decoded);
  checkType<DisableMessage>(in, decoded);
  checkType<PidSrvid>(in, decoded);
  checkType<Connection>(in, decoded);
  checkType<ConnectionList>(in, decoded);
  checkType<TickleList>(in, decoded);
  checkType<EchoData>(in, decoded);
  (void)decodeU32(in);
  (void)decodeI32(in);
  (void)decodeU64(in);
}

template <class P>
void checkPacket(Result<P> (*dec)(std::span<const uint8_t>), std::span<const uint8_t> in,
                 int& decoded) {
  auto d = dec(in);
  if (!d.ok()) {
    ASSERT_FALSE(d.error().context.empty());
    return;
  }
  ++decoded;
  ASSERT_GE(d->hdr.length, kHeaderSize);
  ASSERT_LE(d->hdr.length, in.size());
  Bytes e = encodePacket(*d);
  ASSERT_EQ(e.size() % kPacketAlignment, 0u);
  Exact x(e);
  auto d2 = dec(x.span());
  ASSERT_TRUE(d2.ok()) << d2.error().message();
  P a = *d, b = *d2;
  a.hdr.length = b.hdr.length = 0;
  ASSERT_TRUE(a == b);
}

TEST(ProtocolFuzzTest, MutatedPacketsAndPayloads) {
  const std::vector<Bytes> payloads = payloadSeeds();
  const std::vector<Bytes> packets = packetSeeds(payloads);
  Mutator m(0xC7DB417u);
  int types_decoded = 0, packets_decoded = 0, framed = 0;
  for (int i = 0; i < kIterations; ++i) {
    const bool packet_seed = (i % 2) == 0;
    const Bytes& seed = packet_seed ? packets[m.below(static_cast<uint32_t>(packets.size()))]
                                    : payloads[m.below(static_cast<uint32_t>(payloads.size()))];
    Bytes mutated = (i % 16 == 0) ? seed : m.mutate(seed);
    Exact in(mutated);
    SCOPED_TRACE("iteration " + std::to_string(i));

    (void)decodeHeader(in.span());
    checkPacket<ReqControl>(&decodeReqControl, in.span(), packets_decoded);
    checkPacket<ReplyControl>(&decodeReplyControl, in.span(), packets_decoded);
    checkPacket<ReqMessage>(&decodeReqMessage, in.span(), packets_decoded);
    checkPacket<ReqKeepalive>(&decodeReqKeepalive, in.span(), packets_decoded);
    if (::testing::Test::HasFatalFailure()) return;

    // Payload decoders over the whole input and over likely payload starts.
    checkAllTypes(in.span(), types_decoded);
    if (packet_seed) {
      for (size_t off : {size_t{44}, size_t{60}}) {
        if (in.n >= off) {
          Exact sub(Bytes(mutated.begin() + static_cast<std::ptrdiff_t>(off), mutated.end()));
          checkAllTypes(sub.span(), types_decoded);
        }
      }
    }
    if (::testing::Test::HasFatalFailure()) return;

    // Framer: the mutated bytes behind a valid packet, fed in random chunks.
    PacketFramer f(64 * 1024);
    Bytes streamed = packets[0];
    streamed.insert(streamed.end(), mutated.begin(), mutated.end());
    size_t pos = 0;
    bool failed = false;
    while (pos < streamed.size() && !failed) {
      size_t chunk = std::min<size_t>(streamed.size() - pos, 1 + m.below(97));
      Exact piece(Bytes(streamed.begin() + static_cast<std::ptrdiff_t>(pos),
                        streamed.begin() + static_cast<std::ptrdiff_t>(pos + chunk)));
      f.append(piece.span());
      pos += chunk;
      for (;;) {
        auto n = f.next();
        if (!n.ok()) {
          failed = true;
          ASSERT_TRUE(f.failed());
          break;
        }
        if (!n->has_value()) break;
        ++framed;
        auto h = decodeHeader(**n);
        ASSERT_TRUE(h.ok()) << h.error().message();
        ASSERT_EQ(h->length, (*n)->size());
      }
    }
  }
  // The corpus must actually exercise the success paths, not only rejections.
  EXPECT_GT(packets_decoded, kIterations / 8);
  EXPECT_GT(types_decoded, kIterations);
  EXPECT_GT(framed, kIterations);
}

TEST(ProtocolFuzzTest, RandomBytes) {
  Mutator m(12345u);
  int decoded = 0;
  for (int i = 0; i < kIterations / 4; ++i) {
    Bytes b(m.below(200));
    for (auto& x : b) x = static_cast<uint8_t>(m.below(256));
    if (b.size() >= 12 && (i % 2) == 0) {  // make the header plausible half the time
      uint32_t len = static_cast<uint32_t>(b.size()), magic = kMagic, ver = kVersion;
      std::memcpy(b.data(), &len, 4);
      std::memcpy(b.data() + 4, &magic, 4);
      std::memcpy(b.data() + 8, &ver, 4);
      if (b.size() >= 20) {
        uint32_t op = 5 + m.below(5);
        std::memcpy(b.data() + 16, &op, 4);
      }
    }
    Exact in(b);
    SCOPED_TRACE("iteration " + std::to_string(i));
    (void)decodeHeader(in.span());
    checkPacket<ReqControl>(&decodeReqControl, in.span(), decoded);
    checkPacket<ReplyControl>(&decodeReplyControl, in.span(), decoded);
    checkPacket<ReqMessage>(&decodeReqMessage, in.span(), decoded);
    checkPacket<ReqKeepalive>(&decodeReqKeepalive, in.span(), decoded);
    checkAllTypes(in.span(), decoded);
    if (::testing::Test::HasFatalFailure()) return;
    PacketFramer f(4096);
    f.append(in.span());
    for (int k = 0; k < 64; ++k) {
      auto n = f.next();
      if (!n.ok() || !n->has_value()) break;
    }
  }
  EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace ctdb::protocol
