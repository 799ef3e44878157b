/*
 * Packet encoding/decoding and stream framing (see packet.h).
 */
#include "protocol/packet.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

#include "protocol/wire.h"

namespace ctdb::protocol {

namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08" PRIx32, v);
  return buf;
}

void writeHeader(wire::Writer& w, const PacketHeader& h, Operation op) {
  w.u32(0);  // length, patched by finish()
  w.u32(kMagic);
  w.u32(kVersion);
  w.u32(h.generation);
  w.u32(static_cast<uint32_t>(op));
  w.u32(h.destnode);
  w.u32(h.srcnode);
  w.u32(h.reqid);
}

/* Pad with zeros to a multiple of 8 and store the padded length. */
std::vector<uint8_t> finish(wire::Writer& w) {
  size_t padded = paddedLength(w.size());
  w.zeros(padded - w.size());
  w.patchU32(0, static_cast<uint32_t>(padded));
  return w.take();
}

PacketHeader readHeader(std::span<const uint8_t> pkt) {
  PacketHeader h;
  const uint8_t* p = pkt.data();
  std::memcpy(&h.length, p + 0, 4);
  std::memcpy(&h.magic, p + 4, 4);
  std::memcpy(&h.version, p + 8, 4);
  std::memcpy(&h.generation, p + 12, 4);
  std::memcpy(&h.operation, p + 16, 4);
  std::memcpy(&h.destnode, p + 20, 4);
  std::memcpy(&h.srcnode, p + 24, 4);
  std::memcpy(&h.reqid, p + 28, 4);
  return h;
}

/* decodeHeader + operation check; on success *body is the packet's first
 * hdr.length bytes. */
Result<PacketHeader> decodeAs(std::span<const uint8_t> pkt, Operation op, size_t fixed,
                              const char* what, std::span<const uint8_t>* body) {
  auto h = decodeHeader(pkt);
  if (!h) return h.error();
  if (h->operation != static_cast<uint32_t>(op)) {
    const char* got = operationName(h->operation);
    return makeError(std::string(what) + ": operation " + std::to_string(h->operation) + " (" +
                     (got ? got : "unknown") + ") is not " + operationName(static_cast<uint32_t>(op)));
  }
  if (h->length < fixed) {
    return makeError(std::string(what) + ": packet length " + std::to_string(h->length) +
                     " shorter than " + std::to_string(fixed) + "-byte fixed part");
  }
  *body = pkt.first(h->length);
  return h;
}

}  // namespace

std::vector<uint8_t> encodePacket(const ReqControl& c) {
  wire::Writer w(paddedLength(kReqControlFixedSize + c.data.size()));
  writeHeader(w, c.hdr, Operation::ReqControl);
  w.u32(c.opcode);
  w.u32(0);  // pad
  w.u64(c.srvid);
  w.u32(c.client_id);
  w.u32(c.flags);
  w.u32(static_cast<uint32_t>(c.data.size()));
  w.bytes(c.data);
  return finish(w);
}

std::vector<uint8_t> encodePacket(const ReplyControl& r) {
  size_t errorlen = r.errmsg ? r.errmsg->size() + 1 : 0;
  wire::Writer w(paddedLength(kReplyControlFixedSize + r.data.size() + errorlen));
  writeHeader(w, r.hdr, Operation::ReplyControl);
  w.i32(r.status);
  w.u32(static_cast<uint32_t>(r.data.size()));
  w.u32(static_cast<uint32_t>(errorlen));
  w.bytes(r.data);
  if (r.errmsg) {
    w.raw(r.errmsg->data(), r.errmsg->size());
    w.u8(0);
  }
  return finish(w);
}

std::vector<uint8_t> encodePacket(const ReqMessage& m) {
  wire::Writer w(paddedLength(kReqMessageFixedSize + m.data.size()));
  writeHeader(w, m.hdr, Operation::ReqMessage);
  w.u64(m.srvid);
  w.u32(static_cast<uint32_t>(m.data.size()));
  w.bytes(m.data);
  return finish(w);
}

std::vector<uint8_t> encodePacket(const ReqKeepalive& k) {
  wire::Writer w(kReqKeepaliveSize);
  writeHeader(w, k.hdr, Operation::ReqKeepalive);
  w.u32(k.version);
  w.u32(k.uptime);
  return finish(w);
}

Result<PacketHeader> decodeHeader(std::span<const uint8_t> pkt) {
  if (pkt.size() < kHeaderSize) {
    return makeError("packet of " + std::to_string(pkt.size()) + " bytes shorter than " +
                     std::to_string(kHeaderSize) + "-byte header");
  }
  PacketHeader h = readHeader(pkt);
  if (h.magic != kMagic) return makeError("bad magic " + hex32(h.magic));
  if (h.version != kVersion) {
    return makeError("unsupported protocol version " + std::to_string(h.version));
  }
  if (h.length < kHeaderSize) {
    return makeError("packet length " + std::to_string(h.length) + " shorter than header");
  }
  if (h.length > pkt.size()) {
    return makeError("packet length " + std::to_string(h.length) + " exceeds buffer of " +
                     std::to_string(pkt.size()) + " bytes");
  }
  return h;
}

Result<ReqControl> decodeReqControl(std::span<const uint8_t> pkt) {
  std::span<const uint8_t> body;
  auto h = decodeAs(pkt, Operation::ReqControl, kReqControlFixedSize, "control request", &body);
  if (!h) return h.error();
  wire::Reader r(body.subspan(kHeaderSize), "control request");
  ReqControl c;
  c.hdr = *h;
  c.opcode = r.u32("opcode");
  r.skip(4, "pad");
  c.srvid = r.u64("srvid");
  c.client_id = r.u32("client_id");
  c.flags = r.u32("flags");
  uint32_t datalen = r.u32("datalen");
  if (!r.ok()) return r.error();
  if (datalen > r.remaining()) {
    return makeError("control datalen " + std::to_string(datalen) + " exceeds packet length " +
                     std::to_string(h->length));
  }
  auto d = r.take(datalen, "data");
  c.data.assign(d.begin(), d.end());
  return c;
}

Result<ReplyControl> decodeReplyControl(std::span<const uint8_t> pkt) {
  std::span<const uint8_t> body;
  auto h = decodeAs(pkt, Operation::ReplyControl, kReplyControlFixedSize, "control reply", &body);
  if (!h) return h.error();
  wire::Reader r(body.subspan(kHeaderSize), "control reply");
  ReplyControl c;
  c.hdr = *h;
  c.status = r.i32("status");
  uint32_t datalen = r.u32("datalen");
  uint32_t errorlen = r.u32("errorlen");
  if (!r.ok()) return r.error();
  if (datalen > r.remaining()) {
    return makeError("control reply datalen " + std::to_string(datalen) +
                     " exceeds packet length " + std::to_string(h->length));
  }
  auto d = r.take(datalen, "data");
  c.data.assign(d.begin(), d.end());
  if (errorlen > r.remaining()) {
    return makeError("control reply errorlen " + std::to_string(errorlen) + " after datalen " +
                     std::to_string(datalen) + " exceeds packet length " +
                     std::to_string(h->length));
  }
  if (errorlen > 0) c.errmsg = wire::textUpToNul(r.take(errorlen, "errormsg"));
  return c;
}

Result<ReqMessage> decodeReqMessage(std::span<const uint8_t> pkt) {
  std::span<const uint8_t> body;
  auto h = decodeAs(pkt, Operation::ReqMessage, kReqMessageFixedSize, "message", &body);
  if (!h) return h.error();
  wire::Reader r(body.subspan(kHeaderSize), "message");
  ReqMessage m;
  m.hdr = *h;
  m.srvid = r.u64("srvid");
  uint32_t datalen = r.u32("datalen");
  if (!r.ok()) return r.error();
  if (datalen > r.remaining()) {
    return makeError("message datalen " + std::to_string(datalen) + " exceeds packet length " +
                     std::to_string(h->length));
  }
  auto d = r.take(datalen, "data");
  m.data.assign(d.begin(), d.end());
  return m;
}

Result<ReqKeepalive> decodeReqKeepalive(std::span<const uint8_t> pkt) {
  std::span<const uint8_t> body;
  auto h = decodeAs(pkt, Operation::ReqKeepalive, kReqKeepaliveSize, "keepalive", &body);
  if (!h) return h.error();
  wire::Reader r(body.subspan(kHeaderSize), "keepalive");
  ReqKeepalive k;
  k.hdr = *h;
  k.version = r.u32("version");
  k.uptime = r.u32("uptime");
  if (!r.ok()) return r.error();
  return k;
}

PacketFramer::PacketFramer(uint32_t max_packet_size) : max_packet_size_(max_packet_size) {}

void PacketFramer::append(std::span<const uint8_t> bytes) {
  if (failed_ || bytes.empty()) return;
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  } else if (start_ > 0 && start_ >= buf_.size() / 2) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
}

Result<std::optional<std::vector<uint8_t>>> PacketFramer::next() {
  if (failed_) return *failed_;
  const size_t avail = buf_.size() - start_;
  const uint8_t* p = buf_.data() + start_;
  uint32_t length = 0, magic = 0, version = 0;
  if (avail >= 4) {
    std::memcpy(&length, p, 4);
    if (length < kHeaderSize) {
      failed_ = makeError("packet length " + std::to_string(length) + " shorter than header");
    } else if (length > max_packet_size_) {
      failed_ = makeError("packet length " + std::to_string(length) + " exceeds maximum " +
                          std::to_string(max_packet_size_));
    }
  }
  if (!failed_ && avail >= 8) {
    std::memcpy(&magic, p + 4, 4);
    if (magic != kMagic) failed_ = makeError("bad magic " + hex32(magic));
  }
  if (!failed_ && avail >= 12) {
    std::memcpy(&version, p + 8, 4);
    if (version != kVersion) {
      failed_ = makeError("unsupported protocol version " + std::to_string(version));
    }
  }
  if (failed_) return *failed_;
  if (avail < 4 || avail < length) return std::optional<std::vector<uint8_t>>{};
  std::vector<uint8_t> pkt(p, p + length);
  start_ += length;
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  }
  return std::optional<std::vector<uint8_t>>(std::move(pkt));
}

}  // namespace ctdb::protocol
