/*
 * ScriptIpActions coalescing: takeIp/releaseIp calls of one loop iteration
 * become one batch group, calls made while a batch runs wait for the next
 * one, every caller gets its own Status, cancellation (waiting, running,
 * all members), a failure in the middle falling back to per-IP runs,
 * classic-only trees (no groups) and mixed trees (one group per helper).
 */
#include "event/script_ip_actions.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "event_fixture.h"

namespace ctdb::event::test {
namespace {

using namespace std::chrono_literals;

size_t countPrefix(const std::vector<std::string>& v, const std::string& p) {
  return size_t(std::count_if(v.begin(), v.end(), [&](auto& l) { return l.rfind(p, 0) == 0; }));
}

class ScriptIpActionsTest : public EventFixture {
 protected:
  std::string log() const { return base_ + "/log"; }
  /* Batch-capable: logs "NAME ARGS" and "  LINE" per stdin line; an IP in
   * base_/fail fails (batch: exit 1; classic: exit 3); base_/slow makes
   * every batch run sleep that many seconds. */
  void batchScript(const std::string& name) {
    script(ipEvents(), name,
           "# ctdb-ip-events: batch\n"
           "echo \"" + name + " $*\" >> " + log() + "\n"
           "case \"$1\" in\n"
           "*batch) [ -r " + base_ + "/slow ] && sleep $(cat " + base_ + "/slow)\n"
           "        rc=0; while read -r i a b; do echo \"  $a\" >> " + log() + "\n"
           "          grep -qx \"$a\" " + base_ + "/fail 2>/dev/null && rc=1; done; exit $rc ;;\n"
           "*) grep -qx \"$3\" " + base_ + "/fail 2>/dev/null && { echo \"no $3\"; exit 3; }; exit 0 ;;\n"
           "esac");
  }
  void classicScript(const std::string& name) {
    script(ipEvents(), name, "echo \"" + name + " $*\" >> " + log());
  }
  static IpPrefix pfx(int n) {
    return IpPrefix::parse("198.18.0." + std::to_string(n) + "/24").value();
  }
  std::vector<std::string> logLines() { return lines(readFile(log())); }

  /* Results by host number; runs the loop until `want` results are in. */
  std::map<int, Status> results_;
  std::vector<PendingOp> ops_;
  void take(ScriptIpActions& a, int n) {
    ops_.push_back(a.takeIp("eth0", pfx(n), [this, n](Status s) { results_.emplace(n, s); }));
  }
  void release(ScriptIpActions& a, int n) {
    ops_.push_back(a.releaseIp("eth0", pfx(n), [this, n](Status s) { results_.emplace(n, s); }));
  }
  bool waitResults(size_t want, std::chrono::milliseconds limit = 20s) {
    return loop_->runUntil([&] { return results_.size() >= want; }, limit);
  }
};

TEST_F(ScriptIpActionsTest, CallsOfOneIterationBecomeOneBatch) {
  batchScript("10.batch");
  ScriptIpActions actions(runner());
  for (int n = 1; n <= 5; ++n) take(actions, n);
  EXPECT_TRUE(results_.empty()) << "completion is never synchronous";
  ASSERT_TRUE(waitResults(5));
  for (auto& [n, s] : results_) EXPECT_TRUE(s.ok()) << n << ": " << s.error().message();
  auto l = logLines();
  EXPECT_EQ(countPrefix(l, "10.batch takeipbatch"), 1u) << readFile(log());
  EXPECT_EQ(countPrefix(l, "  198.18.0."), 5u);
  EXPECT_EQ(actions.flushes(), 1u);
  EXPECT_EQ(runner().helpersSpawned(), 1u);
  EXPECT_EQ(lines(readFile(state() + "/ip_changes")).size(), 5u);
}

TEST_F(ScriptIpActionsTest, TakesAndReleasesAreSeparateBatches) {
  batchScript("10.batch");
  ScriptIpActions actions(runner());
  take(actions, 1);
  take(actions, 2);
  release(actions, 3);
  release(actions, 4);
  ASSERT_TRUE(waitResults(4));
  for (auto& [n, s] : results_) EXPECT_TRUE(s.ok()) << n;
  auto l = logLines();
  EXPECT_EQ(countPrefix(l, "10.batch takeipbatch"), 1u);
  EXPECT_EQ(countPrefix(l, "10.batch releaseipbatch"), 1u);
}

TEST_F(ScriptIpActionsTest, CallsDuringARunningBatchWaitForTheNextOne) {
  batchScript("10.batch");
  writeFile(base_ + "/slow", "0.5");
  ScriptIpActions actions(runner());
  take(actions, 1);
  take(actions, 2);
  ASSERT_TRUE(loop_->runUntil([&] { return actions.running(0) == 2; }, 5s));
  // Later loop iterations, while the first batch runs.
  int fired = 0;
  RepeatingTimer more(*loop_, 20ms, [&] {
    if (fired < 3) take(actions, 10 + fired++);
  });
  ASSERT_TRUE(loop_->runUntil([&] { return fired == 3; }, 5s));
  EXPECT_EQ(actions.waiting(0), 3u) << "collected, not started, while a batch runs";
  ASSERT_TRUE(waitResults(5));
  for (auto& [n, s] : results_) EXPECT_TRUE(s.ok()) << n;
  auto l = logLines();
  EXPECT_EQ(countPrefix(l, "10.batch takeipbatch"), 2u) << readFile(log());
  EXPECT_EQ(actions.flushes(), 2u);
}

TEST_F(ScriptIpActionsTest, FailureInTheMiddleFailsOnlyThatCaller) {
  auto o = options();
  o.max_helpers = 1;  // a mixed tree: one group per helper, so one group
  makeRunner(o);
  batchScript("10.batch");
  classicScript("20.classic");
  writeFile(base_ + "/fail", "198.18.0.3\n");
  ScriptIpActions actions(runner());
  for (int n = 1; n <= 5; ++n) take(actions, n);
  ASSERT_TRUE(waitResults(5));
  for (auto& [n, s] : results_) {
    if (n == 3) {
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.error().errnoValue(), EIO);
      EXPECT_NE(s.error().message().find("takeip eth0 198.18.0.3 24: script 10.batch"),
                std::string::npos) << s.error().message();
      EXPECT_NE(s.error().message().find("no 198.18.0.3"), std::string::npos);
    } else {
      EXPECT_TRUE(s.ok()) << n << ": " << s.error().message();
    }
  }
  auto l = logLines();
  EXPECT_EQ(countPrefix(l, "10.batch takeipbatch"), 1u);
  EXPECT_EQ(countPrefix(l, "10.batch takeip eth0"), 5u) << "per-IP fallback";
  EXPECT_EQ(countPrefix(l, "20.classic takeip eth0 198.18.0.3"), 0u);
  EXPECT_EQ(countPrefix(l, "20.classic takeip eth0"), 4u);
  auto changes = lines(readFile(state() + "/ip_changes"));
  EXPECT_EQ(changes.size(), 4u);
  EXPECT_EQ(std::count(changes.begin(), changes.end(), "takeip eth0 198.18.0.3 24"), 0);
}

TEST_F(ScriptIpActionsTest, CancelledWaitingCallIsLeftOutAndNeverCalled) {
  batchScript("10.batch");
  ScriptIpActions actions(runner());
  take(actions, 1);
  take(actions, 2);
  take(actions, 3);
  ops_[1].cancel();  // before the flush
  EXPECT_EQ(actions.waiting(0), 2u);
  ASSERT_TRUE(waitResults(2));
  loop_->runUntil([] { return false; }, 100ms);
  EXPECT_EQ(results_.count(2), 0u);
  auto l = logLines();
  EXPECT_EQ(countPrefix(l, "  198.18.0.2"), 0u);
  EXPECT_EQ(countPrefix(l, "  198.18.0."), 2u);
}

TEST_F(ScriptIpActionsTest, CancellingARunningMemberKeepsTheOthers) {
  batchScript("10.batch");
  writeFile(base_ + "/slow", "0.3");
  ScriptIpActions actions(runner());
  take(actions, 1);
  take(actions, 2);
  ASSERT_TRUE(loop_->runUntil([&] { return actions.running(0) == 2; }, 5s));
  ops_[0].cancel();
  EXPECT_EQ(actions.running(0), 1u);
  ASSERT_TRUE(waitResults(1));
  loop_->runUntil([] { return false; }, 100ms);
  EXPECT_EQ(results_.count(1), 0u);
  EXPECT_TRUE(results_.at(2).ok());
}

TEST_F(ScriptIpActionsTest, CancellingEveryRunningMemberKillsTheHelper) {
  batchScript("10.batch");
  writeFile(base_ + "/slow", "100");
  ScriptIpActions actions(runner());
  take(actions, 1);
  take(actions, 2);
  ASSERT_TRUE(loop_->runUntil([&] { return runner().runningHelpers() == 1; }, 5s));
  ops_.clear();
  EXPECT_EQ(actions.running(0), 0u);
  EXPECT_TRUE(loop_->runUntil([&] { return runner().runningHelpers() == 0; }, 5s));
  // The kind is free again: a new call runs at once (no slow file).
  unlink((base_ + "/slow").c_str());
  take(actions, 3);
  ASSERT_TRUE(waitResults(1));
  EXPECT_TRUE(results_.at(3).ok());
  EXPECT_EQ(results_.count(1) + results_.count(2), 0u);
}

TEST_F(ScriptIpActionsTest, DestroyingTheActionsCompletesWaitingCallersWithEcanceled) {
  batchScript("10.batch");
  writeFile(base_ + "/slow", "100");
  auto actions = std::make_unique<ScriptIpActions>(runner());
  take(*actions, 1);
  take(*actions, 2);
  ASSERT_TRUE(loop_->runUntil([&] { return actions->running(0) == 2; }, 5s));
  take(*actions, 3);  // waiting behind the running batch
  actions.reset();
  ASSERT_TRUE(waitResults(3, 5s));
  for (auto& [n, s] : results_) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().errnoValue(), ECANCELED) << n;
  }
  EXPECT_TRUE(loop_->runUntil([&] { return runner().runningHelpers() == 0; }, 5s));
}

TEST_F(ScriptIpActionsTest, ClassicTreeIsNotGroupedAndDoesNotWait) {
  classicScript("10.classic");
  ScriptIpActions actions(runner());
  for (int n = 1; n <= 4; ++n) take(actions, n);
  ASSERT_TRUE(waitResults(4));
  for (auto& [n, s] : results_) EXPECT_TRUE(s.ok()) << n;
  EXPECT_EQ(countPrefix(logLines(), "10.classic takeip eth0"), 4u);
  EXPECT_EQ(runner().batchRuns(), 0u);
}

TEST_F(ScriptIpActionsTest, MixedTreeUsesOneGroupPerHelper) {
  auto o = options();
  o.max_helpers = 2;
  makeRunner(o);
  batchScript("10.batch");
  classicScript("20.classic");
  ScriptIpActions actions(runner());
  for (int n = 1; n <= 6; ++n) take(actions, n);
  ASSERT_TRUE(waitResults(6));
  for (auto& [n, s] : results_) EXPECT_TRUE(s.ok()) << n;
  auto l = logLines();
  EXPECT_EQ(countPrefix(l, "10.batch takeipbatch"), 2u) << readFile(log());
  EXPECT_EQ(countPrefix(l, "20.classic takeip eth0"), 6u);
  EXPECT_EQ(runner().helpersSpawned(), 2u);
}

TEST_F(ScriptIpActionsTest, MaxBatchSplitsABurst) {
  batchScript("10.batch");
  ScriptIpActions actions(runner(), 3);
  for (int n = 1; n <= 7; ++n) take(actions, n);
  ASSERT_TRUE(waitResults(7));
  for (auto& [n, s] : results_) EXPECT_TRUE(s.ok()) << n;
  // 3 + 3 as batches, the last one alone as a classic event.
  auto l = logLines();
  EXPECT_EQ(countPrefix(l, "10.batch takeipbatch"), 2u) << readFile(log());
  EXPECT_EQ(countPrefix(l, "10.batch takeip eth0"), 1u);
}

}  // namespace
}  // namespace ctdb::event::test
