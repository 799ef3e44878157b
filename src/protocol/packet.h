/*
 * CTDB packets: the 32-byte common header plus the REQ_CONTROL,
 * REPLY_CONTROL, REQ_MESSAGE and REQ_KEEPALIVE bodies, byte-compatible with
 * CTDB 4.17 (reference/ctdb-protocol.md sections 1-3), and PacketFramer,
 * which cuts a byte stream into packets.
 *
 * Pure marshalling: no I/O, no event loop, no logging, no global state; all
 * functions are re-entrant. Decoders never read outside the given span and
 * report every rejection as an Error whose context is one line naming the
 * field ("bad magic 0x12345678"). Encoders fill in length (padded with zero
 * bytes to a multiple of 8, as ctdbd does), magic, version and operation
 * themselves; the caller sets generation, destnode, srcnode and reqid.
 *
 * Decoders accept unpadded packets and ignore bytes after the payload, like
 * the 4.17 client library.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ctdb/result.h"
#include "protocol/constants.h"

namespace ctdb::protocol {

struct PacketHeader {
  uint32_t length = 0;
  uint32_t magic = kMagic;
  uint32_t version = kVersion;
  uint32_t generation = 0;
  uint32_t operation = 0;
  uint32_t destnode = 0;
  uint32_t srcnode = 0;
  uint32_t reqid = 0;
  bool operator==(const PacketHeader&) const = default;
};

/* Operation 7. Wire: hdr, opcode, pad(4), srvid, client_id, flags, datalen, data. */
struct ReqControl {
  PacketHeader hdr;
  uint32_t opcode = 0;
  uint64_t srvid = 0;
  uint32_t client_id = 0;
  uint32_t flags = 0;
  std::vector<uint8_t> data;
  bool operator==(const ReqControl&) const = default;
};

/* Operation 8. Wire: hdr, status, datalen, errorlen, data, errormsg (incl NUL). */
struct ReplyControl {
  PacketHeader hdr;
  int32_t status = 0;
  std::vector<uint8_t> data;
  /* Encoded with a terminating NUL (errorlen = size + 1); nullopt = errorlen 0. */
  std::optional<std::string> errmsg;
  bool operator==(const ReplyControl&) const = default;
};

/* Operation 5. Wire: hdr, srvid, datalen, data. */
struct ReqMessage {
  PacketHeader hdr;
  uint64_t srvid = 0;
  std::vector<uint8_t> data;
  bool operator==(const ReqMessage&) const = default;
};

/* Operation 9 (node to node). 4.17 wire: hdr, u32 version, u32 uptime.
 * ctdbd fills version with (samba major << 16) | minor (4.17 -> 0x00040011)
 * and uptime with seconds since ctdbd started. */
constexpr uint32_t kKeepaliveVersion417 = (4u << 16) | 17u;
struct ReqKeepalive {
  PacketHeader hdr;
  uint32_t version = 0;
  uint32_t uptime = 0;
  bool operator==(const ReqKeepalive&) const = default;
};

/* Sizes of the fixed parts (header included). */
constexpr size_t kReqControlFixedSize = 60;
constexpr size_t kReplyControlFixedSize = 44;
constexpr size_t kReqMessageFixedSize = 44;
constexpr size_t kReqKeepaliveSize = 40;

/* Round n up to the 8-byte packet alignment. */
constexpr size_t paddedLength(size_t n) {
  return (n + kPacketAlignment - 1) / kPacketAlignment * kPacketAlignment;
}

std::vector<uint8_t> encodePacket(const ReqControl& c);
std::vector<uint8_t> encodePacket(const ReplyControl& r);
std::vector<uint8_t> encodePacket(const ReqMessage& m);
std::vector<uint8_t> encodePacket(const ReqKeepalive& k);

/* Checks pkt.size() >= 32, magic, version and 32 <= length <= pkt.size(). */
Result<PacketHeader> decodeHeader(std::span<const uint8_t> pkt);

/* Each checks the header (as decodeHeader), the operation, and that every
 * inner length fits inside hdr.length. */
Result<ReqControl> decodeReqControl(std::span<const uint8_t> pkt);
Result<ReplyControl> decodeReplyControl(std::span<const uint8_t> pkt);
Result<ReqMessage> decodeReqMessage(std::span<const uint8_t> pkt);
Result<ReqKeepalive> decodeReqKeepalive(std::span<const uint8_t> pkt);

/*
 * Stream reassembly for a socket reader. append() what read() returned, then
 * call next() until it yields nullopt. Each packet returned is exactly
 * hdr.length bytes. An Error (length < 32, length > max_packet_size, bad
 * magic, bad version) is sticky: the stream cannot be resynchronised and the
 * caller must drop the connection.
 *
 * Consumed bytes are discarded lazily (an offset advances; the buffer is
 * compacted only when the consumed prefix is at least half of it), so many
 * small packets in one append() cost O(total bytes).
 */
class PacketFramer {
 public:
  explicit PacketFramer(uint32_t max_packet_size = 16 * 1024 * 1024);

  void append(std::span<const uint8_t> bytes);
  Result<std::optional<std::vector<uint8_t>>> next();

  /* Bytes received but not yet returned as packets. */
  size_t buffered() const { return buf_.size() - start_; }
  bool failed() const { return failed_.has_value(); }

 private:
  uint32_t max_packet_size_;
  std::vector<uint8_t> buf_;
  size_t start_ = 0;
  std::optional<Error> failed_;
};

}  // namespace ctdb::protocol
