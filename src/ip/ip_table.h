/*
 * IfaceTable and IpTable: this node's public-IP data model (CTDB's
 * ctdb_interface list and ctdb_vnn list, reference ctdb-ip-subsystem.md §2)
 * as pure logic: no I/O, no event loop, no clock. IpCore (ip_core.h) drives
 * them; unit tests drive every transition directly.
 *
 * Interfaces: {name, link_up, references}. link_up starts true when an
 * interface object is created (first IP naming it) and is changed only by
 * setLinkUp() (SET_IFACE_LINK_STATE or a kernel link notification).
 * references == number of IPs whose current interface is this one.
 * Interfaces are listed newest first (GET_IFACES order) and are removed only
 * by the orphan sweep when an IP is deleted and no remaining IP names them.
 *
 * Public IPs: {prefix (address + mask), allowed ifaces in file order,
 * current iface (or none), pnn = this node's belief of the owner (or
 * kUnknownPnn), state, membership}. Listed newest first (an added IP
 * goes to the front), which is GET_PUBLIC_IPS order as captured from 4.17.
 *
 * State enum (instead of CTDB's iface/update_in_flight flag soup):
 *   Unassigned  no current iface; no action running.
 *   Held        current iface set (references counted); pnn == own PNN.
 *   Taking      takeip running on the current iface.
 *   Updating    updateip running; current iface is already the new one.
 *   Releasing   releaseip running; current iface (if any) still counted.
 * isBusy() == Taking/Updating/Releasing: at most one action per IP is ever in
 * flight; callers refuse a second one (CTDB's update_in_flight → -1).
 *
 * Membership enum (CTDB's vnn->delete_pending), whether the IP is still in
 * the configuration. It is a second enum, not more IpStates, because it is
 * independent of the action state: a DEL_PUBLIC_IP can arrive in any of the
 * five states, and folding it in would double them.
 *   Configured     listed in the configuration.
 *   DeletePending  deleted while this node hosted it (or was taking or
 *                  releasing it): it stays until released, then goes.
 * Transitions: markDeletePending() Configured->DeletePending (DEL_PUBLIC_IP
 * of a hosted IP); cancelDeletion() DeletePending->Configured (the same IP
 * re-added before its release). A DeletePending IP is never offered for
 * hosting (hasUsableIface).
 *
 * Invariants (checkInvariants() verifies them, tests call it):
 *   - Unassigned <=> current iface empty, except Releasing which may have
 *     either;
 *   - Σ references over interfaces == number of IPs with a current iface;
 *   - every allowed iface name of every IP exists in the IfaceTable;
 *   - the address index and the ordered list hold the same IPs.
 *
 * Complexity: lookups by address or interface name are O(1) average (hash
 * maps); add/remove are O(1) plus O(#ifaces of the IP) (orphan sweep uses a
 * per-interface count of IPs naming it, no scan). 2048+ IPs never cost
 * O(N^2). Single-threaded.
 */
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ctdb/result.h"
#include "protocol/constants.h"
#include "util/ip_address.h"

namespace ctdb::server {

struct IfaceEntry {
  std::string name;
  bool link_up = true;
  uint32_t references = 0;  // IPs currently assigned here
  uint32_t users = 0;       // IPs listing this iface as allowed (orphan sweep)
};

class IfaceTable {
 public:
  /* Returns the existing entry or creates one (link up, 0 references) at
   * the front. */
  IfaceEntry& getOrCreate(const std::string& name);
  IfaceEntry* find(std::string_view name);
  const IfaceEntry* find(std::string_view name) const;
  /* Removes an entry (orphan sweep); no-op if unknown. */
  void remove(const std::string& name);
  /* Newest first. */
  std::vector<IfaceEntry> list() const;
  size_t size() const { return by_name_.size(); }

 private:
  std::list<IfaceEntry> order_;  // newest first
  std::unordered_map<std::string, std::list<IfaceEntry>::iterator> by_name_;
};

enum class IpState { Unassigned, Taking, Held, Updating, Releasing };
const char* toString(IpState s);

enum class IpMembership { Configured, DeletePending };
const char* toString(IpMembership m);

struct PublicIpEntry {
  IpPrefix prefix;
  std::vector<std::string> ifaces;  // allowed, file order
  std::optional<std::string> iface; // current iface on this node
  uint32_t pnn = protocol::kUnknownPnn;
  IpState state = IpState::Unassigned;
  IpMembership membership = IpMembership::Configured;  // see the header

  const IpAddress& addr() const { return prefix.addr; }
  bool isDeletePending() const { return membership == IpMembership::DeletePending; }
  bool isBusy() const {
    return state == IpState::Taking || state == IpState::Updating ||
           state == IpState::Releasing;
  }
};

class IpTable {
 public:
  explicit IpTable(uint32_t own_pnn) : own_pnn_(own_pnn) {}

  /* Adds an IP at the front. EEXIST if the address is known; EINVAL if the
   * iface list is empty. Creates missing interface objects. */
  Status add(const IpPrefix& prefix, const std::vector<std::string>& ifaces);
  /* Removes an IP (unassigning it first) and sweeps interfaces no remaining
   * IP names. ENOENT if unknown. */
  Status remove(const IpAddress& addr);

  PublicIpEntry* find(const IpAddress& addr);
  const PublicIpEntry* find(const IpAddress& addr) const;

  /* CTDB §2.3: first allowed iface that exists with link up; a later one
   * wins only with strictly fewer references. nullopt if none. */
  std::optional<std::string> bestIface(const PublicIpEntry& ip) const;

  /* Sets the current iface (must be one of ip's allowed ifaces), moving the
   * reference count from the old one, and pnn = own PNN. */
  void assign(PublicIpEntry& ip, const std::string& iface);
  /* Clears the current iface (dropping its reference); pnn -> unknown if it
   * was own PNN. State -> Unassigned. */
  void unassign(PublicIpEntry& ip);

  /* Membership transitions (header). Each returns false, changing nothing,
   * when the IP is not in the state the transition starts from. */
  bool markDeletePending(PublicIpEntry& ip);
  bool cancelDeletion(PublicIpEntry& ip);

  /* §2.3 rules 3-4 (rules 1-2, runstate and node flags, are the caller's):
   * not delete-pending, and the current iface is up or any allowed existing
   * iface is up. */
  bool hasUsableIface(const PublicIpEntry& ip) const;

  /* Newest first. Pointers stay valid until the IP is removed. */
  std::vector<const PublicIpEntry*> list() const;
  std::vector<PublicIpEntry*> listMutable();
  size_t size() const { return by_addr_.size(); }

  IfaceTable& ifaces() { return ifaces_; }
  const IfaceTable& ifaces() const { return ifaces_; }
  uint32_t ownPnn() const { return own_pnn_; }

  /* Empty string if all invariants (see header) hold, else what broke. */
  std::string checkInvariants() const;

 private:
  uint32_t own_pnn_;
  IfaceTable ifaces_;
  std::list<PublicIpEntry> order_;  // newest first
  std::unordered_map<IpAddress, std::list<PublicIpEntry>::iterator, IpAddressHash> by_addr_;
};

}  // namespace ctdb::server
