#include "server/core/srvid_registry.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "protocol/constants.h"

namespace ctdb::server {
namespace {

std::vector<ClientId> sorted(std::vector<ClientId> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(SrvidRegistry, RegisterAndLookup) {
  SrvidRegistry r;
  r.registerSrvid(1, 100);
  r.registerSrvid(2, 100);
  r.registerSrvid(2, 200);
  EXPECT_EQ(sorted(r.listeners(100)), (std::vector<ClientId>{1, 2}));
  EXPECT_EQ(r.listeners(200), std::vector<ClientId>{2});
  EXPECT_TRUE(r.listeners(300).empty());
  EXPECT_TRUE(r.isRegistered(2, 200));
  EXPECT_FALSE(r.isRegistered(1, 200));
}

TEST(SrvidRegistry, DeregisterUnknownIsEnoent) {
  SrvidRegistry r;
  auto st = r.deregisterSrvid(1, 100);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().errnoValue(), ENOENT);
  r.registerSrvid(2, 100);
  auto st2 = r.deregisterSrvid(1, 100);  // registered, but by another client
  ASSERT_FALSE(st2.ok());
  EXPECT_EQ(st2.error().errnoValue(), ENOENT);
}

TEST(SrvidRegistry, DoubleRegistrationNeedsTwoDeregisters) {
  SrvidRegistry r;
  r.registerSrvid(1, 100);
  r.registerSrvid(1, 100);
  EXPECT_EQ(r.listeners(100).size(), 1u);  // delivered once
  ASSERT_TRUE(r.deregisterSrvid(1, 100).ok());
  EXPECT_TRUE(r.isRegistered(1, 100));
  ASSERT_TRUE(r.deregisterSrvid(1, 100).ok());
  EXPECT_FALSE(r.isRegistered(1, 100));
  EXPECT_FALSE(r.deregisterSrvid(1, 100).ok());
  EXPECT_EQ(r.srvidCount(), 0u);
}

TEST(SrvidRegistry, DropClientRemovesEverything) {
  SrvidRegistry r;
  r.registerSrvid(1, 100);
  r.registerSrvid(1, 200);
  r.registerSrvid(2, 200);
  r.dropClient(1);
  EXPECT_TRUE(r.listeners(100).empty());
  EXPECT_EQ(r.listeners(200), std::vector<ClientId>{2});
  EXPECT_FALSE(r.hasListeners(100));
  r.dropClient(1);  // idempotent
  r.dropClient(2);
  EXPECT_EQ(r.srvidCount(), 0u);
}

TEST(SrvidRegistry, CatchAllHearsEverythingOnce) {
  SrvidRegistry r;
  r.registerSrvid(1, protocol::kSrvidAll);
  r.registerSrvid(2, 100);
  r.registerSrvid(1, 100);
  EXPECT_EQ(sorted(r.listeners(100)), (std::vector<ClientId>{1, 2}));
  EXPECT_EQ(r.listeners(555), std::vector<ClientId>{1});
  EXPECT_TRUE(r.hasListeners(555));
}

TEST(SrvidRegistry, ManyClientsManySrvidsStaysIndexed) {
  SrvidRegistry r;
  for (ClientId c = 1; c <= 2000; ++c)
    for (uint64_t s = 0; s < 20; ++s) r.registerSrvid(c, (uint64_t{c} << 8) | s);
  r.registerSrvid(7, 42);
  EXPECT_EQ(r.listeners(42), std::vector<ClientId>{7});
  EXPECT_EQ(r.listeners((uint64_t{1500} << 8) | 3), std::vector<ClientId>{1500});
  for (ClientId c = 1; c <= 2000; ++c) r.dropClient(c);
  EXPECT_EQ(r.srvidCount(), 0u);
}

}  // namespace
}  // namespace ctdb::server
