/*
 * ClientConnection: one accepted client of the control socket.
 *
 * Owns a stream::PacketStream over the connected fd (framer bounded by
 * kMaxPacketSize, write queue by kMaxQueuedBytes), created by start(): each
 * complete packet goes to on_packet; writes are queued and flushed as the
 * socket accepts them.
 *
 * Closing: close(reason) (or a read error / EOF / framing error / a write
 * queue above kMaxQueuedBytes) stops all I/O at once and reports on_close
 * exactly once, from a posted closure (never from inside send() or close()),
 * so callers may close a client while iterating over clients. After close,
 * send() is a no-op. The owner (ControlServer) destroys the object in
 * on_close; ReplySinks only hold weak references to it.
 *
 * Single-threaded (event loop). Managed by std::shared_ptr so that replies
 * completed later can find it through a std::weak_ptr.
 */
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ctdb/c_handles.h"
#include "server/core/srvid_registry.h"
#include "stream/packet_stream.h"
#include "util/event_loop.h"

namespace ctdb::server {

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  static constexpr size_t kMaxQueuedBytes = 64u * 1024 * 1024;
  static constexpr uint32_t kMaxPacketSize = 16u * 1024 * 1024;

  struct Callbacks {
    /* A complete packet (exactly hdr.length bytes, header already checked). */
    std::function<void(ClientConnection&, std::vector<uint8_t> packet)> on_packet;
    /* Posted once after the connection closed; reason is human-readable. */
    std::function<void(ClientId, const std::string& reason)> on_close;
  };

  ClientConnection(EventLoop& loop, ClientId id, UniqueFd fd, pid_t peer_pid, Callbacks cb);
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;
  ~ClientConnection();

  /* Starts watching the fd (separate from the constructor so that the
   * object is already owned by a shared_ptr when callbacks can fire). */
  void start();

  /* Queues bytes for the client. */
  void send(std::vector<uint8_t> bytes);
  void close(const std::string& reason);

  ClientId id() const { return id_; }
  pid_t peerPid() const { return peer_pid_; }
  bool isClosed() const { return is_closed_; }
  size_t queuedBytes() const { return stream_ ? stream_->queuedBytes() : 0; }

 private:
  void reportClosed(const std::string& reason);

  EventLoop& loop_;
  const ClientId id_;
  const pid_t peer_pid_;
  Callbacks cb_;
  bool is_closed_ = false;
  UniqueFd fd_;  // until start() hands it to the stream
  std::unique_ptr<stream::PacketStream> stream_;
};

}  // namespace ctdb::server
