#include "config/text_lines.h"

#include <cerrno>
#include <cstring>
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

Result<IpAddress> parseCtdbAddress(std::string_view text) {
  if (text.find(':') != std::string_view::npos && text.size() >= 2 && text.front() == '[' &&
      text.back() == ']')
    text = text.substr(1, text.size() - 2);
  auto addr = IpAddress::parse(text);
  if (!addr) return addr;
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!addr->isV4() && std::memcmp(addr->bytes.data(), kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
    IpAddress v4;
    v4.family = AF_INET;
    std::memcpy(v4.bytes.data(), addr->bytes.data() + 12, 4);
    return v4;
  }
  return addr;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && isBlank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace ctdb::config::detail
