#include "util/install_paths.h"

#include <limits.h>
#include <unistd.h>

#ifndef CTDB_INSTALL_PREFIX
#define CTDB_INSTALL_PREFIX "/usr/local"
#endif
#ifndef CTDB_INSTALL_SYSCONFDIR
#define CTDB_INSTALL_SYSCONFDIR "etc"
#endif
#ifndef CTDB_BUILD_BINDIR
#define CTDB_BUILD_BINDIR ""
#endif

namespace ctdb {
namespace {

std::string stripTrailingSlashes(std::string_view p) {
  std::string s(p);
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string dirName(const std::string& p) {
  auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

std::string baseName(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

}  // namespace

const InstallLayout& configuredLayout() {
  static const InstallLayout layout{CTDB_INSTALL_PREFIX, CTDB_INSTALL_SYSCONFDIR, CTDB_BUILD_BINDIR};
  return layout;
}

std::string sysconfdirFor(std::string_view prefix_in, std::string_view sysconfdir) {
  if (!sysconfdir.empty() && sysconfdir.front() == '/') return stripTrailingSlashes(sysconfdir);
  const std::string prefix = stripTrailingSlashes(prefix_in);
  const std::string rel = sysconfdir.empty() ? std::string("etc") : std::string(sysconfdir);
  if (rel == "etc") {
    if (prefix == "/" || prefix == "/usr") return "/etc";
    if (prefix.rfind("/opt/", 0) == 0) return "/etc" + prefix;
  }
  if (prefix == "/") return "/" + rel;
  return prefix + "/" + rel;
}

std::string defaultCtdbBase(std::string_view exe_path, const InstallLayout& layout) {
  std::string prefix = layout.prefix;
  if (!exe_path.empty() && exe_path.front() == '/') {
    const std::string dir = dirName(std::string(exe_path));
    const bool in_build_tree =
        !layout.build_bin.empty() && dir == stripTrailingSlashes(layout.build_bin);
    const std::string leaf = baseName(dir);
    if (!in_build_tree && (leaf == "bin" || leaf == "sbin")) prefix = dirName(dir);
  }
  return sysconfdirFor(prefix, layout.sysconfdir) + "/ctdb";
}

std::string processDefaultCtdbBase() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  std::string exe = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  return defaultCtdbBase(exe, configuredLayout());
}

}  // namespace ctdb
