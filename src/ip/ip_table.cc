#include "ip/ip_table.h"

#include <algorithm>
#include <cerrno>

namespace ctdb::server {

const char* toString(IpState s) {
  switch (s) {
    case IpState::Unassigned: return "Unassigned";
    case IpState::Taking: return "Taking";
    case IpState::Held: return "Held";
    case IpState::Updating: return "Updating";
    case IpState::Releasing: return "Releasing";
  }
  return "?";
}

IfaceEntry& IfaceTable::getOrCreate(const std::string& name) {
  if (auto it = by_name_.find(name); it != by_name_.end()) return *it->second;
  order_.push_front(IfaceEntry{name, true, 0, 0});
  by_name_.emplace(name, order_.begin());
  return order_.front();
}

IfaceEntry* IfaceTable::find(std::string_view name) {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &*it->second;
}

const IfaceEntry* IfaceTable::find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &*it->second;
}

void IfaceTable::remove(const std::string& name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return;
  order_.erase(it->second);
  by_name_.erase(it);
}

std::vector<IfaceEntry> IfaceTable::list() const { return {order_.begin(), order_.end()}; }

Status IpTable::add(const IpPrefix& prefix, const std::vector<std::string>& ifaces) {
  if (ifaces.empty()) return makeError("public IP " + prefix.toString() + " has no interface");
  if (by_addr_.contains(prefix.addr))
    return errnoError(EEXIST, "public IP " + prefix.addr.toString() + " already exists");
  PublicIpEntry e;
  e.prefix = prefix;
  e.ifaces = ifaces;
  for (const auto& name : ifaces) ifaces_.getOrCreate(name).users++;
  order_.push_front(std::move(e));
  by_addr_.emplace(prefix.addr, order_.begin());
  return {};
}

Status IpTable::remove(const IpAddress& addr) {
  auto it = by_addr_.find(addr);
  if (it == by_addr_.end())
    return errnoError(ENOENT, "public IP " + addr.toString() + " is not known");
  PublicIpEntry& e = *it->second;
  unassign(e);
  for (const auto& name : e.ifaces) {
    IfaceEntry* ife = ifaces_.find(name);
    if (ife && --ife->users == 0) ifaces_.remove(name);
  }
  order_.erase(it->second);
  by_addr_.erase(it);
  return {};
}

PublicIpEntry* IpTable::find(const IpAddress& addr) {
  auto it = by_addr_.find(addr);
  return it == by_addr_.end() ? nullptr : &*it->second;
}

const PublicIpEntry* IpTable::find(const IpAddress& addr) const {
  auto it = by_addr_.find(addr);
  return it == by_addr_.end() ? nullptr : &*it->second;
}

std::optional<std::string> IpTable::bestIface(const PublicIpEntry& ip) const {
  const IfaceEntry* best = nullptr;
  for (const auto& name : ip.ifaces) {
    const IfaceEntry* ife = ifaces_.find(name);
    if (!ife || !ife->link_up) continue;
    if (!best || ife->references < best->references) best = ife;
  }
  if (!best) return std::nullopt;
  return best->name;
}

void IpTable::assign(PublicIpEntry& ip, const std::string& iface) {
  if (ip.iface && *ip.iface == iface) {
    ip.pnn = own_pnn_;
    return;
  }
  if (ip.iface) {
    if (IfaceEntry* old = ifaces_.find(*ip.iface); old && old->references > 0) old->references--;
  }
  ifaces_.getOrCreate(iface).references++;
  ip.iface = iface;
  ip.pnn = own_pnn_;
}

void IpTable::unassign(PublicIpEntry& ip) {
  if (ip.iface) {
    if (IfaceEntry* old = ifaces_.find(*ip.iface); old && old->references > 0) old->references--;
    ip.iface.reset();
  }
  if (ip.pnn == own_pnn_) ip.pnn = protocol::kUnknownPnn;
  ip.state = IpState::Unassigned;
}

bool IpTable::hasUsableIface(const PublicIpEntry& ip) const {
  if (ip.isDeletePending()) return false;
  if (ip.iface) {
    const IfaceEntry* cur = ifaces_.find(*ip.iface);
    if (cur && cur->link_up) return true;
  }
  return bestIface(ip).has_value();
}

std::vector<const PublicIpEntry*> IpTable::list() const {
  std::vector<const PublicIpEntry*> out;
  out.reserve(order_.size());
  for (const auto& e : order_) out.push_back(&e);
  return out;
}

std::vector<PublicIpEntry*> IpTable::listMutable() {
  std::vector<PublicIpEntry*> out;
  out.reserve(order_.size());
  for (auto& e : order_) out.push_back(&e);
  return out;
}

std::string IpTable::checkInvariants() const {
  if (order_.size() != by_addr_.size()) return "index and list sizes differ";
  std::unordered_map<std::string, uint32_t> refs, users;
  for (const auto& e : order_) {
    auto it = by_addr_.find(e.addr());
    if (it == by_addr_.end() || &*it->second != &e) return "IP " + e.addr().toString() + " not indexed";
    if (!e.iface && e.state != IpState::Unassigned && e.state != IpState::Releasing)
      return "IP " + e.addr().toString() + " in state " + toString(e.state) + " without iface";
    if (e.iface && e.state == IpState::Unassigned)
      return "IP " + e.addr().toString() + " Unassigned with iface " + *e.iface;
    if (e.iface) refs[*e.iface]++;
    for (const auto& n : e.ifaces) {
      if (!ifaces_.find(n)) return "iface " + n + " of " + e.addr().toString() + " missing";
      users[n]++;
    }
  }
  for (const auto& ife : ifaces_.list()) {
    if (ife.references != refs[ife.name])
      return "iface " + ife.name + " references " + std::to_string(ife.references) +
             " != " + std::to_string(refs[ife.name]);
    if (ife.users != users[ife.name]) return "iface " + ife.name + " user count wrong";
  }
  return {};
}

const char* toString(IpMembership m) {
  switch (m) {
    case IpMembership::Configured: return "configured";
    case IpMembership::DeletePending: return "delete-pending";
  }
  return "?";
}

bool IpTable::markDeletePending(PublicIpEntry& ip) {
  if (ip.membership != IpMembership::Configured) return false;
  ip.membership = IpMembership::DeletePending;
  return true;
}

bool IpTable::cancelDeletion(PublicIpEntry& ip) {
  if (ip.membership != IpMembership::DeletePending) return false;
  ip.membership = IpMembership::Configured;
  return true;
}

}  // namespace ctdb::server
