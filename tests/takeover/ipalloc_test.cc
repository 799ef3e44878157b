// Library-level tests of ctdb::takeover::allocate(): one TEST per rule of
// CTDB's allocation, written against the structs the leader's takeover run
// fills in (no text parsing involved).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "takeover/ipalloc.h"

namespace ctdb::takeover {
namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.ok()) << text;
  return *a;
}

/* n nodes that all know (and may host) every address; owners[i] = current
 * owner of addrs[i] as claimed by that owner itself. */
AllocInput cluster(size_t n, const std::vector<const char*>& addrs,
                   const std::vector<int32_t>& owners, Algorithm alg = Algorithm::Lcp2) {
  AllocInput in;
  in.algorithm = alg;
  in.nodes.resize(n);
  for (size_t i = 0; i < addrs.size(); i++) {
    for (auto& node : in.nodes) {
      node.known.push_back(KnownIp{ip(addrs[i]), owners[i]});
      node.available.push_back(ip(addrs[i]));
    }
  }
  return in;
}

std::map<std::string, int32_t> owners(const AllocResult& r) {
  std::map<std::string, int32_t> m;
  for (const auto& a : r.ips) m[a.addr.toString()] = a.pnn;
  return m;
}

std::vector<size_t> counts(const AllocResult& r, size_t n) {
  std::vector<size_t> c(n, 0);
  for (const auto& a : r.ips)
    if (a.pnn >= 0) c[a.pnn]++;
  return c;
}

bool hasDiag(const AllocResult& r, const std::string& needle) {
  for (const auto& d : r.diagnostics)
    if (d.text.find(needle) != std::string::npos) return true;
  return false;
}

/* allocate() that must succeed (a plain value keeps g++ 12's
 * maybe-uninitialized analysis of Result temporaries quiet). */
AllocResult alloc(const AllocInput& in) {
  auto r = allocate(in);
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return AllocResult{};
  return std::move(r).value();
}

const std::vector<const char*> kSix = {"10.0.0.1", "10.0.0.2", "10.0.0.3",
                                       "10.0.1.1", "10.0.1.2", "10.0.1.3"};

TEST(IpAlloc, AlgorithmNamesRoundTrip) {
  for (auto a : {Algorithm::Deterministic, Algorithm::NonDeterministic, Algorithm::Lcp2}) {
    auto back = algorithmFromString(toString(a));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, a);
  }
  EXPECT_FALSE(algorithmFromString("random").ok());
  EXPECT_EQ(algorithmFromTunable(0), Algorithm::Deterministic);
  EXPECT_EQ(algorithmFromTunable(1), Algorithm::NonDeterministic);
  EXPECT_EQ(algorithmFromTunable(2), Algorithm::Lcp2);
  EXPECT_EQ(algorithmFromTunable(77), Algorithm::Lcp2);
}

TEST(IpAlloc, InvalidAlgorithmValueIsAnError) {
  AllocInput in = cluster(2, kSix, {-1, -1, -1, -1, -1, -1});
  in.algorithm = static_cast<Algorithm>(9);
  EXPECT_FALSE(allocate(in).ok());
}

TEST(IpAlloc, OutputIsDescendingAddressKeyWithIpv6First) {
  AllocInput in = cluster(1, {"10.0.0.1", "fd00::1", "10.0.0.9", "::10.0.0.5"}, {-1, -1, -1, -1});
  AllocResult r = alloc(in);
    ASSERT_EQ(r.ips.size(), 4u);
  EXPECT_EQ(r.ips[0].addr.toString(), "fd00::1");
  EXPECT_EQ(r.ips[1].addr.toString(), "10.0.0.9");
  EXPECT_EQ(r.ips[2].addr.toString(), "::10.0.0.5");
  EXPECT_EQ(r.ips[3].addr.toString(), "10.0.0.1");
}

TEST(IpAlloc, NoNodesOrNoAddressesGiveEmptyResult) {
  AllocInput none;
  AllocResult r = alloc(none);
    EXPECT_TRUE(r.ips.empty());
  AllocInput noips = cluster(3, {}, {});
  EXPECT_TRUE(alloc(noips).ips.empty());
}

TEST(IpAlloc, Lcp2SpreadsEachSubnetAcrossNodes) {
  AllocInput in = cluster(3, kSix, {-1, -1, -1, -1, -1, -1});
  AllocResult r = alloc(in);
    // Each node gets one 10.0.0.x and one 10.0.1.x address.
  std::vector<int> sub0(3, 0), sub1(3, 0);
  for (const auto& a : r.ips) {
    ASSERT_GE(a.pnn, 0);
    (a.addr.toString().rfind("10.0.0.", 0) == 0 ? sub0 : sub1)[a.pnn]++;
  }
  EXPECT_EQ(sub0, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(sub1, (std::vector<int>{1, 1, 1}));
}

TEST(IpAlloc, Lcp2FailedNodesIpsMoveOthersStay) {
  AllocInput in = cluster(3, kSix, {0, 1, 2, 0, 1, 2});
  in.nodes[1].flags = NodeFlag::kUnhealthy;
  auto r = owners(alloc(in));
  EXPECT_EQ(r["10.0.0.1"], 0);
  EXPECT_EQ(r["10.0.0.3"], 2);
  EXPECT_EQ(r["10.0.1.1"], 0);
  EXPECT_EQ(r["10.0.1.3"], 2);
  EXPECT_NE(r["10.0.0.2"], 1);
  EXPECT_NE(r["10.0.1.2"], 1);
  EXPECT_NE(r["10.0.0.2"], -1);
}

TEST(IpAlloc, Lcp2FailsBackOntoEmptyNodeUnlessNoIpFailback) {
  AllocInput in = cluster(3, kSix, {0, 1, 0, 0, 1, 0});
  AllocResult r = alloc(in);
  EXPECT_EQ(counts(r, 3), (std::vector<size_t>{2, 2, 2}));
  in.noIpFailback = true;
  r = alloc(in);
  EXPECT_EQ(counts(r, 3), (std::vector<size_t>{4, 2, 0}));
}

TEST(IpAlloc, Lcp2ForceRebalanceMakesLoadedNodeATarget) {
  AllocInput in = cluster(3, {"10.6.0.1", "10.6.0.2", "10.6.0.3", "10.6.0.4", "10.7.0.1", "10.8.0.1"},
                          {0, 0, 0, 0, 1, 2});
  EXPECT_EQ(counts(alloc(in), 3), (std::vector<size_t>{4, 1, 1}));
  in.forceRebalance = {1, 42};
  AllocResult r = alloc(in);
  EXPECT_EQ(counts(r, 3), (std::vector<size_t>{2, 3, 1}));
  EXPECT_TRUE(hasDiag(r, "unknown node 42"));
  EXPECT_TRUE(hasDiag(r, "Forcing rebalancing of IPs to node 1"));
}

TEST(IpAlloc, DeterministicUsesHomeNodeAndIgnoresNoIpFailback) {
  AllocInput in = cluster(3, kSix, {2, 2, 2, 2, 2, 2}, Algorithm::Deterministic);
  in.noIpFailback = true;
  AllocResult r = alloc(in);
    for (size_t i = 0; i < r.ips.size(); i++) EXPECT_EQ(r.ips[i].pnn, static_cast<int32_t>(i % 3));
  EXPECT_TRUE(hasDiag(r, "'NoIPFailback' set but ignored"));
}

TEST(IpAlloc, DeterministicHomeNodeDownGoesToLeastLoaded) {
  AllocInput in = cluster(3, kSix, {-1, -1, -1, -1, -1, -1}, Algorithm::Deterministic);
  in.nodes[0].flags = NodeFlag::kBanned;
  AllocResult r = alloc(in);
  // List positions 0 and 3 (home node 0) go to nodes 1 and 2 (both had 2,
  // then 3 vs 2).
  EXPECT_EQ(r.ips[0].pnn, 1);
  EXPECT_EQ(r.ips[3].pnn, 2);
  EXPECT_EQ(counts(r, 3), (std::vector<size_t>{0, 3, 3}));
}

TEST(IpAlloc, NonDeterministicEvensCoverageUnlessNoIpFailback) {
  AllocInput in = cluster(3, kSix, {0, 0, 0, 0, 1, 1}, Algorithm::NonDeterministic);
  EXPECT_EQ(counts(alloc(in), 3), (std::vector<size_t>{2, 2, 2}));
  in.noIpFailback = true;
  EXPECT_EQ(counts(alloc(in), 3), (std::vector<size_t>{4, 2, 0}));
}

TEST(IpAlloc, NoIpTakeoverKeepsButNeverGains) {
  AllocInput in = cluster(3, kSix, {0, 1, 2, 0, 1, -1});
  for (auto& n : in.nodes) n.noIpTakeover = true;
  in.nodes[1].flags = NodeFlag::kPermanentlyDisabled;
  auto r = owners(alloc(in));
  EXPECT_EQ(r["10.0.0.1"], 0);
  EXPECT_EQ(r["10.0.0.2"], -1);
  EXPECT_EQ(r["10.0.0.3"], 2);
  EXPECT_EQ(r["10.0.1.2"], -1);
  EXPECT_EQ(r["10.0.1.3"], -1);
}

TEST(IpAlloc, NoIpTakeoverPerNodeAsCtdb45) {
  AllocInput in = cluster(2, kSix, {-1, -1, -1, -1, -1, -1}, Algorithm::NonDeterministic);
  in.nodes[0].noIpTakeover = true;
  EXPECT_EQ(counts(alloc(in), 2), (std::vector<size_t>{0, 6}));
}

TEST(IpAlloc, EveryFlagThatExcludesHosting) {
  const uint32_t excluded[] = {NodeFlag::kDisconnected, NodeFlag::kUnhealthy,
                               NodeFlag::kPermanentlyDisabled, NodeFlag::kBanned,
                               NodeFlag::kDeleted, NodeFlag::kStopped};
  for (uint32_t f : excluded) {
    AllocInput in = cluster(2, kSix, {1, 1, 1, 1, 1, 1});
    in.nodes[1].flags = f;
    AllocResult r = alloc(in);
    EXPECT_EQ(counts(r, 2), (std::vector<size_t>{6, 0})) << "flag " << f;
    EXPECT_FALSE(r.ips[0].availableOn[1]);
    EXPECT_TRUE(r.ips[0].knownOn[1]);
  }
}

TEST(IpAlloc, AllDisabledHostsNothingByDefault) {
  AllocInput in = cluster(3, kSix, {0, 1, 2, 0, 1, 2});
  for (auto& n : in.nodes) n.flags = NodeFlag::kUnhealthy;
  for (const auto& a : alloc(in).ips) EXPECT_EQ(a.pnn, -1);
}

TEST(IpAlloc, AllDisabledWithNoIpHostOnAllDisabledOffHostsOnThoseNodes) {
  AllocInput in = cluster(3, kSix, {-1, -1, -1, -1, -1, -1}, Algorithm::NonDeterministic);
  in.nodes[0].flags = NodeFlag::kUnhealthy;
  in.nodes[1].flags = NodeFlag::kPermanentlyDisabled;
  in.nodes[2].flags = NodeFlag::kStopped;  // inactive: never hosts
  in.nodes[0].noIpHostOnAllDisabled = false;
  in.nodes[1].noIpHostOnAllDisabled = false;
  in.nodes[2].noIpHostOnAllDisabled = false;
  EXPECT_EQ(counts(alloc(in), 3), (std::vector<size_t>{3, 3, 0}));
  // One healthy node: the tunable no longer matters, disabled nodes host nothing.
  in.nodes[2].flags = 0;
  EXPECT_EQ(counts(alloc(in), 3), (std::vector<size_t>{0, 0, 6}));
}

TEST(IpAlloc, OnlyRunningNodesHost) {
  AllocInput in = cluster(3, kSix, {0, 1, 2, 0, 1, 2});
  in.nodes[1].runstate = static_cast<uint32_t>(RunState::Startup);
  in.nodes[2].runstate = static_cast<uint32_t>(RunState::Shutdown);
  EXPECT_EQ(counts(alloc(in), 3), (std::vector<size_t>{6, 0, 0}));
}

TEST(IpAlloc, NodesHostOnlyTheirAvailableAddresses) {
  AllocInput in = cluster(2, kSix, {-1, -1, -1, -1, -1, -1});
  in.nodes[1].available.clear();
  in.nodes[1].available.push_back(ip("10.0.1.3"));
  in.nodes[0].available.erase(in.nodes[0].available.begin() + 5);  // not 10.0.1.3
  auto r = owners(alloc(in));
  EXPECT_EQ(r["10.0.1.3"], 1);
  EXPECT_EQ(r["10.0.0.1"], 0);
  EXPECT_EQ(r["10.0.1.2"], 0);
}

TEST(IpAlloc, UnhostableAddressStaysUnassignedWithWarning) {
  AllocInput in = cluster(2, {"10.0.0.1", "10.0.0.2"}, {0, -1});
  for (auto& n : in.nodes) n.available = {ip("10.0.0.1")};
  AllocResult r = alloc(in);
  EXPECT_EQ(owners(r)["10.0.0.2"], -1);
  EXPECT_TRUE(hasDiag(r, "Failed to find node to cover ip 10.0.0.2"));
}

TEST(IpAlloc, MergeTrustsOnlySelfClaimsAndHighestPnnWins) {
  AllocInput in;
  in.algorithm = Algorithm::Lcp2;
  in.noIpFailback = true;
  in.nodes.resize(3);
  // Node 0 says node 1 hosts A (ignored); nodes 0 and 2 both claim B.
  in.nodes[0].known = {{ip("10.9.0.1"), 1}, {ip("10.9.0.2"), 0}};
  in.nodes[1].known = {{ip("10.9.0.1"), -1}};
  in.nodes[2].known = {{ip("10.9.0.2"), 2}};
  for (auto& n : in.nodes)
    for (auto& k : n.known) n.available.push_back(k.addr);
  AllocResult r = alloc(in);
  ASSERT_EQ(r.ips.size(), 2u);
  EXPECT_EQ(owners(r)["10.9.0.2"], 2);
  // A was unowned: it went to the cheapest node that knows it.
  EXPECT_NE(owners(r)["10.9.0.1"], -1);
  EXPECT_TRUE(r.ips[0].knownOn[0] && !r.ips[0].knownOn[1] && r.ips[0].knownOn[2]);
}

TEST(IpAlloc, OutOfRangeClaimCountsAsUnowned) {
  AllocInput in = cluster(2, {"10.0.0.1"}, {7}, Algorithm::NonDeterministic);
  in.nodes[1].flags = NodeFlag::kBanned;
  EXPECT_EQ(alloc(in).ips[0].pnn, 0);
}

TEST(IpAlloc, CanHostIps) {
  AllocInput in = cluster(2, {"10.0.0.1"}, {-1});
  EXPECT_TRUE(canHostIps(in));
  for (auto& n : in.nodes) n.flags = NodeFlag::kUnhealthy;
  EXPECT_FALSE(canHostIps(in));  // nothing hosted and nobody may host
  in.nodes[1].known[0].pnn = 1;  // node 1 still holds it
  EXPECT_TRUE(canHostIps(in));
  AllocInput empty = cluster(2, {}, {});
  EXPECT_FALSE(canHostIps(empty));
}

TEST(IpAlloc, SameInputSameOutput) {
  AllocInput in = cluster(4, kSix, {3, -1, 0, 3, 3, -1});
  auto a = owners(alloc(in));
  auto b = owners(alloc(in));
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace ctdb::takeover
