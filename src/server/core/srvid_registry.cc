#include "server/core/srvid_registry.h"

#include "protocol/constants.h"

namespace ctdb::server {

void SrvidRegistry::registerSrvid(ClientId client, uint64_t srvid) {
  ++by_srvid_[srvid][client];
  by_client_[client].insert(srvid);
}

Status SrvidRegistry::deregisterSrvid(ClientId client, uint64_t srvid) {
  auto s = by_srvid_.find(srvid);
  if (s == by_srvid_.end()) return errnoError(ENOENT, "srvid not registered");
  auto c = s->second.find(client);
  if (c == s->second.end()) return errnoError(ENOENT, "srvid not registered by this client");
  if (--c->second == 0) {
    s->second.erase(c);
    if (s->second.empty()) by_srvid_.erase(s);
    auto bc = by_client_.find(client);
    if (bc != by_client_.end()) {
      bc->second.erase(srvid);
      if (bc->second.empty()) by_client_.erase(bc);
    }
  }
  return {};
}

void SrvidRegistry::dropClient(ClientId client) {
  auto bc = by_client_.find(client);
  if (bc == by_client_.end()) return;
  for (uint64_t srvid : bc->second) {
    auto s = by_srvid_.find(srvid);
    if (s == by_srvid_.end()) continue;
    s->second.erase(client);
    if (s->second.empty()) by_srvid_.erase(s);
  }
  by_client_.erase(bc);
}

bool SrvidRegistry::isRegistered(ClientId client, uint64_t srvid) const {
  auto s = by_srvid_.find(srvid);
  return s != by_srvid_.end() && s->second.contains(client);
}

std::vector<ClientId> SrvidRegistry::listeners(uint64_t srvid) const {
  std::vector<ClientId> out;
  auto add = [&](uint64_t id) {
    auto s = by_srvid_.find(id);
    if (s == by_srvid_.end()) return;
    for (const auto& [client, count] : s->second) out.push_back(client);
  };
  add(srvid);
  if (srvid != protocol::kSrvidAll && by_srvid_.contains(protocol::kSrvidAll)) {
    size_t direct = out.size();
    add(protocol::kSrvidAll);
    // A client listening on both hears the message once.
    std::unordered_set<ClientId> seen(out.begin(), out.begin() + static_cast<long>(direct));
    std::vector<ClientId> dedup(out.begin(), out.begin() + static_cast<long>(direct));
    for (size_t i = direct; i < out.size(); ++i)
      if (seen.insert(out[i]).second) dedup.push_back(out[i]);
    out = std::move(dedup);
  }
  return out;
}

bool SrvidRegistry::hasListeners(uint64_t srvid) const {
  return by_srvid_.contains(srvid) || by_srvid_.contains(protocol::kSrvidAll);
}

}  // namespace ctdb::server
