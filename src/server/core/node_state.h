/*
 * NodeState: this daemon's view of the cluster's nodes.
 *
 * Owns the node list (from the nodes file), this node's PNN, every node's
 * flags, the VNN map generation and the current leader. Until a node
 * transport exists, every other node is DISCONNECTED|UNHEALTHY (as ctdbd
 * marks nodes it has not heard from), deleted lines are DELETED|DISCONNECTED
 * and this node's flags start from --start-as-disabled/--start-as-stopped.
 *
 * Invariants:
 *   - nodeMap().nodes[i].pnn == i (the CLI indexes the map by PNN);
 *   - node addresses carry the cluster port 4379;
 *   - the VNN map lists the PNNs of the active nodes (no INACTIVE flag); its
 *     generation is a random value != 1 that changes whenever that set
 *     changes; while this node is INACTIVE (stopped, banned) the generation
 *     is INVALID (1), as ctdbd puts in every header then.
 *
 * Last heard: the time (steady clock) a packet last arrived from each peer,
 * written by the node transport (noteHeard), read by the quorum monitor
 * and the fence hold; it starts as the NodeState's creation time, so a peer
 * never heard from counts as heard at start (conservative for the hold).
 *
 * Flag changes are logged "node N flags 0xOLD -> 0xNEW" and reported to
 * onFlagsChanged listeners synchronously. Single-threaded (event loop).
 */
#pragma once

#include <chrono>

#include <cstdint>
#include <functional>
#include <vector>

#include "config/nodes_file.h"
#include "protocol/types.h"

namespace ctdb::server {

inline constexpr uint16_t kClusterPort = 4379;

class NodeState {
 public:
  using FlagsListener = std::function<void(uint32_t pnn, uint32_t old_flags, uint32_t new_flags)>;

  NodeState(const std::vector<config::NodeEntry>& nodes, uint32_t own_pnn,
            uint32_t initial_local_flags);

  uint32_t ownPnn() const { return own_pnn_; }
  size_t nodeCount() const { return nodes_.size(); }
  uint32_t flags(uint32_t pnn) const;
  uint32_t localFlags() const { return flags(own_pnn_); }

  protocol::NodeMap nodeMap() const { return protocol::NodeMap{nodes_}; }
  protocol::VnnMap vnnMap() const;
  /* Header generation: vnn generation, or 1 while this node is inactive. */
  uint32_t generation() const;

  /* Sets/clears bits of pnn's flags; returns the new flags. */
  uint32_t modifyFlags(uint32_t pnn, uint32_t set, uint32_t clear);

  uint32_t leader() const { return leader_; }
  void setLeader(uint32_t pnn) { leader_ = pnn; }

  void onFlagsChanged(FlagsListener fn) { listeners_.push_back(std::move(fn)); }

  using Clock = std::chrono::steady_clock;
  void noteHeard(uint32_t pnn, Clock::time_point when) {
    if (pnn < last_heard_.size()) last_heard_[pnn] = when;
  }
  Clock::time_point lastHeard(uint32_t pnn) const {
    return pnn < last_heard_.size() ? last_heard_[pnn] : created_;
  }

 private:
  std::vector<uint32_t> activeNodes() const;
  void newGeneration();

  uint32_t own_pnn_;
  std::vector<protocol::NodeAndFlags> nodes_;
  uint32_t generation_ = protocol::kInvalidGeneration;
  uint32_t leader_;
  std::vector<FlagsListener> listeners_;
  Clock::time_point created_ = Clock::now();
  std::vector<Clock::time_point> last_heard_;
};

}  // namespace ctdb::server
