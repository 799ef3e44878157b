#include "util/ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

namespace ctdb {
namespace {

TEST(IpAddress, ParsesIpv4) {
  auto a = IpAddress::parse("198.18.0.1");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->isV4());
  EXPECT_EQ(AF_INET, a->family);
  EXPECT_EQ(198, a->bytes[0]);
  EXPECT_EQ(18, a->bytes[1]);
  EXPECT_EQ(0, a->bytes[2]);
  EXPECT_EQ(1, a->bytes[3]);
  for (size_t i = 4; i < 16; ++i) EXPECT_EQ(0, a->bytes[i]) << i;
  EXPECT_EQ("198.18.0.1", a->toString());
  EXPECT_EQ(32u, a->maxPrefix());
}

TEST(IpAddress, V4FromHostOrderMatchesParse) {
  EXPECT_EQ(*IpAddress::parse("198.18.1.2"), IpAddress::v4(0xC6120102u));
}

TEST(IpAddress, ParsesIpv6AndFormatsCanonically) {
  auto a = IpAddress::parse("fd00:0:0:0::0001");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->isV4());
  EXPECT_EQ(AF_INET6, a->family);
  EXPECT_EQ(0xfd, a->bytes[0]);
  EXPECT_EQ(1, a->bytes[15]);
  EXPECT_EQ("fd00::1", a->toString());
  EXPECT_EQ(128u, a->maxPrefix());
}

TEST(IpAddress, RejectsBadText) {
  for (const char* bad : {"", "198.18.0", "198.18.0.256", "198.18.0.1/24", "abc", "fd00:::1",
                          "198.18.0.1 ", "::g", "1.2.3.4.5"}) {
    auto r = IpAddress::parse(bad);
    EXPECT_FALSE(r.ok()) << "accepted '" << bad << "'";
    if (!r.ok()) {
      EXPECT_NE(std::string::npos, r.error().message().find("invalid IP address"));
    }
  }
}

TEST(IpAddress, OrdersIpv4BeforeIpv6ThenByBytes) {
  std::vector<IpAddress> v = {*IpAddress::parse("::1"), *IpAddress::parse("198.19.0.1"),
                              *IpAddress::parse("198.18.0.10"), *IpAddress::parse("198.18.0.9"),
                              *IpAddress::parse("fd00::1")};
  std::sort(v.begin(), v.end());
  std::vector<std::string> s;
  for (auto& a : v) s.push_back(a.toString());
  EXPECT_EQ((std::vector<std::string>{"198.18.0.9", "198.18.0.10", "198.19.0.1", "::1", "fd00::1"}),
            s);
}

TEST(IpAddress, EqualityAndHash) {
  auto a = *IpAddress::parse("198.18.0.1");
  auto b = *IpAddress::parse("198.18.0.1");
  auto c = *IpAddress::parse("198.18.0.2");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(IpAddressHash{}(a), IpAddressHash{}(b));
  std::unordered_set<IpAddress, IpAddressHash> set{a, b, c};
  EXPECT_EQ(2u, set.size());
}

TEST(IpPrefix, ParsesEveryIpv4MaskFrom0To32) {
  for (unsigned bits = 0; bits <= 32; ++bits) {
    std::string text = "198.18.0.1/" + std::to_string(bits);
    auto p = IpPrefix::parse(text);
    ASSERT_TRUE(p.ok()) << text;
    EXPECT_EQ(bits, p->prefix);
    EXPECT_EQ(text, p->toString());
  }
}

TEST(IpPrefix, RejectsIpv4Mask33) {
  auto p = IpPrefix::parse("198.18.0.1/33");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(std::string::npos, p.error().message().find("out of range"));
}

TEST(IpPrefix, AcceptsIpv6Mask128AndRejects129) {
  auto p = IpPrefix::parse("fd00::1/128");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(128u, p->prefix);
  EXPECT_EQ("fd00::1/128", p->toString());
  EXPECT_FALSE(IpPrefix::parse("fd00::1/129").ok());
}

TEST(IpPrefix, RejectsMalformedMasks) {
  for (const char* bad : {"198.18.0.1", "198.18.0.1/", "198.18.0.1/x", "198.18.0.1/24x",
                          "198.18.0.1/-1", "198.18.0.1/+8", "bogus/24", "/24"}) {
    EXPECT_FALSE(IpPrefix::parse(bad).ok()) << "accepted '" << bad << "'";
  }
}

TEST(IpPrefix, Equality) {
  EXPECT_EQ(*IpPrefix::parse("198.18.0.1/24"), *IpPrefix::parse("198.18.0.1/24"));
  EXPECT_FALSE(*IpPrefix::parse("198.18.0.1/24") == *IpPrefix::parse("198.18.0.1/25"));
}

}  // namespace
TEST(Sockaddr, V4RoundTripWithPort) {
  auto ip = IpAddress::parse("198.18.0.7");
  ASSERT_TRUE(ip);
  sockaddr_storage ss;
  ASSERT_EQ(toSockaddr(*ip, 4379, ss), sizeof(sockaddr_in));
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
  EXPECT_EQ(sin->sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin->sin_port), 4379);
  EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0xC6120007u);
  auto back = fromSockaddr(reinterpret_cast<const sockaddr*>(&ss));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *ip);
}

TEST(Sockaddr, V6RoundTrip) {
  auto ip = IpAddress::parse("fd00::5");
  ASSERT_TRUE(ip);
  sockaddr_storage ss;
  ASSERT_EQ(toSockaddr(*ip, 0, ss), sizeof(sockaddr_in6));
  EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_family, AF_INET6);
  auto back = fromSockaddr(reinterpret_cast<const sockaddr*>(&ss));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->toString(), "fd00::5");
}

TEST(Sockaddr, V4MappedIsReadAsV4) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:198.18.0.2", &sin6.sin6_addr), 1);
  auto ip = fromSockaddr(reinterpret_cast<const sockaddr*>(&sin6));
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->isV4());
  EXPECT_EQ(ip->toString(), "198.18.0.2");
}

TEST(Sockaddr, OtherFamiliesAndNullAreNotAddresses) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  EXPECT_FALSE(fromSockaddr(reinterpret_cast<const sockaddr*>(&sun)));
  EXPECT_FALSE(fromSockaddr(nullptr));
}

}  // namespace ctdb
