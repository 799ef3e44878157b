#include "config/public_addresses.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "config_scale_cases.h"

namespace ctdb::config {
namespace {

std::string errorOf(std::string_view text) {
  auto r = parsePublicAddresses(text, "public_addresses");
  if (r.ok()) return "<ok>";
  return r.error().context;
}

using cases::manyEntries;

TEST(PublicAddresses, ParsesIpv4Entry) {
  auto r = parsePublicAddresses("198.18.1.1/16 eth0\n", "public_addresses");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].prefix.toString(), "198.18.1.1/16");
  EXPECT_EQ((*r)[0].prefix.prefix, 16u);
  ASSERT_EQ((*r)[0].ifaces.size(), 1u);
  EXPECT_EQ((*r)[0].ifaces[0], "eth0");
  EXPECT_EQ((*r)[0].line, 1);
}

TEST(PublicAddresses, ParsesIpv6Entries) {
  auto r = parsePublicAddresses("fd00:198:18::10/64 eth1\n2001:db8::1/128\teth2\n", "pa");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_FALSE((*r)[0].prefix.addr.isV4());
  EXPECT_EQ((*r)[0].prefix.toString(), "fd00:198:18::10/64");
  EXPECT_EQ((*r)[1].prefix.prefix, 128u);
  EXPECT_EQ((*r)[1].ifaces[0], "eth2");
}

TEST(PublicAddresses, BracketedIpv6AndIpv4MappedLike417) {
  auto r = parsePublicAddresses("[fd00::10]/64 eth0\n::ffff:198.18.3.4/24 eth0\n", "pa");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].prefix.toString(), "fd00::10/64");
  EXPECT_TRUE((*r)[1].prefix.addr.isV4());
  EXPECT_EQ((*r)[1].prefix.toString(), "198.18.3.4/24");
  EXPECT_EQ(errorOf("198.18.3.4/24 eth0\n::ffff:198.18.3.4/24 eth1\n"),
            "public_addresses:2: duplicate public address 198.18.3.4 (already at line 1)");
}

TEST(PublicAddresses, MultipleInterfacesKeepFileOrder) {
  auto r = parsePublicAddresses("198.18.1.1/24 eth1,eth0,bond0.100\n", "pa");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].ifaces, (std::vector<std::string>{"eth1", "eth0", "bond0.100"}));
}

TEST(PublicAddresses, CommentsBlankLinesAndSpacingIgnored) {
  auto r = parsePublicAddresses(
      "# public addresses\n\n   # indented comment\n\t198.18.1.1/24 \t  eth0  \r\n\n198.18.1.2/24 eth0\n",
      "pa");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].line, 4);
  EXPECT_EQ((*r)[1].line, 6);
}

TEST(PublicAddresses, EmptyFileIsEmptyList) {
  auto r = parsePublicAddresses("", "pa");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(PublicAddresses, HostBitsNeedNotBeZero) {
  auto r = parsePublicAddresses("198.18.200.77/15 eth0\n", "pa");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].prefix.addr.toString(), "198.18.200.77");
}

TEST(PublicAddresses, BadIp) {
  EXPECT_EQ(errorOf("198.18.1.1/24 eth0\n198.18.1.256/24 eth0\n"),
            "public_addresses:2: invalid IP address '198.18.1.256'");
  EXPECT_EQ(errorOf("fd00::1::2/64 eth0\n"), "public_addresses:1: invalid IP address 'fd00::1::2'");
}

TEST(PublicAddresses, MissingMask) {
  EXPECT_EQ(errorOf("198.18.1.1 eth0\n"),
            "public_addresses:1: missing mask in '198.18.1.1' (expected IP/MASKBITS)");
}

TEST(PublicAddresses, BadMask) {
  EXPECT_EQ(errorOf("198.18.1.1/ eth0\n"), "public_addresses:1: invalid mask '/' in '198.18.1.1/'");
  EXPECT_EQ(errorOf("198.18.1.1/2x eth0\n"), "public_addresses:1: invalid mask '/2x' in '198.18.1.1/2x'");
  EXPECT_EQ(errorOf("198.18.1.1/-1 eth0\n"), "public_addresses:1: invalid mask '/-1' in '198.18.1.1/-1'");
}

TEST(PublicAddresses, MaskOutOfRangeIpv4) {
  EXPECT_EQ(errorOf("198.18.1.1/33 eth0\n"),
            "public_addresses:1: mask /33 out of range for IPv4 address 198.18.1.1 (1..32)");
  EXPECT_EQ("<ok>", errorOf("198.18.1.1/32 eth0\n"));
}

TEST(PublicAddresses, MaskOutOfRangeIpv6) {
  EXPECT_EQ(errorOf("fd00::1/129 eth0\n"),
            "public_addresses:1: mask /129 out of range for IPv6 address fd00::1 (1..128)");
}

TEST(PublicAddresses, ZeroMaskRejected) {
  EXPECT_EQ(errorOf("198.18.1.1/0 eth0\n"),
            "public_addresses:1: mask /0 out of range for IPv4 address 198.18.1.1 (1..32)");
}

TEST(PublicAddresses, MissingInterface) {
  EXPECT_EQ(errorOf("198.18.1.1/24\n"), "public_addresses:1: no interface given for 198.18.1.1/24");
  EXPECT_EQ(errorOf("198.18.1.1/24   \t\n"), "public_addresses:1: no interface given for 198.18.1.1/24");
}

TEST(PublicAddresses, EmptyInterfaceInList) {
  EXPECT_EQ(errorOf("198.18.1.1/24 eth0,,eth1\n"),
            "public_addresses:1: empty interface name in 'eth0,,eth1'");
  EXPECT_EQ(errorOf("198.18.1.1/24 eth0,\n"), "public_addresses:1: empty interface name in 'eth0,'");
  EXPECT_EQ(errorOf("198.18.1.1/24 ,eth0\n"), "public_addresses:1: empty interface name in ',eth0'");
}

TEST(PublicAddresses, InterfaceNameTooLong) {
  EXPECT_EQ("<ok>", errorOf("198.18.1.1/24 abcdefghijklmno\n"));  // 15 chars
  EXPECT_EQ(errorOf("198.18.1.1/24 eth0,abcdefghijklmnop\n"),
            "public_addresses:1: interface name 'abcdefghijklmnop' is longer than 15 characters");
}

TEST(PublicAddresses, InterfaceListedTwice) {
  EXPECT_EQ(errorOf("198.18.1.1/24 eth0,eth0\n"),
            "public_addresses:1: interface 'eth0' listed twice in 'eth0,eth0'");
}

TEST(PublicAddresses, DuplicateIpNamesBothLines) {
  EXPECT_EQ(errorOf("198.18.1.1/24 eth0\n# c\n198.18.1.2/24 eth0\n198.18.1.1/16 eth1\n"),
            "public_addresses:4: duplicate public address 198.18.1.1 (already at line 1)");
}

TEST(PublicAddresses, DuplicateIpv6DifferentSpelling) {
  EXPECT_EQ(errorOf("fd00::1/64 eth0\nfd00:0::0:1/64 eth0\n"),
            "public_addresses:2: duplicate public address fd00::1 (already at line 1)");
}

TEST(PublicAddresses, TrailingGarbage) {
  EXPECT_EQ(errorOf("198.18.1.1/24 eth0 extra\n"),
            "public_addresses:1: unexpected text 'extra' after interface list 'eth0'");
}

TEST(PublicAddresses, LoadMissingFile) {
  auto r = loadPublicAddressesFile("/nonexistent/ctdb-config-test/public_addresses");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().errnoValue(), ENOENT);
}

TEST(PublicAddresses, LoadFileUsesPathInErrors) {
  std::string path = ::testing::TempDir() + "ctdb_config_pa_test";
  {
    std::ofstream out(path);
    out << "198.18.1.1/24 eth0\n198.18.1.2/24\n";
  }
  auto r = loadPublicAddressesFile(path);
  std::remove(path.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().context, path + ":2: no interface given for 198.18.1.2/24");
}

/* The times of these two (a pairwise duplicate check would need ~8.6e9
   comparisons at 131072 entries) are measured by bench/scale_bench
   (doc/performance.md), not asserted here. */
TEST(PublicAddresses, Parses2048Entries) {
  auto r = parsePublicAddresses(manyEntries(2048), "pa");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->size(), 2048u);
}

TEST(PublicAddresses, DuplicateAtTheEndOf131072EntriesNamesBothLines) {
  std::string text = manyEntries(131072);
  text += "198.18.0.0/15 eth1\n";  // duplicate of the first entry, at the end
  auto r = parsePublicAddresses(text, "pa");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().context, "pa:131073: duplicate public address 198.18.0.0 (already at line 1)");
}

}  // namespace
}  // namespace ctdb::config
