#include "config/nodes_file.h"

#include <algorithm>
#include <unordered_map>

#include "config/text_lines.h"

namespace ctdb::config {

using detail::where;

Result<std::vector<NodeEntry>> parseNodes(std::string_view text, std::string_view filename) {
  std::vector<NodeEntry> nodes;
  std::unordered_map<IpAddress, int, IpAddressHash> seen;  // address -> line
  std::optional<Error> failure;

  detail::forEachLine(text, [&](int line_no, std::string_view raw) {
    std::string_view line = detail::trim(raw);
    if (line.empty()) return true;  // blank lines take no PNN
    NodeEntry e;
    e.pnn = static_cast<uint32_t>(nodes.size());
    e.line = line_no;
    if (line.front() == '#') {
      e.is_deleted = true;  // keeps its PNN slot
      nodes.push_back(e);
      return true;
    }
    auto blank = std::find_if(line.begin(), line.end(), detail::isBlank);
    if (blank != line.end()) {
      size_t at = static_cast<size_t>(blank - line.begin());
      failure = makeError(where(filename, line_no) + "unexpected text '" +
                          std::string(detail::trim(line.substr(at))) + "' after node address '" +
                          std::string(line.substr(0, at)) + "'");
      return false;
    }
    auto addr = detail::parseCtdbAddress(line);
    if (!addr) {
      failure = makeError(where(filename, line_no) + "invalid node address '" + std::string(line) + "'");
      return false;
    }
    auto [it, inserted] = seen.emplace(*addr, line_no);
    if (!inserted) {
      failure = makeError(where(filename, line_no) + "duplicate node address " + addr->toString() +
                          " (already at line " + std::to_string(it->second) + ")");
      return false;
    }
    e.address = *addr;
    nodes.push_back(e);
    return true;
  });

  if (failure) return *failure;
  if (nodes.empty()) return makeError(std::string(filename) + ": no nodes defined");
  if (seen.empty())
    return makeError(std::string(filename) + ": no nodes defined (all " + std::to_string(nodes.size()) +
                     " are deleted)");
  return nodes;
}

Result<std::vector<NodeEntry>> loadNodesFile(const std::string& path) {
  auto text = detail::readFile(path);
  if (!text) return text.error();
  return parseNodes(*text, path);
}

}  // namespace ctdb::config
