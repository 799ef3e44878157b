/*
 * Gratuitous ARP (IPv4) and unsolicited neighbour advertisement (IPv6): the
 * frames ctdbd sends after taking over a public address, and for the
 * SEND_GRATUITOUS_ARP control, so that switches and clients learn the
 * address's new MAC at once (reference §3.9).
 *
 * sendGratuitousArp() sends ONE round: for IPv4 an ARP request and an ARP
 * reply, both with sender = target = the address, broadcast; for IPv6 one
 * neighbour advertisement to ff02::1 with the Override flag and the target
 * link-layer address option. Repetition (3 rounds ~1 s apart) is the
 * caller's timer business; nothing here sleeps.
 *
 * Uses a short-lived AF_PACKET raw socket (needs CAP_NET_RAW); frames are
 * built by pure functions in detail:: that tests check byte by byte.
 * Loopback interfaces are skipped with success (as ctdbd does); other
 * non-Ethernet interfaces are EINVAL; a missing interface is ENODEV naming it.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ctdb/result.h"
#include "util/ip_address.h"

namespace ctdb::net {

using MacAddress = std::array<uint8_t, 6>;

Status sendGratuitousArp(const std::string& iface, const IpAddress& ip);

namespace detail {

enum class ArpOp : uint16_t { Request = 1, Reply = 2 };

/* Ethernet + ARP, padded to the 60-byte Ethernet minimum. ip must be IPv4. */
std::vector<uint8_t> buildArpFrame(const IpAddress& ip, const MacAddress& mac, ArpOp op);

/* Ethernet + IPv6 + ICMPv6 NA + target link-layer option (86 bytes). ip must
 * be IPv6. The ICMPv6 checksum is filled in. */
std::vector<uint8_t> buildNeighbourAdvertFrame(const IpAddress& ip, const MacAddress& mac);

/* Internet checksum (RFC 1071) over the IPv6 pseudo-header + payload. */
uint16_t icmp6Checksum(const uint8_t* src16, const uint8_t* dst16, const uint8_t* payload,
                       size_t len);

}  // namespace detail
}  // namespace ctdb::net
