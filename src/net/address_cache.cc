#include "net/address_cache.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace ctdb::net {

namespace {

bool sameSlot(const InterfaceAddress& a, const InterfaceAddress& b) {
  return a.ifindex == b.ifindex && a.prefix.prefix == b.prefix.prefix;
}

}  // namespace

std::optional<AddressEvent> AddressCache::apply(const InterfaceAddress& addr, bool is_delete) {
  auto it = by_ip_.find(addr.prefix.addr);
  if (is_delete) {
    if (it == by_ip_.end()) return std::nullopt;
    auto& vec = it->second;
    auto pos = std::find_if(vec.begin(), vec.end(),
                            [&](const InterfaceAddress& e) { return sameSlot(e, addr); });
    if (pos == vec.end()) return std::nullopt;
    AddressEvent ev{AddressChange::Removed, *pos};
    vec.erase(pos);
    --count_;
    if (vec.empty()) by_ip_.erase(it);
    return ev;
  }
  auto& vec = by_ip_[addr.prefix.addr];
  auto pos = std::find_if(vec.begin(), vec.end(),
                          [&](const InterfaceAddress& e) { return sameSlot(e, addr); });
  if (pos == vec.end()) {
    auto ins = std::upper_bound(vec.begin(), vec.end(), addr.ifindex,
                                [](int idx, const InterfaceAddress& e) { return idx < e.ifindex; });
    vec.insert(ins, addr);
    ++count_;
    return AddressEvent{AddressChange::Added, addr};
  }
  if (*pos == addr) {
    // Same address: keep the kernel's latest flags and lifetimes (a
    // renewal), reported as no change.
    pos->flags = addr.flags;
    pos->valid_lft = addr.valid_lft;
    pos->preferred_lft = addr.preferred_lft;
    return std::nullopt;
  }
  *pos = addr;
  return AddressEvent{AddressChange::Updated, addr};
}

std::vector<AddressEvent> AddressCache::replaceAll(const std::vector<InterfaceAddress>& dump) {
  std::vector<AddressEvent> events;
  // Identity keys of the new content, to find entries that disappeared.
  std::set<std::tuple<IpAddress, int, unsigned>> present;
  for (const auto& a : dump) present.emplace(a.prefix.addr, a.ifindex, a.prefix.prefix);
  for (const auto& old : snapshot()) {
    if (!present.contains({old.prefix.addr, old.ifindex, old.prefix.prefix})) {
      if (auto ev = apply(old, true)) events.push_back(*ev);
    }
  }
  for (const auto& a : dump) {
    if (auto ev = apply(a, false)) events.push_back(*ev);
  }
  return events;
}

std::vector<AddressEvent> AddressCache::removeInterface(int ifindex) {
  std::vector<AddressEvent> events;
  for (const auto& a : snapshot()) {
    if (a.ifindex != ifindex) continue;
    if (auto ev = apply(a, true)) events.push_back(*ev);
  }
  return events;
}

void AddressCache::renameInterface(int ifindex, const std::string& name) {
  for (auto& [ip, vec] : by_ip_) {
    for (auto& e : vec) {
      if (e.ifindex == ifindex) e.iface = name;
    }
  }
}

const InterfaceAddress* AddressCache::find(const IpAddress& ip) const {
  auto it = by_ip_.find(ip);
  if (it == by_ip_.end() || it->second.empty()) return nullptr;
  return &it->second.front();
}

std::vector<InterfaceAddress> AddressCache::findAll(const IpAddress& ip) const {
  auto it = by_ip_.find(ip);
  if (it == by_ip_.end()) return {};
  return it->second;
}

std::vector<InterfaceAddress> AddressCache::snapshot() const {
  std::vector<InterfaceAddress> out;
  out.reserve(count_);
  for (const auto& [ip, vec] : by_ip_) out.insert(out.end(), vec.begin(), vec.end());
  return out;
}

}  // namespace ctdb::net
