#include "server/transport/node_link.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/logging.h"

namespace ctdb::server {

NodeLink::NodeLink(EventLoop& loop, UniqueFd fd, std::string name, bool is_connecting,
                   Callbacks cb)
    : loop_(loop),
      name_(std::move(name)),
      cb_(std::move(cb)),
      framer_(kMaxPacketSize),
      is_connecting_(is_connecting),
      fd_(std::move(fd)) {
  fde_ = std::make_unique<FdEvent>(loop_, fd_.get(),
                                   is_connecting_ ? FdEvent::kWrite : FdEvent::kRead,
                                   [this](uint16_t flags) { onEvent(flags); });
}

NodeLink::~NodeLink() {
  *alive_ = false;
  fde_.reset();
}

void NodeLink::onEvent(uint16_t flags) {
  if (is_closed_) return;
  if (is_connecting_) {
    if (flags & (FdEvent::kWrite | FdEvent::kRead)) finishConnect();
    return;
  }
  if ((flags & FdEvent::kWrite) && !is_closed_) flush();
  if ((flags & FdEvent::kRead) && !is_closed_) readSome();
}

void NodeLink::finishConnect() {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err != 0) {
    fail(std::string("connect failed: ") + strerror(err));
    return;
  }
  is_connecting_ = false;
  updateWatch();
  if (cb_.on_connected) cb_.on_connected();
}

void NodeLink::readSome() {
  uint8_t buf[65536];
  ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    fail(std::string("read failed: ") + strerror(errno));
    return;
  }
  if (n == 0) {
    fail("connection closed by peer");
    return;
  }
  framer_.append(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
  while (!is_closed_) {
    auto next = framer_.next();
    if (!next) {
      fail("malformed packet: " + next.error().message());
      return;
    }
    if (!next->has_value()) return;
    cb_.on_packet(std::move(**next));
  }
}

bool NodeLink::send(std::vector<uint8_t> bytes) {
  if (is_closed_ || is_connecting_) return false;
  if (bytes.empty()) return true;
  if (outq_.queuedBytes() + bytes.size() > kMaxQueuedBytes) {
    fail("write queue over " + std::to_string(kMaxQueuedBytes) + " bytes (peer not reading)");
    return false;
  }
  outq_.push(std::move(bytes));
  ++packets_sent_;
  if (outq_.packetCount() == 1) flush();
  return !is_closed_;
}

void NodeLink::flush() {
  if (is_closed_) return;
  if (int err = outq_.flushTo(fd_.get()); err != 0) {
    fail(std::string("write failed: ") + strerror(err));
    return;
  }
  updateWatch();
}

void NodeLink::updateWatch() {
  if (!fde_ || is_closed_) return;
  uint16_t want = is_connecting_ ? FdEvent::kWrite
                                 : (FdEvent::kRead | (outq_.empty() ? 0 : FdEvent::kWrite));
  if (fde_->flags() != want) fde_->setFlags(want);
}

void NodeLink::close() {
  if (is_closed_) return;
  is_closed_ = true;
  outq_.clear();
  if (fde_) fde_->setFlags(0);
  if (fd_.valid()) ::shutdown(fd_.get(), SHUT_RDWR);
}

void NodeLink::fail(const std::string& reason) {
  if (is_closed_) return;
  close();
  D_DEBUG("node link %s: %s\n", name_.c_str(), reason.c_str());
  loop_.post([this, alive = std::weak_ptr<bool>(alive_), reason]() {
    if (!alive.lock()) return;
    if (cb_.on_error) cb_.on_error(reason);
  });
}

}  // namespace ctdb::server
