// Scale of the LCP2 allocation: 16 nodes x 4096 IPs in two subnets, after
// one node fails and after it comes back. Prints the times; the bounds are
// generous (debug builds, a loaded 2-core CI machine) and only catch an
// accidental return to the quadratic-per-step reference implementation.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "takeover/ipalloc.h"

namespace ctdb::takeover {
namespace {

/* n nodes, ips addresses split over two /16 subnets, owner i % n (or -1). */
AllocInput bigCluster(uint32_t n, uint32_t ips, bool assigned) {
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

double timeIt(const AllocInput& in, AllocResult* out) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = allocate(in);
  auto t1 = std::chrono::steady_clock::now();
  EXPECT_TRUE(r.ok());
  if (out && r.ok()) *out = std::move(*r);
  return std::chrono::duration<double>(t1 - t0).count();
}

TEST(IpAllocPerf, Lcp2SixteenNodesFourThousandIpsOneNodeFails) {
  AllocInput in = bigCluster(16, 4096, true);
  in.nodes[5].flags = NodeFlag::kUnhealthy;
  AllocResult r;
  double s = timeIt(in, &r);
  std::printf("LCP2 16 nodes x 4096 IPs, node 5 fails: %.3f s\n", s);
  size_t moved = 0;
  for (size_t i = 0; i < r.ips.size(); i++) {
    ASSERT_NE(r.ips[i].pnn, -1);
    ASSERT_NE(r.ips[i].pnn, 5);
  }
  for (const auto& a : r.ips) moved += a.pnn >= 0 ? 1 : 0;
  EXPECT_EQ(moved, 4096u);
  EXPECT_LT(s, 10.0);
}

TEST(IpAllocPerf, Lcp2SixteenNodesFourThousandIpsNodeReturns) {
  AllocInput in = bigCluster(16, 4096, true);
  // Node 5's addresses were spread over the others; node 5 is healthy again.
  for (auto& node : in.nodes)
    for (size_t i = 0; i < node.known.size(); i++)
      if (i % 16 == 5 && node.known[i].pnn == 5) node.known[i].pnn = kNoPnn;
  for (uint32_t i = 5; i < 4096; i += 16) {
    uint32_t to = (i / 16) % 15;
    to = to >= 5 ? to + 1 : to;
    in.nodes[to].known[i].pnn = static_cast<int32_t>(to);
  }
  AllocResult r;
  double s = timeIt(in, &r);
  size_t on5 = 0;
  for (const auto& a : r.ips) on5 += a.pnn == 5 ? 1 : 0;
  std::printf("LCP2 16 nodes x 4096 IPs, node 5 returns: %.3f s, %zu IPs failed back\n", s, on5);
  EXPECT_GE(on5, 200u);
  EXPECT_LT(s, 10.0);
}

TEST(IpAllocPerf, Lcp2GrowthOneNodeFails) {
  for (uint32_t ips : {1024u, 2048u, 4096u, 8192u}) {
    AllocInput in = bigCluster(16, ips, true);
    in.nodes[5].flags = NodeFlag::kUnhealthy;
    double s = timeIt(in, nullptr);
    std::printf("LCP2 16 nodes x %u IPs, one node fails: %.3f s\n", ips, s);
    EXPECT_LT(s, 20.0);
  }
}

}  // namespace
}  // namespace ctdb::takeover
