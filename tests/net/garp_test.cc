#include "net/garp.h"

#include <gtest/gtest.h>

#include <cstring>

namespace ctdb::net::detail {
namespace {

const MacAddress kMac = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};

TEST(ArpFrame, RequestLayout) {
  auto ip = *IpAddress::parse("198.18.0.7");
  auto f = buildArpFrame(ip, kMac, ArpOp::Request);
  ASSERT_EQ(f.size(), 60u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(f[i], 0xff) << i;           // broadcast
  EXPECT_EQ(0, std::memcmp(f.data() + 6, kMac.data(), 6));          // source MAC
  EXPECT_EQ(f[12], 0x08);
  EXPECT_EQ(f[13], 0x06);                                           // ARP
  EXPECT_EQ(f[14 + 7], 1);                                          // op request
  EXPECT_EQ(0, std::memcmp(f.data() + 14 + 8, kMac.data(), 6));     // sender MAC
  EXPECT_EQ(0, std::memcmp(f.data() + 14 + 14, ip.bytes.data(), 4));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(f[14 + 18 + i], 0) << i;    // target MAC unknown
  EXPECT_EQ(0, std::memcmp(f.data() + 14 + 24, ip.bytes.data(), 4));  // target IP = own
}

TEST(ArpFrame, ReplyCarriesOwnMacAsTarget) {
  auto ip = *IpAddress::parse("198.18.0.7");
  auto f = buildArpFrame(ip, kMac, ArpOp::Reply);
  EXPECT_EQ(f[14 + 7], 2);
  EXPECT_EQ(0, std::memcmp(f.data() + 14 + 18, kMac.data(), 6));
}

uint32_t sum16(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i < n; i += 2) s += (p[i] << 8) | (i + 1 < n ? p[i + 1] : 0);
  return s;
}

TEST(NeighbourAdvert, LayoutAndChecksumVerifies) {
  auto ip = *IpAddress::parse("fd00::42");
  auto f = buildNeighbourAdvertFrame(ip, kMac);
  ASSERT_EQ(f.size(), 86u);
  EXPECT_EQ(f[0], 0x33);
  EXPECT_EQ(f[1], 0x33);
  EXPECT_EQ(f[5], 0x01);
  EXPECT_EQ(f[12], 0x86);
  EXPECT_EQ(f[13], 0xdd);
  const uint8_t* ip6 = f.data() + 14;
  EXPECT_EQ(ip6[0] >> 4, 6);
  EXPECT_EQ(ip6[6], 58);    // ICMPv6
  EXPECT_EQ(ip6[7], 255);   // hop limit
  EXPECT_EQ(0, std::memcmp(ip6 + 8, ip.bytes.data(), 16));
  EXPECT_EQ(ip6[24], 0xff);
  EXPECT_EQ(ip6[25], 0x02);
  EXPECT_EQ(ip6[39], 0x01);
  const uint8_t* na = ip6 + 40;
  EXPECT_EQ(na[0], 136);
  EXPECT_EQ(na[4], 0x20);  // Override, not Solicited
  EXPECT_EQ(0, std::memcmp(na + 8, ip.bytes.data(), 16));
  EXPECT_EQ(na[24], 2);    // target link-layer address option
  EXPECT_EQ(na[25], 1);
  EXPECT_EQ(0, std::memcmp(na + 26, kMac.data(), 6));

  // Receiver-side verification: pseudo-header + message incl. checksum sums
  // to 0xffff in one's complement.
  uint32_t s = sum16(ip6 + 8, 16) + sum16(ip6 + 24, 16) + 32 + 58 + sum16(na, 32);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  EXPECT_EQ(s, 0xffffu);
}

TEST(NeighbourAdvert, ChecksumDependsOnAddress) {
  auto a = buildNeighbourAdvertFrame(*IpAddress::parse("fd00::1"), kMac);
  auto b = buildNeighbourAdvertFrame(*IpAddress::parse("fd00::2"), kMac);
  EXPECT_NE(std::memcmp(a.data() + 14 + 40 + 2, b.data() + 14 + 40 + 2, 2), 0);
}

}  // namespace
}  // namespace ctdb::net::detail
