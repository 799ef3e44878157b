#include "util/ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace ctdb {

Result<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (s.find(':') != std::string::npos) {
    a.family = AF_INET6;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) return a;
  } else {
    a.family = AF_INET;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  }
  return makeError("invalid IP address '" + s + "'");
}

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress a;
  a.family = AF_INET;
  uint32_t n = htonl(host_order);
  std::memcpy(a.bytes.data(), &n, 4);
  return a;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (!inet_ntop(family, bytes.data(), buf, sizeof(buf))) return "?";
  return buf;
}

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos)
    return makeError("missing /MASK in '" + std::string(text) + "'");
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return addr.error();
  std::string_view bits = text.substr(slash + 1);
  unsigned prefix = 0;
  auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  if (bits.empty() || ec != std::errc() || ptr != bits.data() + bits.size())
    return makeError("invalid mask '/" + std::string(bits) + "' in '" + std::string(text) + "'");
  if (prefix > addr->maxPrefix())
    return makeError("mask /" + std::string(bits) + " out of range for " + addr->toString() +
                     " (max /" + std::to_string(addr->maxPrefix()) + ")");
  return IpPrefix{*addr, prefix};
}

std::string IpPrefix::toString() const {
  return addr.toString() + "/" + std::to_string(prefix);
}

socklen_t toSockaddr(const IpAddress& ip, uint16_t port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof(ss));
  if (ip.isV4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, ip.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  std::memcpy(&sin6->sin6_addr, ip.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

std::optional<IpAddress> fromSockaddr(const sockaddr* sa) {
  if (sa == nullptr) return std::nullopt;
  IpAddress ip;
  if (sa->sa_family == AF_INET) {
    ip.family = AF_INET;
    std::memcpy(ip.bytes.data(), &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
    return ip;
  }
  if (sa->sa_family != AF_INET6) return std::nullopt;
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
  if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
    ip.family = AF_INET;
    std::memcpy(ip.bytes.data(), sin6->sin6_addr.s6_addr + 12, 4);
    return ip;
  }
  ip.family = AF_INET6;
  std::memcpy(ip.bytes.data(), &sin6->sin6_addr, 16);
  return ip;
}

}  // namespace ctdb
