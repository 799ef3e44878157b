#include "client/connection.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/logging.h"

namespace ctdb::client {

using protocol::Operation;

Result<std::unique_ptr<Connection>> Connection::connect(EventLoop& loop, const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return errnoError(ENAMETOOLONG, "connect() failed, errno=" + std::to_string(ENAMETOOLONG));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    int err = errno;
    return errnoError(err, "socket() failed, errno=" + std::to_string(err));
  }
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    return errnoError(err, "connect() failed, errno=" + std::to_string(err));
  }
  return adopt(loop, std::move(fd));
}

std::unique_ptr<Connection> Connection::adopt(EventLoop& loop, UniqueFd fd) {
  int fl = ::fcntl(fd.get(), F_GETFL);
  if (fl >= 0) ::fcntl(fd.get(), F_SETFL, fl | O_NONBLOCK);
  return std::unique_ptr<Connection>(new Connection(loop, std::move(fd)));
}

Connection::Connection(EventLoop& loop, UniqueFd fd) : loop_(loop) {
  stream::PacketStream::Options o;
  o.max_queued = size_t(1) << 30;  // the client's own requests: bounded by what it sends
  o.name = "ctdb client";
  stream_ = std::make_unique<stream::PacketStream>(
      loop_, std::move(fd), std::move(o),
      stream::PacketStream::Callbacks{
          nullptr, [this](std::vector<uint8_t> pkt) { onPacket(std::move(pkt)); },
          [this](const stream::PacketStream::Closed& c) { onClosed(c); }});
}

Connection::~Connection() {
  guard_.revoke();
  stream_.reset();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [reqid, p] : pending)
    p.completer.complete(errnoError(ECONNABORTED, "ctdb client: connection closed"));
}

PendingOp Connection::control(ControlRequest req,
                              std::function<void(Result<protocol::ReplyControl>)> done) {
  auto [op, completer] = makeAsync<protocol::ReplyControl>(loop_, std::move(done));
  const char* name = protocol::opcodeName(req.opcode);
  if (failure_) {
    completer.complete(*failure_);
    return std::move(op);
  }
  protocol::ReqControl c;
  c.hdr.generation = 0;
  c.hdr.destnode = req.destnode;
  c.hdr.srcnode = pnn_;
  c.hdr.reqid = allocReqid();
  c.opcode = static_cast<uint32_t>(req.opcode);
  c.srvid = req.srvid;
  c.flags = req.flags;
  c.data = std::move(req.data);
  uint32_t reqid = c.hdr.reqid;
  queue(protocol::encodePacket(c));
  if (req.flags & protocol::kCtrlFlagNoReply) {
    protocol::ReplyControl r;
    r.hdr.reqid = reqid;
    completer.complete(std::move(r));
    return std::move(op);
  }
  Pending p;
  p.completer = completer;
  p.opcode = c.opcode;
  if (req.timeout.count() > 0) {
    p.timer = std::make_unique<Timer>(loop_, req.timeout, [this, reqid, name]() {
      D_INFO("ctdb client: control %s reqid %u timed out", name ? name : "?", reqid);
      finish(reqid, errnoError(ETIMEDOUT, "ctdb client: control timed out"));
    });
  }
  pending_.emplace(reqid, std::move(p));
  const LifetimeGuard::Watch alive = guard_.watch();
  completer.onCancel([this, alive, reqid]() {
    if (alive.isAlive()) pending_.erase(reqid);
  });
  return std::move(op);
}

Status Connection::sendMessage(uint32_t destnode, uint64_t srvid, std::vector<uint8_t> data) {
  if (failure_) return *failure_;
  protocol::ReqMessage m;
  m.hdr.destnode = destnode;
  m.hdr.srcnode = pnn_;
  m.hdr.reqid = allocReqid();
  m.srvid = srvid;
  m.data = std::move(data);
  queue(protocol::encodePacket(m));
  return {};
}

void Connection::setMessageHandler(uint64_t srvid, MessageHandler h) {
  handlers_[srvid] = std::make_shared<MessageHandler>(std::move(h));
}

void Connection::removeMessageHandler(uint64_t srvid) { handlers_.erase(srvid); }

void Connection::queue(std::vector<uint8_t> bytes) {
  // A stream that has just failed refuses it; the posted failure then
  // completes every outstanding control, this one included.
  stream_->send(std::move(bytes));
}

void Connection::onPacket(std::vector<uint8_t> pkt) {
  if (failure_) return;
  handlePacket(pkt);  // a message handler may destroy us: the stream checks
}

void Connection::onClosed(const stream::PacketStream::Closed& c) {
  using C = stream::PacketStream::Cause;
  switch (c.cause) {
    case C::PeerClosed:
      return fail(errnoError(ECONNRESET, "ctdb client: daemon closed the connection"));
    case C::ReadError:
      return fail(errnoError(c.err, "ctdb client: read from daemon failed"));
    case C::WriteError:
      return fail(errnoError(c.err, "ctdb client: write to daemon failed"));
    case C::BadPacket:
      return fail(errnoError(
          EPROTO, "ctdb client: bad packet from daemon: " + (c.bad_packet ? c.bad_packet->context : "")));
    case C::QueueFull:
      return fail(errnoError(ENOBUFS, "ctdb client: write queue full"));
    case C::ConnectFailed:
      return fail(errnoError(c.err, "ctdb client: connect failed"));
  }
}

void Connection::handlePacket(std::span<const uint8_t> pkt) {
  auto hdr = protocol::decodeHeader(pkt);
  if (!hdr) {
    D_ERR("ctdb client: dropping packet: %s", hdr.error().context.c_str());
    return;
  }
  if (hdr->operation == static_cast<uint32_t>(Operation::ReplyControl)) {
    auto reply = protocol::decodeReplyControl(pkt);
    if (!reply) {
      D_ERR("ctdb client: dropping bad REPLY_CONTROL reqid %u: %s", hdr->reqid,
            reply.error().context.c_str());
      return;
    }
    if (pending_.find(hdr->reqid) == pending_.end()) {
      ++invalid_reqids_;
      D_WARNING("ctdb client: Invalid reqid %u in control reply, ignored", hdr->reqid);
      return;
    }
    finish(hdr->reqid, std::move(*reply));
    return;
  }
  if (hdr->operation == static_cast<uint32_t>(Operation::ReqMessage)) {
    auto msg = protocol::decodeReqMessage(pkt);
    if (!msg) {
      D_ERR("ctdb client: dropping bad REQ_MESSAGE: %s", msg.error().context.c_str());
      return;
    }
    std::shared_ptr<MessageHandler> h;
    if (auto it = handlers_.find(msg->srvid); it != handlers_.end()) h = it->second;
    else if (auto all = handlers_.find(protocol::kSrvidAll); all != handlers_.end()) h = all->second;
    if (!h) {
      ++unhandled_messages_;
      D_DEBUG("ctdb client: no handler for message srvid 0x%016llx, dropped",
              static_cast<unsigned long long>(msg->srvid));
      return;
    }
    (*h)(msg->srvid, msg->data);  // h is kept alive by the local shared_ptr
    return;
  }
  D_WARNING("ctdb client: ignoring packet with operation %u", hdr->operation);
}

void Connection::finish(uint32_t reqid, Result<protocol::ReplyControl> r) {
  auto it = pending_.find(reqid);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  p.completer.complete(std::move(r));
  /* p.timer is destroyed here; if we are inside its own callback the
   * EventLoop keeps the callable alive until it returns. */
}

void Connection::fail(Error err) {
  if (failure_) return;
  failure_ = err;
  stream_->close();
  D_INFO("ctdb client: connection failed: %s", err.message().c_str());
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [reqid, p] : pending) p.completer.complete(err);
  if (on_disconnect_) {
    auto cb = std::move(on_disconnect_);
    on_disconnect_ = nullptr;
    cb(err);
  }
}

}  // namespace ctdb::client
