#include "util/local_address.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "ctdb/c_handles.h"

namespace ctdb {

Result<bool> haveLocalAddress(const IpAddress& ip) {
  const std::string what = "have-ip check for " + ip.toString();
  UniqueFd fd(::socket(ip.family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd.valid()) return errnoError(errno, what + ": socket");
  sockaddr_storage ss;
  const socklen_t len = toSockaddr(ip, 0, ss);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0) return true;
  if (errno == EADDRNOTAVAIL) return false;
  return errnoError(errno, what + ": bind");
}

}  // namespace ctdb
