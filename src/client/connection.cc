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

Connection::Connection(EventLoop& loop, UniqueFd fd) : loop_(loop), fd_(std::move(fd)) {
  fde_ = std::make_unique<FdEvent>(loop_, fd_.get(), FdEvent::kRead,
                                   [this](uint16_t flags) { onFdEvent(flags); });
}

Connection::~Connection() {
  *alive_ = false;
  fde_.reset();
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
  std::weak_ptr<bool> alive = alive_;
  completer.onCancel([this, alive, reqid]() {
    if (auto a = alive.lock(); a && *a) pending_.erase(reqid);
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
  if (outq_start_ == outq_.size()) {
    outq_.clear();
    outq_start_ = 0;
  }
  outq_.insert(outq_.end(), bytes.begin(), bytes.end());
  writeSome();  // try at once; the rest goes when the socket is writable
}

void Connection::writeSome() {
  while (outq_start_ < outq_.size()) {
    ssize_t n = ::send(fd_.get(), outq_.data() + outq_start_, outq_.size() - outq_start_,
                       MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      int err = errno;
      fail(errnoError(err, "ctdb client: write to daemon failed"));
      return;
    }
    outq_start_ += static_cast<size_t>(n);
  }
  if (fde_) {
    uint16_t want = FdEvent::kRead | (outq_start_ < outq_.size() ? FdEvent::kWrite : 0);
    if (fde_->flags() != want) fde_->setFlags(want);
  }
}

void Connection::onFdEvent(uint16_t flags) {
  if (flags & FdEvent::kWrite) writeSome();
  if (failure_) return;
  if (flags & FdEvent::kRead) readSome();
}

void Connection::readSome() {
  uint8_t buf[16384];
  ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return;
    int err = errno;
    fail(errnoError(err, "ctdb client: read from daemon failed"));
    return;
  }
  if (n == 0) {
    fail(errnoError(ECONNRESET, "ctdb client: daemon closed the connection"));
    return;
  }
  framer_.append(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
  std::weak_ptr<bool> alive = alive_;
  while (true) {
    auto next = framer_.next();
    if (!next) {
      fail(errnoError(EPROTO, "ctdb client: bad packet from daemon: " + next.error().context));
      return;
    }
    if (!next->has_value()) return;
    handlePacket(**next);
    /* A message handler may have destroyed us or the link may have failed. */
    if (alive.expired() || !*alive.lock() || failure_) return;
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
  fde_.reset();
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
