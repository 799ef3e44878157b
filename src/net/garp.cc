#include "net/garp.h"

#include <arpa/inet.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <netpacket/packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "ctdb/c_handles.h"
#include "net/types.h"
#include "util/logging.h"

namespace ctdb::net {

namespace detail {

namespace {

constexpr size_t kEthHeader = 14;
constexpr size_t kEthMinFrame = 60;
constexpr size_t kIp6Header = 40;
constexpr size_t kNaLen = 24;        // ICMPv6 type..target
constexpr size_t kNaOptionLen = 8;   // type, len, 6-byte MAC
constexpr uint8_t kIcmp6NeighbourAdvert = 136;
constexpr uint8_t kNdOptTargetLinkAddr = 2;
constexpr uint8_t kNaFlagOverride = 0x20;

void put16(std::vector<uint8_t>& f, size_t off, uint16_t host) {
  f[off] = static_cast<uint8_t>(host >> 8);
  f[off + 1] = static_cast<uint8_t>(host & 0xff);
}

}  // namespace

std::vector<uint8_t> buildArpFrame(const IpAddress& ip, const MacAddress& mac, ArpOp op) {
  std::vector<uint8_t> f(kEthMinFrame, 0);
  std::memset(f.data(), 0xff, 6);                   // destination: broadcast
  std::memcpy(f.data() + 6, mac.data(), 6);         // source
  put16(f, 12, ETH_P_ARP);
  size_t a = kEthHeader;
  put16(f, a + 0, ARPHRD_ETHER);                    // hardware type
  put16(f, a + 2, ETH_P_IP);                        // protocol type
  f[a + 4] = 6;                                     // hardware size
  f[a + 5] = 4;                                     // protocol size
  put16(f, a + 6, static_cast<uint16_t>(op));
  std::memcpy(f.data() + a + 8, mac.data(), 6);          // sender MAC
  std::memcpy(f.data() + a + 14, ip.bytes.data(), 4);    // sender IP
  if (op == ArpOp::Reply) std::memcpy(f.data() + a + 18, mac.data(), 6);  // target MAC
  std::memcpy(f.data() + a + 24, ip.bytes.data(), 4);    // target IP = sender IP
  return f;
}

uint16_t icmp6Checksum(const uint8_t* src16, const uint8_t* dst16, const uint8_t* payload,
                       size_t len) {
  uint32_t sum = 0;
  auto add = [&sum](const uint8_t* p, size_t n) {
    for (size_t i = 0; i + 1 < n; i += 2) sum += (static_cast<uint32_t>(p[i]) << 8) | p[i + 1];
    if (n % 2 != 0) sum += static_cast<uint32_t>(p[n - 1]) << 8;
  };
  add(src16, 16);
  add(dst16, 16);
  sum += static_cast<uint32_t>(len >> 16) + static_cast<uint32_t>(len & 0xffff);
  sum += IPPROTO_ICMPV6;
  add(payload, len);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t result = static_cast<uint16_t>(~sum & 0xffff);
  return result == 0 ? 0xffff : result;
}

std::vector<uint8_t> buildNeighbourAdvertFrame(const IpAddress& ip, const MacAddress& mac) {
  const size_t payload = kNaLen + kNaOptionLen;
  std::vector<uint8_t> f(kEthHeader + kIp6Header + payload, 0);
  // Ethernet: all-nodes multicast MAC 33:33:00:00:00:01 (RFC 2464 §7).
  f[0] = 0x33;
  f[1] = 0x33;
  f[5] = 0x01;
  std::memcpy(f.data() + 6, mac.data(), 6);
  put16(f, 12, ETH_P_IPV6);
  // IPv6 header.
  size_t h = kEthHeader;
  f[h] = 0x60;
  put16(f, h + 4, static_cast<uint16_t>(payload));
  f[h + 6] = IPPROTO_ICMPV6;
  f[h + 7] = 255;  // hop limit: ND messages must carry 255
  std::memcpy(f.data() + h + 8, ip.bytes.data(), 16);
  static constexpr uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::memcpy(f.data() + h + 24, kAllNodes, 16);
  // ICMPv6 neighbour advertisement.
  size_t n = h + kIp6Header;
  f[n] = kIcmp6NeighbourAdvert;
  f[n + 4] = kNaFlagOverride;
  std::memcpy(f.data() + n + 8, ip.bytes.data(), 16);
  f[n + 24] = kNdOptTargetLinkAddr;
  f[n + 25] = 1;  // option length in units of 8 bytes
  std::memcpy(f.data() + n + 26, mac.data(), 6);
  uint16_t csum = icmp6Checksum(ip.bytes.data(), kAllNodes, f.data() + n, payload);
  put16(f, n + 2, csum);
  return f;
}

}  // namespace detail

Status sendGratuitousArp(const std::string& iface, const IpAddress& ip) {
  const std::string what = "gratuitous ARP for " + ip.toString() + " on '" + iface + "'";
  if (auto st = validateIfaceName(iface); !st) return errnoError(ENODEV, what + ": " + st.error().context);
  if (ip.family != AF_INET && ip.family != AF_INET6) return makeError(what + ": not IPv4/IPv6");

  // One packet socket for the process, kept open: closing an AF_PACKET
  // socket waits for an RCU grace period (synchronize_net, ~10 ms), which
  // for hundreds of IPs x 3 rounds blocked the daemon's loop for seconds
  // (long enough for peers' keepalive to declare it dead). Protocol 0: it
  // receives nothing, so keeping it costs no buffer.
  // A socket belongs to the network namespace it was made in: a thread
  // that moved to another namespace (tests) gets a fresh one.
  static std::mutex fd_mutex;
  static UniqueFd shared_fd;
  static ino_t shared_ns = 0;
  std::lock_guard<std::mutex> lock(fd_mutex);
  struct stat ns_st{};
  const ino_t ns = ::stat("/proc/thread-self/ns/net", &ns_st) == 0 ? ns_st.st_ino : 0;
  if (!shared_fd.valid() || ns != shared_ns) {
    shared_fd = UniqueFd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (!shared_fd.valid()) return errnoError(errno, what + ": packet socket");
    shared_ns = ns;
  }
  const UniqueFd& fd = shared_fd;

  ifreq ifr{};
  std::strncpy(ifr.ifr_name, iface.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd.get(), SIOCGIFINDEX, &ifr) < 0) {
    int err = errno == ENXIO ? ENODEV : errno;
    return errnoError(err, what + ": no interface '" + iface + "'");
  }
  const int ifindex = ifr.ifr_ifindex;
  if (::ioctl(fd.get(), SIOCGIFHWADDR, &ifr) < 0) return errnoError(errno, what + ": SIOCGIFHWADDR");
  if (ifr.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK) {
    D_DEBUG("net: %s: loopback interface, nothing sent\n", what.c_str());
    return {};
  }
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    return makeError(what + ": not an Ethernet interface (type " +
                     std::to_string(ifr.ifr_hwaddr.sa_family) + ")");
  }
  MacAddress mac;
  std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);

  std::vector<std::vector<uint8_t>> frames;
  uint16_t proto;
  if (ip.isV4()) {
    frames.push_back(detail::buildArpFrame(ip, mac, detail::ArpOp::Request));
    frames.push_back(detail::buildArpFrame(ip, mac, detail::ArpOp::Reply));
    proto = ETH_P_ARP;
  } else {
    frames.push_back(detail::buildNeighbourAdvertFrame(ip, mac));
    proto = ETH_P_IPV6;
  }
  for (const auto& frame : frames) {
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifindex;
    sll.sll_protocol = htons(proto);
    sll.sll_halen = 6;
    std::memcpy(sll.sll_addr, frame.data(), 6);  // the frame's destination MAC
    ssize_t n = ::sendto(fd.get(), frame.data(), frame.size(), 0,
                         reinterpret_cast<sockaddr*>(&sll), sizeof(sll));
    if (n < 0) return errnoError(errno, what + ": sendto");
    if (static_cast<size_t>(n) != frame.size()) return errnoError(EIO, what + ": short send");
  }
  D_DEBUG("net: %s: sent %zu frame(s)\n", what.c_str(), frames.size());
  return {};
}

}  // namespace ctdb::net
