/*
 * LinkWatcher: the daemon's live view of the kernel's links and addresses,
 * fed by rtnetlink multicast notifications (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
 * RTNLGRP_IPV6_IFADDR) — no polling.
 *
 * Design (doc/netlink.md): one non-blocking notification socket, subscribed
 * BEFORE the initial dump, plus the dump socket of an owned AddressOps. The
 * initial dump fills the link table and the AddressCache; afterwards only
 * notifications change them. Lookups (findAddress, link) are O(1)/O(#links)
 * and never touch the kernel.
 *
 * Event-loop wiring (independent of tevent): watch fd() for readability and
 * call process(). process() reads at most kMaxDatagramsPerProcess datagrams
 * without blocking and returns; if more are queued the fd stays readable and
 * the loop calls it again, so a burst of 2048 address events cannot starve
 * the loop.
 *
 * Overflow: when the kernel drops notifications (recv -> ENOBUFS) the cache
 * can no longer be trusted. process() then discards what is still queued,
 * re-dumps links and addresses, reports every difference through the normal
 * callbacks, and finally calls on_resync. If that dump fails, process()
 * returns the error, isResyncNeeded() stays true, and the caller should call
 * resync() again later (e.g. from a timer).
 *
 * Callbacks fire synchronously inside process()/resync(), in kernel order,
 * after the watcher's own state has been updated (so findAddress() inside a
 * callback already sees the change). A callback must not destroy the
 * watcher. Nothing fires inside create(): read the initial state with the
 * accessors. Not thread-safe.
 */
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ctdb/c_handles.h"
#include "ctdb/result.h"
#include "net/address_cache.h"
#include "net/address_ops.h"
#include "net/types.h"
#include "util/ip_address.h"

namespace ctdb::net {

struct WatcherCallbacks {
  /* A link appeared, or its name/up/running/carrier changed. */
  std::function<void(const LinkInfo&)> on_link_change;
  /* A link was deleted (its addresses are reported removed first). */
  std::function<void(const LinkInfo&)> on_link_removed;
  /* An address was added, removed, or its flags changed (e.g. IPv6 DAD
   * finished: Updated with is_tentative=false). */
  std::function<void(const AddressEvent&)> on_address_change;
  /* A full resync after an overflow finished (differences already reported). */
  std::function<void()> on_resync;
};

class LinkWatcher {
 public:
  static constexpr size_t kMaxDatagramsPerProcess = 1024;

  static Result<std::unique_ptr<LinkWatcher>> create(WatcherCallbacks callbacks);

  /* Readable when notifications are queued. Owned by the watcher. */
  int fd() const;

  /* Drains up to kMaxDatagramsPerProcess notifications; never blocks. */
  Status process();

  /* Forces a full re-dump (also used after overflow). */
  Status resync();
  bool isResyncNeeded() const { return is_resync_needed_; }

  /* The interface holding ip according to the cache (lowest ifindex if
   * several), or nullopt. O(1). */
  std::optional<InterfaceAddress> findAddress(const IpAddress& ip) const;
  const AddressCache& addresses() const { return cache_; }

  std::optional<LinkInfo> link(const std::string& name) const;
  std::vector<LinkInfo> links() const;

  /* Counters for logs and tests. */
  size_t notificationsSeen() const { return notifications_seen_; }
  size_t overflowsSeen() const { return overflows_seen_; }

 private:
  LinkWatcher(NlSockPtr sock, std::unique_ptr<AddressOps> ops, WatcherCallbacks cb);
  Status fill(bool report);
  void handleDatagram(const uint8_t* data, size_t len);
  void handleLink(const LinkInfo& info, bool is_delete);
  void handleAddress(InterfaceAddress addr, bool is_delete);
  void report(const AddressEvent& ev);
  void discardQueued();

  WatcherCallbacks cb_;
  std::unique_ptr<AddressOps> ops_;
  std::unordered_map<int, LinkInfo> links_;  // by ifindex
  AddressCache cache_;
  std::vector<uint8_t> buf_;
  bool is_resync_needed_ = false;
  size_t notifications_seen_ = 0;
  size_t overflows_seen_ = 0;
  NlSockPtr sock_;  // last: closed first
};

}  // namespace ctdb::net
