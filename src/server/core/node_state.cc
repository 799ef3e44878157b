#include "server/core/node_state.h"

#include <random>

#include "util/logging.h"

namespace ctdb::server {

namespace NF = protocol::NodeFlags;

NodeState::NodeState(const std::vector<config::NodeEntry>& nodes, uint32_t own_pnn,
                     uint32_t initial_local_flags)
    : own_pnn_(own_pnn), leader_(own_pnn) {
  nodes_.reserve(nodes.size());
  for (const auto& n : nodes) {
    protocol::NodeAndFlags nf;
    nf.pnn = n.pnn;
    if (n.is_deleted || !n.address) {
      nf.flags = NF::kDeleted | NF::kDisconnected;
      nf.addr.ip = IpAddress::v4(0);  // 0.0.0.0, as ctdbd records deleted nodes
      nf.addr.port = 0;
    } else {
      nf.flags = n.pnn == own_pnn ? initial_local_flags : (NF::kDisconnected | NF::kUnhealthy);
      nf.addr.ip = *n.address;
      nf.addr.port = kClusterPort;
    }
    nodes_.push_back(nf);
  }
  last_heard_.assign(nodes_.size(), created_);
  newGeneration();
}

uint32_t NodeState::flags(uint32_t pnn) const {
  if (pnn >= nodes_.size()) return NF::kDeleted | NF::kDisconnected;
  return nodes_[pnn].flags;
}

std::vector<uint32_t> NodeState::activeNodes() const {
  std::vector<uint32_t> out;
  for (const auto& n : nodes_)
    if ((n.flags & NF::kInactive) == 0) out.push_back(n.pnn);
  return out;
}

protocol::VnnMap NodeState::vnnMap() const {
  return protocol::VnnMap{generation(), activeNodes()};
}

uint32_t NodeState::generation() const {
  if (localFlags() & NF::kInactive) return protocol::kInvalidGeneration;
  return generation_;
}

void NodeState::newGeneration() {
  static std::mt19937 rng{std::random_device{}()};
  uint32_t g;
  do {
    g = rng();
  } while (g == protocol::kInvalidGeneration || g == 0 || g == generation_);
  generation_ = g;
}

uint32_t NodeState::modifyFlags(uint32_t pnn, uint32_t set, uint32_t clear) {
  if (pnn >= nodes_.size()) return NF::kDeleted | NF::kDisconnected;
  auto& n = nodes_[pnn];
  uint32_t old_flags = n.flags;
  uint32_t new_flags = (old_flags | set) & ~clear;
  if (new_flags == old_flags) return new_flags;
  bool was_active = (old_flags & NF::kInactive) == 0;
  n.flags = new_flags;
  D_NOTICE("node %u flags 0x%x -> 0x%x\n", pnn, old_flags, new_flags);
  if (was_active != ((new_flags & NF::kInactive) == 0)) newGeneration();
  auto listeners = listeners_;
  for (auto& l : listeners) l(pnn, old_flags, new_flags);
  return new_flags;
}

}  // namespace ctdb::server
