#include "net/address_cache.h"

#include <gtest/gtest.h>

namespace ctdb::net {
namespace {

InterfaceAddress entry(const char* prefix, int ifindex, const char* iface) {
  InterfaceAddress a;
  a.prefix = *IpPrefix::parse(prefix);
  a.ifindex = ifindex;
  a.iface = iface;
  return a;
}

TEST(AddressCache, AddThenFind) {
  AddressCache c;
  auto ev = c.apply(entry("198.18.0.1/24", 2, "pub0"), false);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->change, AddressChange::Added);
  const auto* found = c.find(*IpAddress::parse("198.18.0.1"));
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->iface, "pub0");
  EXPECT_EQ(c.find(*IpAddress::parse("198.18.0.2")), nullptr);
  EXPECT_EQ(c.size(), 1u);
}

TEST(AddressCache, DuplicateAddIsNoChange) {
  AddressCache c;
  ASSERT_TRUE(c.apply(entry("198.18.0.1/24", 2, "pub0"), false).has_value());
  EXPECT_FALSE(c.apply(entry("198.18.0.1/24", 2, "pub0"), false).has_value());
  EXPECT_EQ(c.size(), 1u);
}

TEST(AddressCache, FlagChangeIsUpdate) {
  AddressCache c;
  auto a = entry("fd00::1/64", 2, "pub0");
  a.is_tentative = true;
  ASSERT_TRUE(c.apply(a, false).has_value());
  a.is_tentative = false;
  auto ev = c.apply(a, false);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->change, AddressChange::Updated);
  EXPECT_FALSE(c.find(a.prefix.addr)->is_tentative);
}

TEST(AddressCache, RemoveUnknownIsNoChange) {
  AddressCache c;
  EXPECT_FALSE(c.apply(entry("198.18.0.1/24", 2, "pub0"), true).has_value());
  ASSERT_TRUE(c.apply(entry("198.18.0.1/24", 2, "pub0"), false).has_value());
  // Same address, other prefix length: a different kernel entry.
  EXPECT_FALSE(c.apply(entry("198.18.0.1/25", 2, "pub0"), true).has_value());
  auto ev = c.apply(entry("198.18.0.1/24", 2, "pub0"), true);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->change, AddressChange::Removed);
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.find(*IpAddress::parse("198.18.0.1")), nullptr);
}

TEST(AddressCache, SameAddressOnTwoInterfacesFindsLowestIndex) {
  AddressCache c;
  ASSERT_TRUE(c.apply(entry("198.18.0.1/24", 5, "pub1"), false).has_value());
  ASSERT_TRUE(c.apply(entry("198.18.0.1/24", 3, "pub0"), false).has_value());
  EXPECT_EQ(c.find(*IpAddress::parse("198.18.0.1"))->iface, "pub0");
  EXPECT_EQ(c.findAll(*IpAddress::parse("198.18.0.1")).size(), 2u);
  ASSERT_TRUE(c.apply(entry("198.18.0.1/24", 3, "pub0"), true).has_value());
  EXPECT_EQ(c.find(*IpAddress::parse("198.18.0.1"))->iface, "pub1");
}

TEST(AddressCache, ReplaceAllReportsDifferencesOnly) {
  AddressCache c;
  ASSERT_TRUE(c.apply(entry("198.18.0.1/24", 2, "pub0"), false).has_value());
  ASSERT_TRUE(c.apply(entry("198.18.0.2/24", 2, "pub0"), false).has_value());
  auto events = c.replaceAll({entry("198.18.0.2/24", 2, "pub0"), entry("198.18.0.3/24", 2, "pub0")});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].change, AddressChange::Removed);
  EXPECT_EQ(events[0].addr.prefix.toString(), "198.18.0.1/24");
  EXPECT_EQ(events[1].change, AddressChange::Added);
  EXPECT_EQ(events[1].addr.prefix.toString(), "198.18.0.3/24");
  EXPECT_EQ(c.size(), 2u);
}

TEST(AddressCache, RemoveInterfaceDropsOnlyItsEntries) {
  AddressCache c;
  ASSERT_TRUE(c.apply(entry("198.18.0.1/24", 2, "pub0"), false).has_value());
  ASSERT_TRUE(c.apply(entry("198.18.1.1/24", 3, "pub1"), false).has_value());
  auto events = c.removeInterface(2);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].addr.iface, "pub0");
  EXPECT_EQ(c.size(), 1u);
  EXPECT_NE(c.find(*IpAddress::parse("198.18.1.1")), nullptr);
}

TEST(AddressCache, RenameInterface) {
  AddressCache c;
  ASSERT_TRUE(c.apply(entry("198.18.0.1/24", 2, "pub0"), false).has_value());
  c.renameInterface(2, "public0");
  EXPECT_EQ(c.find(*IpAddress::parse("198.18.0.1"))->iface, "public0");
}

}  // namespace
}  // namespace ctdb::net
