#include "config/public_addresses.h"

#include <charconv>
#include <optional>
#include <unordered_map>

#include "config/text_lines.h"

namespace ctdb::config {

using detail::where;

namespace {

/* Splits on runs of spaces/tabs; text is already trimmed. */
std::vector<std::string_view> fields(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && detail::isBlank(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && !detail::isBlank(text[i])) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

/* "IP/BITS" -> prefix, or an error text (without the FILE:LINE part). */
Result<IpPrefix> parseAddressField(std::string_view tok) {
  size_t slash = tok.rfind('/');
  if (slash == std::string_view::npos)
    return makeError("missing mask in '" + std::string(tok) + "' (expected IP/MASKBITS)");
  auto addr = detail::parseCtdbAddress(tok.substr(0, slash));
  if (!addr) return makeError("invalid IP address '" + std::string(tok.substr(0, slash)) + "'");
  std::string_view bits = tok.substr(slash + 1);
  unsigned mask = 0;
  auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), mask);
  if (bits.empty() || ec != std::errc() || ptr != bits.data() + bits.size())
    return makeError("invalid mask '/" + std::string(bits) + "' in '" + std::string(tok) + "'");
  if (mask < 1 || mask > addr->maxPrefix())
    return makeError("mask /" + std::string(bits) + " out of range for " +
                     (addr->isV4() ? "IPv4" : "IPv6") + " address " + addr->toString() + " (1.." +
                     std::to_string(addr->maxPrefix()) + ")");
  return IpPrefix{*addr, mask};
}

/* "eth0,eth1" -> names, or an error text (without the FILE:LINE part). */
Result<std::vector<std::string>> parseIfaceList(std::string_view tok) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t comma = tok.find(',', pos);
    std::string_view name =
        tok.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (name.empty()) return makeError("empty interface name in '" + std::string(tok) + "'");
    if (name.size() > kMaxIfaceNameLen)
      return makeError("interface name '" + std::string(name) + "' is longer than " +
                       std::to_string(kMaxIfaceNameLen) + " characters");
    for (const auto& prev : out)
      if (prev == name)
        return makeError("interface '" + std::string(name) + "' listed twice in '" + std::string(tok) + "'");
    out.emplace_back(name);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace

Result<std::vector<PublicAddressEntry>> parsePublicAddresses(std::string_view text,
                                                             std::string_view filename) {
  std::vector<PublicAddressEntry> entries;
  std::unordered_map<IpAddress, int, IpAddressHash> seen;  // address -> line
  std::optional<Error> failure;

  detail::forEachLine(text, [&](int line_no, std::string_view raw) {
    std::string_view line = detail::trim(raw);
    if (line.empty() || line.front() == '#') return true;
    auto f = fields(line);
    auto prefix = parseAddressField(f[0]);
    if (!prefix) {
      failure = makeError(where(filename, line_no) + prefix.error().context);
      return false;
    }
    if (f.size() < 2) {
      failure = makeError(where(filename, line_no) + "no interface given for " + prefix->toString());
      return false;
    }
    auto ifaces = parseIfaceList(f[1]);
    if (!ifaces) {
      failure = makeError(where(filename, line_no) + ifaces.error().context);
      return false;
    }
    if (f.size() > 2) {
      failure = makeError(where(filename, line_no) + "unexpected text '" + std::string(f[2]) +
                          "' after interface list '" + std::string(f[1]) + "'");
      return false;
    }
    auto [it, inserted] = seen.emplace(prefix->addr, line_no);
    if (!inserted) {
      failure = makeError(where(filename, line_no) + "duplicate public address " + prefix->addr.toString() +
                          " (already at line " + std::to_string(it->second) + ")");
      return false;
    }
    entries.push_back(PublicAddressEntry{*prefix, std::move(*ifaces), line_no});
    return true;
  });

  if (failure) return *failure;
  return entries;
}

Result<std::vector<PublicAddressEntry>> loadPublicAddressesFile(const std::string& path) {
  auto text = detail::readFile(path);
  if (!text) return text.error();
  return parsePublicAddresses(*text, path);
}

}  // namespace ctdb::config
