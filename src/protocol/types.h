/*
 * The data types carried inside CTDB controls and messages (reference
 * ctdb-protocol.md section 5), as plain value structs with
 *   std::vector<uint8_t> encode(const T&)             and
 *   template <class T> Result<T> decode(std::span<const uint8_t>)
 * byte-compatible with CTDB 4.17.
 *
 * Rules: host byte order except the raw sockaddr bytes; no implicit
 * alignment padding (explicit zero pads where CTDB has them). decode()
 * rejects a too-short input with an Error naming the type and the field
 * ("node_map: node 2 of 3: need 36 bytes at offset 76, have 20") and ignores
 * trailing bytes, like CTDB. Decoders never read outside the span. Pure
 * functions: no state, no I/O, thread-safe.
 *
 * Strings: "string" = text bytes + NUL, length implied by the enclosing
 * field; an empty buffer is the NULL string (nullopt). Decoding stops at the
 * first NUL or the end of the buffer, whichever comes first (a missing NUL is
 * tolerated). "stringn" = u32 length (text + NUL, 0 for NULL) + bytes.
 */
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ctdb/result.h"
#include "protocol/constants.h"
#include "util/ip_address.h"

namespace ctdb::protocol {

/* ctdb_sock_addr: 28 raw bytes of sockaddr_in / sockaddr_in6. Every byte
 * not carrying family/port/address is encoded as zero (the CLI hashes all
 * 28 bytes). IPv6 flowinfo and scope_id are ignored on decode. Decoding
 * rejects families other than AF_INET (2) and AF_INET6 (10). */
struct SockAddr {
  IpAddress ip;
  uint16_t port = 0;  // host order here; big-endian on the wire
  /* "198.18.0.1", or "198.18.0.1:4379" / "[fd00::1]:4379" when port != 0. */
  std::string toString() const;
  bool operator==(const SockAddr&) const = default;
};
constexpr size_t kSockAddrSize = 28;

struct PublicIp {
  uint32_t pnn = kUnknownPnn;
  SockAddr addr;
  bool operator==(const PublicIp&) const = default;
};

struct PublicIpList {
  std::vector<PublicIp> ips;
  bool operator==(const PublicIpList&) const = default;
};

struct NodeAndFlags {
  uint32_t pnn = 0;
  uint32_t flags = 0;
  SockAddr addr;
  bool operator==(const NodeAndFlags&) const = default;
};

struct NodeMap {
  std::vector<NodeAndFlags> nodes;
  bool operator==(const NodeMap&) const = default;
};

struct VnnMap {
  uint32_t generation = kInvalidGeneration;
  std::vector<uint32_t> map;
  bool operator==(const VnnMap&) const = default;
};

/* 24 bytes: char name[18] (NUL padded), u16 link_state, u32 references.
 * encode() truncates a name longer than kIfaceNameMax (16) characters to 16
 * so that the field always keeps a terminating NUL (Linux IFNAMSIZ is 16
 * including the NUL, so real names never hit this; callers that must refuse
 * long names check before encoding). decode() stops at the first NUL or at
 * the end of the 18-byte field. */
struct Iface {
  std::string name;
  uint16_t link_state = 0;  // 0 down, 1 up
  uint32_t references = 0;
  bool operator==(const Iface&) const = default;
};
constexpr size_t kIfaceSize = 24;

struct IfaceList {
  std::vector<Iface> ifaces;
  bool operator==(const IfaceList&) const = default;
};

struct PublicIpInfo {
  PublicIp ip;
  uint32_t active_idx = 0xFFFFFFFF;  // 0xFFFFFFFF: not hosted on this node
  IfaceList ifaces;
  bool operator==(const PublicIpInfo&) const = default;
};

/* ADD_PUBLIC_IP / DEL_PUBLIC_IP / SEND_GRATUITOUS_ARP request. */
struct AddrInfo {
  SockAddr addr;
  uint32_t mask = 0;  // prefix length
  std::optional<std::string> iface;
  bool operator==(const AddrInfo&) const = default;
};

/* SET_TUNABLE request: u32 value, stringn name. */
struct TunableValue {
  uint32_t value = 0;
  std::string name;
  bool operator==(const TunableValue&) const = default;
};

/* stringn (GET_TUNABLE request). */
struct StringN {
  std::optional<std::string> s;
  bool operator==(const StringN&) const = default;
};

/* Plain NUL-terminated string filling the whole payload (GET_RECLOCK_FILE
 * reply, RELEASE_IP / TAKE_IP messages). nullopt <-> zero bytes. */
struct String {
  std::optional<std::string> s;
  bool operator==(const String&) const = default;
};

/* LIST_TUNABLES reply: u32 len, then len bytes of text. encode() writes what
 * ctdbd 4.17 sends: every name prefixed by ':' (":A:B"), NUL-terminated, len
 * counting the NUL. decode() splits on ':' and skips empty tokens, stopping at
 * the first NUL or at len. */
struct VarList {
  std::vector<std::string> names;
  bool operator==(const VarList&) const = default;
};

/* GET_ALL_TUNABLES reply: 62 u32 in struct order (reference 5.6). */
struct TunableList {
  std::array<uint32_t, kTunableListSize> values{};
  bool operator==(const TunableList&) const = default;
};

/* Native struct timeval on 64-bit Linux: i64 sec, i64 usec. */
struct Timeval {
  int64_t sec = 0;
  int64_t usec = 0;
  bool operator==(const Timeval&) const = default;
};

struct Uptime {
  Timeval current_time;
  Timeval ctdbd_start_time;
  Timeval last_recovery_started;
  Timeval last_recovery_finished;
  bool operator==(const Uptime&) const = default;
};

struct BanState {
  uint32_t pnn = 0;
  uint32_t time = 0;  // seconds, 0 = unban
  bool operator==(const BanState&) const = default;
};

struct NodeFlagChange {
  uint32_t pnn = 0;
  uint32_t new_flags = 0;
  uint32_t old_flags = 0;
  bool operator==(const NodeFlagChange&) const = default;
};

/* 16 bytes: pnn, pad(4), srvid. TAKEOVER_RUN / MEM_DUMP payload. */
struct SrvidMessage {
  uint32_t pnn = 0;
  uint64_t srvid = 0;
  bool operator==(const SrvidMessage&) const = default;
};

/* 24 bytes: pnn, pad(4), srvid, timeout, pad(4). */
struct DisableMessage {
  uint32_t pnn = 0;
  uint64_t srvid = 0;
  uint32_t timeout = 0;
  bool operator==(const DisableMessage&) const = default;
};

/* 12 bytes: pid, srvid (CHECK_PID_SRVID). */
struct PidSrvid {
  int32_t pid = 0;
  uint64_t srvid = 0;
  bool operator==(const PidSrvid&) const = default;
};

/* 56 bytes: src (server side), dst (client side). */
struct Connection {
  SockAddr src;
  SockAddr dst;
  bool operator==(const Connection&) const = default;
};

struct ConnectionList {
  std::vector<Connection> conns;
  bool operator==(const ConnectionList&) const = default;
};

/* sock_addr, u32 num, num x connection. */
struct TickleList {
  SockAddr addr;
  std::vector<Connection> conns;
  bool operator==(const TickleList&) const = default;
};

/* u32 timeout, u32 len, len bytes. */
struct EchoData {
  uint32_t timeout = 0;
  std::vector<uint8_t> buf;
  bool operator==(const EchoData&) const = default;
};

std::vector<uint8_t> encode(const SockAddr& v);
std::vector<uint8_t> encode(const PublicIp& v);
std::vector<uint8_t> encode(const PublicIpList& v);
std::vector<uint8_t> encode(const NodeAndFlags& v);
std::vector<uint8_t> encode(const NodeMap& v);
std::vector<uint8_t> encode(const VnnMap& v);
std::vector<uint8_t> encode(const Iface& v);
std::vector<uint8_t> encode(const IfaceList& v);
std::vector<uint8_t> encode(const PublicIpInfo& v);
std::vector<uint8_t> encode(const AddrInfo& v);
std::vector<uint8_t> encode(const TunableValue& v);
std::vector<uint8_t> encode(const StringN& v);
std::vector<uint8_t> encode(const String& v);
std::vector<uint8_t> encode(const VarList& v);
std::vector<uint8_t> encode(const TunableList& v);
std::vector<uint8_t> encode(const Timeval& v);
std::vector<uint8_t> encode(const Uptime& v);
std::vector<uint8_t> encode(const BanState& v);
std::vector<uint8_t> encode(const NodeFlagChange& v);
std::vector<uint8_t> encode(const SrvidMessage& v);
std::vector<uint8_t> encode(const DisableMessage& v);
std::vector<uint8_t> encode(const PidSrvid& v);
std::vector<uint8_t> encode(const Connection& v);
std::vector<uint8_t> encode(const ConnectionList& v);
std::vector<uint8_t> encode(const TickleList& v);
std::vector<uint8_t> encode(const EchoData& v);

template <class T>
Result<T> decode(std::span<const uint8_t> buf);

template <> Result<SockAddr> decode<SockAddr>(std::span<const uint8_t> buf);
template <> Result<PublicIp> decode<PublicIp>(std::span<const uint8_t> buf);
template <> Result<PublicIpList> decode<PublicIpList>(std::span<const uint8_t> buf);
template <> Result<NodeAndFlags> decode<NodeAndFlags>(std::span<const uint8_t> buf);
template <> Result<NodeMap> decode<NodeMap>(std::span<const uint8_t> buf);
template <> Result<VnnMap> decode<VnnMap>(std::span<const uint8_t> buf);
template <> Result<Iface> decode<Iface>(std::span<const uint8_t> buf);
template <> Result<IfaceList> decode<IfaceList>(std::span<const uint8_t> buf);
template <> Result<PublicIpInfo> decode<PublicIpInfo>(std::span<const uint8_t> buf);
template <> Result<AddrInfo> decode<AddrInfo>(std::span<const uint8_t> buf);
template <> Result<TunableValue> decode<TunableValue>(std::span<const uint8_t> buf);
template <> Result<StringN> decode<StringN>(std::span<const uint8_t> buf);
template <> Result<String> decode<String>(std::span<const uint8_t> buf);
template <> Result<VarList> decode<VarList>(std::span<const uint8_t> buf);
template <> Result<TunableList> decode<TunableList>(std::span<const uint8_t> buf);
template <> Result<Timeval> decode<Timeval>(std::span<const uint8_t> buf);
template <> Result<Uptime> decode<Uptime>(std::span<const uint8_t> buf);
template <> Result<BanState> decode<BanState>(std::span<const uint8_t> buf);
template <> Result<NodeFlagChange> decode<NodeFlagChange>(std::span<const uint8_t> buf);
template <> Result<SrvidMessage> decode<SrvidMessage>(std::span<const uint8_t> buf);
template <> Result<DisableMessage> decode<DisableMessage>(std::span<const uint8_t> buf);
template <> Result<PidSrvid> decode<PidSrvid>(std::span<const uint8_t> buf);
template <> Result<Connection> decode<Connection>(std::span<const uint8_t> buf);
template <> Result<ConnectionList> decode<ConnectionList>(std::span<const uint8_t> buf);
template <> Result<TickleList> decode<TickleList>(std::span<const uint8_t> buf);
template <> Result<EchoData> decode<EchoData>(std::span<const uint8_t> buf);

/* 4-byte payloads (LEADER message, TAKEOVER_RUN reply, GET_DEBUG, ...). */
std::vector<uint8_t> encodeU32(uint32_t v);
Result<uint32_t> decodeU32(std::span<const uint8_t> buf);
std::vector<uint8_t> encodeI32(int32_t v);
Result<int32_t> decodeI32(std::span<const uint8_t> buf);
std::vector<uint8_t> encodeU64(uint64_t v);
Result<uint64_t> decodeU64(std::span<const uint8_t> buf);

}  // namespace ctdb::protocol
