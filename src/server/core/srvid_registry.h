/*
 * SrvidRegistry: which local clients listen on which message ports (srvids).
 *
 * Owns two indexes kept in step: srvid -> {client -> registration count}
 * and client -> {srvids}. Lookup of a srvid's listeners is O(1) + O(their
 * number); dropping a client is O(its srvids). Nothing is O(clients x
 * srvids).
 *
 * Semantics as ctdbd's srvid database: a client may register the same srvid
 * several times; each deregister removes one registration; the client hears
 * a message once while it has at least one. deregister of a srvid the client
 * does not hold fails with ENOENT (status 2 on the wire). Listeners of
 * kSrvidAll (0xFFFF...) hear every message.
 *
 * Single-threaded (event loop).
 */
#pragma once

#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ctdb/result.h"

namespace ctdb::server {

using ClientId = uint32_t;

class SrvidRegistry {
 public:
  void registerSrvid(ClientId client, uint64_t srvid);
  /* ENOENT if client holds no registration for srvid. */
  Status deregisterSrvid(ClientId client, uint64_t srvid);
  /* Removes every registration of client (on disconnect). */
  void dropClient(ClientId client);

  bool isRegistered(ClientId client, uint64_t srvid) const;
  /* Clients that must receive a message on srvid (each at most once). */
  std::vector<ClientId> listeners(uint64_t srvid) const;
  bool hasListeners(uint64_t srvid) const;
  size_t srvidCount() const { return by_srvid_.size(); }

 private:
  std::unordered_map<uint64_t, std::unordered_map<ClientId, uint32_t>> by_srvid_;
  std::unordered_map<ClientId, std::unordered_set<uint64_t>> by_client_;
};

}  // namespace ctdb::server
