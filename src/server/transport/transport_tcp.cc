#include "server/transport/transport_tcp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "protocol/types.h"
#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;
using namespace std::chrono_literals;

const char* toString(PeerState s) {
  switch (s) {
    case PeerState::Silent: return "silent";
    case PeerState::Failing: return "failing";
    case PeerState::Heard: return "heard";
    case PeerState::Connected: return "connected";
  }
  return "?";
}

Result<UniqueFd> openNodeListener(const IpAddress& addr, uint16_t port) {
  UniqueFd fd(::socket(addr.isV4() ? AF_INET : AF_INET6,
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errnoError(errno, "node transport: socket");
  int one = 1;
  if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
    return errnoError(errno, "node transport: SO_REUSEADDR");
  sockaddr_storage ss;
  socklen_t len = toSockaddr(addr, port, ss);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0)
    return errnoError(errno, "node transport: bind to " + addr.toString() + ":" +
                                 std::to_string(port));
  if (::listen(fd.get(), 64) < 0) return errnoError(errno, "node transport: listen");
  return fd;
}

struct NodeTransport::Peer {
  uint32_t pnn = 0;
  IpAddress addr;
  std::unique_ptr<NodeLink> out;  // ours to the peer: everything we send
  std::unique_ptr<NodeLink> in;   // the peer's to us
  uint64_t out_serial = 0;
  uint64_t in_serial = 0;
  PeerState state = PeerState::Silent;  // changed only by setState()
  std::chrono::milliseconds backoff{0};
  std::unique_ptr<Timer> retry_timer;
  std::chrono::steady_clock::time_point out_started{};  // last connectOut()
  std::unique_ptr<Timer> connect_timer;
};

NodeTransport::NodeTransport(EventLoop& loop, NodeState& nodes, MessageRouter& router,
                             ControlDispatcher& dispatcher, const config::Tunables& tunables,
                             TransportOptions options)
    : loop_(loop),
      nodes_(nodes),
      router_(router),
      dispatcher_(dispatcher),
      tunables_(tunables),
      options_(std::move(options)) {
  auto map = nodes_.nodeMap();
  peers_.resize(map.nodes.size());
  for (const auto& n : map.nodes) {
    if (n.pnn == nodes_.ownPnn() || (n.flags & NF::kDeleted)) continue;
    auto p = std::make_unique<Peer>();
    p->pnn = n.pnn;
    p->addr = n.addr.ip;
    p->backoff = options_.reconnect_min;
    peers_[n.pnn] = std::move(p);
  }
  nodes_.onFlagsChanged([this, alive = guard_.watch()](uint32_t pnn, uint32_t o,
                                                                     uint32_t n) {
    if (alive.isAlive() && pnn == nodes_.ownPnn()) onOwnFlagsChanged(o, n);
  });
}

NodeTransport::~NodeTransport() {
  guard_.revoke();
  keepalive_timer_.reset();
  accept_event_.reset();
  pending_.clear();  // sinks of forwarded controls answer -1 on destruction
  peers_.clear();
}

NodeTransport::Peer* NodeTransport::peer(uint32_t pnn) {
  return pnn < peers_.size() ? peers_[pnn].get() : nullptr;
}
const NodeTransport::Peer* NodeTransport::peer(uint32_t pnn) const {
  return pnn < peers_.size() ? peers_[pnn].get() : nullptr;
}

std::string NodeTransport::peerName(const Peer& p) const { return p.addr.toString(); }

std::optional<PeerState> NodeTransport::peerState(uint32_t pnn) const {
  const Peer* p = peer(pnn);
  if (!p) return std::nullopt;
  return p->state;
}

void NodeTransport::setState(Peer& p, PeerState s, const char* why) {
  if (p.state == s) return;
  D_DEBUG("node transport: node %u %s -> %s (%s)\n", p.pnn, toString(p.state), toString(s), why);
  p.state = s;
}

void NodeTransport::noteConnectFailed(Peer& p, const char* what, const std::string& why) {
  if (p.state == PeerState::Silent) {
    D_INFO("node transport: %s %s failed: %s, retrying\n", what, peerName(p).c_str(),
           why.c_str());
    setState(p, PeerState::Failing, "connect failed");
  }
  scheduleReconnect(p);
}

bool NodeTransport::isConnected(uint32_t pnn) const {
  return peer(pnn) != nullptr && (nodes_.flags(pnn) & NF::kDisconnected) == 0;
}

uint32_t NodeTransport::connectedCount() const {
  uint32_t n = 0;
  for (const auto& p : peers_)
    if (p && isConnected(p->pnn)) ++n;
  return n;
}

void NodeTransport::listen(UniqueFd listen_fd) {
  listen_fd_ = std::move(listen_fd);
  accept_event_ = std::make_unique<FdEvent>(loop_, listen_fd_.get(), FdEvent::kRead,
                                            [this](uint16_t) { onAccept(); });
}

void NodeTransport::start() {
  if (is_started_) return;
  is_started_ = true;
  if (options_.is_connecting)
    for (auto& p : peers_)
      if (p) connectOut(*p);
  keepalive_timer_ = std::make_unique<Timer>(loop_, keepaliveTickPeriod(),
                                             [this]() { keepaliveTick(); });
  D_NOTICE("node transport: keepalive monitoring started (every %lld ms, limit %u)\n",
           static_cast<long long>(keepaliveInterval().count()),
           std::max(1u, tunables_.keepaliveLimit()));
}

std::unique_ptr<NodeLink> NodeTransport::makeLink(Peer& p, bool is_outgoing, UniqueFd fd,
                                                  bool is_connecting) {
  const uint64_t serial = next_serial_++;
  (is_outgoing ? p.out_serial : p.in_serial) = serial;
  const uint32_t pnn = p.pnn;
  NodeLink::Callbacks cb;
  if (is_outgoing)
    cb.on_connected = [this, pnn]() {
      if (Peer* q = peer(pnn)) onOutgoingUp(*q);
    };
  cb.on_packet = [this, pnn](std::vector<uint8_t> pkt) { onPacket(pnn, std::move(pkt)); };
  cb.on_error = [this, pnn, is_outgoing, serial](const std::string& reason) {
    onLinkError(pnn, is_outgoing, serial, reason);
  };
  std::string name = (is_outgoing ? "to " : "from ") + peerName(p);
  return std::make_unique<NodeLink>(loop_, std::move(fd), std::move(name), is_connecting,
                                    std::move(cb));
}

void NodeTransport::adoptOutgoing(uint32_t pnn, UniqueFd fd) {
  Peer* p = peer(pnn);
  if (!p) return;
  dropLink(p->out);
  p->out = makeLink(*p, true, std::move(fd), false);
  onOutgoingUp(*p);
}

void NodeTransport::adoptIncoming(uint32_t pnn, UniqueFd fd) {
  Peer* p = peer(pnn);
  if (!p) return;
  dropLink(p->in);
  p->in = makeLink(*p, false, std::move(fd), false);
}

void NodeTransport::dropLink(std::unique_ptr<NodeLink>& link) {
  if (!link) return;
  link->close();
  loop_.deleteLater(std::move(link));
}

/* A connect attempt older than this, still not up when the peer connects
 * to us, is presumed stuck (SYN sent while the peer was down). Younger ones
 * are left alone so that two nodes starting together do not keep dropping
 * each other's fresh attempts. */
static constexpr std::chrono::milliseconds kStaleConnect{50};

void NodeTransport::onAccept() {
  for (int i = 0; i < 16; ++i) {
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    UniqueFd fd(::accept4(listen_fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len,
                          SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        D_ERR("node transport: accept failed: %s, continuing\n", strerror(errno));
      return;
    }
    auto ip = fromSockaddr(reinterpret_cast<const sockaddr*>(&ss));
    Peer* found = nullptr;
    if (ip)
      for (auto& p : peers_)
        if (p && p->addr == *ip) found = p.get();
    if (!found) {
      ++stats_.connections_refused;
      D_ERR("node transport: connection from unknown address %s refused\n",
            ip ? ip->toString().c_str() : "(non-IP)");
      continue;  // fd closes here
    }
    if (found->in)
      D_INFO("node transport: new connection from %s replaces the old one\n",
             peerName(*found).c_str());
    dropLink(found->in);
    found->in = makeLink(*found, false, std::move(fd), false);
    D_INFO("node transport: accepted connection from node %u (%s)\n", found->pnn,
           peerName(*found).c_str());
    // The peer is evidently up: do not let our outgoing connection sit out
    // a reconnect backoff of up to reconnect_max or a connect attempt that
    // hangs (a restarted node stayed "disconnected" for ~2 s after it had
    // connected to us).
    if (found->out && found->out->isConnecting() &&
        loop_.now() - found->out_started > kStaleConnect) {
      // A connect attempt made while the peer was down can hang in SYN
      // retransmits until connect_timeout: start a fresh one.
      found->connect_timer.reset();
      dropLink(found->out);
    }
    if (!found->out) {
      found->retry_timer.reset();
      found->backoff = options_.reconnect_min;
      connectOut(*found);
    }
  }
}

void NodeTransport::connectOut(Peer& p) {
  if (p.out || !options_.is_connecting) return;
  const IpAddress own = nodes_.nodeMap().nodes[nodes_.ownPnn()].addr.ip;
  auto fail = [&](const char* what, int err) { noteConnectFailed(p, what, strerror(err)); };
  UniqueFd fd(::socket(p.addr.isV4() ? AF_INET : AF_INET6,
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fail("socket for", errno);
  sockaddr_storage ss;
  socklen_t len = toSockaddr(own, 0, ss);
  // The peer identifies us by the source address: it must be our node address.
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0) return fail("bind for", errno);
  len = toSockaddr(p.addr, options_.port, ss);
  bool is_connecting = false;
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) < 0) {
    if (errno != EINPROGRESS) return fail("connect to", errno);
    is_connecting = true;
  }
  p.out = makeLink(p, true, std::move(fd), is_connecting);
  p.out_started = loop_.now();
  if (!is_connecting) {
    onOutgoingUp(p);
    return;
  }
  const uint32_t pnn = p.pnn;
  const uint64_t serial = p.out_serial;
  p.connect_timer = std::make_unique<Timer>(loop_, options_.connect_timeout, [this, pnn, serial]() {
    Peer* q = peer(pnn);
    if (!q || !q->out || q->out_serial != serial || !q->out->isConnecting()) return;
    dropLink(q->out);
    noteConnectFailed(*q, "connect to", "timed out");
  });
}

void NodeTransport::scheduleReconnect(Peer& p) {
  if (!options_.is_connecting || p.out || (p.retry_timer && p.retry_timer->isPending())) return;
  auto delay = p.backoff;
  p.backoff = std::min(p.backoff * 2, options_.reconnect_max);
  const uint32_t pnn = p.pnn;
  p.retry_timer = std::make_unique<Timer>(loop_, delay, [this, pnn]() {
    if (Peer* q = peer(pnn)) connectOut(*q);
  });
}

void NodeTransport::onOutgoingUp(Peer& p) {
  p.connect_timer.reset();
  p.backoff = options_.reconnect_min;
  if (p.state == PeerState::Failing) setState(p, PeerState::Silent, "connected out");
  D_INFO("node transport: connected out to node %u (%s)\n", p.pnn, peerName(p).c_str());
  const uint32_t f = nodes_.localFlags();
  pushOwnFlags(p, f, f);
  if (p.state == PeerState::Heard) markConnected(p);
}

void NodeTransport::onLinkError(uint32_t pnn, bool is_outgoing, uint64_t serial,
                                const std::string& reason) {
  Peer* p = peer(pnn);
  if (!p) return;
  auto& link = is_outgoing ? p->out : p->in;
  if (!link || (is_outgoing ? p->out_serial : p->in_serial) != serial) return;  // stale
  if (!is_outgoing) {
    D_INFO("node transport: connection from %s lost: %s\n", peerName(*p).c_str(),
           reason.c_str());
    dropLink(link);
    return;
  }
  if (link->isConnecting()) {
    dropLink(link);
    p->connect_timer.reset();
    noteConnectFailed(*p, "connection to", reason);
    return;
  }
  markDead(*p, "connection to it lost: " + reason);
}

void NodeTransport::noteReceived(Peer& p) {
  nodes_.noteHeard(p.pnn, loop_.now());
  if (p.state == PeerState::Connected) return;
  setState(p, PeerState::Heard, "packet received");
  if (p.out && p.out->isUp()) markConnected(p);
}

void NodeTransport::markConnected(Peer& p) {
  setState(p, PeerState::Connected, "heard and connected out");
  if (!(nodes_.flags(p.pnn) & NF::kDisconnected)) return;
  nodes_.modifyFlags(p.pnn, 0, NF::kDisconnected);
  D_NOTICE("node transport: connected to %s - %u connected\n", peerName(p).c_str(),
           connectedCount());
  auto listeners = listeners_;
  for (auto& l : listeners) l(p.pnn, true);
}

void NodeTransport::markDead(Peer& p, const std::string& reason) {
  const bool was_connected = (nodes_.flags(p.pnn) & NF::kDisconnected) == 0;
  dropLink(p.out);
  dropLink(p.in);
  p.connect_timer.reset();
  setState(p, PeerState::Silent, "declared dead");
  nodes_.modifyFlags(p.pnn, NF::kDisconnected | NF::kUnhealthy, 0);
  if (was_connected) {
    D_NOTICE("node transport: node %s is dead: %u connected (%s)\n", peerName(p).c_str(),
             connectedCount(), reason.c_str());
    auto listeners = listeners_;
    for (auto& l : listeners) l(p.pnn, false);
  } else {
    D_INFO("node transport: node %s (not connected): %s\n", peerName(p).c_str(),
           reason.c_str());
  }
  failPendingFor(p.pnn, "node is disconnected");
  scheduleReconnect(p);
}

std::chrono::milliseconds NodeTransport::keepaliveInterval() const {
  if (options_.keepalive_interval) return std::max(*options_.keepalive_interval, 10ms);
  return std::chrono::seconds(std::max(1u, tunables_.keepaliveInterval()));
}

std::chrono::milliseconds NodeTransport::keepaliveTickPeriod() const {
  return std::min<std::chrono::milliseconds>(keepaliveInterval(), 1000ms);
}

void NodeTransport::keepaliveTick() {
  const uint32_t limit = std::max(1u, tunables_.keepaliveLimit());
  const auto dead_after = keepaliveInterval() * limit;
  const auto now = loop_.now();
  for (auto& pp : peers_) {
    if (!pp) continue;
    Peer& p = *pp;
    if (nodes_.flags(p.pnn) & NF::kDisconnected) continue;
    if (now - nodes_.lastHeard(p.pnn) >= dead_after) {
      D_NOTICE("node transport: nothing received from node %u for %lld ms (KeepaliveInterval "
               "x KeepaliveLimit)\n", p.pnn, static_cast<long long>(dead_after.count()));
      markDead(p, "keepalive timeout");
      continue;
    }
    {  // every tick, busy or not: the peer's silence clock must not depend on our traffic
      protocol::ReqKeepalive k;
      k.hdr.generation = nodes_.generation();
      k.hdr.destnode = p.pnn;
      k.hdr.srcnode = nodes_.ownPnn();
      k.version = protocol::kKeepaliveVersion417;
      k.uptime = static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::seconds>(now - started_).count());
      if (sendPacket(p, protocol::encodePacket(k))) ++stats_.keepalives_sent;
    }
  }
  keepalive_timer_ = std::make_unique<Timer>(loop_, keepaliveTickPeriod(),
                                             [this]() { keepaliveTick(); });
}

void NodeTransport::dropAllLinks(const std::string& why) {
  for (auto& pp : peers_)
    if (pp) markDead(*pp, why);
}

bool NodeTransport::sendPacket(Peer& p, std::vector<uint8_t> bytes) {
  if (!p.out || !p.out->isUp()) return false;
  if (!p.out->send(std::move(bytes))) return false;
  return true;
}

void NodeTransport::pushOwnFlags(Peer& p, uint32_t old_flags, uint32_t new_flags) {
  protocol::ReqMessage m;
  m.hdr.generation = nodes_.generation();
  m.hdr.destnode = p.pnn;
  m.hdr.srcnode = nodes_.ownPnn();
  m.srvid = protocol::kSrvidPushNodeFlags;
  m.data = protocol::encode(protocol::NodeFlagChange{nodes_.ownPnn(), new_flags, old_flags});
  if (!sendPacket(p, protocol::encodePacket(m)))
    D_DEBUG("node transport: flags of node %u not pushed to node %u: not connected\n",
            nodes_.ownPnn(), p.pnn);
}

void NodeTransport::onOwnFlagsChanged(uint32_t old_flags, uint32_t new_flags) {
  for (auto& p : peers_)
    if (p) pushOwnFlags(*p, old_flags, new_flags);
}

void NodeTransport::sendToNode(uint32_t pnn, const protocol::ReqMessage& msg) {
  Peer* p = peer(pnn);
  if (!p || !sendPacket(*p, protocol::encodePacket(msg))) {
    ++stats_.messages_dropped;
    D_DEBUG("node transport: message srvid 0x%016llx to node %u dropped: not connected\n",
            static_cast<unsigned long long>(msg.srvid), pnn);
  }
}

}  // namespace ctdb::server
