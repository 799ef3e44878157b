#include "fake_daemon.h"

#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

namespace ctdb::testing {

using protocol::Opcode;

void FakeDaemon::Session::send(const std::vector<uint8_t>& bytes) const {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

FakeDaemon::FakeDaemon() {
  char tmpl[] = "/tmp/ctdb-fake-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  socket_path_ = dir_ + "/ctdbd.socket";
  for (const auto& [n, v] : defaultTunables()) tunables_[n] = v;
}

FakeDaemon::~FakeDaemon() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

protocol::NodeMap FakeDaemon::defaultNodemap() {
  protocol::NodeMap nm;
  for (uint32_t i = 0; i < 3; ++i) {
    protocol::NodeAndFlags n;
    n.pnn = i;
    n.flags = 0;
    n.addr.ip = *IpAddress::parse("198.18.0." + std::to_string(i + 1));
    n.addr.port = 4379;
    nm.nodes.push_back(n);
  }
  return nm;
}

std::vector<std::pair<std::string, uint32_t>> FakeDaemon::defaultTunables() {
  return {{"SeqnumInterval", 1000}, {"ControlTimeout", 60}, {"TakeoverTimeout", 9},
          {"EnableBans", 1},        {"NoIPFailback", 0},    {"IPAllocAlgorithm", 2}};
}

void FakeDaemon::start() {
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof(addr.sun_path) - 1);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    std::perror("FakeDaemon bind/listen");
    std::abort();
  }
  if (::pipe(stop_pipe_) != 0) std::abort();
  thread_ = std::thread([this]() { run(); });
}

void FakeDaemon::stop() {
  if (!thread_.joinable()) return;
  char c = 'x';
  ssize_t n = ::write(stop_pipe_[1], &c, 1);
  (void)n;
  thread_.join();
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
  ::close(listen_fd_);
}

std::vector<std::vector<uint8_t>> FakeDaemon::packets() const {
  std::lock_guard<std::mutex> lk(mu_);
  return packets_;
}

std::vector<uint8_t> FakeDaemon::reply(const protocol::ReqControl& req, int32_t status,
                                       std::vector<uint8_t> data) {
  protocol::ReplyControl r;
  r.hdr.generation = 12345;
  r.hdr.destnode = 0;
  r.hdr.srcnode = 0;
  r.hdr.reqid = req.hdr.reqid;
  r.status = status;
  r.data = std::move(data);
  return protocol::encodePacket(r);
}

std::vector<uint8_t> FakeDaemon::message(uint64_t srvid, std::vector<uint8_t> data) {
  protocol::ReqMessage m;
  m.hdr.generation = 12345;
  m.srvid = srvid;
  m.data = std::move(data);
  return protocol::encodePacket(m);
}

void FakeDaemon::run() {
  struct Conn {
    Session s;
    protocol::PacketFramer framer;
  };
  std::vector<std::unique_ptr<Conn>> conns;
  while (true) {
    std::vector<pollfd> pfds;
    pfds.push_back({stop_pipe_[0], POLLIN, 0});
    pfds.push_back({listen_fd_, POLLIN, 0});
    for (auto& c : conns) pfds.push_back({c->s.fd, POLLIN, 0});
    if (::poll(pfds.data(), pfds.size(), 1000) < 0) continue;
    if (pfds[0].revents) break;
    if (pfds[1].revents & POLLIN) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        auto c = std::make_unique<Conn>();
        c->s.fd = fd;
        conns.push_back(std::move(c));
        connections_++;
      }
    }
    for (size_t i = 2; i < pfds.size(); ++i) {
      if (!pfds[i].revents) continue;
      Conn* c = nullptr;
      for (auto& cc : conns)
        if (cc->s.fd == pfds[i].fd) c = cc.get();
      if (c == nullptr) continue;
      uint8_t buf[65536];
      ssize_t n = ::recv(c->s.fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        ::close(c->s.fd);
        c->s.fd = -1;
        continue;
      }
      c->framer.append(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
      while (true) {
        auto p = c->framer.next();
        if (!p || !p->has_value()) break;
        handle(c->s, **p);
      }
    }
    std::erase_if(conns, [](const auto& c) { return c->s.fd < 0; });
  }
  for (auto& c : conns) ::close(c->s.fd);
}

void FakeDaemon::handle(Session& s, std::span<const uint8_t> pkt) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    packets_.emplace_back(pkt.begin(), pkt.end());
  }
  auto hdr = protocol::decodeHeader(pkt);
  if (!hdr) return;
  if (hdr->operation == static_cast<uint32_t>(protocol::Operation::ReqControl)) {
    auto c = protocol::decodeReqControl(pkt);
    if (!c) return;
    if (control_hook_ && control_hook_(*c, s)) return;
    defaultControl(*c, s);
  } else if (hdr->operation == static_cast<uint32_t>(protocol::Operation::ReqMessage)) {
    auto m = protocol::decodeReqMessage(pkt);
    if (!m) return;
    if (message_hook_ && message_hook_(*m, s)) return;
    if (m->srvid == protocol::kSrvidTakeoverRun && answer_takeover_) {
      auto sm = protocol::decode<protocol::SrvidMessage>(m->data);
      if (sm && sm->srvid != 0) s.send(message(sm->srvid, protocol::encodeI32(0)));
    }
  }
}

void FakeDaemon::defaultControl(const protocol::ReqControl& c, Session& s) {
  if (c.flags & protocol::kCtrlFlagNoReply) return;
  switch (static_cast<Opcode>(c.opcode)) {
    case Opcode::GetPnn: s.send(reply(c, 0)); return;
    case Opcode::RegisterSrvid:
      s.srvids.push_back(c.srvid);
      s.send(reply(c, 0));
      if (c.srvid == protocol::kSrvidLeader && send_leader_)
        s.send(message(protocol::kSrvidLeader, protocol::encodeU32(0)));
      return;
    case Opcode::DeregisterSrvid: s.send(reply(c, 0)); return;
    case Opcode::GetNodemap: s.send(reply(c, 0, protocol::encode(defaultNodemap()))); return;
    case Opcode::GetRunstate: s.send(reply(c, 0, protocol::encodeU32(5))); return;
    case Opcode::GetVnnmap:
      s.send(reply(c, 0, protocol::encode(protocol::VnnMap{1910388866, {0, 1, 2}})));
      return;
    case Opcode::GetRecmode: s.send(reply(c, 0)); return;
    case Opcode::GetIfaces: {
      protocol::IfaceList l;
      l.ifaces.push_back({"eth0", static_cast<uint16_t>(iface_down_ && c.hdr.destnode == 1 ? 0 : 1), 2});
      s.send(reply(c, 0, protocol::encode(l)));
      return;
    }
    case Opcode::ListTunables: {
      protocol::VarList v;
      for (const auto& [n, val] : defaultTunables()) v.names.push_back(n);
      s.send(reply(c, 0, protocol::encode(v)));
      return;
    }
    case Opcode::GetTunable: {
      auto n = protocol::decode<protocol::StringN>(c.data);
      for (const auto& [name, val] : tunables_)
        if (n && n->s && strcasecmp(name.c_str(), n->s->c_str()) == 0) {
          s.send(reply(c, 0, protocol::encodeU32(val)));
          return;
        }
      s.send(reply(c, -22));
      return;
    }
    case Opcode::SetTunable: {
      auto t = protocol::decode<protocol::TunableValue>(c.data);
      for (auto& [name, val] : tunables_)
        if (t && strcasecmp(name.c_str(), t->name.c_str()) == 0) {
          val = t->value;
          s.send(reply(c, 0));
          return;
        }
      s.send(reply(c, -1));
      return;
    }
    case Opcode::Uptime: {
      protocol::Uptime u;
      u.current_time = {1795657921, 0};
      u.ctdbd_start_time = {1795657817, 0};
      u.last_recovery_started = {1795657913, 0};
      u.last_recovery_finished = {1795657913, 48885};
      s.send(reply(c, 0, protocol::encode(u)));
      return;
    }
    case Opcode::Ping: s.send(reply(c, 2)); return;
    case Opcode::GetPid: s.send(reply(c, 11990)); return;
    default: s.send(reply(c, -1)); return;
  }
}

}  // namespace ctdb::testing
