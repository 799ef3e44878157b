/*
 * Encoders/decoders of the control and message data types (see types.h).
 *
 * Each type has a put() that appends it to a Writer and a pull() that reads
 * it from a Reader; the public encode()/decode<T>() are thin wrappers, and
 * nested records reuse the same put()/pull().
 */
#include "protocol/types.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "protocol/wire.h"

namespace ctdb::protocol {

using wire::Reader;
using wire::Writer;

namespace {

std::string itemName(const char* what, size_t i, size_t n) {
  return std::string(what) + " " + std::to_string(i) + " of " + std::to_string(n);
}

/* Number of fixed-size records that can possibly follow: a count larger than
 * this is rejected before anything is allocated. */
bool countFits(Reader& r, uint32_t num, size_t record, const char* field) {
  if (static_cast<uint64_t>(num) * record > r.remaining()) {
    r.fail(std::string(field) + " " + std::to_string(num) + " needs " +
           std::to_string(static_cast<uint64_t>(num) * record) + " bytes, have " +
           std::to_string(r.remaining()));
    return false;
  }
  return true;
}

/* A u32 count then that many fixed-size records (CTDB's list layout):
 * the count is checked against the bytes left before anything is
 * allocated, and a failing record is named "<item> I of N". */
template <class Pull>
auto pullCounted(Reader& r, size_t record, const char* count_field, const char* item, Pull pull)
    -> std::vector<decltype(pull(r))> {
  std::vector<decltype(pull(r))> out;
  uint32_t num = r.u32(count_field);
  if (!r.ok() || !countFits(r, num, record, count_field)) return out;
  out.reserve(num);
  for (uint32_t i = 0; i < num && r.ok(); ++i) {
    r.setItem(itemName(item, i, num));
    out.push_back(pull(r));
  }
  r.clearItem();
  return out;
}

/* ---- sock_addr ---- */

void put(Writer& w, const SockAddr& a) {
  uint8_t raw[kSockAddrSize] = {};
  uint16_t family = a.ip.family;
  uint16_t port_be = htons(a.port);
  std::memcpy(raw + 0, &family, 2);
  std::memcpy(raw + 2, &port_be, 2);
  if (a.ip.isV4()) {
    std::memcpy(raw + 4, a.ip.bytes.data(), 4);
  } else {
    std::memcpy(raw + 8, a.ip.bytes.data(), 16);
  }
  w.raw(raw, sizeof raw);
}

SockAddr pullSockAddr(Reader& r, const char* field) {
  SockAddr a;
  auto raw = r.take(kSockAddrSize, field);
  if (!r.ok()) return a;
  uint16_t family = 0, port_be = 0;
  std::memcpy(&family, raw.data(), 2);
  std::memcpy(&port_be, raw.data() + 2, 2);
  a.port = ntohs(port_be);
  a.ip = IpAddress{};
  if (family == AF_INET) {
    a.ip.family = AF_INET;
    std::memcpy(a.ip.bytes.data(), raw.data() + 4, 4);
  } else if (family == AF_INET6) {
    a.ip.family = AF_INET6;
    std::memcpy(a.ip.bytes.data(), raw.data() + 8, 16);
  } else {
    r.fail(std::string(field) + ": unsupported address family " + std::to_string(family));
  }
  return a;
}

/* ---- strings ---- */

void putStringN(Writer& w, const std::optional<std::string>& s) {
  if (!s) {
    w.u32(0);
    return;
  }
  w.u32(static_cast<uint32_t>(s->size() + 1));
  w.raw(s->data(), s->size());
  w.u8(0);
}

std::optional<std::string> pullStringN(Reader& r, const char* field) {
  uint32_t len = r.u32(field);
  if (!r.ok()) return std::nullopt;
  if (len > r.remaining()) {
    r.fail(std::string(field) + ": length " + std::to_string(len) + " exceeds remaining " +
           std::to_string(r.remaining()) + " bytes");
    return std::nullopt;
  }
  if (len == 0) return std::nullopt;
  return wire::textUpToNul(r.take(len, field));
}

/* ---- fixed records ---- */

void put(Writer& w, const PublicIp& v) {
  w.u32(v.pnn);
  put(w, v.addr);
}
PublicIp pullPublicIp(Reader& r) {
  PublicIp v;
  v.pnn = r.u32("pnn");
  v.addr = pullSockAddr(r, "addr");
  return v;
}

void put(Writer& w, const NodeAndFlags& v) {
  w.u32(v.pnn);
  w.u32(v.flags);
  put(w, v.addr);
}
NodeAndFlags pullNodeAndFlags(Reader& r) {
  NodeAndFlags v;
  v.pnn = r.u32("pnn");
  v.flags = r.u32("flags");
  v.addr = pullSockAddr(r, "addr");
  return v;
}

void put(Writer& w, const Iface& v) {
  char name[kIfaceNameField] = {};
  std::memcpy(name, v.name.data(), std::min(v.name.size(), kIfaceNameMax));
  w.raw(name, sizeof name);
  w.u16(v.link_state);
  w.u32(v.references);
}
Iface pullIface(Reader& r) {
  Iface v;
  auto name = r.take(kIfaceNameField, "name");
  if (r.ok()) v.name = wire::textUpToNul(name);
  v.link_state = r.u16("link_state");
  v.references = r.u32("references");
  return v;
}

void put(Writer& w, const IfaceList& v) {
  w.u32(static_cast<uint32_t>(v.ifaces.size()));
  for (const auto& i : v.ifaces) put(w, i);
}
IfaceList pullIfaceList(Reader& r) {
  IfaceList v;
  v.ifaces = pullCounted(r, kIfaceSize, "num", "iface", [](Reader& rr) { return pullIface(rr); });
  return v;
}

void put(Writer& w, const Timeval& v) {
  w.i64(v.sec);
  w.i64(v.usec);
}
Timeval pullTimeval(Reader& r, const char* field) {
  Timeval v;
  v.sec = r.i64(field);
  v.usec = r.i64(field);
  return v;
}

void put(Writer& w, const Connection& v) {
  put(w, v.src);
  put(w, v.dst);
}
Connection pullConnection(Reader& r) {
  Connection v;
  v.src = pullSockAddr(r, "src");
  v.dst = pullSockAddr(r, "dst");
  return v;
}

std::vector<Connection> pullConnections(Reader& r) {
  return pullCounted(r, 2 * kSockAddrSize, "num", "connection",
                     [](Reader& rr) { return pullConnection(rr); });
}

template <class T>
Result<T> finishDecode(Reader& r, T v) {
  if (!r.ok()) return r.error();
  return v;
}

template <class T>
std::vector<uint8_t> encodeOne(const T& v) {
  Writer w;
  put(w, v);
  return w.take();
}

}  // namespace

std::string SockAddr::toString() const {
  if (port == 0) return ip.toString();
  if (ip.isV4()) return ip.toString() + ":" + std::to_string(port);
  return "[" + ip.toString() + "]:" + std::to_string(port);
}

/* ---- encode ---- */

std::vector<uint8_t> encode(const SockAddr& v) { return encodeOne(v); }
std::vector<uint8_t> encode(const PublicIp& v) { return encodeOne(v); }
std::vector<uint8_t> encode(const NodeAndFlags& v) { return encodeOne(v); }
std::vector<uint8_t> encode(const Iface& v) { return encodeOne(v); }
std::vector<uint8_t> encode(const IfaceList& v) { return encodeOne(v); }
std::vector<uint8_t> encode(const Timeval& v) { return encodeOne(v); }
std::vector<uint8_t> encode(const Connection& v) { return encodeOne(v); }

std::vector<uint8_t> encode(const PublicIpList& v) {
  Writer w(4 + 32 * v.ips.size());
  w.u32(static_cast<uint32_t>(v.ips.size()));
  for (const auto& ip : v.ips) put(w, ip);
  return w.take();
}

std::vector<uint8_t> encode(const NodeMap& v) {
  Writer w(4 + 36 * v.nodes.size());
  w.u32(static_cast<uint32_t>(v.nodes.size()));
  for (const auto& n : v.nodes) put(w, n);
  return w.take();
}

std::vector<uint8_t> encode(const VnnMap& v) {
  Writer w(8 + 4 * v.map.size());
  w.u32(v.generation);
  w.u32(static_cast<uint32_t>(v.map.size()));
  for (uint32_t p : v.map) w.u32(p);
  return w.take();
}

std::vector<uint8_t> encode(const PublicIpInfo& v) {
  Writer w;
  put(w, v.ip);
  w.u32(v.active_idx);
  put(w, v.ifaces);
  return w.take();
}

std::vector<uint8_t> encode(const AddrInfo& v) {
  Writer w;
  put(w, v.addr);
  w.u32(v.mask);
  putStringN(w, v.iface);
  return w.take();
}

std::vector<uint8_t> encode(const TunableValue& v) {
  Writer w;
  w.u32(v.value);
  putStringN(w, v.name);
  return w.take();
}

std::vector<uint8_t> encode(const StringN& v) {
  Writer w;
  putStringN(w, v.s);
  return w.take();
}

std::vector<uint8_t> encode(const String& v) {
  Writer w;
  if (v.s) {
    w.raw(v.s->data(), v.s->size());
    w.u8(0);
  }
  return w.take();
}

std::vector<uint8_t> encode(const VarList& v) {
  std::string text;
  for (const auto& n : v.names) {
    text += ':';
    text += n;
  }
  Writer w(4 + text.size() + 1);
  w.u32(static_cast<uint32_t>(text.size() + 1));
  w.raw(text.data(), text.size());
  w.u8(0);
  return w.take();
}

std::vector<uint8_t> encode(const TunableList& v) {
  Writer w(4 * kTunableListSize);
  for (uint32_t x : v.values) w.u32(x);
  return w.take();
}

std::vector<uint8_t> encode(const Uptime& v) {
  Writer w(64);
  put(w, v.current_time);
  put(w, v.ctdbd_start_time);
  put(w, v.last_recovery_started);
  put(w, v.last_recovery_finished);
  return w.take();
}

std::vector<uint8_t> encode(const BanState& v) {
  Writer w(8);
  w.u32(v.pnn);
  w.u32(v.time);
  return w.take();
}

std::vector<uint8_t> encode(const NodeFlagChange& v) {
  Writer w(12);
  w.u32(v.pnn);
  w.u32(v.new_flags);
  w.u32(v.old_flags);
  return w.take();
}

std::vector<uint8_t> encode(const SrvidMessage& v) {
  Writer w(16);
  w.u32(v.pnn);
  w.u32(0);
  w.u64(v.srvid);
  return w.take();
}

std::vector<uint8_t> encode(const DisableMessage& v) {
  Writer w(24);
  w.u32(v.pnn);
  w.u32(0);
  w.u64(v.srvid);
  w.u32(v.timeout);
  w.u32(0);
  return w.take();
}

std::vector<uint8_t> encode(const PidSrvid& v) {
  Writer w(12);
  w.i32(v.pid);
  w.u64(v.srvid);
  return w.take();
}

std::vector<uint8_t> encode(const ConnectionList& v) {
  Writer w(4 + 56 * v.conns.size());
  w.u32(static_cast<uint32_t>(v.conns.size()));
  for (const auto& c : v.conns) put(w, c);
  return w.take();
}

std::vector<uint8_t> encode(const TickleList& v) {
  Writer w(32 + 56 * v.conns.size());
  put(w, v.addr);
  w.u32(static_cast<uint32_t>(v.conns.size()));
  for (const auto& c : v.conns) put(w, c);
  return w.take();
}

std::vector<uint8_t> encode(const EchoData& v) {
  Writer w(8 + v.buf.size());
  w.u32(v.timeout);
  w.u32(static_cast<uint32_t>(v.buf.size()));
  w.bytes(v.buf);
  return w.take();
}

/* ---- decode ---- */

template <>
Result<SockAddr> decode<SockAddr>(std::span<const uint8_t> buf) {
  Reader r(buf, "sock_addr");
  return finishDecode(r, pullSockAddr(r, "addr"));
}

template <>
Result<PublicIp> decode<PublicIp>(std::span<const uint8_t> buf) {
  Reader r(buf, "public_ip");
  return finishDecode(r, pullPublicIp(r));
}

template <>
Result<PublicIpList> decode<PublicIpList>(std::span<const uint8_t> buf) {
  Reader r(buf, "public_ip_list");
  PublicIpList v;
  v.ips = pullCounted(r, 32, "num", "ip", [](Reader& rr) { return pullPublicIp(rr); });
  return finishDecode(r, std::move(v));
}

template <>
Result<NodeAndFlags> decode<NodeAndFlags>(std::span<const uint8_t> buf) {
  Reader r(buf, "node_and_flags");
  return finishDecode(r, pullNodeAndFlags(r));
}

template <>
Result<NodeMap> decode<NodeMap>(std::span<const uint8_t> buf) {
  Reader r(buf, "node_map");
  NodeMap v;
  v.nodes = pullCounted(r, 36, "num", "node", [](Reader& rr) { return pullNodeAndFlags(rr); });
  return finishDecode(r, std::move(v));
}

template <>
Result<VnnMap> decode<VnnMap>(std::span<const uint8_t> buf) {
  Reader r(buf, "vnn_map");
  VnnMap v;
  v.generation = r.u32("generation");
  uint32_t size = r.u32("size");
  if (r.ok() && countFits(r, size, 4, "size")) {
    v.map.reserve(size);
    for (uint32_t i = 0; i < size && r.ok(); ++i) v.map.push_back(r.u32("map"));
  }
  return finishDecode(r, std::move(v));
}

template <>
Result<Iface> decode<Iface>(std::span<const uint8_t> buf) {
  Reader r(buf, "iface");
  return finishDecode(r, pullIface(r));
}

template <>
Result<IfaceList> decode<IfaceList>(std::span<const uint8_t> buf) {
  Reader r(buf, "iface_list");
  return finishDecode(r, pullIfaceList(r));
}

template <>
Result<PublicIpInfo> decode<PublicIpInfo>(std::span<const uint8_t> buf) {
  Reader r(buf, "public_ip_info");
  PublicIpInfo v;
  v.ip = pullPublicIp(r);
  v.active_idx = r.u32("active_idx");
  v.ifaces = pullIfaceList(r);
  return finishDecode(r, std::move(v));
}

template <>
Result<AddrInfo> decode<AddrInfo>(std::span<const uint8_t> buf) {
  Reader r(buf, "addr_info");
  AddrInfo v;
  v.addr = pullSockAddr(r, "addr");
  v.mask = r.u32("mask");
  v.iface = pullStringN(r, "iface");
  return finishDecode(r, std::move(v));
}

template <>
Result<TunableValue> decode<TunableValue>(std::span<const uint8_t> buf) {
  Reader r(buf, "tunable");
  TunableValue v;
  v.value = r.u32("value");
  auto name = pullStringN(r, "name");
  if (name) v.name = std::move(*name);
  return finishDecode(r, std::move(v));
}

template <>
Result<StringN> decode<StringN>(std::span<const uint8_t> buf) {
  Reader r(buf, "stringn");
  StringN v;
  v.s = pullStringN(r, "string");
  return finishDecode(r, std::move(v));
}

template <>
Result<String> decode<String>(std::span<const uint8_t> buf) {
  String v;
  if (!buf.empty()) v.s = wire::textUpToNul(buf);
  return v;
}

template <>
Result<VarList> decode<VarList>(std::span<const uint8_t> buf) {
  Reader r(buf, "var_list");
  VarList v;
  uint32_t len = r.u32("len");
  if (!r.ok()) return r.error();
  if (len > r.remaining()) {
    return makeError("var_list: len " + std::to_string(len) + " exceeds remaining " +
                     std::to_string(r.remaining()) + " bytes");
  }
  std::string text = wire::textUpToNul(r.take(len, "text"));
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t colon = text.find(':', pos);
    if (colon == std::string::npos) colon = text.size();
    if (colon > pos) v.names.push_back(text.substr(pos, colon - pos));
    pos = colon + 1;
  }
  return v;
}

template <>
Result<TunableList> decode<TunableList>(std::span<const uint8_t> buf) {
  Reader r(buf, "tunable_list");
  TunableList v;
  for (size_t i = 0; i < kTunableListSize && r.ok(); ++i) {
    r.setItem(itemName("value", i, kTunableListSize));
    v.values[i] = r.u32("value");
  }
  return finishDecode(r, v);
}

template <>
Result<Timeval> decode<Timeval>(std::span<const uint8_t> buf) {
  Reader r(buf, "timeval");
  return finishDecode(r, pullTimeval(r, "timeval"));
}

template <>
Result<Uptime> decode<Uptime>(std::span<const uint8_t> buf) {
  Reader r(buf, "uptime");
  Uptime v;
  v.current_time = pullTimeval(r, "current_time");
  v.ctdbd_start_time = pullTimeval(r, "ctdbd_start_time");
  v.last_recovery_started = pullTimeval(r, "last_recovery_started");
  v.last_recovery_finished = pullTimeval(r, "last_recovery_finished");
  return finishDecode(r, v);
}

template <>
Result<BanState> decode<BanState>(std::span<const uint8_t> buf) {
  Reader r(buf, "ban_state");
  BanState v;
  v.pnn = r.u32("pnn");
  v.time = r.u32("time");
  return finishDecode(r, v);
}

template <>
Result<NodeFlagChange> decode<NodeFlagChange>(std::span<const uint8_t> buf) {
  Reader r(buf, "node_flag_change");
  NodeFlagChange v;
  v.pnn = r.u32("pnn");
  v.new_flags = r.u32("new_flags");
  v.old_flags = r.u32("old_flags");
  return finishDecode(r, v);
}

template <>
Result<SrvidMessage> decode<SrvidMessage>(std::span<const uint8_t> buf) {
  Reader r(buf, "srvid_message");
  SrvidMessage v;
  v.pnn = r.u32("pnn");
  r.skip(4, "pad");
  v.srvid = r.u64("srvid");
  return finishDecode(r, v);
}

template <>
Result<DisableMessage> decode<DisableMessage>(std::span<const uint8_t> buf) {
  Reader r(buf, "disable_message");
  DisableMessage v;
  v.pnn = r.u32("pnn");
  r.skip(4, "pad");
  v.srvid = r.u64("srvid");
  v.timeout = r.u32("timeout");
  r.skip(4, "pad");
  return finishDecode(r, v);
}

template <>
Result<PidSrvid> decode<PidSrvid>(std::span<const uint8_t> buf) {
  Reader r(buf, "pid_srvid");
  PidSrvid v;
  v.pid = r.i32("pid");
  v.srvid = r.u64("srvid");
  return finishDecode(r, v);
}

template <>
Result<Connection> decode<Connection>(std::span<const uint8_t> buf) {
  Reader r(buf, "connection");
  return finishDecode(r, pullConnection(r));
}

template <>
Result<ConnectionList> decode<ConnectionList>(std::span<const uint8_t> buf) {
  Reader r(buf, "connection_list");
  ConnectionList v;
  v.conns = pullConnections(r);
  return finishDecode(r, std::move(v));
}

template <>
Result<TickleList> decode<TickleList>(std::span<const uint8_t> buf) {
  Reader r(buf, "tickle_list");
  TickleList v;
  v.addr = pullSockAddr(r, "addr");
  v.conns = pullConnections(r);
  return finishDecode(r, std::move(v));
}

template <>
Result<EchoData> decode<EchoData>(std::span<const uint8_t> buf) {
  Reader r(buf, "echo_data");
  EchoData v;
  v.timeout = r.u32("timeout");
  uint32_t len = r.u32("len");
  if (r.ok() && len > r.remaining()) {
    r.fail("len " + std::to_string(len) + " exceeds remaining " + std::to_string(r.remaining()) +
           " bytes");
  }
  auto d = r.take(len, "buf");
  v.buf.assign(d.begin(), d.end());
  return finishDecode(r, std::move(v));
}

/* ---- scalars ---- */

std::vector<uint8_t> encodeU32(uint32_t v) {
  Writer w(4);
  w.u32(v);
  return w.take();
}
Result<uint32_t> decodeU32(std::span<const uint8_t> buf) {
  Reader r(buf, "uint32");
  return finishDecode(r, r.u32("value"));
}
std::vector<uint8_t> encodeI32(int32_t v) {
  Writer w(4);
  w.i32(v);
  return w.take();
}
Result<int32_t> decodeI32(std::span<const uint8_t> buf) {
  Reader r(buf, "int32");
  return finishDecode(r, r.i32("value"));
}
std::vector<uint8_t> encodeU64(uint64_t v) {
  Writer w(8);
  w.u64(v);
  return w.take();
}
Result<uint64_t> decodeU64(std::span<const uint8_t> buf) {
  Reader r(buf, "uint64");
  return finishDecode(r, r.u64("value"));
}

}  // namespace ctdb::protocol
