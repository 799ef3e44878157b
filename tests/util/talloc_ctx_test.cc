#include "util/talloc_ctx.h"

#include <talloc.h>

#include <utility>

#include <gtest/gtest.h>

namespace ctdb {
namespace {

int g_child_freed = 0;

int countFree(int* p) {
  (void)p;
  ++g_child_freed;
  return 0;
}

TEST(TallocContext, ChildrenFreedWithContext) {
  g_child_freed = 0;
  {
    TallocContext ctx("test");
    ASSERT_NE(nullptr, ctx.get());
    int* child = talloc(ctx.get(), int);
    ASSERT_NE(nullptr, child);
    talloc_set_destructor(child, countFree);
    EXPECT_EQ(ctx.get(), talloc_parent(child));
  }
  EXPECT_EQ(1, g_child_freed);
}

TEST(TallocContext, MoveTransfersOwnership) {
  g_child_freed = 0;
  TallocContext a("a");
  void* raw = a.get();
  int* child = talloc(raw, int);
  talloc_set_destructor(child, countFree);
  TallocContext b(std::move(a));
  EXPECT_EQ(nullptr, a.get());  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_EQ(raw, b.get());
  EXPECT_EQ(0, g_child_freed);
  TallocContext c("c");
  c = std::move(b);
  EXPECT_EQ(raw, c.get());
  EXPECT_EQ(0, g_child_freed);
}

}  // namespace
}  // namespace ctdb
