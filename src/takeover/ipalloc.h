/*
 * ipalloc: CTDB's public-IP allocation ("which node hosts which public IP
 * after this takeover run") as a pure computation.
 *
 * What it owns: the calculation step of a takeover run, nothing else. No
 * I/O, no logging, no clock: the caller (the leader's takeover run, or the
 * ctdb_ipalloc test program) collects the data, calls allocate(), and acts
 * on the answer (RELEASE_IP / TAKEOVER_IP / IPREALLOCATED are not done here).
 * Diagnostics CTDB would log are returned in AllocResult::diagnostics so the
 * caller can log them at their level.
 *
 * Inputs, as the leader collects them over the protocol:
 *   - one NodeInput per node of the node map, indexed by PNN (deleted nodes
 *     included, with their flags), carrying
 *       known      = the node's GET_PUBLIC_IPS answer (addr + the PNN the
 *                    node believes hosts it),
 *       available  = the node's GET_PUBLIC_IPS answer with the "available
 *                    only" flag (addresses only),
 *       flags      = CTDB node flags (NodeFlag below),
 *       runstate   = the node's runstate (default Running),
 *       noIpTakeover / noIpHostOnAllDisabled = that node's tunables;
 *   - the algorithm, NoIPFailback, and the force-rebalance PNN list.
 *
 * How CTDB's rules are applied (see doc/ipalloc.md for the algorithms):
 *   - A node may host an IP only if the address is in its available list,
 *     its runstate is Running, and it is not excluded by its flags: an
 *     INACTIVE node (deleted/disconnected/banned/stopped) never hosts; a
 *     DISABLED node (unhealthy/administratively disabled) does not host while
 *     any node is neither inactive nor disabled; when *every* node is
 *     inactive or disabled, a disabled node hosts unless its
 *     noIpHostOnAllDisabled is set (CTDB 4.5's rule; with the default true
 *     this is exactly CTDB 4.17, where disabled nodes never host).
 *   - A node with noIpTakeover may keep what it has but gains nothing. CTDB
 *     4.17 uses one cluster-wide value (the leader's); pass the same value
 *     for every node to get that. CTDB 4.5 used each node's own value.
 *   - Current owners come from merging the known lists: a node's claim
 *     counts only for itself (known[i].pnn == its own PNN), and for an
 *     address claimed by several nodes the highest PNN wins.
 *
 * Output order: AllocResult::ips is CTDB's merged list order, i.e.
 * descending by the 128-bit address key (IPv4 a.b.c.d = 0:0:0:a.b.c.d, so
 * all IPv6 addresses outside ::/96 come before IPv4 ones). This is the order
 * CTDB's test driver prints and the order ties are broken in.
 *
 * Determinism: the result depends only on the input (no randomness, no
 * hashing order); equal inputs give equal outputs, identical to CTDB 4.17's
 * ipalloc() for the same inputs (checked against CTDB's own driver) while
 * AllocInput::exactCtdbArithmetic is set (the default). Cleared, LCP2 uses
 * 64-bit sums and differs from CTDB only where CTDB's 32-bit sums wrap.
 *
 * Threading: allocate() is reentrant; it shares no state.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctdb/result.h"
#include "protocol/constants.h"
#include "util/ip_address.h"
#include "util/logging.h"

namespace ctdb::takeover {

/* IPAllocAlgorithm tunable values (CTDB 4.17). */
enum class Algorithm : int { Deterministic = 0, NonDeterministic = 1, Lcp2 = 2 };

/* "det", "nondet", "lcp2" (the names of CTDB_IP_ALGORITHM). */
const char* toString(Algorithm a);
/* Accepts "det"/"nondet"/"lcp2" and "deterministic"/"nondeterministic". */
Result<Algorithm> algorithmFromString(std::string_view text);
/* The tunable IPAllocAlgorithm: 0/1/2, any other value means LCP2 (4.17). */
Algorithm algorithmFromTunable(uint32_t value);

/* CTDB node flags: the one definition is protocol::NodeFlags (the wire's
 * NODE_FLAGS_* bits); NodeFlag is its name here. */
namespace NodeFlag = ::ctdb::protocol::NodeFlags;

/* CTDB runstates (same numbers as enum ctdb_runstate). */
enum class RunState : uint32_t {
  Unknown = 0, Init = 1, Setup = 2, FirstRecovery = 3, Startup = 4,
  Running = 5, Shutdown = 6,
};

/* The PNN value meaning "no node" (CTDB_UNKNOWN_PNN printed as %d). */
constexpr int32_t kNoPnn = -1;

/* One entry of a node's known list: an address and who the node believes
 * hosts it (kNoPnn if nobody). */
struct KnownIp {
  IpAddress addr;
  int32_t pnn = kNoPnn;
};

struct NodeInput {
  uint32_t flags = 0;
  /* Raw runstate number; only Running (5) may host. */
  uint32_t runstate = static_cast<uint32_t>(RunState::Running);
  std::vector<KnownIp> known;
  std::vector<IpAddress> available;
  bool noIpTakeover = false;
  bool noIpHostOnAllDisabled = true;
};

struct AllocInput {
  Algorithm algorithm = Algorithm::Lcp2;
  /* NoIPFailback: no rebalancing onto other nodes after allocating the
   * unassigned IPs (LCP2, non-deterministic; ignored by deterministic). */
  bool noIpFailback = false;
  /* Index = PNN. */
  std::vector<NodeInput> nodes;
  /* PNNs the leader was asked to rebalance onto (LCP2 only; duplicates and
   * out-of-range PNNs allowed, the latter are reported and ignored). */
  std::vector<uint32_t> forceRebalance;
  /* LCP2's imbalance sums. true (default, ctdb_ipalloc): unsigned 32-bit and
   * wrapping, as CTDB 4.17 (bit-for-bit its answers; with ~780+ addresses of
   * one /16 on a node the sums wrap and failback stops early). false (the
   * daemon's takeover run): 64-bit, no wrap, so such clusters balance. Both
   * give the same answer whenever no 32-bit sum wraps. */
  bool exactCtdbArithmetic = true;
};

struct IpAssignment {
  IpAddress addr;
  int32_t pnn = kNoPnn;           // new owner, kNoPnn = nobody can host it
  std::vector<bool> knownOn;      // [pnn]: address is in that node's known list
  std::vector<bool> availableOn;  // [pnn]: that node may host it (all rules applied)
};

struct Diagnostic {
  log::Level level;
  std::string text;  // one line, no newline, CTDB's wording
};

struct AllocResult {
  std::vector<IpAssignment> ips;  // merged-list order (see header comment)
  std::vector<Diagnostic> diagnostics;
};

/* Runs the allocation. Errors only for malformed input (an Algorithm value
 * outside the enum); an empty node list or no addresses gives no IPs. */
Result<AllocResult> allocate(const AllocInput& input);

/* CTDB's "can the cluster host IPs" check made before allocating: true if a
 * node claims to host one of its own known addresses, or (when any address
 * is known) some node may host some address. False → skip to IPREALLOCATED
 * ("No nodes available to host public IPs yet"). */
bool canHostIps(const AllocInput& input);

}  // namespace ctdb::takeover
