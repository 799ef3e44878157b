/*
 * AddressCache: this process's copy of the kernel's address table, so that
 * "is IP X on a local interface, and on which?" is an O(1) hash lookup
 * instead of a netlink dump per IP (the daemon holds 2048+ public IPs).
 *
 * Fed by exactly two things (see LinkWatcher): one full dump (replaceAll)
 * and then the kernel's RTM_NEWADDR/RTM_DELADDR notifications (apply). The
 * cache never guesses: an address enters it only when the kernel reports it,
 * and leaves it only when the kernel reports its removal (or a resync dump no
 * longer shows it). The kernel decides what is true.
 *
 * Identity of an entry = (address, ifindex, prefix length), as in the kernel:
 * the same IPv4 address may legally sit on two interfaces. find() returns the
 * lowest-ifindex holder. Not thread-safe (single-threaded daemon).
 */
#pragma once

#include <cstddef>
#include <optional>
#include <unordered_map>
#include <vector>

#include "net/types.h"
#include "util/ip_address.h"

namespace ctdb::net {

struct AddressEvent {
  AddressChange change;
  InterfaceAddress addr;  // for Removed: the entry as it was
};

class AddressCache {
 public:
  /* Applies one kernel report. Returns the resulting change, or nullopt when
   * the cache already matched (duplicate NEWADDR, DELADDR of an unknown). */
  std::optional<AddressEvent> apply(const InterfaceAddress& addr, bool is_delete);

  /* Replaces the whole content with a dump; returns the differences. */
  std::vector<AddressEvent> replaceAll(const std::vector<InterfaceAddress>& dump);

  /* Drops every entry of a vanished interface; returns them as Removed. */
  std::vector<AddressEvent> removeInterface(int ifindex);

  /* Renames the entries of ifindex (RTM_NEWLINK with a new name). */
  void renameInterface(int ifindex, const std::string& name);

  /* O(1) average. nullptr when no local interface holds the address. */
  const InterfaceAddress* find(const IpAddress& ip) const;
  /* Every interface holding ip (usually 0 or 1 entries). */
  std::vector<InterfaceAddress> findAll(const IpAddress& ip) const;

  std::vector<InterfaceAddress> snapshot() const;
  size_t size() const { return count_; }

 private:
  std::unordered_map<IpAddress, std::vector<InterfaceAddress>, IpAddressHash> by_ip_;
  size_t count_ = 0;
};

}  // namespace ctdb::net
