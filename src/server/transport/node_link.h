/*
 * NodeLink: one TCP stream between this ctdbd and another node (either our
 * outgoing connection to the peer or the peer's connection to us), carrying
 * CTDB packets with the same 32-byte header framing as the control socket.
 *
 * Owns the fd, its FdEvent, a PacketFramer bounded by kMaxPacketSize and a
 * write queue bounded by kMaxQueuedBytes. A link may be created while its
 * non-blocking connect() is still in progress (is_connecting): it then
 * watches for writability, checks SO_ERROR and reports on_connected or
 * on_error. Nothing here ever blocks the loop.
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
#include "protocol/packet.h"
#include "util/event_loop.h"
#include "util/write_queue.h"

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

  bool isConnecting() const { return is_connecting_; }
  bool isClosed() const { return is_closed_; }
  bool isUp() const { return !is_connecting_ && !is_closed_; }
  const std::string& name() const { return name_; }
  size_t queuedBytes() const { return outq_.queuedBytes(); }
  uint64_t packetsSent() const { return packets_sent_; }

 private:
  void onEvent(uint16_t flags);
  void finishConnect();
  void readSome();
  void flush();
  void updateWatch();
  void fail(const std::string& reason);

  EventLoop& loop_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::string name_;
  Callbacks cb_;
  protocol::PacketFramer framer_;
  WriteQueue outq_;
  uint64_t packets_sent_ = 0;
  bool is_connecting_;
  bool is_closed_ = false;
  UniqueFd fd_;
  std::unique_ptr<FdEvent> fde_;  // after fd_: unregistered before the fd closes
};

}  // namespace ctdb::server
