#include "server/core/control_socket.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "util/logging.h"

namespace ctdb::server {
namespace {

Result<sockaddr_un> makeAddr(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    return errnoError(ENAMETOOLONG, "socket path '" + path + "' is empty or too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

Status ensureParentDir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return {};
  std::string dir = path.substr(0, slash);
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return errnoError(ENOTDIR, "socket directory " + dir);
    return {};
  }
  if (errno != ENOENT) return errnoError(errno, "socket directory " + dir);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return errnoError(errno, "cannot create socket directory " + dir);
  return {};
}

}  // namespace

Result<UniqueFd> openControlSocket(const std::string& path) {
  auto addr = makeAddr(path);
  if (!addr) return addr.error();
  if (auto st = ensureParentDir(path); !st) return st.error();

  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe.valid()) return errnoError(errno, "socket()");
    if (connect(probe.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) == 0)
      return errnoError(EADDRINUSE, "another ctdbd is running on " + path);
    if (!S_ISSOCK(st.st_mode))
      return errnoError(EEXIST, path + " exists and is not a socket");
    D_NOTICE("control socket %s is stale (%s), removing it\n", path.c_str(), strerror(errno));
    if (unlink(path.c_str()) != 0 && errno != ENOENT)
      return errnoError(errno, "cannot remove stale socket " + path);
  }

  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errnoError(errno, "socket()");
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0)
    return errnoError(errno, "cannot bind control socket " + path);
  if (chmod(path.c_str(), 0700) != 0) {
    int err = errno;
    unlink(path.c_str());
    return errnoError(err, "cannot chmod control socket " + path);
  }
  if (listen(fd.get(), 128) != 0) {
    int err = errno;
    unlink(path.c_str());
    return errnoError(err, "cannot listen on control socket " + path);
  }
  return fd;
}

Result<std::unique_ptr<PidFile>> PidFile::create(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return errnoError(errno, "cannot open pidfile " + path);
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {};
    ssize_t n = pread(fd.get(), buf, sizeof(buf) - 1, 0);
    std::string holder = n > 0 ? std::string(buf, strcspn(buf, "\n")) : "unknown";
    return errnoError(err == EWOULDBLOCK ? EAGAIN : err,
                      "pidfile " + path + " is held by pid " + holder);
  }
  if (ftruncate(fd.get(), 0) != 0) return errnoError(errno, "cannot truncate pidfile " + path);
  return std::unique_ptr<PidFile>(new PidFile(path, std::move(fd)));
}

Status PidFile::writePid() {
  std::string text = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_.get(), 0) != 0) return errnoError(errno, "cannot truncate pidfile " + path_);
  if (pwrite(fd_.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    return errnoError(errno, "cannot write pidfile " + path_);
  return {};
}

PidFile::~PidFile() {
  if (unlink(path_.c_str()) != 0 && errno != ENOENT)
    D_WARNING("pidfile %s: unlink failed: %s, ignoring\n", path_.c_str(), strerror(errno));
}

Result<std::vector<IpAddress>> localAddresses() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return errnoError(errno, "getifaddrs");
  std::vector<IpAddress> out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (auto a = fromSockaddr(i->ifa_addr)) out.push_back(*a);
  }
  freeifaddrs(list);
  return out;
}

Result<uint32_t> choosePnn(const std::vector<config::NodeEntry>& nodes,
                           const std::optional<IpAddress>& listen,
                           const std::vector<IpAddress>& local,
                           const std::string& nodes_file) {
  if (listen) {
    for (const auto& n : nodes)
      if (!n.is_deleted && n.address == *listen) return n.pnn;
    return errnoError(ENOENT, "--listen address " + listen->toString() +
                                  " is not a node in " + nodes_file);
  }
  for (const auto& n : nodes) {
    if (n.is_deleted || !n.address) continue;
    if (std::find(local.begin(), local.end(), *n.address) != local.end()) return n.pnn;
  }
  return errnoError(EADDRNOTAVAIL, "no address of " + nodes_file +
                                       " is configured on a local interface (use --listen)");
}

}  // namespace ctdb::server
