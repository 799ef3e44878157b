/*
 * Shared by the daemon's unit tests: a nodes-file list of N nodes
 * (198.18.0.1 ... 198.18.0.N, PNN = index) and a Transport that records
 * what would leave the node instead of sending it.
 */
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/nodes_file.h"
#include "protocol/packet.h"
#include "server/core/message_router.h"
#include "util/ip_address.h"

namespace ctdb::server::test {

inline std::vector<config::NodeEntry> nodeList(size_t n) {
  std::vector<config::NodeEntry> out;
  for (uint32_t i = 0; i < n; ++i) {
    config::NodeEntry e;
    e.pnn = i;
    e.address = *IpAddress::parse("198.18.0." + std::to_string(i + 1));
    out.push_back(e);
  }
  return out;
}

struct RecordingTransport final : Transport {
  void sendToNode(uint32_t pnn, const protocol::ReqMessage& msg) override {
    sent.emplace_back(pnn, msg);
  }
  std::vector<uint32_t> pnns() const {
    std::vector<uint32_t> out;
    for (const auto& [p, m] : sent) out.push_back(p);
    return out;
  }
  std::vector<std::pair<uint32_t, protocol::ReqMessage>> sent;
};

}  // namespace ctdb::server::test
