/*
 * ControlServer: the unix control socket's accept loop and client table.
 *
 * Owns the listening fd (from openControlSocket), one ClientConnection per
 * accepted client (keyed by a ClientId that is never reused during the
 * daemon's life, starting at 1) and a pid -> client count index for
 * PROCESS_EXISTS. Does not interpret packets: complete packets go to the
 * on_packet callback given at creation; on_disconnect is called (from the
 * loop, after the connection closed) before the client is forgotten, so the
 * owner can drop the client's srvid registrations.
 *
 * Replies to a client that is gone are dropped: replyTo()/weakClient()
 * resolve the client when the reply is ready, not when it was requested.
 * Destroying the server (or closeAll()) closes every client and, if
 * unlink_on_close, removes the socket path.
 *
 * Single-threaded (event loop).
 */
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ctdb/c_handles.h"
#include "server/core/client_connection.h"
#include "server/core/srvid_registry.h"
#include "util/event_loop.h"
#include "util/lifetime_guard.h"

namespace ctdb::server {

class ControlServer {
 public:
  struct Callbacks {
    std::function<void(ClientConnection&, std::vector<uint8_t> packet)> on_packet;
    std::function<void(ClientId)> on_disconnect;
  };

  ControlServer(EventLoop& loop, UniqueFd listen_fd, std::string socket_path, Callbacks cb);
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();

  /* Sends bytes to a client if it is still connected; false otherwise. */
  bool sendTo(ClientId id, std::vector<uint8_t> bytes);
  std::weak_ptr<ClientConnection> weakClient(ClientId id) const;
  ClientConnection* find(ClientId id) const;

  size_t clientCount() const { return clients_.size(); }
  bool hasClientPid(pid_t pid) const { return pids_.contains(pid); }

  /* Stops accepting, closes every client, unlinks the socket path. */
  void closeAll();

 private:
  void onAccept();
  void onClosed(ClientId id, const std::string& reason);

  EventLoop& loop_;
  std::string path_;
  Callbacks cb_;
  ClientId next_id_ = 1;
  std::unordered_map<ClientId, std::shared_ptr<ClientConnection>> clients_;
  std::unordered_map<pid_t, uint32_t> pids_;
  bool is_closed_ = false;
  // Posted close notifications check this before touching the server.
  LifetimeGuard guard_;
  UniqueFd listen_fd_;
  std::unique_ptr<FdEvent> accept_event_;  // after listen_fd_
};

}  // namespace ctdb::server
