/*
 * The large allocation inputs shared by the scale unit test
 * (ipalloc_scale_test.cc: what the allocation decides) and the benchmark
 * (bench/scale_bench.cc: how long it takes). Pure data builders, no I/O.
 *
 *   bigCluster(n, ips, assigned): n nodes, ips IPv4 addresses split over two
 *     /16 subnets (10.1/16, 10.2/16), every node may host every address;
 *     assigned: address i is on node i % n, else unassigned.
 *   nodeReturns(in, pnn): the addresses of node pnn were spread over the
 *     others (address i on node (i / n) % (n - 1), skipping pnn) and pnn is
 *     healthy again, as after a failover.
 *   allOnNodeZero(ips): the driver input of the bench's bring-up (through
 *     ctdb_ipalloc's parser, LCP2): ips consecutive addresses from
 *     198.19.0.1, all on node 0 of three healthy nodes (ipalloc_wrap_test).
 */
#ifndef CTDB_TESTS_TAKEOVER_IPALLOC_SCALE_CASES_H
#define CTDB_TESTS_TAKEOVER_IPALLOC_SCALE_CASES_H

#include <cstdint>
#include <optional>
#include <string>

#include "takeover/ipalloc.h"
#include "takeover/ipalloc_driver.h"

namespace ctdb::takeover::scale {

inline AllocInput bigCluster(uint32_t n, uint32_t ips, bool assigned) {
  AllocInput in;
  in.algorithm = Algorithm::Lcp2;
  in.nodes.resize(n);
  for (uint32_t i = 0; i < ips; i++) {
    uint32_t base = (i % 2 == 0) ? 0x0A010000u : 0x0A020000u;  // 10.1/16, 10.2/16
    IpAddress a = IpAddress::v4(base + 1 + i / 2);
    int32_t owner = assigned ? static_cast<int32_t>(i % n) : kNoPnn;
    for (uint32_t p = 0; p < n; p++) {
      in.nodes[p].known.push_back(KnownIp{a, owner == static_cast<int32_t>(p) ? owner : kNoPnn});
      in.nodes[p].available.push_back(a);
    }
  }
  return in;
}

inline void nodeReturns(AllocInput& in, uint32_t pnn) {
  const auto n = static_cast<uint32_t>(in.nodes.size());
  const auto ips = static_cast<uint32_t>(in.nodes[0].known.size());
  for (auto& node : in.nodes)
    for (size_t i = 0; i < node.known.size(); i++)
      if (i % n == pnn && node.known[i].pnn == static_cast<int32_t>(pnn)) node.known[i].pnn = kNoPnn;
  for (uint32_t i = pnn; i < ips; i += n) {
    uint32_t to = (i / n) % (n - 1);
    to = to >= pnn ? to + 1 : to;
    in.nodes[to].known[i].pnn = static_cast<int32_t>(to);
  }
}

inline Result<AllocInput> allOnNodeZero(uint32_t ips) {
  std::string text;
  for (uint32_t i = 0; i < ips; i++)
    text += IpAddress::v4(0xC6130001u + i).toString() + " 0\n";  // 198.19.0.1 + i
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "CTDB_IP_ALGORITHM") return "lcp2";
    if (name == "CTDB_TEST_LOGLEVEL") return "ERR";
    return std::nullopt;
  };
  auto setup = parseDriverSetup("0,0,0", false, text, env);
  if (!setup) return setup.error();
  return setup->input;
}

}  // namespace ctdb::takeover::scale

#endif
