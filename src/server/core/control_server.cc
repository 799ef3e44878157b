#include "server/core/control_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/logging.h"

namespace ctdb::server {

ControlServer::ControlServer(EventLoop& loop, UniqueFd listen_fd, std::string socket_path,
                             Callbacks cb)
    : loop_(loop), path_(std::move(socket_path)), cb_(std::move(cb)), listen_fd_(std::move(listen_fd)) {
  accept_event_ = std::make_unique<FdEvent>(loop_, listen_fd_.get(), FdEvent::kRead,
                                            [this](uint16_t) { onAccept(); });
}

ControlServer::~ControlServer() { closeAll(); }

void ControlServer::onAccept() {
  // Accept a bounded batch per wakeup so one busy listener cannot starve
  // the clients already connected.
  for (int i = 0; i < 64; ++i) {
    int fd = accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR)
        D_ERR("control socket %s: accept failed: %s, will retry\n", path_.c_str(),
              strerror(errno));
      return;
    }
    UniqueFd cfd(fd);
    pid_t pid = 0;
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (getsockopt(cfd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) pid = cred.pid;
    ClientId id = next_id_++;
    ClientConnection::Callbacks ccb;
    ccb.on_packet = cb_.on_packet;
    ccb.on_close = [this, alive = guard_.watch()](ClientId cid,
                                                                const std::string& reason) {
      if (alive.isAlive()) onClosed(cid, reason);
    };
    auto conn = std::make_shared<ClientConnection>(loop_, id, std::move(cfd), pid, std::move(ccb));
    clients_.emplace(id, conn);
    if (pid > 0) ++pids_[pid];
    conn->start();
    D_DEBUG("control socket: client %u (pid %d) connected, %zu clients\n", id,
            static_cast<int>(pid), clients_.size());
  }
}

void ControlServer::onClosed(ClientId id, const std::string& reason) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  pid_t pid = it->second->peerPid();
  D_INFO("control socket: client %u (pid %d) disconnected: %s\n", id, static_cast<int>(pid),
         reason.c_str());
  if (cb_.on_disconnect) cb_.on_disconnect(id);
  if (pid > 0) {
    auto p = pids_.find(pid);
    if (p != pids_.end() && --p->second == 0) pids_.erase(p);
  }
  // The connection may still be on the call stack (it posted this closure,
  // but a handler further up may hold `self`); shared ownership keeps it
  // valid until the last holder lets go.
  clients_.erase(it);
}

bool ControlServer::sendTo(ClientId id, std::vector<uint8_t> bytes) {
  auto* c = find(id);
  if (!c || c->isClosed()) return false;
  c->send(std::move(bytes));
  return true;
}

std::weak_ptr<ClientConnection> ControlServer::weakClient(ClientId id) const {
  auto it = clients_.find(id);
  if (it == clients_.end()) return {};
  return it->second;
}

ClientConnection* ControlServer::find(ClientId id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.get();
}

void ControlServer::closeAll() {
  if (is_closed_) return;
  is_closed_ = true;
  accept_event_.reset();
  listen_fd_.reset();
  auto clients = std::move(clients_);
  clients_.clear();
  for (auto& [id, conn] : clients) {
    conn->close("daemon shutting down");
    if (cb_.on_disconnect) cb_.on_disconnect(id);
  }
  pids_.clear();
  if (!path_.empty() && unlink(path_.c_str()) != 0 && errno != ENOENT)
    D_WARNING("control socket %s: unlink failed: %s, ignoring\n", path_.c_str(), strerror(errno));
}

}  // namespace ctdb::server
