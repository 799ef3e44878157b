// Tests of the driver text interface (ipalloc_driver.h) and the golden
// cases in tests/takeover/cases/, whose expected outputs were recorded from
// CTDB 4.17's own driver (see ipalloc_cases.py), run through the library.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "takeover/ipalloc.h"
#include "takeover/ipalloc_driver.h"
#include "ipalloc_case_files.h"

#ifndef CTDB_IPALLOC_CASES_DIR
#error "CTDB_IPALLOC_CASES_DIR must be defined"
#endif

namespace ctdb::takeover {
namespace {

using casefiles::Case;
using casefiles::envOf;

std::string run(const std::string& flags, bool multi, const std::string& in,
                std::map<std::string, std::string> env = {}) {
  auto setup = parseDriverSetup(flags, multi, in, envOf(std::move(env)));
  EXPECT_TRUE(setup.ok()) << setup.error().context;
  if (!setup) return "";
  auto r = allocate(setup->input);
  EXPECT_TRUE(r.ok());
  return formatAllocation(*r);
}

std::string errorOf(const std::string& flags, bool multi, const std::string& in,
                    std::map<std::string, std::string> env = {}) {
  auto setup = parseDriverSetup(flags, multi, in, envOf(std::move(env)));
  EXPECT_FALSE(setup.ok());
  return setup.ok() ? "" : setup.error().context;
}

TEST(IpAllocDriver, NodeFlagsInCSyntax) {
  auto s = parseDriverSetup("2,0x20,010,0", false, "", envOf({}));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->input.nodes.size(), 4u);
  EXPECT_EQ(s->input.nodes[0].flags, 2u);
  EXPECT_EQ(s->input.nodes[1].flags, 0x20u);
  EXPECT_EQ(s->input.nodes[2].flags, 8u);
  EXPECT_EQ(s->input.algorithm, Algorithm::Lcp2);
  EXPECT_EQ(s->logLevel, 10);
}

TEST(IpAllocDriver, BadNodeFlagsAreErrors) {
  EXPECT_NE(errorOf("", false, "").find("NODE_FLAGS"), std::string::npos);
  EXPECT_NE(errorOf("0,,0", false, "").find("NODE_FLAGS"), std::string::npos);
  EXPECT_NE(errorOf("0,x", false, "").find("'x'"), std::string::npos);
  EXPECT_NE(errorOf("-1", false, "").find("NODE_FLAGS"), std::string::npos);
}

TEST(IpAllocDriver, BadAddressNamesTheLine) {
  EXPECT_EQ(errorOf("0,0", false, "10.0.0.1 0\n10.0.0.300 1\n"),
            "stdin:2: bad address '10.0.0.300'");
}

TEST(IpAllocDriver, BadPnnNamesTheLine) {
  EXPECT_EQ(errorOf("0,0", false, "10.0.0.1 zero\n"), "stdin:1: bad PNN 'zero'");
}

TEST(IpAllocDriver, AllowedNodeOutOfRangeIsAnError) {
  EXPECT_NE(errorOf("0,0", false, "10.0.0.1 0 0,2\n").find("stdin:1: allowed node 2"),
            std::string::npos);
}

TEST(IpAllocDriver, AllowedListRejectedInMultiMode) {
  EXPECT_NE(errorOf("0,0", true, "10.0.0.1 0 0,1\n").find("multi"), std::string::npos);
}

TEST(IpAllocDriver, TooManyFieldsIsAnError) {
  EXPECT_NE(errorOf("0", false, "10.0.0.1 0 0 junk\n").find("stdin:1: too many fields"),
            std::string::npos);
}

TEST(IpAllocDriver, DataAfterEndOfListIsAnError) {
  EXPECT_NE(errorOf("0", false, "10.0.0.1 0\n\n10.0.0.2 0\n").find("stdin:3"),
            std::string::npos);
  EXPECT_NE(errorOf("0", true, "10.0.0.1 0\n\n10.0.0.2 0\n").find("more IP blocks"),
            std::string::npos);
}

TEST(IpAllocDriver, BadEnvironmentValuesAreErrors) {
  EXPECT_NE(errorOf("0", false, "", {{"CTDB_IP_ALGORITHM", "best"}}).find("CTDB_IP_ALGORITHM"),
            std::string::npos);
  EXPECT_NE(errorOf("0,0", false, "", {{"CTDB_TEST_RUNSTATE", "5,5,5"}}).find("3 values for 2"),
            std::string::npos);
  EXPECT_NE(errorOf("0", false, "", {{"CTDB_SET_NoIPTakeover", "yes"}}).find("NoIPTakeover"),
            std::string::npos);
  EXPECT_NE(errorOf("0", false, "", {{"CTDB_TEST_LOGLEVEL", "LOUD"}}).find("LOGLEVEL"),
            std::string::npos);
}

TEST(IpAllocDriver, CommentsBlankLinesAndCrlfAreAccepted) {
  EXPECT_EQ(run("0", false, "# header\n   \n10.0.0.1 0 # mine\r\n"), "10.0.0.1 0\n");
}

TEST(IpAllocDriver, MissingPnnMeansUnassigned) {
  EXPECT_EQ(run("0,0", false, "10.0.0.1\n", {{"CTDB_SET_NoIPTakeover", "1"}}), "10.0.0.1 -1\n");
}

TEST(IpAllocDriver, Ipv4MappedAddressBecomesIpv4) {
  EXPECT_EQ(run("0", false, "::ffff:10.0.0.7 0\n[fd00::1] 0\n"), "fd00::1 0\n10.0.0.7 0\n");
}

TEST(IpAllocDriver, EnvironmentReachesTheInput) {
  auto s = parseDriverSetup("0,2,0", false, "10.0.0.1 0 0,2\n",
                            envOf({{"CTDB_IP_ALGORITHM", "nondet"},
                                   {"CTDB_SET_NoIPFailback", "1,0,0"},
                                   {"CTDB_SET_NoIPTakeover", "0,1,1"},
                                   {"CTDB_SET_NoIPHostOnAllDisabled", "0,1,0"},
                                   {"CTDB_TEST_RUNSTATE", "5,4,5"},
                                   {"CTDB_TEST_FORCE_REBALANCE", "2,9"},
                                   {"CTDB_TEST_LOGLEVEL", "ERR"}}));
  ASSERT_TRUE(s.ok()) << s.error().context;
  const AllocInput& in = s->input;
  EXPECT_EQ(in.algorithm, Algorithm::NonDeterministic);
  EXPECT_TRUE(in.noIpFailback);
  for (const auto& n : in.nodes) EXPECT_FALSE(n.noIpTakeover);  // first value, cluster-wide
  EXPECT_FALSE(in.nodes[0].noIpHostOnAllDisabled);
  EXPECT_TRUE(in.nodes[1].noIpHostOnAllDisabled);
  EXPECT_EQ(in.nodes[1].runstate, 4u);
  EXPECT_EQ(in.forceRebalance, (std::vector<uint32_t>{2, 9}));
  EXPECT_EQ(s->logLevel, 0);
  EXPECT_EQ(in.nodes[0].known.size(), 1u);
  EXPECT_TRUE(in.nodes[1].known.empty());
  EXPECT_EQ(in.nodes[2].available.size(), 1u);
}

TEST(IpAllocDriver, MultiModeBlocksPerNode) {
  auto s = parseDriverSetup("0,0,0", true, "10.0.0.1 0\n\n\n10.0.0.2 2\n10.0.0.3 -1\n",
                            envOf({}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->input.nodes[0].known.size(), 1u);
  EXPECT_TRUE(s->input.nodes[1].known.empty());  // the second empty line ends node 1's block
  EXPECT_EQ(s->input.nodes[2].known.size(), 2u);
}

/* ---- golden cases ---- */

TEST(IpAllocGolden, EveryRecordedCaseMatches) {
  auto names = casefiles::caseNames(CTDB_IPALLOC_CASES_DIR);
  size_t oracle = std::count_if(names.begin(), names.end(),
                                [](const std::string& n) { return n.rfind("oracle-", 0) == 0; });
  EXPECT_GE(oracle, 40u) << "random oracle cases missing from " << CTDB_IPALLOC_CASES_DIR;
  EXPECT_GE(names.size() - oracle, 20u) << "rule cases missing";
  for (const auto& n : names) {
    SCOPED_TRACE(n);
    Case c = casefiles::readCase(CTDB_IPALLOC_CASES_DIR, n);
    if (c.status != 0) continue;  // run by ipalloc_program_cases
    EXPECT_EQ(run(c.flags(), c.multi(), c.stdin_text, c.env), c.expected);
  }
}

}  // namespace
}  // namespace ctdb::takeover
