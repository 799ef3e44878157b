/*
 * Start-up helpers that touch the file system: the unix control socket and
 * the pidfile. Plain POSIX, no event loop; used once at start-up (before the
 * daemon forks, so errors reach the invoking shell) and at exit.
 *
 * Control socket rules (contract section 2/3):
 *   - a missing parent directory is created with mode 0700 (one level);
 *   - if PATH exists and a connect() to it succeeds, another daemon owns it:
 *     refuse with EADDRINUSE "another ctdbd is running on PATH";
 *   - a stale socket (connect refused) is unlinked and re-bound;
 *   - the socket is chmod 0700, non-blocking, close-on-exec, listening.
 *
 * PidFile: open/create, exclusively flock()ed (the lock belongs to the open
 * file description, so it survives the daemon's fork), truncated; the pid is
 * written by writePid() (after the fork). The destructor unlinks the file
 * and releases the lock. A held lock fails with EAGAIN "pidfile PATH is held
 * by pid N".
 */
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/nodes_file.h"
#include "ctdb/c_handles.h"
#include "ctdb/result.h"
#include "util/ip_address.h"

namespace ctdb::server {

Result<UniqueFd> openControlSocket(const std::string& path);

class PidFile {
 public:
  static Result<std::unique_ptr<PidFile>> create(const std::string& path);
  ~PidFile();
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

  /* Writes getpid() (call after daemonizing). */
  Status writePid();
  const std::string& path() const { return path_; }

 private:
  PidFile(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  UniqueFd fd_;
};

/* Addresses configured on local interfaces (getifaddrs). */
Result<std::vector<IpAddress>> localAddresses();

/*
 * This node's PNN: with listen, the entry whose address equals it; without,
 * the first non-deleted entry whose address is in `local`. Errors name the
 * address / the nodes file.
 */
Result<uint32_t> choosePnn(const std::vector<config::NodeEntry>& nodes,
                           const std::optional<IpAddress>& listen,
                           const std::vector<IpAddress>& local,
                           const std::string& nodes_file);

}  // namespace ctdb::server
