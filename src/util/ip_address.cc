#include "util/ip_address.h"

#include <arpa/inet.h>

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

}  // namespace ctdb
