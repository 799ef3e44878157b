// What LCP2 decides at scale: 16 nodes x 4096 IPs in two subnets, after one
// node fails and after it comes back. How long it takes is measured by
// bench/scale_bench (doc/performance.md "Allocation and parsing at scale"),
// not asserted here: a unit test does not fail on a time budget.
#include <gtest/gtest.h>

#include "takeover/ipalloc.h"
#include "ipalloc_scale_cases.h"

namespace ctdb::takeover {
namespace {

using scale::bigCluster;

TEST(IpAllocScale, Lcp2SixteenNodesFourThousandIpsOneNodeFails) {
  AllocInput in = bigCluster(16, 4096, true);
  in.nodes[5].flags = NodeFlag::kUnhealthy;
  auto r = allocate(in);
  ASSERT_TRUE(r.ok()) << r.error().message();
  size_t moved = 0;
  for (size_t i = 0; i < r->ips.size(); i++) {
    ASSERT_NE(r->ips[i].pnn, -1);
    ASSERT_NE(r->ips[i].pnn, 5);
  }
  for (const auto& a : r->ips) moved += a.pnn >= 0 ? 1 : 0;
  EXPECT_EQ(moved, 4096u);
}

TEST(IpAllocScale, Lcp2SixteenNodesFourThousandIpsNodeReturns) {
  AllocInput in = bigCluster(16, 4096, true);
  scale::nodeReturns(in, 5);
  auto r = allocate(in);
  ASSERT_TRUE(r.ok()) << r.error().message();
  size_t on5 = 0;
  for (const auto& a : r->ips) on5 += a.pnn == 5 ? 1 : 0;
  EXPECT_GE(on5, 200u);
}

}  // namespace
}  // namespace ctdb::takeover
