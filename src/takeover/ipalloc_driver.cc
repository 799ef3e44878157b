#include "takeover/ipalloc_driver.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace ctdb::takeover {
namespace {

/* Text from the input for an error message: printable, at most 64 bytes. */
std::string shown(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); i++) {
    if (i == 64) {
      out += "...";
      break;
    }
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t pos = text.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i >= line.size()) break;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') j++;
    out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

/* A non-negative C integer (base prefix as strtol base 0) that fits 32 bits. */
Result<uint32_t> parseU32(std::string_view text, const std::string& what) {
  std::string s(text);
  if (s.empty() || s[0] == '-' || s[0] == '+' || s[0] == ' ')
    return makeError(what + ": bad number '" + shown(s) + "'");
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 0);
  if (errno != 0 || end == s.c_str() || *end != '\0' || v > UINT32_MAX)
    return makeError(what + ": bad number '" + shown(s) + "'");
  return static_cast<uint32_t>(v);
}

Result<int32_t> parsePnn(std::string_view text, const std::string& what) {
  std::string s(text);
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || errno != 0 || end == s.c_str() || *end != '\0' || v < INT32_MIN ||
      v > INT32_MAX)
    return makeError(what + ": bad PNN '" + shown(s) + "'");
  return static_cast<int32_t>(v);
}

/* As CTDB reads addresses: IPv4, IPv6, "[IPv6]"; an IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) becomes the IPv4 address. */
Result<IpAddress> parseAddress(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  auto a = IpAddress::parse(text);
  if (!a) return a;
  if (!a->isV4()) {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a->bytes.data(), kMapped, 12) == 0) {
      IpAddress v4;
      v4.family = AF_INET;
      std::memcpy(v4.bytes.data(), a->bytes.data() + 12, 4);
      return v4;
    }
  }
  return a;
}

/* "V" for every node or "V0,V1,..." with exactly one value per node. */
Result<std::vector<uint32_t>> perNode(const std::string& name, const std::string& text,
                                      size_t num_nodes) {
  auto parts = split(text, ',');
  std::vector<uint32_t> vals;
  for (auto p : parts) {
    auto v = parseU32(p, name);
    if (!v) return v.error();
    vals.push_back(*v);
  }
  if (vals.size() == 1) return std::vector<uint32_t>(num_nodes, vals[0]);
  if (vals.size() != num_nodes)
    return makeError(name + ": " + std::to_string(vals.size()) + " values for " +
                     std::to_string(num_nodes) + " nodes");
  return vals;
}

/* Reads the stdin text into the nodes' known lists. */
Status parseIps(std::string_view text, bool multi, std::vector<NodeInput>& nodes) {
  const size_t nn = nodes.size();
  size_t node = 0;     // multi: block being read
  bool ended = false;  // non-multi: list ended by an empty line
  size_t lineno = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    lineno++;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = "stdin:" + std::to_string(lineno);

    if (line.empty()) {  // end of a list / block
      if (multi) {
        if (node < nn) node++;
      } else {
        ended = true;
      }
      continue;
    }
    auto w = words(line);
    if (w.empty() || w[0][0] == '#') continue;  // blank or comment line
    if (!w.empty()) {
      for (size_t k = 1; k < w.size(); k++)
        if (w[k][0] == '#') {
          w.resize(k);
          break;
        }
    }
    if (ended)
      return makeError(where + ": data after the empty line that ends the IP list");
    if (multi && node >= nn)
      return makeError(where + ": more IP blocks than the " + std::to_string(nn) + " nodes");
    if (w.size() > 3) return makeError(where + ": too many fields (want IP [PNN [ALLOWED,...]])");

    auto addr = parseAddress(w[0]);
    if (!addr) return makeError(where + ": bad address '" + shown(w[0]) + "'");
    int32_t pnn = kNoPnn;
    if (w.size() >= 2) {
      auto p = parsePnn(w[1], where);
      if (!p) return p.error();
      pnn = *p;
    }
    KnownIp k{*addr, pnn};
    if (multi) {
      if (w.size() == 3)
        return makeError(where + ": ALLOWED node list not allowed in multi mode");
      nodes[node].known.push_back(k);
      continue;
    }
    if (w.size() == 2 || w.size() == 1) {
      for (auto& n : nodes) n.known.push_back(k);
      continue;
    }
    for (auto tok : split(w[2], ',')) {
      auto a = parsePnn(tok, where);
      if (!a) return a.error();
      if (*a < 0 || static_cast<size_t>(*a) >= nn)
        return makeError(where + ": allowed node " + std::to_string(*a) + " out of range (" +
                         std::to_string(nn) + " nodes)");
      nodes[*a].known.push_back(k);
    }
  }
  return {};
}

}  // namespace

Result<DriverSetup> parseDriverSetup(std::string_view node_flags, bool multi,
                                     std::string_view stdin_text, const EnvLookup& env) {
  DriverSetup setup;
  AllocInput& in = setup.input;

  if (node_flags.empty()) return makeError("NODE_FLAGS: empty (want e.g. 0,2,0x20)");
  for (auto tok : split(node_flags, ',')) {
    auto f = parseU32(tok, "NODE_FLAGS");
    if (!f) return f.error();
    NodeInput n;
    n.flags = *f;
    in.nodes.push_back(std::move(n));
  }
  const size_t nn = in.nodes.size();

  if (auto v = env("CTDB_TEST_LOGLEVEL")) {
    auto l = log::levelFromString(*v);
    if (!l) return makeError("CTDB_TEST_LOGLEVEL: invalid debug level '" + shown(*v) + "'");
    setup.logLevel = *l;
  }
  if (auto v = env("CTDB_IP_ALGORITHM")) {
    if (*v == "lcp2") in.algorithm = Algorithm::Lcp2;
    else if (*v == "nondet") in.algorithm = Algorithm::NonDeterministic;
    else if (*v == "det") in.algorithm = Algorithm::Deterministic;
    else
      return makeError("CTDB_IP_ALGORITHM: unknown IP algorithm '" + shown(*v) +
                       "' (lcp2, nondet, det)");
  }
  if (auto v = env("CTDB_SET_NoIPTakeover")) {
    auto vals = perNode("CTDB_SET_NoIPTakeover", *v, nn);
    if (!vals) return vals.error();
    for (auto& n : in.nodes) n.noIpTakeover = (*vals)[0] != 0;
  }
  if (auto v = env("CTDB_SET_NoIPFailback")) {
    auto vals = perNode("CTDB_SET_NoIPFailback", *v, nn);
    if (!vals) return vals.error();
    in.noIpFailback = (*vals)[0] != 0;
  }
  if (auto v = env("CTDB_SET_NoIPHostOnAllDisabled")) {
    auto vals = perNode("CTDB_SET_NoIPHostOnAllDisabled", *v, nn);
    if (!vals) return vals.error();
    for (size_t i = 0; i < nn; i++) in.nodes[i].noIpHostOnAllDisabled = (*vals)[i] != 0;
  }
  if (auto v = env("CTDB_TEST_RUNSTATE")) {
    auto vals = perNode("CTDB_TEST_RUNSTATE", *v, nn);
    if (!vals) return vals.error();
    for (size_t i = 0; i < nn; i++) in.nodes[i].runstate = (*vals)[i];
  }
  if (auto v = env("CTDB_TEST_FORCE_REBALANCE")) {
    if (!v->empty()) {
      for (auto tok : split(*v, ',')) {
        auto p = parseU32(tok, "CTDB_TEST_FORCE_REBALANCE");
        if (!p) return p.error();
        in.forceRebalance.push_back(*p);
      }
    }
  }

  auto st = parseIps(stdin_text, multi, in.nodes);
  if (!st) return st.error();
  for (auto& n : in.nodes) {
    n.available.reserve(n.known.size());
    for (const auto& k : n.known) n.available.push_back(k.addr);
  }
  return setup;
}

std::string formatAllocation(const AllocResult& result) {
  std::string out;
  out.reserve(result.ips.size() * 20);
  for (const auto& a : result.ips) {
    out += a.addr.toString();
    out += ' ';
    out += std::to_string(a.pnn);
    out += '\n';
  }
  return out;
}

}  // namespace ctdb::takeover
