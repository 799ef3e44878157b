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
  const uint32_t owners[6] = {2, 0, 1, 2, 0, 1};
  for (uint32_t node = 0; node < 3; ++node) {
    protocol::PublicIpList l;
    for (int i = 5; i >= 0; --i) {  // newest first, as ctdbd lists them
      protocol::PublicIp ip;
      ip.pnn = owners[i];
      ip.addr.ip = *IpAddress::parse("198.19.0." + std::to_string(i + 1));
      l.ips.push_back(ip);
    }
    ips_[node] = l;
    ifaces_[node] = {protocol::Iface{"eth0", 1, 0}};
    flags_.push_back(0);
  }
}

void FakeDaemon::setIfaceLinkDown(bool b) {
  std::lock_guard<std::mutex> lk(model_mu_);
  ifaces_[1][0].link_state = b ? 0 : 1;
}
void FakeDaemon::setPublicIps(uint32_t pnn, protocol::PublicIpList l) {
  std::lock_guard<std::mutex> lk(model_mu_);
  ips_[pnn] = std::move(l);
}
protocol::PublicIpList FakeDaemon::publicIps(uint32_t pnn) const {
  std::lock_guard<std::mutex> lk(model_mu_);
  auto it = ips_.find(pnn);
  return it == ips_.end() ? protocol::PublicIpList{} : it->second;
}
void FakeDaemon::setIfaces(uint32_t pnn, std::vector<protocol::Iface> l) {
  std::lock_guard<std::mutex> lk(model_mu_);
  ifaces_[pnn] = std::move(l);
}
std::vector<protocol::Iface> FakeDaemon::ifaces(uint32_t pnn) const {
  std::lock_guard<std::mutex> lk(model_mu_);
  auto it = ifaces_.find(pnn);
  return it == ifaces_.end() ? std::vector<protocol::Iface>{} : it->second;
}
void FakeDaemon::setNodeFlags(uint32_t pnn, uint32_t flags) {
  std::lock_guard<std::mutex> lk(model_mu_);
  flags_.at(pnn) = flags;
}
uint32_t FakeDaemon::nodeFlags(uint32_t pnn) const {
  std::lock_guard<std::mutex> lk(model_mu_);
  return flags_.at(pnn);
}
void FakeDaemon::setFlagDelay(int polls) {
  std::lock_guard<std::mutex> lk(model_mu_);
  flag_delay_ = polls;
}
void FakeDaemon::setReloadStatus(int32_t st) {
  std::lock_guard<std::mutex> lk(model_mu_);
  reload_status_ = st;
}
void FakeDaemon::setControlStatus(Opcode op, int32_t st) {
  std::lock_guard<std::mutex> lk(model_mu_);
  forced_status_[static_cast<uint32_t>(op)] = st;
}
void FakeDaemon::setDisableReply(std::optional<int32_t> v) {
  std::lock_guard<std::mutex> lk(model_mu_);
  disable_reply_ = v;
}
void FakeDaemon::setDisableSilent(bool b) {
  std::lock_guard<std::mutex> lk(model_mu_);
  disable_silent_ = b;
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

bool FakeDaemon::waitAllClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (open_connections_.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
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
        open_connections_++;
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
        open_connections_--;
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
    if (m->srvid == protocol::kSrvidDisableTakeoverRuns) {
      auto dm = protocol::decode<protocol::DisableMessage>(m->data);
      std::lock_guard<std::mutex> lk(model_mu_);
      if (dm && !disable_silent_)
        s.send(message(dm->srvid, protocol::encodeI32(disable_reply_.value_or(
                                      static_cast<int32_t>(m->hdr.destnode)))));
    }
    if (m->srvid == protocol::kSrvidTakeoverRun && answer_takeover_) {
      auto sm = protocol::decode<protocol::SrvidMessage>(m->data);
      if (sm && sm->srvid != 0) s.send(message(sm->srvid, protocol::encodeI32(0)));
    }
  }
}

void FakeDaemon::applyPendingFlags(bool poll) {
  if (pending_flags_.empty()) return;
  if (poll && flag_countdown_ > 0) {
    --flag_countdown_;
    return;
  }
  if (!poll && flag_countdown_ > 0) return;
  for (const auto& p : pending_flags_) flags_.at(p.pnn) = p.flags;
  pending_flags_.clear();
}

void FakeDaemon::modelControl(const protocol::ReqControl& c, Session& s, bool* handled) {
  std::lock_guard<std::mutex> lk(model_mu_);
  *handled = true;
  const uint32_t dest = c.hdr.destnode;
  if (auto it = forced_status_.find(c.opcode); it != forced_status_.end()) {
    s.send(reply(c, it->second));
    return;
  }
  auto changeFlags = [&](uint32_t pnn, uint32_t set, uint32_t clear) {
    if (pnn >= flags_.size()) {
      s.send(reply(c, -1));
      return;
    }
    uint32_t f = (flags_[pnn] | set) & ~clear;
    pending_flags_.push_back({pnn, f});
    flag_countdown_ = flag_delay_;
    applyPendingFlags(false);
    s.send(reply(c, 0));
  };
  auto findIp = [&](uint32_t node, const IpAddress& a) -> protocol::PublicIp* {
    for (auto& ip : ips_[node].ips)
      if (ip.addr.ip == a) return &ip;
    return nullptr;
  };
  namespace NF = protocol::NodeFlags;
  switch (static_cast<Opcode>(c.opcode)) {
    case Opcode::GetNodemap: {
      applyPendingFlags(true);
      auto nm = defaultNodemap();
      for (size_t i = 0; i < nm.nodes.size() && i < flags_.size(); ++i) nm.nodes[i].flags = flags_[i];
      s.send(reply(c, 0, protocol::encode(nm)));
      return;
    }
    case Opcode::GetIfaces: {
      protocol::IfaceList l;
      l.ifaces = ifaces_[dest];
      for (auto& i : l.ifaces) {
        i.references = 0;
        for (const auto& ip : ips_[dest].ips)
          if (ip.pnn == dest && i.name == "eth0") ++i.references;
      }
      s.send(reply(c, 0, protocol::encode(l)));
      return;
    }
    case Opcode::GetPublicIps:
      if (!ips_.count(dest)) break;
      s.send(reply(c, 0, protocol::encode(ips_[dest])));
      return;
    case Opcode::GetPublicIpInfo: {
      auto a = protocol::decode<protocol::SockAddr>(c.data);
      protocol::PublicIp* ip = a ? findIp(dest, a->ip) : nullptr;
      if (ip == nullptr) break;
      protocol::PublicIpInfo info;
      info.ip = *ip;
      info.active_idx = ip->pnn == dest ? 0 : 0xFFFFFFFF;
      for (auto i : ifaces_[dest]) {
        i.references = 0;
        for (const auto& p : ips_[dest].ips)
          if (p.pnn == dest) ++i.references;
        info.ifaces.ifaces.push_back(i);
      }
      s.send(reply(c, 0, protocol::encode(info)));
      return;
    }
    case Opcode::SetIfaceLinkState: {
      auto i = protocol::decode<protocol::Iface>(c.data);
      if (!i) break;
      for (auto& f : ifaces_[dest])
        if (f.name == i->name) {
          f.link_state = i->link_state;
          s.send(reply(c, 0));
          return;
        }
      break;
    }
    case Opcode::AddPublicIp: {
      auto ai = protocol::decode<protocol::AddrInfo>(c.data);
      if (!ai || findIp(dest, ai->addr.ip)) break;
      protocol::PublicIp ip;
      ip.pnn = protocol::kUnknownPnn;
      ip.addr = ai->addr;
      ips_[dest].ips.insert(ips_[dest].ips.begin(), ip);
      s.send(reply(c, 0));
      return;
    }
    case Opcode::DelPublicIp: {
      auto ai = protocol::decode<protocol::AddrInfo>(c.data);
      protocol::PublicIp* ip = ai ? findIp(dest, ai->addr.ip) : nullptr;
      if (ip == nullptr) break;
      if (ip->pnn != dest)
        std::erase_if(ips_[dest].ips, [&](const protocol::PublicIp& p) { return p.addr.ip == ai->addr.ip; });
      s.send(reply(c, 0));
      return;
    }
    case Opcode::ReloadPublicIps: s.send(reply(c, reload_status_)); return;
    case Opcode::DisableNode: changeFlags(dest, NF::kPermanentlyDisabled, 0); return;
    case Opcode::EnableNode: changeFlags(dest, 0, NF::kPermanentlyDisabled); return;
    case Opcode::StopNode: changeFlags(dest, NF::kStopped, 0); return;
    case Opcode::ContinueNode: changeFlags(dest, 0, NF::kStopped); return;
    case Opcode::SetBanState: {
      auto b = protocol::decode<protocol::BanState>(c.data);
      if (!b) break;
      if (b->time != 0) changeFlags(b->pnn, NF::kBanned, 0);
      else changeFlags(b->pnn, 0, NF::kBanned);
      return;
    }
    case Opcode::ReleaseIp: s.send(reply(c, 0)); return;
    case Opcode::TakeoverIp: {
      auto p = protocol::decode<protocol::PublicIp>(c.data);
      if (!p) break;
      for (auto& [node, l] : ips_)
        for (auto& ip : l.ips)
          if (ip.addr.ip == p->addr.ip) ip.pnn = p->pnn;
      s.send(reply(c, 0));
      return;
    }
    case Opcode::SendGratuitousArp: s.send(reply(c, 0)); return;
    default: *handled = false; return;
  }
  s.send(reply(c, -1));
}

void FakeDaemon::defaultControl(const protocol::ReqControl& c, Session& s) {
  if (c.flags & protocol::kCtrlFlagNoReply) return;
  bool handled = false;
  modelControl(c, s, &handled);
  if (handled) return;
  switch (static_cast<Opcode>(c.opcode)) {
    case Opcode::GetPnn: s.send(reply(c, 0)); return;
    case Opcode::RegisterSrvid:
      s.srvids.push_back(c.srvid);
      s.send(reply(c, 0));
      if (c.srvid == protocol::kSrvidLeader && send_leader_)
        s.send(message(protocol::kSrvidLeader, protocol::encodeU32(0)));
      return;
    case Opcode::DeregisterSrvid: s.send(reply(c, 0)); return;
    case Opcode::GetRunstate: s.send(reply(c, 0, protocol::encodeU32(5))); return;
    case Opcode::GetVnnmap:
      s.send(reply(c, 0, protocol::encode(protocol::VnnMap{1910388866, {0, 1, 2}})));
      return;
    case Opcode::GetRecmode: s.send(reply(c, 0)); return;
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
