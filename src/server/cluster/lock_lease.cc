#include "server/cluster/lock_lease.h"

#include <algorithm>

#include "util/logging.h"

namespace ctdb::server {

const char* toString(LockLease::Kind k) {
  switch (k) {
    case LockLease::Kind::Unknown: return "unknown";
    case LockLease::Kind::File: return "file";
    case LockLease::Kind::Renewing: return "renewed lease";
    case LockLease::Kind::OneShot: return "held until lost";
  }
  return "?";
}

bool LockLease::counts(const ClusterLock::Holding& h, bool majority, Clock::time_point now,
                       std::chrono::milliseconds fence_timeout) {
  if (!h.held) {
    kind_ = Kind::Unknown;
    majority_since_.reset();
    return false;
  }
  if (kind_ == Kind::Unknown || h.since != since_) {
    if (h.since != since_) {
      since_ = h.since;
      kind_ = Kind::Unknown;
      majority_since_.reset();
    }
    if (!h.may_renew) kind_ = Kind::File;
  }
  if (kind_ == Kind::Unknown || kind_ == Kind::OneShot) {
    if (h.renewals > 0) {
      kind_ = Kind::Renewing;
      D_INFO("cluster lock: the helper renews it (a lease): it counts for quorum only while "
             "renewed within FenceTimeout\n");
    }
  }
  if (kind_ == Kind::Unknown) {
    if (!majority) {
      majority_since_.reset();
    } else if (!majority_since_) {
      majority_since_ = now;
    }
    // A peer counts as reachable for FenceTimeout after its last packet, so
    // "majority" proves connectivity only up to FenceTimeout ago: one-shot
    // after 2 x FenceTimeout, i.e. FenceTimeout connected without a renewal.
    if (majority_since_ && now - std::max(*majority_since_, since_) >= 2 * fence_timeout) {
      kind_ = Kind::OneShot;
      D_INFO("cluster lock: the helper did not renew it within FenceTimeout: held until lost\n");
    }
  }
  switch (kind_) {
    case Kind::File:
    case Kind::OneShot: return true;
    case Kind::Renewing: return now - h.last_confirmed < fence_timeout;
    case Kind::Unknown: return now - since_ < fence_timeout;
  }
  return false;
}

}  // namespace ctdb::server
