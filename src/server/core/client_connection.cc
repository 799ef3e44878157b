#include "server/core/client_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/logging.h"

namespace ctdb::server {

ClientConnection::ClientConnection(EventLoop& loop, ClientId id, UniqueFd fd, pid_t peer_pid,
                                   Callbacks cb)
    : loop_(loop),
      id_(id),
      peer_pid_(peer_pid),
      cb_(std::move(cb)),
      framer_(kMaxPacketSize),
      fd_(std::move(fd)) {}

ClientConnection::~ClientConnection() { fde_.reset(); }

void ClientConnection::start() {
  fde_ = std::make_unique<FdEvent>(loop_, fd_.get(), FdEvent::kRead,
                                   [this](uint16_t flags) { onEvent(flags); });
}

void ClientConnection::onEvent(uint16_t flags) {
  // Keep this object alive while packet handlers run (they may drop it).
  auto self = shared_from_this();
  if ((flags & FdEvent::kWrite) && !is_closed_) flush();
  if ((flags & FdEvent::kRead) && !is_closed_) readSome();
}

void ClientConnection::readSome() {
  uint8_t buf[65536];
  ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    close(std::string("read failed: ") + strerror(errno));
    return;
  }
  if (n == 0) {
    close("client closed the connection");
    return;
  }
  framer_.append(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
  while (!is_closed_) {
    auto next = framer_.next();
    if (!next) {
      close("malformed packet: " + next.error().message());
      return;
    }
    if (!next->has_value()) return;
    cb_.on_packet(*this, std::move(**next));
  }
}

void ClientConnection::send(std::vector<uint8_t> bytes) {
  if (is_closed_ || bytes.empty()) return;
  outq_.push(std::move(bytes));
  if (outq_.queuedBytes() > kMaxQueuedBytes) {
    close("write queue over " + std::to_string(kMaxQueuedBytes) + " bytes (client not reading)");
    return;
  }
  // Try at once: most replies fit in the socket buffer, saving a loop pass.
  if (outq_.packetCount() == 1) flush();
}

void ClientConnection::flush() {
  if (is_closed_) return;
  if (int err = outq_.flushTo(fd_.get()); err != 0) {
    close(std::string("write failed: ") + strerror(err));
    return;
  }
  updateWatch();
}

void ClientConnection::updateWatch() {
  if (!fde_ || is_closed_) return;
  uint16_t want = FdEvent::kRead | (outq_.empty() ? 0 : FdEvent::kWrite);
  if (fde_->flags() != want) fde_->setFlags(want);
}

void ClientConnection::close(const std::string& reason) {
  if (is_closed_) return;
  is_closed_ = true;
  outq_.clear();
  if (fde_) fde_->setFlags(0);
  ::shutdown(fd_.get(), SHUT_RDWR);
  auto on_close = cb_.on_close;
  ClientId id = id_;
  std::string why = reason;
  loop_.post([on_close, id, why]() {
    if (on_close) on_close(id, why);
  });
}

}  // namespace ctdb::server
