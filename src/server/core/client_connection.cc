#include "server/core/client_connection.h"

#include "util/logging.h"

namespace ctdb::server {

ClientConnection::ClientConnection(EventLoop& loop, ClientId id, UniqueFd fd, pid_t peer_pid,
                                   Callbacks cb)
    : loop_(loop), id_(id), peer_pid_(peer_pid), cb_(std::move(cb)), fd_(std::move(fd)) {}

ClientConnection::~ClientConnection() = default;

void ClientConnection::start() {
  if (stream_ || is_closed_) return;
  stream::PacketStream::Options o;
  o.max_packet = kMaxPacketSize;
  o.max_queued = kMaxQueuedBytes;
  o.name = "client " + std::to_string(id_);
  stream_ = std::make_unique<stream::PacketStream>(
      loop_, std::move(fd_), std::move(o),
      stream::PacketStream::Callbacks{
          nullptr,
          [this](std::vector<uint8_t> pkt) {
            // Keep this object alive while the handler runs (it may drop it).
            auto self = shared_from_this();
            if (cb_.on_packet) cb_.on_packet(*this, std::move(pkt));
          },
          [this](const stream::PacketStream::Closed& c) {
            // Already from a posted closure: report at once. The owner
            // destroys this object in on_close, so copy what it needs.
            if (is_closed_) return;
            is_closed_ = true;
            const auto on_close = cb_.on_close;
            const ClientId id = id_;
            if (on_close) on_close(id, describe(c, "client", kMaxQueuedBytes));
          }});
}

void ClientConnection::send(std::vector<uint8_t> bytes) {
  if (is_closed_ || !stream_ || bytes.empty()) return;
  stream_->send(std::move(bytes));  // a full queue fails the stream: on_closed reports it
}

void ClientConnection::close(const std::string& reason) {
  if (is_closed_) return;
  is_closed_ = true;
  if (stream_) stream_->close();
  reportClosed(reason);
}

void ClientConnection::reportClosed(const std::string& reason) {
  auto on_close = cb_.on_close;
  const ClientId id = id_;
  loop_.post([on_close, id, reason]() {
    if (on_close) on_close(id, reason);
  });
}

}  // namespace ctdb::server
