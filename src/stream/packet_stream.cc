#include "stream/packet_stream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/logging.h"

namespace ctdb::stream {

const char* toString(PacketStream::State s) {
  switch (s) {
    case PacketStream::State::Connecting:
      return "CONNECTING";
    case PacketStream::State::Open:
      return "OPEN";
    case PacketStream::State::Closed:
      return "CLOSED";
  }
  return "?";
}

const char* toString(PacketStream::Cause c) {
  switch (c) {
    case PacketStream::Cause::PeerClosed:
      return "closed by the peer";
    case PacketStream::Cause::ReadError:
      return "read failed";
    case PacketStream::Cause::WriteError:
      return "write failed";
    case PacketStream::Cause::BadPacket:
      return "malformed packet";
    case PacketStream::Cause::QueueFull:
      return "write queue full";
    case PacketStream::Cause::ConnectFailed:
      return "connect failed";
  }
  return "?";
}

std::string describe(const PacketStream::Closed& c, const char* peer, size_t max_queued) {
  using C = PacketStream::Cause;
  switch (c.cause) {
    case C::PeerClosed:
      return std::string(peer) + " closed the connection";
    case C::ReadError:
    case C::WriteError:
    case C::ConnectFailed:
      return std::string(toString(c.cause)) + ": " + strerror(c.err);
    case C::BadPacket:
      return "malformed packet: " + (c.bad_packet ? c.bad_packet->message() : std::string("?"));
    case C::QueueFull:
      return "write queue over " + std::to_string(max_queued) + " bytes (" + peer + " not reading)";
  }
  return "?";
}

PacketStream::PacketStream(EventLoop& loop, UniqueFd fd, Options options, Callbacks cb)
    : loop_(loop),
      opts_(std::move(options)),
      cb_(std::make_shared<const Callbacks>(std::move(cb))),
      framer_(opts_.max_packet),
      state_(opts_.connecting ? State::Connecting : State::Open),
      fd_(std::move(fd)) {
  // Connecting: writability ends a connect, but tevent reports a refused
  // one (EPOLLERR|EPOLLHUP) only to a read watch, so watch both.
  fde_ = std::make_unique<FdEvent>(loop_, fd_.get(),
                                   state_ == State::Connecting ? FdEvent::kRead | FdEvent::kWrite
                                                               : FdEvent::kRead,
                                   [this](uint16_t flags) { onEvent(flags); });
}

PacketStream::~PacketStream() {
  guard_.revoke();
  fde_.reset();
}

void PacketStream::setState(State s, const char* why) {
  if (s == state_) return;
  D_DEBUG("packet stream %s: %s -> %s (%s)\n", opts_.name.c_str(), toString(state_), toString(s),
          why);
  state_ = s;
}

void PacketStream::onEvent(uint16_t flags) {
  if (state_ == State::Closed) return;
  if (state_ == State::Connecting) {
    if (flags & (FdEvent::kWrite | FdEvent::kRead)) finishConnect();
    return;
  }
  if (flags & FdEvent::kWrite) flush();
  if ((flags & FdEvent::kRead) && state_ == State::Open) readSome();
}

void PacketStream::finishConnect() {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err != 0) return fail(Closed{Cause::ConnectFailed, err, std::nullopt});
  setState(State::Open, "connected");
  updateWatch();
  const auto cb = cb_;
  if (cb->on_connected) cb->on_connected();
}

void PacketStream::readSome() {
  uint8_t buf[65536];
  const ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    return fail(Closed{Cause::ReadError, errno, std::nullopt});
  }
  if (n == 0) return fail(Closed{Cause::PeerClosed, 0, std::nullopt});
  framer_.append(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
  const LifetimeGuard::Watch alive = guard_.watch();
  const auto cb = cb_;
  while (state_ == State::Open) {
    auto next = framer_.next();
    if (!next) return fail(Closed{Cause::BadPacket, 0, next.error()});
    if (!next->has_value()) return;
    if (cb->on_packet) cb->on_packet(std::move(**next));
    if (!alive.isAlive()) return;  // the owner destroyed us in its handler
  }
}

bool PacketStream::send(std::vector<uint8_t> bytes) {
  if (state_ != State::Open) return false;
  if (bytes.empty()) return true;
  if (outq_.queuedBytes() + bytes.size() > opts_.max_queued) {
    fail(Closed{Cause::QueueFull, 0, std::nullopt});
    return false;
  }
  outq_.push(std::move(bytes));
  ++packets_sent_;
  if (outq_.packetCount() == 1) flush();  // most packets fit the socket buffer at once
  return state_ == State::Open;
}

void PacketStream::flush() {
  if (state_ != State::Open) return;
  if (int err = outq_.flushTo(fd_.get()); err != 0)
    return fail(Closed{Cause::WriteError, err, std::nullopt});
  updateWatch();
}

void PacketStream::updateWatch() {
  if (!fde_ || state_ == State::Closed) return;
  const uint16_t want = state_ == State::Connecting
                            ? FdEvent::kRead | FdEvent::kWrite
                            : (FdEvent::kRead | (outq_.empty() ? 0 : FdEvent::kWrite));
  if (fde_->flags() != want) fde_->setFlags(want);
}

void PacketStream::close() { shutdownNow("closed by its owner"); }

void PacketStream::shutdownNow(const char* why) {
  if (state_ == State::Closed) return;
  setState(State::Closed, why);
  outq_.clear();
  if (fde_) fde_->setFlags(0);
  if (fd_.valid()) ::shutdown(fd_.get(), SHUT_RDWR);
}

void PacketStream::fail(Closed why) {
  if (state_ == State::Closed) return;
  shutdownNow(toString(why.cause));
  loop_.post([this, alive = guard_.watch(), why = std::move(why)]() {
    if (!alive.isAlive()) return;
    const auto cb = cb_;
    if (cb->on_closed) cb->on_closed(why);
  });
}

}  // namespace ctdb::stream
