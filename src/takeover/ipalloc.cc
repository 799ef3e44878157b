#include "takeover/ipalloc.h"

#include <arpa/inet.h>
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

#include "takeover/ipalloc_state.h"

namespace ctdb::takeover {

const char* toString(Algorithm a) {
  switch (a) {
    case Algorithm::Deterministic: return "det";
    case Algorithm::NonDeterministic: return "nondet";
    case Algorithm::Lcp2: return "lcp2";
  }
  return "?";
}

Result<Algorithm> algorithmFromString(std::string_view text) {
  std::string s(text);
  if (s == "det" || strcasecmp(s.c_str(), "deterministic") == 0) return Algorithm::Deterministic;
  if (s == "nondet" || strcasecmp(s.c_str(), "nondeterministic") == 0)
    return Algorithm::NonDeterministic;
  if (s == "lcp2" || strcasecmp(s.c_str(), "LCP2") == 0) return Algorithm::Lcp2;
  return makeError("unknown IP algorithm '" + s + "' (use lcp2, nondet or det)");
}

Algorithm algorithmFromTunable(uint32_t value) {
  switch (value) {
    case 0: return Algorithm::Deterministic;
    case 1: return Algorithm::NonDeterministic;
    default: return Algorithm::Lcp2;
  }
}

namespace detail {

IpKey ipKey(const IpAddress& a) {
  IpKey k{0, 0, 0, 0};
  if (a.isV4()) {
    uint32_t w;
    std::memcpy(&w, a.bytes.data(), 4);
    k[3] = ntohl(w);
  } else {
    for (int i = 0; i < 4; i++) {
      uint32_t w;
      std::memcpy(&w, a.bytes.data() + 4 * i, 4);
      k[i] = ntohl(w);
    }
  }
  return k;
}

namespace {

/* Whether node n may host anything at all (flags, runstate, tunable). */
std::vector<bool> hostableNodes(const AllocInput& in) {
  const size_t n = in.nodes.size();
  bool all_disabled = true;
  for (const auto& node : in.nodes)
    if ((node.flags & (NodeFlag::kInactive | NodeFlag::kDisabled)) == 0) all_disabled = false;
  std::vector<bool> ok(n, false);
  for (size_t i = 0; i < n; i++) {
    const NodeInput& node = in.nodes[i];
    if (node.runstate != static_cast<uint32_t>(RunState::Running)) continue;
    if (node.flags & NodeFlag::kInactive) continue;
    if (all_disabled ? node.noIpHostOnAllDisabled : (node.flags & NodeFlag::kDisabled) != 0)
      continue;
    ok[i] = true;
  }
  return ok;
}

}  // namespace

State::State(const AllocInput& in) : num_nodes_(static_cast<uint32_t>(in.nodes.size())) {
  /* Merge the known lists. A claim is trusted only from the node itself;
   * a later (higher-PNN) entry replaces the address and, when it has an
   * owner, the owner. Keyed like CTDB's tree, so an IPv4 address and the
   * IPv6 address ::a.b.c.d share one entry, as they do in CTDB. */
  std::map<IpKey, WorkIp> merged;
  for (uint32_t n = 0; n < num_nodes_; n++) {
    for (const KnownIp& k : in.nodes[n].known) {
      int32_t pnn = (k.pnn >= 0 && static_cast<uint32_t>(k.pnn) == n) ? k.pnn : kNoPnn;
      IpKey key = ipKey(k.addr);
      auto [it, inserted] = merged.try_emplace(key, WorkIp{k.addr, key, pnn});
      if (!inserted) {
        it->second.addr = k.addr;
        if (pnn != kNoPnn) it->second.pnn = pnn;
      }
    }
  }
  ips_.reserve(merged.size());
  for (auto it = merged.rbegin(); it != merged.rend(); ++it) ips_.push_back(it->second);

  held_.assign(num_nodes_, {});
  for (size_t i = 0; i < ips_.size(); i++)
    if (ips_[i].pnn != kNoPnn) held_[ips_[i].pnn].push_back(static_cast<uint32_t>(i));

  std::unordered_map<IpAddress, uint32_t, IpAddressHash> index;
  index.reserve(ips_.size() * 2);
  for (size_t i = 0; i < ips_.size(); i++) index.emplace(ips_[i].addr, static_cast<uint32_t>(i));

  available_.assign(ips_.size() * num_nodes_, false);
  known_.assign(ips_.size() * num_nodes_, false);
  std::vector<bool> hostable = hostableNodes(in);
  no_takeover_.assign(num_nodes_, false);
  for (uint32_t n = 0; n < num_nodes_; n++) {
    const NodeInput& node = in.nodes[n];
    no_takeover_[n] = node.noIpTakeover;
    for (const KnownIp& k : node.known) {
      auto it = index.find(k.addr);
      if (it != index.end()) known_[it->second * num_nodes_ + n] = true;
    }
    if (!hostable[n]) continue;
    for (const IpAddress& a : node.available) {
      auto it = index.find(a);
      if (it != index.end()) available_[it->second * num_nodes_ + n] = true;
    }
  }
}

void State::assign(size_t i, int32_t pnn) {
  int32_t old = ips_[i].pnn;
  if (old == pnn) return;
  const uint32_t idx = static_cast<uint32_t>(i);
  if (old != kNoPnn) {
    auto& v = held_[old];
    auto it = std::lower_bound(v.begin(), v.end(), idx);
    v.erase(it);
  }
  if (pnn != kNoPnn) {
    auto& v = held_[pnn];
    v.insert(std::lower_bound(v.begin(), v.end(), idx), idx);
  }
  ips_[i].pnn = pnn;
}

void State::unassignUnsuitable() {
  for (size_t i = 0; i < ips_.size(); i++) {
    int32_t pnn = ips_[i].pnn;
    if (pnn == kNoPnn || canHost(static_cast<uint32_t>(pnn), i)) continue;
    if (log::enabled(log::Level::Debug))
      diag(log::Level::Debug,
           "Unassign IP: " + ips_[i].addr.toString() + " from " + std::to_string(pnn));
    assign(i, kNoPnn);
  }
}

bool State::findTakeoverNode(size_t i) {
  int32_t best = kNoPnn;
  size_t min = 0;
  for (uint32_t n = 0; n < num_nodes_; n++) {
    if (!canTakeover(n, i)) continue;
    size_t num = held_[n].size();
    if (best == kNoPnn || num < min) {
      best = static_cast<int32_t>(n);
      min = num;
    }
  }
  if (best == kNoPnn) {
    diag(log::Level::Warning,
         "Could not find node to take over public address '" + ips_[i].addr.toString() + "'");
    return false;
  }
  assign(i, best);
  return true;
}

void State::basicAllocateUnassigned() {
  for (size_t i = 0; i < ips_.size(); i++) {
    if (ips_[i].pnn != kNoPnn) continue;
    if (!findTakeoverNode(i))
      diag(log::Level::Warning, "Failed to find node to cover ip " + ips_[i].addr.toString());
  }
}

AllocResult State::takeResult() {
  AllocResult r;
  r.ips.reserve(ips_.size());
  for (size_t i = 0; i < ips_.size(); i++) {
    IpAssignment a;
    a.addr = ips_[i].addr;
    a.pnn = ips_[i].pnn;
    a.knownOn.resize(num_nodes_);
    a.availableOn.resize(num_nodes_);
    for (uint32_t n = 0; n < num_nodes_; n++) {
      a.knownOn[n] = known(n, i);
      a.availableOn[n] = canHost(n, i);
    }
    r.ips.push_back(std::move(a));
  }
  r.diagnostics = std::move(diagnostics_);
  return r;
}

}  // namespace detail

Result<AllocResult> allocate(const AllocInput& input) {
  switch (input.algorithm) {
    case Algorithm::Deterministic:
    case Algorithm::NonDeterministic:
    case Algorithm::Lcp2:
      break;
    default:
      return makeError("ipalloc: invalid algorithm value " +
                       std::to_string(static_cast<int>(input.algorithm)));
  }
  detail::State s(input);
  if (s.numIps() == 0 || s.numNodes() == 0) return s.takeResult();
  switch (input.algorithm) {
    case Algorithm::Deterministic:
      detail::runDeterministic(s, input.noIpFailback);
      break;
    case Algorithm::NonDeterministic:
      detail::runNonDeterministic(s, input.noIpFailback);
      break;
    case Algorithm::Lcp2:
      detail::runLcp2(s, input.noIpFailback, input.forceRebalance, input.exactCtdbArithmetic);
      break;
  }
  return s.takeResult();
}

bool canHostIps(const AllocInput& input) {
  bool have_ips = false;
  for (size_t n = 0; n < input.nodes.size(); n++) {
    for (const KnownIp& k : input.nodes[n].known) {
      have_ips = true;
      if (k.pnn >= 0 && static_cast<size_t>(k.pnn) == n) return true;
    }
  }
  if (!have_ips) return false;
  std::vector<bool> hostable = detail::hostableNodes(input);
  for (size_t n = 0; n < input.nodes.size(); n++)
    if (hostable[n] && !input.nodes[n].available.empty()) return true;
  return false;
}

}  // namespace ctdb::takeover
