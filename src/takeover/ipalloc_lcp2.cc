/*
 * LCP2 allocation ("longest common prefix, squared").
 *
 * Cost model: the imbalance of a node is the sum, over every unordered pair
 * of IPs it holds, of the squared common-prefix length of the pair. Placing
 * an IP on a node costs the sum of squared prefix lengths to the IPs already
 * there ("dsum"). With exactCtdbArithmetic (the default, ctdb_ipalloc) all
 * sums are 32-bit unsigned and wrap, exactly as in CTDB 4.17; without it
 * (the daemon's takeover run) they are 64-bit and never wrap in practice.
 * Both are one template on the sum type, so the two modes give the same
 * answer whenever no 32-bit sum wraps.
 *
 * The two phases keep CTDB's visiting order and tie rules (first strictly
 * smaller wins, IPs in list order, nodes in PNN order); only the bookkeeping
 * is faster: the unassigned phase caches dsum per (IP, node) and updates it
 * incrementally, failback caches dsum per (IP, node) and updates it after
 * each move, and per-node IP lists avoid scanning the whole IP list.
 */
#include <algorithm>

#include "takeover/ipalloc_state.h"

namespace ctdb::takeover::detail {
namespace {

inline uint32_t sq(uint32_t d) { return d * d; }

/* Sum of squared distances from IP i to the IPs node n holds (i excluded). */
template <typename Sum>
Sum distSum(const State& s, size_t i, uint32_t n) {
  const IpKey& k = s.ip(i).key;
  Sum sum = 0;
  for (uint32_t j : s.held(n)) {
    if (j == i) continue;
    sum += sq(ipDistance(k, s.ip(j).key));
  }
  return sum;
}

template <typename Sum>
Sum imbalance(const State& s, uint32_t n) {
  const auto& h = s.held(n);
  Sum sum = 0;
  for (size_t a = 0; a < h.size(); a++)
    for (size_t b = a + 1; b < h.size(); b++)
      sum += sq(ipDistance(s.ip(h[a]).key, s.ip(h[b]).key));
  return sum;
}

/* Phase 1: repeatedly give the cheapest (IP, node) pair among unassigned IPs
 * to that node, until nothing is unassigned or nothing more can be placed. */
template <typename Sum>
void allocateUnassigned(State& s, std::vector<Sum>& imb) {
  const uint32_t nn = s.numNodes();
  std::vector<uint32_t> pending;  // unassigned IPs, list order
  for (size_t i = 0; i < s.numIps(); i++)
    if (s.owner(i) == kNoPnn) pending.push_back(static_cast<uint32_t>(i));

  const size_t np = pending.size();
  std::vector<Sum> dsum(np * nn, 0);
  std::vector<int32_t> best(np, kNoPnn);  // per pending IP: lowest PNN with min dsum
  auto recomputeBest = [&](size_t p) {
    int32_t b = kNoPnn;
    for (uint32_t n = 0; n < nn; n++) {
      if (!s.canTakeover(n, pending[p])) continue;
      if (b == kNoPnn || dsum[p * nn + n] < dsum[p * nn + b]) b = static_cast<int32_t>(n);
    }
    best[p] = b;
  };
  for (size_t p = 0; p < np; p++) {
    for (uint32_t n = 0; n < nn; n++)
      if (s.canTakeover(n, pending[p])) dsum[p * nn + n] = distSum<Sum>(s, pending[p], n);
    recomputeBest(p);
  }

  std::vector<bool> done(np, false);
  size_t remaining = np;
  while (remaining > 0) {
    size_t minp = np;
    Sum mind = 0;
    for (size_t p = 0; p < np; p++) {
      if (done[p] || best[p] == kNoPnn) continue;
      Sum d = dsum[p * nn + best[p]];
      if (minp == np || d < mind) {
        minp = p;
        mind = d;
      }
    }
    if (minp == np) break;  // nothing placeable is left
    const uint32_t node = static_cast<uint32_t>(best[minp]);
    const uint32_t ipi = pending[minp];
    s.assign(ipi, static_cast<int32_t>(node));
    imb[node] += mind;
    done[minp] = true;
    remaining--;
    const IpKey& k = s.ip(ipi).key;
    for (size_t p = 0; p < np; p++) {
      if (done[p] || !s.canTakeover(node, pending[p])) continue;
      Sum& slot = dsum[p * nn + node];
      Sum old = slot;
      slot += sq(ipDistance(k, s.ip(pending[p]).key));
      /* Growing a non-best slot cannot change the best node; a wrap (sum
       * past 2^32) or growing the best slot can. */
      if (best[p] == static_cast<int32_t>(node) || slot < old) recomputeBest(p);
    }
  }
  for (size_t i = 0; i < s.numIps(); i++)
    if (s.owner(i) == kNoPnn)
      s.diag(log::Level::Warning, "Failed to find node to cover ip " + s.ip(i).addr.toString());
}

/* Failback's cost cache: cost[i * nn + n] == distSum(s, i, n) for every IP
 * i and node n, kept up to date by moveIp() (modular add/subtract, so it is
 * exact for wrapping 32-bit sums too). */
template <typename Sum>
std::vector<Sum> allCosts(const State& s) {
  const uint32_t nn = s.numNodes();
  std::vector<Sum> cost(s.numIps() * nn, 0);
  for (size_t i = 0; i < s.numIps(); i++)
    for (uint32_t n = 0; n < nn; n++) cost[i * nn + n] = distSum<Sum>(s, i, n);
  return cost;
}

template <typename Sum>
void moveIp(State& s, size_t m, uint32_t src, uint32_t dst, std::vector<Sum>& cost) {
  const uint32_t nn = s.numNodes();
  const IpKey& k = s.ip(m).key;
  for (size_t i = 0; i < s.numIps(); i++) {
    if (i == m) continue;
    const Sum w = sq(ipDistance(k, s.ip(i).key));
    cost[i * nn + src] -= w;
    cost[i * nn + dst] += w;
  }
  s.assign(m, static_cast<int32_t>(dst));
}

/* Best single move off src onto a rebalance candidate; applies it. */
template <typename Sum>
bool failbackCandidate(State& s, uint32_t src, std::vector<Sum>& imb,
                       const std::vector<bool>& candidate, std::vector<Sum>& cost) {
  const uint32_t nn = s.numNodes();
  int64_t minip = -1;
  int32_t mindst = kNoPnn;
  Sum minsrcimbl = 0, mindstimbl = 0;
  for (uint32_t t : s.held(src)) {
    const Sum srcdsum = cost[size_t{t} * nn + src];
    const Sum srcimbl = imb[src] - srcdsum;
    for (uint32_t dst = 0; dst < nn; dst++) {
      if (!candidate[dst] || !s.canTakeover(dst, t)) continue;
      const Sum dstdsum = cost[size_t{t} * nn + dst];
      const Sum dstimbl = imb[dst] + dstdsum;
      if (dstimbl < imb[src] && dstdsum < srcdsum &&
          (mindst == kNoPnn ||
           static_cast<Sum>(srcimbl + dstimbl) < static_cast<Sum>(minsrcimbl + mindstimbl))) {
        minip = t;
        minsrcimbl = srcimbl;
        mindst = static_cast<int32_t>(dst);
        mindstimbl = dstimbl;
      }
    }
  }
  if (mindst == kNoPnn) return false;
  imb[src] = minsrcimbl;
  imb[mindst] = mindstimbl;
  moveIp(s, static_cast<size_t>(minip), src, static_cast<uint32_t>(mindst), cost);
  return true;
}

/* Phase 2: move IPs from the most imbalanced nodes onto candidate nodes
 * while that lowers imbalance; restart from the most imbalanced node after
 * every move. */
template <typename Sum>
void failback(State& s, std::vector<Sum>& imb, const std::vector<bool>& candidate) {
  const uint32_t nn = s.numNodes();
  std::vector<std::pair<Sum, uint32_t>> order(nn);  // (imbalance, pnn)
  std::vector<Sum> cost = allCosts<Sum>(s);
  for (;;) {
    for (uint32_t n = 0; n < nn; n++) order[n] = {imb[n], n};
    /* Descending imbalance; equal ones stay in PNN order (glibc's qsort, as
     * used by CTDB, is a stable merge sort for arrays this small). */
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    bool moved = false;
    for (const auto& [value, pnn] : order) {
      if (value == 0) break;
      if (failbackCandidate(s, pnn, imb, candidate, cost)) {
        moved = true;
        break;
      }
    }
    if (!moved) return;
  }
}

template <typename Sum>
void runLcp2With(State& s, bool no_ip_failback, const std::vector<uint32_t>& force_rebalance) {
  s.unassignUnsuitable();
  const uint32_t nn = s.numNodes();

  std::vector<Sum> imb(nn);
  for (uint32_t n = 0; n < nn; n++) imb[n] = imbalance<Sum>(s, n);

  /* Nodes holding nothing now are "newly healthy" and may receive IPs in
   * failback; so may nodes the leader was asked to rebalance onto. */
  std::vector<bool> candidate(nn, true);
  for (uint32_t n = 0; n < nn; n++)
    if (s.coverage(n) > 0) candidate[n] = false;
  for (uint32_t pnn : force_rebalance) {
    if (pnn >= nn) {
      s.diag(log::Level::Err, "unknown node " + std::to_string(pnn));
      continue;
    }
    s.diag(log::Level::Notice, "Forcing rebalancing of IPs to node " + std::to_string(pnn));
    candidate[pnn] = true;
  }

  allocateUnassigned(s, imb);

  if (no_ip_failback) return;
  if (std::find(candidate.begin(), candidate.end(), true) == candidate.end()) return;
  failback(s, imb, candidate);
}

}  // namespace

void runLcp2(State& s, bool no_ip_failback, const std::vector<uint32_t>& force_rebalance,
             bool exact_ctdb_arithmetic) {
  if (exact_ctdb_arithmetic)
    runLcp2With<uint32_t>(s, no_ip_failback, force_rebalance);
  else
    runLcp2With<uint64_t>(s, no_ip_failback, force_rebalance);
}

}  // namespace ctdb::takeover::detail
