/*
 * IpAddress: an IPv4 or IPv6 address as a small value type, shared by the
 * config parsers, the protocol (ctdb_sock_addr), netlink and the daemon.
 *
 * Invariant: family is AF_INET or AF_INET6; for AF_INET only bytes[0..3] are
 * used and the other 12 are zero, so == / < / hashing on the raw bytes are
 * consistent. Ordering matches the CTDB CLI's sort: family first (IPv4 before
 * IPv6), then address bytes in network order.
 */
#pragma once

#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ctdb/result.h"

namespace ctdb {

struct IpAddress {
  uint16_t family = AF_INET;
  std::array<uint8_t, 16> bytes{};  // network order

  /* Parses "198.18.0.1" or "fd00::1" (no mask, no port). */
  static Result<IpAddress> parse(std::string_view text);
  static IpAddress v4(uint32_t host_order);

  bool isV4() const { return family == AF_INET; }
  /* Maximum prefix length: 32 or 128. */
  unsigned maxPrefix() const { return isV4() ? 32 : 128; }
  /* Canonical text (inet_ntop). */
  std::string toString() const;

  auto operator<=>(const IpAddress&) const = default;
  bool operator==(const IpAddress&) const = default;
};

/* "IP/BITS" with range-checked prefix. */
struct IpPrefix {
  IpAddress addr;
  unsigned prefix = 0;
  static Result<IpPrefix> parse(std::string_view text);
  std::string toString() const;
  bool operator==(const IpPrefix&) const = default;
};

/* The one conversion to and from socket addresses. toSockaddr fills ss
 * (zeroed first) with the address and port (host order) and returns its
 * length. fromSockaddr reads an AF_INET or AF_INET6 address (a v4-mapped
 * IPv6 address, as an accept() on a dual-stack socket gives, as IPv4);
 * nullopt for a null pointer or any other family. */
socklen_t toSockaddr(const IpAddress& ip, uint16_t port, sockaddr_storage& ss);
std::optional<IpAddress> fromSockaddr(const sockaddr* sa);

struct IpAddressHash {
  size_t operator()(const IpAddress& a) const noexcept {
    uint64_t h = 1469598103934665603ull ^ a.family;
    for (uint8_t b : a.bytes) h = (h ^ b) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

}  // namespace ctdb
