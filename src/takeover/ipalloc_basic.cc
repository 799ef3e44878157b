/*
 * Deterministic and non-deterministic allocation: both count IPs per node
 * ("coverage") instead of looking at addresses.
 *
 * Deterministic: IP number i of the merged list has the fixed home node
 * i mod N (N = every node of the node map, deleted ones too); IPs whose home
 * cannot host them go to the least-loaded node that can. No failback step:
 * the modulo placement already moves IPs home.
 *
 * Non-deterministic: keep current owners that may still host; place the
 * rest on least-loaded nodes; then (unless NoIPFailback) while some IP's
 * possible hosts differ in coverage by more than one, move the first IP of
 * the most-loaded such node to the least-loaded node, at most
 * number-of-IPs + 5 times.
 */
#include "takeover/ipalloc_state.h"

namespace ctdb::takeover::detail {

void runDeterministic(State& s, bool no_ip_failback) {
  s.diag(log::Level::Notice, "Deterministic IPs enabled. Resetting all ip allocations");
  const uint32_t nn = s.numNodes();
  for (size_t i = 0; i < s.numIps(); i++) s.assign(i, static_cast<int32_t>(i % nn));
  if (no_ip_failback)
    s.diag(log::Level::Warning,
           "WARNING: 'NoIPFailback' set but ignored - incompatible with 'Deterministic IPs");
  s.unassignUnsuitable();
  s.basicAllocateUnassigned();
}

namespace {

void basicFailback(State& s) {
  const uint32_t nn = s.numNodes();
  const size_t limit = s.numIps() + 5;
  size_t retries = 0;
again:
  for (size_t i = 0; i < s.numIps(); i++) {
    if (s.owner(i) == kNoPnn) continue;
    int32_t maxnode = kNoPnn, minnode = kNoPnn;
    size_t maxnum = 0, minnum = 0;
    for (uint32_t n = 0; n < nn; n++) {
      if (!s.canTakeover(n, i)) continue;
      size_t num = s.coverage(n);
      if (maxnode == kNoPnn || num > maxnum) {
        maxnode = static_cast<int32_t>(n);
        maxnum = num;
      }
      if (minnode == kNoPnn || num < minnum) {
        minnode = static_cast<int32_t>(n);
        minnum = num;
      }
    }
    if (maxnode == kNoPnn) {
      s.diag(log::Level::Warning, "Could not find maxnode. May not be able to serve ip '" +
                                      s.ip(i).addr.toString() + "'");
      continue;
    }
    if (maxnum > minnum + 1 && retries < limit) {
      /* maxnum >= 2, so the node holds at least one IP. */
      const uint32_t first = s.held(static_cast<uint32_t>(maxnode)).front();
      (void)s.findTakeoverNode(first);
      retries++;
      goto again;
    }
  }
}

}  // namespace

void runNonDeterministic(State& s, bool no_ip_failback) {
  s.unassignUnsuitable();
  s.basicAllocateUnassigned();
  if (no_ip_failback) return;
  basicFailback(s);
}

}  // namespace ctdb::takeover::detail
