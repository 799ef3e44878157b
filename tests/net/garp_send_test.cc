// Integration: gratuitous ARP / neighbour advertisement on a veth pair,
// captured on the peer end inside a private network namespace.
#include "net/garp.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "ctdb/c_handles.h"
#include "net/address_ops.h"
#include "netns_fixture.h"

namespace ctdb::net {
namespace {

using namespace std::chrono_literals;
using test::kIface;
using test::kPeer;
using test::runInNetns;

UniqueFd capture(const char* iface, uint16_t proto) {
  UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto)));
  EXPECT_TRUE(fd.valid()) << strerror(errno);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(proto);
  sll.sll_ifindex = static_cast<int>(if_nametoindex(iface));
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll), 0) << strerror(errno);
  return fd;
}

/* Reads frames for up to `timeout` until match() accepts one. Bounded. */
bool awaitFrame(int fd, const std::function<bool(const uint8_t*, size_t)>& match,
                std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  uint8_t buf[2048];
  for (int i = 0; i < 1000; ++i) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !test::waitReadable(fd, left)) return false;
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0 && match(buf, static_cast<size_t>(n))) return true;
  }
  return false;
}

TEST(GarpKernel, Ipv4RequestAndReplyArriveOnPeer) {
  runInNetns([] {
    auto ip = *IpAddress::parse("198.18.0.50");
    UniqueFd cap = capture(kPeer, ETH_P_ARP);
    ASSERT_TRUE(cap.valid());
    auto st = sendGratuitousArp(kIface, ip);
    ASSERT_TRUE(st.ok()) << st.error().message();
    bool saw_request = false, saw_reply = false;
    auto match = [&](const uint8_t* f, size_t n) {
      if (n < 42 || std::memcmp(f + 14 + 14, ip.bytes.data(), 4) != 0) return false;
      if (std::memcmp(f + 14 + 24, ip.bytes.data(), 4) != 0) return false;
      (f[14 + 7] == 1 ? saw_request : saw_reply) = true;
      return saw_request && saw_reply;
    };
    EXPECT_TRUE(awaitFrame(cap.get(), match, 2000ms));
    EXPECT_TRUE(saw_request);
    EXPECT_TRUE(saw_reply);
  });
}

TEST(GarpKernel, Ipv6NeighbourAdvertArrivesOnPeer) {
  runInNetns([] {
    auto ip = *IpAddress::parse("fd00::50");
    auto ops = AddressOps::create();
    ASSERT_TRUE(ops.ok());
    ASSERT_TRUE((*ops)->addAddress(kIface, IpPrefix{ip, 64}, AddOptions{.skip_dad = true, .lifetime = std::nullopt}).ok());
    UniqueFd cap = capture(kPeer, ETH_P_IPV6);
    ASSERT_TRUE(cap.valid());
    auto st = sendGratuitousArp(kIface, ip);
    ASSERT_TRUE(st.ok()) << st.error().message();
    auto match = [&](const uint8_t* f, size_t n) {
      // Ethernet(14) + IPv6(40): next header ICMPv6, type 136, our target.
      return n >= 86 && f[14 + 6] == 58 && f[54] == 136 &&
             std::memcmp(f + 54 + 8, ip.bytes.data(), 16) == 0;
    };
    EXPECT_TRUE(awaitFrame(cap.get(), match, 2000ms));
  });
}

TEST(GarpKernel, MissingInterfaceFailsNamingIt) {
  runInNetns([] {
    auto st = sendGratuitousArp("nosuch0", *IpAddress::parse("198.18.0.51"));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().errnoValue(), ENODEV);
    EXPECT_NE(st.error().message().find("nosuch0"), std::string::npos);
  });
}

TEST(GarpKernel, LoopbackIsSkippedWithSuccess) {
  runInNetns([] { EXPECT_TRUE(sendGratuitousArp("lo", *IpAddress::parse("198.18.0.52")).ok()); });
}

TEST(GarpKernel, DownInterfaceIsAnError) {
  runInNetns([] {
    auto ops = AddressOps::create();
    ASSERT_TRUE(ops.ok());
    ASSERT_TRUE((*ops)->setLinkAdminState(kIface, LinkAdminState::Down).ok());
    auto st = sendGratuitousArp(kIface, *IpAddress::parse("198.18.0.53"));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().errnoValue(), ENETDOWN) << st.error().message();
  });
}

}  // namespace
}  // namespace ctdb::net
