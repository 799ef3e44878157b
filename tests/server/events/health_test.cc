/*
 * HealthMonitor: the verdict rules (success, failure, skipped monitors,
 * timeouts counted up to MonitorTimeoutCount) and the loop behaviour
 * (UNHEALTHY set on failure and cleared on success, one takeover-run
 * request per health change, stop() ends the monitors). The monitor event
 * is faked: no processes.
 */
#include "server/events/health.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <deque>

namespace ctdb::server {
namespace {

using namespace std::chrono_literals;
using event::EventResult;
using event::ScriptResult;
using event::ScriptState;

EventResult withScript(ScriptState st, int code = 0) {
  EventResult r;
  r.event = event::Event::Monitor;
  ScriptResult s;
  s.name = "10.probe";
  s.state = st;
  s.code = code;
  r.scripts.push_back(s);
  return r;
}

Result<EventResult> ok() { return withScript(ScriptState::Ok); }
Result<EventResult> failed() { return withScript(ScriptState::Failed, 1); }
Result<EventResult> timedOut() { return withScript(ScriptState::TimedOut); }
Result<EventResult> skipped() { return errnoError(ECANCELED, "monitor skipped"); }

class HealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l.ok());
    loop_ = std::move(*l);
  }

  HealthHooks hooks() {
    HealthHooks h;
    h.run_monitor = [this](HealthHooks::MonitorDone d) {
      auto [op, c] = makeAsync<EventResult>(*loop_, std::move(d));
      ++monitors_;
      if (results_.empty()) {
        c.complete(ok());
      } else {
        c.complete(std::move(results_.front()));
        results_.pop_front();
      }
      return std::move(op);
    };
    h.monitor_interval_s = [] { return 1u; };
    h.monitor_timeout_count = [this] { return timeout_count_; };
    h.is_unhealthy = [this] { return unhealthy_; };
    h.set_unhealthy = [this](bool b) {
      unhealthy_ = b;
      changes_.push_back(b);
    };
    h.request_takeover_run = [this](const std::string&) { ++runs_requested_; };
    return h;
  }

  std::unique_ptr<EventLoop> loop_;
  std::deque<Result<EventResult>> results_;
  uint32_t timeout_count_ = 3;
  bool unhealthy_ = false;
  std::vector<bool> changes_;
  int runs_requested_ = 0;
  int monitors_ = 0;
};

TEST_F(HealthTest, SuccessAndFailureVerdicts) {
  HealthMonitor m(*loop_, hooks());
  EXPECT_EQ(m.classify(ok()), HealthMonitor::Verdict::Ok);
  EXPECT_EQ(m.classify(failed()), HealthMonitor::Verdict::Fail);
  EXPECT_EQ(m.classify(withScript(ScriptState::Signaled, 9)), HealthMonitor::Verdict::Fail);
  EXPECT_EQ(m.classify(withScript(ScriptState::ExecFailed, EACCES)), HealthMonitor::Verdict::Fail);
  EXPECT_EQ(m.classify(errnoError(EPIPE, "helper died")), HealthMonitor::Verdict::Fail);
  // Disabled scripts are not failures.
  EXPECT_EQ(m.classify(withScript(ScriptState::Disabled)), HealthMonitor::Verdict::Ok);
}

TEST_F(HealthTest, SkippedMonitorIsIgnored) {
  HealthMonitor m(*loop_, hooks());
  EXPECT_EQ(m.classify(skipped()), HealthMonitor::Verdict::Ignore);
  EXPECT_EQ(m.classify(withScript(ScriptState::Cancelled)), HealthMonitor::Verdict::Ignore);
}

TEST_F(HealthTest, TimeoutsFailOnlyAfterMonitorTimeoutCount) {
  HealthMonitor m(*loop_, hooks());
  EXPECT_EQ(m.classify(timedOut()), HealthMonitor::Verdict::Ok);
  EXPECT_EQ(m.classify(timedOut()), HealthMonitor::Verdict::Ok);
  EXPECT_EQ(m.consecutiveTimeouts(), 2u);
  EXPECT_EQ(m.classify(timedOut()), HealthMonitor::Verdict::Fail);  // 3rd = MonitorTimeoutCount
  EXPECT_EQ(m.classify(timedOut()), HealthMonitor::Verdict::Fail);
  // A run that did not time out resets the count.
  EXPECT_EQ(m.classify(ok()), HealthMonitor::Verdict::Ok);
  EXPECT_EQ(m.consecutiveTimeouts(), 0u);
  EXPECT_EQ(m.classify(timedOut()), HealthMonitor::Verdict::Ok);
  EXPECT_EQ(m.classify(failed()), HealthMonitor::Verdict::Fail);
  EXPECT_EQ(m.consecutiveTimeouts(), 0u);
}

TEST_F(HealthTest, FailureMarksUnhealthyAndSuccessClearsWithOneRunRequestEach) {
  results_ = {failed(), failed(), ok()};
  HealthMonitor m(*loop_, hooks());
  m.start();
  ASSERT_TRUE(loop_->runUntil([&] { return m.monitorsRun() >= 3; }, 10s));
  m.stop();
  EXPECT_EQ(changes_, (std::vector<bool>{true, false}));
  EXPECT_FALSE(unhealthy_);
  EXPECT_EQ(runs_requested_, 2);
}

TEST_F(HealthTest, StopEndsMonitoring) {
  HealthMonitor m(*loop_, hooks());
  m.start();
  ASSERT_TRUE(loop_->runUntil([&] { return m.monitorsRun() >= 1; }, 5s));
  m.stop();
  int seen = monitors_;
  (void)loop_->runUntil([] { return false; }, 1500ms);
  EXPECT_EQ(monitors_, seen);
  EXPECT_FALSE(m.isRunning());
}

}  // namespace
}  // namespace ctdb::server
