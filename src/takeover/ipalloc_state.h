/*
 * Internal working state shared by the allocation algorithms (not part of
 * the public API; include only from the .cc files of src/takeover).
 *
 * Owns: the merged IP list (CTDB's order, descending address key), the
 * current owner of every IP, per-node "which IPs do you hold" index lists
 * kept sorted by list position, the per-node coverage counts, and the
 * can-host matrix. Invariant: ips_[i].pnn == n  <=>  i is in held_[n];
 * coverage(n) == held_[n].size(). Every owner change goes through assign().
 * Single-threaded, one allocate() call.
 */
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "takeover/ipalloc.h"

namespace ctdb::takeover::detail {

/* CTDB's 128-bit address key: IPv4 = {0,0,0,host-order address}, IPv6 = the
 * four host-order 32-bit words. */
using IpKey = std::array<uint32_t, 4>;
IpKey ipKey(const IpAddress& a);

/* CTDB's LCP2 "distance": per word, 32 if equal else the leading zero bits
 * of the XOR; all four words are summed (it does not stop at the first
 * differing word). */
inline uint32_t ipDistance(const IpKey& a, const IpKey& b) {
  uint32_t d = 0;
  for (int i = 0; i < 4; i++) {
    uint32_t x = a[i] ^ b[i];
    d += x == 0 ? 32u : static_cast<uint32_t>(__builtin_clz(x));
  }
  return d;
}

struct WorkIp {
  IpAddress addr;
  IpKey key;
  int32_t pnn = kNoPnn;
};

class State {
 public:
  explicit State(const AllocInput& input);

  uint32_t numNodes() const { return num_nodes_; }
  size_t numIps() const { return ips_.size(); }
  const WorkIp& ip(size_t i) const { return ips_[i]; }
  int32_t owner(size_t i) const { return ips_[i].pnn; }
  const std::vector<uint32_t>& held(uint32_t pnn) const { return held_[pnn]; }
  size_t coverage(uint32_t pnn) const { return held_[pnn].size(); }

  bool canHost(uint32_t pnn, size_t i) const { return available_[i * num_nodes_ + pnn]; }
  bool canTakeover(uint32_t pnn, size_t i) const {
    return !no_takeover_[pnn] && canHost(pnn, i);
  }
  bool known(uint32_t pnn, size_t i) const { return known_[i * num_nodes_ + pnn]; }

  /* Changes the owner of IP i (kNoPnn allowed). */
  void assign(size_t i, int32_t pnn);

  /* Any IP whose owner may not host it becomes unassigned. */
  void unassignUnsuitable();
  /* Lowest-coverage node that can take over IP i (ties: lowest PNN) gets
   * it; false (and a warning) if none can. */
  bool findTakeoverNode(size_t i);
  /* findTakeoverNode() for every unassigned IP in list order. */
  void basicAllocateUnassigned();

  void diag(log::Level level, std::string text) {
    diagnostics_.push_back(Diagnostic{level, std::move(text)});
  }
  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

  AllocResult takeResult();

 private:
  uint32_t num_nodes_;
  std::vector<WorkIp> ips_;
  std::vector<std::vector<uint32_t>> held_;
  std::vector<bool> available_;  // [ip * N + pnn]
  std::vector<bool> known_;      // [ip * N + pnn]
  std::vector<bool> no_takeover_;
  std::vector<Diagnostic> diagnostics_;
};

void runDeterministic(State& s, bool no_ip_failback);
void runNonDeterministic(State& s, bool no_ip_failback);
/* exact_ctdb_arithmetic: 32-bit wrapping sums (CTDB 4.17) or 64-bit ones. */
void runLcp2(State& s, bool no_ip_failback, const std::vector<uint32_t>& force_rebalance,
             bool exact_ctdb_arithmetic);

}  // namespace ctdb::takeover::detail
