#include "net/rtnl_parse.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace ctdb::net::detail {
namespace {

/* Builds one rtnetlink message: header, fixed body, attributes. */
class MsgBuilder {
 public:
  MsgBuilder(uint16_t type, const void* body, size_t body_len) : buf_(NLMSG_SPACE(body_len), 0) {
    hdr()->nlmsg_type = type;
    std::memcpy(NLMSG_DATA(hdr()), body, body_len);
    hdr()->nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(body_len));
  }
  MsgBuilder& attr(uint16_t type, const void* data, size_t len) {
    size_t off = NLMSG_ALIGN(hdr()->nlmsg_len);
    buf_.resize(off + RTA_SPACE(len), 0);
    auto* rta = reinterpret_cast<rtattr*>(buf_.data() + off);
    rta->rta_type = type;
    rta->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
    std::memcpy(RTA_DATA(rta), data, len);
    hdr()->nlmsg_len = static_cast<uint32_t>(off + RTA_LENGTH(len));
    return *this;
  }
  nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
  size_t size() const { return buf_.size(); }

 private:
  std::vector<uint8_t> buf_;
};

std::array<uint8_t, 4> v4(const char* text) {
  std::array<uint8_t, 4> out{};
  inet_pton(AF_INET, text, out.data());
  return out;
}
std::array<uint8_t, 16> v6(const char* text) {
  std::array<uint8_t, 16> out{};
  inet_pton(AF_INET6, text, out.data());
  return out;
}

TEST(RtnlParse, Ipv4AddressWithSecondaryFlag) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_prefixlen = 24;
  ifa.ifa_index = 7;
  ifa.ifa_flags = IFA_F_SECONDARY;
  auto a = v4("198.18.0.2");
  MsgBuilder m(RTM_NEWADDR, &ifa, sizeof ifa);
  m.attr(IFA_ADDRESS, a.data(), 4).attr(IFA_LOCAL, a.data(), 4);
  auto p = parseAddressMessage(m.hdr(), m.size());
  ASSERT_TRUE(p.has_value());
  EXPECT_FALSE(p->is_delete);
  EXPECT_EQ(p->addr.ifindex, 7);
  EXPECT_EQ(p->addr.prefix.toString(), "198.18.0.2/24");
  EXPECT_TRUE(p->addr.is_secondary);
}

TEST(RtnlParse, LocalWinsOverPeerAddress) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_prefixlen = 32;
  ifa.ifa_index = 3;
  auto local = v4("198.18.0.1");
  auto peer = v4("198.18.0.99");
  MsgBuilder m(RTM_NEWADDR, &ifa, sizeof ifa);
  m.attr(IFA_ADDRESS, peer.data(), 4).attr(IFA_LOCAL, local.data(), 4);
  auto p = parseAddressMessage(m.hdr(), m.size());
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->addr.prefix.addr.toString(), "198.18.0.1");
}

TEST(RtnlParse, Ipv6DeleteWithExtendedFlags) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET6;
  ifa.ifa_prefixlen = 64;
  ifa.ifa_index = 2;
  auto a = v6("fd00::5");
  uint32_t flags = IFA_F_TENTATIVE;
  MsgBuilder m(RTM_DELADDR, &ifa, sizeof ifa);
  m.attr(IFA_ADDRESS, a.data(), 16).attr(IFA_FLAGS, &flags, sizeof flags);
  auto p = parseAddressMessage(m.hdr(), m.size());
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->is_delete);
  EXPECT_TRUE(p->addr.is_tentative);
  EXPECT_FALSE(p->addr.is_secondary);  // IFA_F_SECONDARY means "temporary" for v6
  EXPECT_EQ(p->addr.prefix.toString(), "fd00::5/64");
}

TEST(RtnlParse, AddressWithoutAddressAttributeIsSkipped) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  MsgBuilder m(RTM_NEWADDR, &ifa, sizeof ifa);
  EXPECT_FALSE(parseAddressMessage(m.hdr(), m.size()).has_value());
}

TEST(RtnlParse, WrongSizedAddressAttributeIsIgnored) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  auto a = v6("fd00::1");  // 16 bytes in an IPv4 message
  MsgBuilder m(RTM_NEWADDR, &ifa, sizeof ifa);
  m.attr(IFA_LOCAL, a.data(), 16);
  EXPECT_FALSE(parseAddressMessage(m.hdr(), m.size()).has_value());
}

TEST(RtnlParse, TruncatedMessageIsRejected) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  auto a = v4("198.18.0.1");
  MsgBuilder m(RTM_NEWADDR, &ifa, sizeof ifa);
  m.attr(IFA_LOCAL, a.data(), 4);
  EXPECT_FALSE(parseAddressMessage(m.hdr(), m.hdr()->nlmsg_len - 1).has_value());
  EXPECT_FALSE(parseAddressMessage(m.hdr(), 4).has_value());
}

TEST(RtnlParse, OtherMessageTypesAreSkipped) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  auto a = v4("198.18.0.1");
  MsgBuilder m(RTM_NEWROUTE, &ifa, sizeof ifa);
  m.attr(IFA_LOCAL, a.data(), 4);
  EXPECT_FALSE(parseAddressMessage(m.hdr(), m.size()).has_value());
  EXPECT_FALSE(parseLinkMessage(m.hdr(), m.size()).has_value());
}

TEST(RtnlParse, LinkFlagsAndName) {
  ifinfomsg ifi{};
  ifi.ifi_index = 4;
  ifi.ifi_flags = IFF_UP | IFF_LOWER_UP;
  const char name[] = "pub0";
  MsgBuilder m(RTM_NEWLINK, &ifi, sizeof ifi);
  m.attr(IFLA_IFNAME, name, sizeof name);
  auto p = parseLinkMessage(m.hdr(), m.size());
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->info.name, "pub0");
  EXPECT_EQ(p->info.index, 4);
  EXPECT_TRUE(p->info.is_admin_up);
  EXPECT_FALSE(p->info.is_running);
  EXPECT_TRUE(p->info.has_carrier);
  EXPECT_FALSE(p->is_delete);
}

TEST(RtnlParse, LinkDeleteAndMissingName) {
  ifinfomsg ifi{};
  ifi.ifi_index = 4;
  MsgBuilder nameless(RTM_DELLINK, &ifi, sizeof ifi);
  EXPECT_FALSE(parseLinkMessage(nameless.hdr(), nameless.size()).has_value());
  const char name[] = "pub1";
  MsgBuilder m(RTM_DELLINK, &ifi, sizeof ifi);
  m.attr(IFLA_IFNAME, name, sizeof name);
  auto p = parseLinkMessage(m.hdr(), m.size());
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->is_delete);
}

}  // namespace
}  // namespace ctdb::net::detail
