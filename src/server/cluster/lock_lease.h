/*
 * LockLease: does the cluster lock this node holds still count for the
 * quorum's exactly-half rule? (doc/cluster.md "Quorum and fencing").
 *
 * A lock that is a lease (ctdb_etcd_lock: the key has a TTL, the helper
 * refreshes it and writes '0' again after each refresh) can run out while
 * the holder, cut off from etcd, has not been told: its helper is stuck in
 * connection time-outs. Such a lock counts only while its last '0' is less
 * than FenceTimeout old, exactly as a peer counts only while heard within
 * FenceTimeout; the other half cannot use the lock before the lease's TTL
 * and its own fence hold have passed.
 *
 * Kinds, per holding (a new holding starts Unknown):
 *   File      the in-process fcntl lock: held until lost, always counts.
 *   Renewing  a helper that has written '0' twice or more: a lease.
 *   OneShot   a helper that held the lock for 2 x FenceTimeout, with more
 *             than half of the nodes reachable throughout, without writing
 *             '0' again (reachable lags a split by up to FenceTimeout, so
 *             this proves FenceTimeout of connectivity without a renewal)
 *             (ctdb_mutex_fcntl_helper): held until lost, always counts.
 *   Unknown   a helper not yet classified: counts only within FenceTimeout
 *             of the first '0', as a lease whose first renewal is due. A
 *             one-shot helper's half split off within FenceTimeout of the
 *             take therefore fences as well: safe, and rare.
 * Transitions: Unknown -> Renewing (second '0'), Unknown -> OneShot (see
 * above); any kind -> Unknown on a new holding. Pure logic, no I/O but a
 * log line per classification. Single-threaded.
 */
#pragma once

#include <chrono>
#include <optional>

#include "server/cluster/cluster_lock.h"

namespace ctdb::server {

class LockLease {
 public:
  enum class Kind { Unknown, File, Renewing, OneShot };
  using Clock = std::chrono::steady_clock;

  /* h: the lock's current holding; majority: more than half of the nodes
   * reachable now (quorate without the lock). */
  bool counts(const ClusterLock::Holding& h, bool majority, Clock::time_point now,
              std::chrono::milliseconds fence_timeout);
  Kind kind() const { return kind_; }

 private:
  Kind kind_ = Kind::Unknown;
  Clock::time_point since_{};
  std::optional<Clock::time_point> majority_since_;
};

const char* toString(LockLease::Kind k);

}  // namespace ctdb::server
