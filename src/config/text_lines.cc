#include "config/text_lines.h"

#include <cerrno>
#include <fstream>
#include <sstream>

namespace ctdb::config::detail {

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno != 0 ? errno : EIO;
    return errnoError(err, path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return errnoError(EIO, path);
  return ss.str();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && isBlank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace ctdb::config::detail
