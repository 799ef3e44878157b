#include "server/core/runstate.h"

#include <gtest/gtest.h>

#include <vector>

namespace ctdb::server {
namespace {

TEST(RunstateMachine, ForwardTransitionsRunHooks) {
  RunstateMachine m;
  std::vector<Runstate> seen;
  m.onRunstate(Runstate::Setup, [&](Runstate rs) { seen.push_back(rs); });
  m.onRunstate(Runstate::Running, [&](Runstate rs) { seen.push_back(rs); });
  for (auto rs : {Runstate::Init, Runstate::Setup, Runstate::FirstRecovery, Runstate::Startup,
                  Runstate::Running})
    ASSERT_TRUE(m.transition(rs).ok());
  EXPECT_EQ(m.current(), Runstate::Running);
  EXPECT_EQ(seen, (std::vector<Runstate>{Runstate::Setup, Runstate::Running}));
}

TEST(RunstateMachine, BackwardsAndRepeatRefused) {
  RunstateMachine m;
  ASSERT_TRUE(m.transition(Runstate::Setup).ok());
  EXPECT_FALSE(m.transition(Runstate::Init).ok());
  EXPECT_FALSE(m.transition(Runstate::Setup).ok());
  EXPECT_EQ(m.current(), Runstate::Setup);
}

TEST(RunstateMachine, ShutdownFromAnyStateOnce) {
  RunstateMachine m;
  ASSERT_TRUE(m.transition(Runstate::Init).ok());
  ASSERT_TRUE(m.transition(Runstate::Shutdown).ok());
  EXPECT_FALSE(m.transition(Runstate::Shutdown).ok());
  EXPECT_FALSE(m.transition(Runstate::Running).ok());
}

TEST(RunstateMachine, HookEnteringNextStateDoesNotNest) {
  RunstateMachine m;
  std::vector<int> order;
  m.onRunstate(Runstate::Init, [&](Runstate) {
    order.push_back(1);
    ASSERT_TRUE(m.transition(Runstate::Setup).ok());
    order.push_back(2);
  });
  m.onRunstate(Runstate::Setup, [&](Runstate) { order.push_back(3); });
  ASSERT_TRUE(m.transition(Runstate::Init).ok());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(m.current(), Runstate::Setup);
}

}  // namespace
}  // namespace ctdb::server
