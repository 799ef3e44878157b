/*
 * Private helpers of ctdb_config: reading a whole config file and walking
 * its lines. Not part of the module's public API.
 *
 * Lines are split on '\n'; a trailing '\r' is dropped so files edited on
 * other systems parse the same. Line numbers are 1-based.
 */
#pragma once

#include <string>
#include <string_view>

#include "ctdb/result.h"
#include "util/ip_address.h"

namespace ctdb::config::detail {

/* Whole file as text; errno Error whose context is the path. */
Result<std::string> readFile(const std::string& path);

/* Strips spaces and tabs at both ends. */
std::string_view trim(std::string_view s);

/* True for ' ' and '\t'. */
inline bool isBlank(char c) { return c == ' ' || c == '\t'; }

/* Calls fn(line_number, line_text) for every line of text. */
template <typename Fn>
void forEachLine(std::string_view text, Fn&& fn) {
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = (nl == std::string_view::npos) ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    if (!fn(line_no, line)) return;
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
}

/* An address as CTDB 4.17 reads one in its config files: IPv4, IPv6,
   IPv6 in [brackets], and IPv4-mapped IPv6 (::ffff:a.b.c.d) turned into
   the IPv4 address. No port, no mask. */
Result<IpAddress> parseCtdbAddress(std::string_view text);

/* "FILE:LINE: what" */
inline std::string where(std::string_view filename, int line) {
  return std::string(filename) + ":" + std::to_string(line) + ": ";
}

}  // namespace ctdb::config::detail
