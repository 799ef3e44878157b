/*
 * TakeoverRun: one takeover run, built like CTDB 4.17's ctdb_takeover_helper
 * (reference ctdb-protocol.md §7.20, ctdb-ip-subsystem.md §5.6): a CLIENT of
 * ctdbd that speaks only controls over a client::Connection, so it runs
 * unchanged against our daemon's own socket on the daemon's loop (one-node)
 * or, later, with the leader's node transport forwarding controls to peers.
 *
 * Steps (each waits for all its controls, sent in parallel):
 *   0. GET_ALL_TUNABLES (local, unless !options.fetch_tunables): the
 *      leader's IPAllocAlgorithm, NoIPFailback, NoIPTakeover (cluster-wide,
 *      4.17), TakeoverTimeout, EnableBans and DisableIPFailover replace the
 *      option fields, as 4.17's helper reads them; so `ctdb setvar` on the
 *      leader takes effect at the next run.
 *   1. GET_NODEMAP (local): connected = not DISCONNECTED, active = not
 *      INACTIVE.
 *   2. GET_PUBLIC_IPS to every connected node (known), then with
 *      ONLY_AVAILABLE to every active node that knows >= 1 IP (available).
 *   3. allocation: takeover::allocate() (ipalloc.h) — the one piece a
 *      cluster version changes only through its inputs. If no node can host
 *      anything, skip to 6. LCP2 sums are 64-bit here (not CTDB's wrapping
 *      32-bit) unless options.exact_ctdb_arithmetic.
 *   4. RELEASE_IP {new owner or -1} to every connected node that knows the IP
 *      and is not its new owner.
 *   5. TAKEOVER_IP {owner} to the owner of every IP with one.
 *   6. IPREALLOCATED to every connected node.
 * With options.disable_ip_failover (DisableIPFailover, 4.17's
 * CTDB_DISABLE_IP_FAILOVER) steps 2-5 are skipped: only IPREALLOCATED.
 * Any failed control (status != 0 or transport error) makes the run fail
 * after its phase (the phase's other controls still complete); the error
 * names the control, the node and the IP. Timeouts: steps 1-2 use
 * options.timeout per control (TakeoverTimeout); steps 4-6 share ONE
 * deadline of 3 x options.timeout starting after the allocation (CTDB
 * c40fc62642f/18334fd2147): each control gets the time left.
 * Culprit: every failed control counts one failure against its destination
 * node; when the run fails and options.enable_bans is set, the node with
 * the most failures (lowest PNN on ties) is reported (u32 PNN) in
 * a BANNING message (srvid 0xF002000000000000) to the run's own node
 * (destnode CURRENT_NODE), as
 * 4.17's helper does; the leader's Banning turns that into ban credits.
 * The error message of a failed run names the culprit ("culprit node N").
 *
 * Completion is delivered through util/async.h (a later loop iteration).
 * Destroying the returned PendingOp abandons the run (outstanding controls
 * are cancelled; replies are then dropped by the Connection). The
 * Connection must outlive the run.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "client/connection.h"
#include "ctdb/result.h"
#include "takeover/ipalloc.h"
#include "util/async.h"
#include "util/event_loop.h"

namespace ctdb::takeover {

struct TakeoverRunOptions {
  Algorithm algorithm = Algorithm::Lcp2;
  bool no_ip_failback = false;
  bool no_ip_takeover = false;
  std::vector<uint32_t> force_rebalance;
  bool disable_ip_failover = false;
  bool fetch_tunables = true;
  bool enable_bans = true;
  /* Per control for steps 1-2; steps 4-6 share 3 x timeout. */
  std::chrono::milliseconds timeout{9000};
  /* LCP2 with CTDB 4.17's wrapping 32-bit imbalance sums (true) or 64-bit
   * ones (false, the default: ~780+ IPs of one /16 on a node no longer stop
   * the rebalancing early; doc/ipalloc.md "Where the daemon differs"). */
  bool exact_ctdb_arithmetic = false;
  /* Lost nodes still inside their fence time (doc/cluster.md "Quorum and
   * fencing"): an IP that any node's view says one of them holds is left
   * out of this run (neither released nor taken over), so it is never
   * hosted elsewhere while the lost node may still have it. */
  std::vector<uint32_t> held_nodes;
};


/* What the run did, for logs and tests. */
struct TakeoverRunReport {
  size_t held_ips = 0;  // left out: owned by a node in held_nodes
  size_t known_ips = 0;
  size_t releases_sent = 0;
  size_t takeovers_sent = 0;
  size_t ipreallocated_sent = 0;
};

PendingOp startTakeoverRun(EventLoop& loop, client::Connection& conn, TakeoverRunOptions options,
                           std::function<void(Result<TakeoverRunReport>)> done);

}  // namespace ctdb::takeover
