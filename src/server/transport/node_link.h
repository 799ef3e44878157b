/*
 * NodeLink: one TCP stream between this ctdbd and another node (either our
 * outgoing connection to the peer or the peer's connection to us), carrying
 * CTDB packets with the same 32-byte header framing as the control socket.
 *
 * A thin owner of a stream::PacketStream (fd, framer bounded by
 * kMaxPacketSize, write queue bounded by kMaxQueuedBytes, connect in
 * progress) that names the peer in its log lines and turns the stream's
 * close causes into one-line reasons. Nothing here ever blocks the loop.
 *
 Callbacks never fire from inside send()/close():
 *   on_connected()      once, from the FdEvent callback, when a pending
 *                       connect succeeded;
 *   on_packet(bytes)    from the FdEvent callback, per complete packet
 *                       (header checked by the framer); the owner may close
 *                       the link inside it (reading stops) but must not
 *                       destroy it there (use EventLoop::deleteLater);
 *   on_error(reason)    once, from a posted closure, after EOF, a read or
 *                       write error, a framing error or a failed connect;
 *                       the link is already closed and the owner may
 *                       destroy it right there. Not called after close() or
 *                       destruction.
 *
 * send() returns false (and queues nothing) when the link is closed, still
 * connecting, or its write queue would exceed kMaxQueuedBytes; in the last
 * case the link closes itself and the owner should drop it.
 *
 * Single-threaded (event loop).
 */
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ctdb/c_handles.h"
#include "stream/packet_stream.h"

namespace ctdb::server {

class NodeLink {
 public:
  static constexpr size_t kMaxQueuedBytes = 64u * 1024 * 1024;
  static constexpr uint32_t kMaxPacketSize = 16u * 1024 * 1024;

  struct Callbacks {
    std::function<void()> on_connected;
    std::function<void(std::vector<uint8_t> packet)> on_packet;
    std::function<void(const std::string& reason)> on_error;
  };

  NodeLink(EventLoop& loop, UniqueFd fd, std::string name, bool is_connecting, Callbacks cb);
  NodeLink(const NodeLink&) = delete;
  NodeLink& operator=(const NodeLink&) = delete;
  ~NodeLink();

  bool send(std::vector<uint8_t> bytes);
  /* Stops all I/O at once (idempotent); no callback fires afterwards. */
  void close();

  bool isConnecting() const { return stream_.state() == stream::PacketStream::State::Connecting; }
  bool isClosed() const { return stream_.state() == stream::PacketStream::State::Closed; }
  bool isUp() const { return stream_.isOpen(); }
  const std::string& name() const { return name_; }
  size_t queuedBytes() const { return stream_.queuedBytes(); }
  uint64_t packetsSent() const { return stream_.packetsSent(); }

 private:
  std::string name_;
  stream::PacketStream stream_;
};

}  // namespace ctdb::server
