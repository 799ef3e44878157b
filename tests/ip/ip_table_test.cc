/*
 * IpTable / IfaceTable as pure logic: best-interface choice (CTDB §2.3),
 * assign/unassign reference counting, orphan sweep, ordering, invariants,
 * and a 4096-IP scale check that would expose O(N^2) behaviour.
 */
#include "ip/ip_table.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

namespace ctdb::server {
namespace {

IpPrefix P(const char* s) { return *IpPrefix::parse(s); }
IpAddress A(const char* s) { return *IpAddress::parse(s); }

TEST(IpTable, AddListsNewestFirstAndCreatesIfaces) {
  IpTable t(0);
  ASSERT_TRUE(t.add(P("198.19.0.1/16"), {"eth0"}).ok());
  ASSERT_TRUE(t.add(P("198.19.0.2/16"), {"eth1", "eth0"}).ok());
  auto l = t.list();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0]->addr(), A("198.19.0.2"));
  auto ifs = t.ifaces().list();
  ASSERT_EQ(ifs.size(), 2u);
  EXPECT_EQ(ifs[0].name, "eth1");
  EXPECT_TRUE(ifs[0].link_up);
  EXPECT_EQ(t.checkInvariants(), "");
}

TEST(IpTable, DuplicateAndEmptyIfacesRefused) {
  IpTable t(0);
  ASSERT_TRUE(t.add(P("198.19.0.1/16"), {"eth0"}).ok());
  EXPECT_EQ(t.add(P("198.19.0.1/24"), {"eth1"}).error().errnoValue(), EEXIST);
  EXPECT_FALSE(t.add(P("198.19.0.2/16"), {}).ok());
  EXPECT_EQ(t.size(), 1u);
}

TEST(IpTable, BestIfaceTiesGoToFirstListedFewerRefsWin) {
  IpTable t(0);
  ASSERT_TRUE(t.add(P("198.19.0.1/16"), {"eth0", "eth1"}).ok());
  ASSERT_TRUE(t.add(P("198.19.0.2/16"), {"eth0", "eth1"}).ok());
  auto* a = t.find(A("198.19.0.1"));
  auto* b = t.find(A("198.19.0.2"));
  EXPECT_EQ(*t.bestIface(*a), "eth0");
  t.assign(*a, "eth0");
  a->state = IpState::Held;
  EXPECT_EQ(*t.bestIface(*b), "eth1");
}

TEST(IpTable, BestIfaceSkipsLinkDownNoneWhenAllDown) {
  IpTable t(0);
  ASSERT_TRUE(t.add(P("198.19.0.1/16"), {"eth0", "eth1"}).ok());
  auto* a = t.find(A("198.19.0.1"));
  t.ifaces().find("eth0")->link_up = false;
  EXPECT_EQ(*t.bestIface(*a), "eth1");
  EXPECT_TRUE(t.hasUsableIface(*a));
  t.ifaces().find("eth1")->link_up = false;
  EXPECT_FALSE(t.bestIface(*a).has_value());
  EXPECT_FALSE(t.hasUsableIface(*a));
}

TEST(IpTable, AssignMovesReferencesUnassignClearsOwnPnn) {
  IpTable t(3);
  ASSERT_TRUE(t.add(P("198.19.0.1/16"), {"eth0", "eth1"}).ok());
  auto* a = t.find(A("198.19.0.1"));
  t.assign(*a, "eth0");
  a->state = IpState::Held;
  EXPECT_EQ(a->pnn, 3u);
  EXPECT_EQ(t.ifaces().find("eth0")->references, 1u);
  t.assign(*a, "eth1");
  EXPECT_EQ(t.ifaces().find("eth0")->references, 0u);
  EXPECT_EQ(t.ifaces().find("eth1")->references, 1u);
  EXPECT_EQ(t.checkInvariants(), "");
  t.unassign(*a);
  EXPECT_EQ(a->pnn, protocol::kUnknownPnn);
  EXPECT_EQ(a->state, IpState::Unassigned);
  EXPECT_EQ(t.ifaces().find("eth1")->references, 0u);
  EXPECT_EQ(t.checkInvariants(), "");
}

TEST(IpTable, UnassignKeepsOtherNodesPnn) {
  IpTable t(0);
  ASSERT_TRUE(t.add(P("198.19.0.1/16"), {"eth0"}).ok());
  auto* a = t.find(A("198.19.0.1"));
  a->pnn = 2;
  t.unassign(*a);
  EXPECT_EQ(a->pnn, 2u);
}

TEST(IpTable, RemoveSweepsOnlyOrphanIfaces) {
  IpTable t(0);
  ASSERT_TRUE(t.add(P("198.19.0.1/16"), {"eth0", "eth1"}).ok());
  ASSERT_TRUE(t.add(P("198.19.0.2/16"), {"eth1"}).ok());
  auto* a = t.find(A("198.19.0.1"));
  t.assign(*a, "eth1");
  a->state = IpState::Held;
  ASSERT_TRUE(t.remove(A("198.19.0.1")).ok());
  EXPECT_EQ(t.ifaces().find("eth0"), nullptr);
  ASSERT_NE(t.ifaces().find("eth1"), nullptr);
  EXPECT_EQ(t.ifaces().find("eth1")->references, 0u);
  EXPECT_EQ(t.remove(A("198.19.0.1")).error().errnoValue(), ENOENT);
  EXPECT_EQ(t.checkInvariants(), "");
}

TEST(IpTable, InvariantCheckCatchesBrokenState) {
  IpTable t(0);
  ASSERT_TRUE(t.add(P("198.19.0.1/16"), {"eth0"}).ok());
  t.find(A("198.19.0.1"))->state = IpState::Held;  // Held without iface
  EXPECT_NE(t.checkInvariants(), "");
}

TEST(IpTable, ScalesTo4096Ips) {
  IpTable t(0);
  auto start = std::chrono::steady_clock::now();
  for (uint32_t i = 0; i < 4096; i++) {
    IpPrefix p{IpAddress::v4(0xC6130000u + i), 16};
    ASSERT_TRUE(t.add(p, {"eth0", "eth1"}).ok());
  }
  for (PublicIpEntry* e : t.listMutable()) {
    t.assign(*e, *t.bestIface(*e));
    e->state = IpState::Held;
  }
  EXPECT_EQ(t.ifaces().find("eth0")->references, 2048u);
  EXPECT_EQ(t.ifaces().find("eth1")->references, 2048u);
  for (uint32_t i = 0; i < 4096; i += 2) ASSERT_TRUE(t.remove(IpAddress::v4(0xC6130000u + i)).ok());
  EXPECT_EQ(t.size(), 2048u);
  EXPECT_EQ(t.checkInvariants(), "");
  // A figure, not a bound (bench/run-scale.sh collects it).
  std::printf("ip table: 4096 adds, assigns and 2048 removes: %.3f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace
}  // namespace ctdb::server

namespace ctdb::server {
namespace {

TEST(IpTable, MembershipTransitionsAreNamedAndOneWayEach) {
  IpTable t(0);
  ASSERT_TRUE(t.add(*IpPrefix::parse("198.18.1.1/24"), {"eth0"}).ok());
  PublicIpEntry* e = t.find(*IpAddress::parse("198.18.1.1"));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->membership, IpMembership::Configured);
  EXPECT_TRUE(t.hasUsableIface(*e));
  EXPECT_FALSE(t.cancelDeletion(*e));  // nothing to cancel
  EXPECT_TRUE(t.markDeletePending(*e));
  EXPECT_FALSE(t.markDeletePending(*e));  // already pending
  EXPECT_TRUE(e->isDeletePending());
  EXPECT_FALSE(t.hasUsableIface(*e));  // never offered for hosting
  EXPECT_TRUE(t.cancelDeletion(*e));
  EXPECT_EQ(e->membership, IpMembership::Configured);
  EXPECT_STREQ(toString(IpMembership::DeletePending), "delete-pending");
}

}  // namespace
}  // namespace ctdb::server
