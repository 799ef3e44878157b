#include "net/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "ctdb/c_handles.h"
#include "net/types.h"
#include "util/logging.h"

namespace ctdb::net {

namespace {

Status writeValue(std::string_view iface, std::string_view key, Setting setting) {
  auto path = detail::ipv4ConfPath(iface, key);
  if (!path) return path.error();
  UniqueFd fd(::open(path->c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return errnoError(errno, "set " + *path + "=" + (setting == Setting::On ? "1" : "0"));
  const char* text = setting == Setting::On ? "1\n" : "0\n";
  ssize_t n = ::write(fd.get(), text, 2);
  if (n != 2) return errnoError(n < 0 ? errno : EIO, "write " + *path);
  D_DEBUG("net: %s = %s\n", path->c_str(), toString(setting));
  return {};
}

}  // namespace

const char* toString(Setting s) { return s == Setting::On ? "on" : "off"; }

namespace detail {
Result<std::string> ipv4ConfPath(std::string_view iface, std::string_view key) {
  if (auto st = validateIfaceName(iface); !st) return st.error();
  return "/proc/sys/net/ipv4/conf/" + std::string(iface) + "/" + std::string(key);
}
}  // namespace detail

Status setPromoteSecondaries(std::string_view iface, Setting setting) {
  return writeValue(iface, "promote_secondaries", setting);
}

Status setArpFilter(std::string_view iface, Setting setting) {
  return writeValue(iface, "arp_filter", setting);
}

Result<Setting> getPromoteSecondaries(std::string_view iface) {
  auto path = detail::ipv4ConfPath(iface, "promote_secondaries");
  if (!path) return path.error();
  UniqueFd fd(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errnoError(errno, "read " + *path);
  char buf[8] = {};
  ssize_t n = ::read(fd.get(), buf, sizeof(buf) - 1);
  if (n <= 0) return errnoError(n < 0 ? errno : EIO, "read " + *path);
  if (buf[0] == '0') return Setting::Off;
  if (buf[0] == '1') return Setting::On;
  return errnoError(EPROTO, "read " + *path + ": unexpected value '" + std::string(buf, n) + "'");
}

}  // namespace ctdb::net
