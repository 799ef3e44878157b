// LCP2's 32-bit imbalance sums (AllocInput::exactCtdbArithmetic).
//
// CTDB 4.17 sums squared IPv4 distances (which include 96 leading zero bits,
// so ~14,000 per pair of one /16) in uint32_t. A node holding more than ~780
// addresses of one /16 wraps, and failback then stops early: a 3-node
// cluster whose first takeover run gave one node every IP never balances.
// ctdb_ipalloc keeps that (CTDB's answer, recorded in
// cases/rule-lcp2-uint32-wrap-3x1024.case); the daemon's takeover run uses
// 64-bit sums. Where no sum wraps, both modes must give the same answer.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "takeover/ipalloc.h"
#include "takeover/ipalloc_driver.h"
#include "ipalloc_case_files.h"
#include "ipalloc_scale_cases.h"

#ifndef CTDB_IPALLOC_CASES_DIR
#error "CTDB_IPALLOC_CASES_DIR must be defined"
#endif

namespace ctdb::takeover {
namespace {

using casefiles::Case;
using casefiles::envOf;

AllocInput allOnNodeZero(uint32_t ips) {
  auto in = scale::allOnNodeZero(ips);
  EXPECT_TRUE(in.ok()) << in.error().message();
  return in.ok() ? *in : AllocInput{};
}

std::vector<size_t> countsOf(const AllocResult& r, size_t nodes) {
  std::vector<size_t> c(nodes, 0);
  for (const auto& a : r.ips)
    if (a.pnn >= 0) c[static_cast<size_t>(a.pnn)]++;
  return c;
}

std::vector<size_t> countsWith(AllocInput in, bool exact, double* seconds = nullptr) {
  in.exactCtdbArithmetic = exact;
  auto t0 = std::chrono::steady_clock::now();
  auto r = allocate(in);
  auto t1 = std::chrono::steady_clock::now();
  if (seconds) *seconds = std::chrono::duration<double>(t1 - t0).count();
  EXPECT_TRUE(r.ok());
  return r.ok() ? countsOf(*r, in.nodes.size()) : std::vector<size_t>{};
}

size_t spread(const std::vector<size_t>& c) {
  if (c.empty()) return 0;
  auto [lo, hi] = std::minmax_element(c.begin(), c.end());
  return *hi - *lo;
}

TEST(IpAllocWrap, DefaultIsCtdbArithmetic) {
  EXPECT_TRUE(AllocInput{}.exactCtdbArithmetic);
}

/* CTDB 4.17's own driver gives 788/118/118 for this input (the recorded
 * case); so does the library by default. */
TEST(IpAllocWrap, CtdbArithmeticWrapsAndStaysUnbalanced1024) {
  auto c = countsWith(allOnNodeZero(1024), true);
  EXPECT_EQ(c, (std::vector<size_t>{788, 118, 118}));
}

TEST(IpAllocWrap, WideArithmeticBalances1024) {
  double s = 0;
  auto c = countsWith(allOnNodeZero(1024), false, &s);
  std::printf("3 x 1024 all on node 0, 64-bit sums: %zu/%zu/%zu in %.3f s\n", c[0], c[1], c[2], s);
  EXPECT_EQ(c[0] + c[1] + c[2], 1024u);
  EXPECT_LE(spread(c), 1u);
}

TEST(IpAllocWrap, CtdbArithmeticWrapsAndStaysUnbalanced2048) {
  auto c = countsWith(allOnNodeZero(2048), true);
  EXPECT_GT(spread(c), 1000u);
}

/* How long this takes: bench/scale_bench (doc/performance.md). */
TEST(IpAllocWrap, WideArithmeticBalances2048) {
  double s = 0;
  auto c = countsWith(allOnNodeZero(2048), false, &s);
  std::printf("3 x 2048 all on node 0, 64-bit sums: %zu/%zu/%zu in %.3f s\n", c[0], c[1], c[2], s);
  EXPECT_EQ(c[0] + c[1] + c[2], 2048u);
  EXPECT_LE(spread(c), 1u);
}

/* ---- no wrap, no difference: every recorded case, both modes ---- */

TEST(IpAllocWrap, RecordedCasesWithoutWrapAreTheSameInBothModes) {
  auto names = casefiles::caseNames(CTDB_IPALLOC_CASES_DIR);
  size_t compared = 0, oracle = 0;
  for (const auto& n : names) {
    if (n.find("uint32-wrap") != std::string::npos) continue;  // the one that wraps
    Case c = casefiles::readCase(CTDB_IPALLOC_CASES_DIR, n);
    if (c.status != 0) continue;
    SCOPED_TRACE(n);
    auto setup = parseDriverSetup(c.flags(), c.multi(), c.stdin_text, envOf(c.env));
    ASSERT_TRUE(setup.ok());
    AllocInput in = setup->input;
    in.exactCtdbArithmetic = true;
    auto exact = allocate(in);
    in.exactCtdbArithmetic = false;
    auto wide = allocate(in);
    ASSERT_TRUE(exact.ok() && wide.ok());
    EXPECT_EQ(formatAllocation(*exact), c.expected);
    EXPECT_EQ(formatAllocation(*wide), c.expected);
    compared++;
    if (n.rfind("oracle-", 0) == 0) oracle++;
  }
  EXPECT_GE(oracle, 40u);
  EXPECT_GE(compared, 60u);
}

}  // namespace
}  // namespace ctdb::takeover
