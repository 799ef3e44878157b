#include "tools/ip_args.h"

#include <arpa/inet.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ctdb::tools {

namespace {

std::optional<IpAddress> fromV4(const std::string& s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  IpAddress ip;
  ip.family = AF_INET;
  std::memcpy(ip.bytes.data(), &a, 4);
  return ip;
}

}  // namespace

std::optional<IpAddress> parseCtdbIp(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return fromV4(text);
  if (text.size() >= 64) return std::nullopt;  // 4.17's 64-byte buffer
  std::string s = text;
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    s = s.substr(1, s.size() - 2);
    colon = s.rfind(':');
  }
  in6_addr a{};
  if (inet_pton(AF_INET6, s.c_str(), &a) != 1) return std::nullopt;
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(&a, kMapped, sizeof(kMapped)) == 0) {
    if (colon == std::string::npos) return std::nullopt;
    return fromV4(s.substr(colon + 1));
  }
  IpAddress ip;
  ip.family = AF_INET6;
  std::memcpy(ip.bytes.data(), &a, 16);
  return ip;
}

std::optional<IpMask> parseCtdbIpMask(const std::string& text) {
  if (text.size() >= 64) return std::nullopt;
  size_t slash = text.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  auto m = smbStrtoul(text.substr(slash + 1), 10, true);
  if (!m) return std::nullopt;
  auto ip = parseCtdbIp(text.substr(0, slash));
  if (!ip) return std::nullopt;
  return IpMask{*ip, static_cast<unsigned>(*m)};
}

std::optional<unsigned long> smbStrtoul(const std::string& text, int base, bool full, int* error) {
  int dummy = 0;
  int& e = error ? *error : dummy;
  const char* b = text.c_str();
  char* end = nullptr;
  errno = 0;
  unsigned long v = std::strtoul(b, &end, base);
  e = errno;
  if (e != 0) return std::nullopt;
  e = EINVAL;
  if (end == b) return std::nullopt;
  const char* minus = std::strchr(b, '-');
  if (minus != nullptr && minus < end) return std::nullopt;
  if (full && *end != '\0') return std::nullopt;
  e = 0;
  return v;
}

std::vector<std::string> splitNonEmpty(const std::string& text, char sep) {
  std::vector<std::string> v;
  size_t start = 0;
  while (start <= text.size()) {
    size_t e = text.find(sep, start);
    if (e == std::string::npos) e = text.size();
    if (e > start) v.push_back(text.substr(start, e - start));
    start = e + 1;
  }
  return v;
}

std::optional<std::string> ifaceListError(const std::string& list) {
  constexpr size_t kLinuxIfaceNameMax = 15;  // IFNAMSIZ - 1
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name.empty()) return "Empty interface name in '" + list + "'\n";
    if (name.size() > kLinuxIfaceNameMax) return "Interface name '" + name + "' too long\n";
    bool bad = name == "." || name == "..";
    for (unsigned char c : name)
      if (c == '/' || c == ':' || std::isspace(c) || c < 0x20 || c == 0x7F) bad = true;
    if (bad) return "Invalid interface name '" + name + "'\n";
    if (comma == std::string::npos) return std::nullopt;
    start = comma + 1;
  }
}

bool sockAddrLess(const IpAddress& a, const IpAddress& b) {
  if (a.family != b.family) return a.family < b.family;
  size_t n = a.isV4() ? 4 : 16;
  return std::memcmp(a.bytes.data(), b.bytes.data(), n) < 0;
}

}  // namespace ctdb::tools
