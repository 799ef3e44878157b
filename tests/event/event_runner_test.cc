/*
 * EventRunner: the concurrency model (bound, per-IP order, non-IP
 * serialisation, monitor rules, batching), the changes file as seen by
 * scripts, last status, and ScriptIpActions.
 */
#include "event/event_runner.h"

#include <dirent.h>

#include <map>
#include <sstream>

#include "event/script_ip_actions.h"
#include "event_fixture.h"
#include "util/logging.h"

namespace ctdb::event::test {
namespace {

using namespace std::chrono_literals;

class EventRunnerTest : public EventFixture {
 protected:
  /* A script that fails if another instance with the same `lock` runs. It
   * records the highest number of concurrently running instances (over
   * all locks) in base_/max. */
  void exclusiveScript(const std::string& dir, const std::string& name, const std::string& lock,
                       const std::string& extra = "") {
    script(dir, name,
           "L=" + base_ + "/lock." + lock + "\n"
           "mkdir $L 2>/dev/null || { echo overlap; exit 9; }\n"
           "mkdir -p " + base_ + "/running; touch " + base_ + "/running/$$\n"
           "n=$(ls " + base_ + "/running | wc -l)\n"
           "echo $n >> " + base_ + "/max\n" +
           extra + "\n"
           "rm -f " + base_ + "/running/$$; rmdir $L\n");
  }
  int maxRunning() {
    int m = 0;
    for (auto& l : lines(readFile(base_ + "/max"))) m = std::max(m, std::atoi(l.c_str()));
    return m;
  }
};

TEST_F(EventRunnerTest, WrongArgumentCountIsRefused) {
  auto r = runSync(Event::TakeIp, {"eth0", "198.18.0.1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().errnoValue(), EINVAL);
}

TEST_F(EventRunnerTest, CompletionIsNeverSynchronous) {
  bool called = false;
  auto op = runner().run({Event::TakeIp, {}, std::nullopt}, [&](Result<EventResult>) { called = true; });
  EXPECT_FALSE(called);
  loop_->runUntil([&] { return called; }, 5s);
  EXPECT_TRUE(called);
}

TEST_F(EventRunnerTest, FiveHundredIpEventsStayWithinBoundAndLoopStaysResponsive) {
  auto o = options();
  o.max_helpers = 4;
  makeRunner(o);
  script(ipEvents(), "10.trivial", "echo \"$1 $3\" >> " + base_ + "/log");
  int ticks = 0;
  RepeatingTimer tick(*loop_, 5ms, [&] { ++ticks; });
  std::vector<PendingOp> ops;
  std::map<std::string, std::vector<std::string>> expected;  // ip -> events in order
  int done = 0, failed = 0;
  for (int i = 0; i < 500; ++i) {
    std::string ip = "198.18." + std::to_string(i % 100 / 250) + "." + std::to_string(i % 100 + 1);
    Event e = (i / 100) % 2 == 0 ? Event::TakeIp : Event::ReleaseIp;
    expected[ip].push_back(toString(e));
    ops.push_back(runner_->run({e, {"eth0", ip, "24"}, std::nullopt},
                               [&](Result<EventResult> r) {
                                 ++done;
                                 if (!r.ok() || !r->isSuccess()) ++failed;
                               }));
    EXPECT_LE(runner_->runningHelpers(), 4u);
  }
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(loop_->runUntil([&] {
    EXPECT_LE(runner_->runningHelpers(), 4u);
    return done == 500;
  }, 60s));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(failed, 0);
  EXPECT_LE(runner_->maxConcurrentHelpers(), 4u);
  EXPECT_GE(runner_->maxConcurrentHelpers(), 2u);
  EXPECT_LT(runner_->helpersSpawned(), 500u) << "batching should cut spawns";
  // The loop kept turning: the 5 ms timer fired throughout the run.
  auto expected_ticks = std::chrono::duration_cast<std::chrono::milliseconds>(took).count() / 5;
  EXPECT_GE(ticks, expected_ticks / 4) << "loop blocked: " << ticks << " ticks in "
                                       << expected_ticks * 5 << " ms";
  // Per-IP order as requested; each IP event recorded in the changes file.
  std::map<std::string, std::vector<std::string>> seen;
  for (auto& l : lines(readFile(base_ + "/log"))) {
    auto sp = l.find(' ');
    seen[l.substr(sp + 1)].push_back(l.substr(0, sp));
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(lines(readFile(state() + "/ip_changes")).size(), 500u);
}

TEST_F(EventRunnerTest, SameIpSerialisedDifferentIpsParallel) {
  exclusiveScript(ipEvents(), "10.ip", "$3", "sleep 0.3");
  std::vector<PendingOp> ops;
  int ok = 0, done = 0;
  auto cb = [&](Result<EventResult> r) {
    ++done;
    if (r.ok() && r->isSuccess()) ++ok;
  };
  for (int i = 0; i < 3; ++i) {
    ops.push_back(runner().run({Event::TakeIp, {"eth0", "198.18.0.1", "24"}, std::nullopt}, cb));
    ops.push_back(runner().run({Event::TakeIp, {"eth0", "198.18.0.2", "24"}, std::nullopt}, cb));
  }
  ASSERT_TRUE(loop_->runUntil([&] { return done == 6; }, 30s));
  EXPECT_EQ(ok, 6) << "same-IP events overlapped";
  EXPECT_GE(maxRunning(), 2) << "different IPs did not run in parallel";
}

TEST_F(EventRunnerTest, NonIpEventsAreSerialised) {
  exclusiveScript(events(), "10.ev", "events", "sleep 0.2");
  std::vector<PendingOp> ops;
  int ok = 0, done = 0;
  for (Event e : {Event::Startup, Event::StartRecovery, Event::Recovered, Event::IpReallocated}) {
    ops.push_back(runner().run({e, {}, std::nullopt}, [&](Result<EventResult> r) {
      ++done;
      if (r.ok() && r->isSuccess()) ++ok;
    }));
  }
  ASSERT_TRUE(loop_->runUntil([&] { return done == 4; }, 30s));
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(maxRunning(), 1);
}

TEST_F(EventRunnerTest, MonitorSkippedWhileAnotherEventRuns) {
  script(ipEvents(), "10.slow", "sleep 0.3");
  script(events(), "10.mon", "exit 0");
  std::optional<Result<EventResult>> take, mon;
  auto op1 = runner().run({Event::TakeIp, {"eth0", "198.18.0.1", "24"}, std::nullopt},
                          [&](Result<EventResult> r) { take.emplace(std::move(r)); });
  auto op2 = runner().run({Event::Monitor, {}, std::nullopt},
                          [&](Result<EventResult> r) { mon.emplace(std::move(r)); });
  ASSERT_TRUE(loop_->runUntil([&] { return take && mon; }, 10s));
  ASSERT_FALSE(mon->ok());
  EXPECT_EQ(mon->error().errnoValue(), ECANCELED);
  EXPECT_TRUE(take->ok());
  EXPECT_EQ(runner().lastStatus(Event::Monitor), nullptr);
}

TEST_F(EventRunnerTest, OtherEventCancelsRunningMonitor) {
  std::string pidfile = base_ + "/monpid";
  script(events(), "10.mon", "[ \"$1\" = monitor ] || exit 0\necho $$ > " + pidfile + "; sleep 100");
  std::optional<Result<EventResult>> mon, start;
  auto op1 = runner().run({Event::Monitor, {}, std::nullopt},
                          [&](Result<EventResult> r) { mon.emplace(std::move(r)); });
  RepeatingTimer wake(*loop_, 10ms, [] {});  // the pid file is not a loop event
  ASSERT_TRUE(loop_->runUntil([&] { return readFile(pidfile).find('\n') != std::string::npos; }, 10s));
  auto op2 = runner().run({Event::Startup, {}, std::nullopt},
                          [&](Result<EventResult> r) { start.emplace(std::move(r)); });
  ASSERT_TRUE(loop_->runUntil([&] { return mon && start; }, 10s));
  ASSERT_FALSE(mon->ok());
  EXPECT_EQ(mon->error().errnoValue(), ECANCELED);
  ASSERT_TRUE(start->ok());
  EXPECT_TRUE((*start)->isSuccess());
  EXPECT_EQ(runner().lastStatus(Event::Monitor), nullptr) << "cancelled monitor status kept";
  ASSERT_NE(runner().lastStatus(Event::Startup), nullptr);
}

TEST_F(EventRunnerTest, LastStatusKeptPerEvent) {
  script(events(), "10.a", "[ \"$1\" = startup ] && exit 3; exit 0");
  EXPECT_EQ(runner().lastStatus(Event::Startup), nullptr);
  ASSERT_TRUE(runSync(Event::Startup).ok());
  ASSERT_TRUE(runSync(Event::Monitor).ok());
  ASSERT_NE(runner().lastStatus(Event::Startup), nullptr);
  EXPECT_EQ(runner().lastStatus(Event::Startup)->status(), 3);
  EXPECT_EQ(runner().lastStatus(Event::Monitor)->status(), 0);
}

/* ctdb.conf [legacy] script log level: the failed-event line (with the
 * script's output) is logged at that level, so NOTICE hides it from a
 * daemon logging at ERROR and ERROR (the default) shows it. */
TEST_F(EventRunnerTest, FailureLineUsesTheScriptLogLevel) {
  script(events(), "10.fail", "echo disk on fire; exit 2");
  const std::string log_path = base_ + "/daemon.log";
  ASSERT_TRUE(log::setTarget("file:" + log_path).ok());
  const int saved = log::level();
  log::setLevel(0);
  auto o = options();
  o.failure_log_level = 3;  // NOTICE
  makeRunner(o);
  ASSERT_TRUE(runSync(Event::Startup).ok());
  const std::string hidden = readFile(log_path);
  o = options();  // failure_log_level 0, ERROR
  makeRunner(o);
  ASSERT_TRUE(runSync(Event::Startup).ok());
  const std::string shown = readFile(log_path);
  log::setLevel(saved);
  ASSERT_TRUE(log::setTarget("stderr").ok());
  EXPECT_EQ(hidden.find("disk on fire"), std::string::npos) << hidden;
  EXPECT_NE(shown.find("event: startup failed"), std::string::npos) << shown;
  EXPECT_NE(shown.find("disk on fire"), std::string::npos) << shown;
}

/* Integration: a probe ipreallocated script records what it received. */
class ChangesDeliveryTest : public EventRunnerTest {
 protected:
  void SetUp() override {
    EventRunnerTest::SetUp();
    script(ipEvents(), "10.ip", "echo \"$CTDB_IP_CHANGES_FILE\" > " + base_ + "/ip_env");
    script(events(), "50.probe",
           "[ \"$1\" = ipreallocated ] || exit 0\n"
           "n=$(ls " + base_ + " | grep -c '^got\\.')\n"
           "cp \"$CTDB_IP_CHANGES_FILE\" " + base_ + "/got.$n\n"
           "[ -e " + base_ + "/fail ] && exit 1\nexit 0");
  }
  void ip(Event e, const std::string& addr, bool want_ok = true) {
    auto r = runSync(e, {"eth0", addr, "24"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->isSuccess(), want_ok);
  }
  std::string got(int n) { return readFile(base_ + "/got." + std::to_string(n)); }
};

TEST_F(ChangesDeliveryTest, IpEventsSeeLiveFileAndIpreallocatedGetsAllLinesOnce) {
  ip(Event::TakeIp, "198.18.0.1");
  EXPECT_EQ(readFile(base_ + "/ip_env"), state() + "/ip_changes\n");
  ip(Event::ReleaseIp, "198.18.0.2");
  auto r = runSync(Event::IpReallocated);
  ASSERT_TRUE(r.ok() && r->isSuccess());
  EXPECT_EQ(got(0), "takeip eth0 198.18.0.1 24\nreleaseip eth0 198.18.0.2 24\n");
  ASSERT_TRUE(runSync(Event::IpReallocated).ok());
  EXPECT_EQ(got(1), "") << "lines delivered twice after a success";
  EXPECT_FALSE(pathExists(state() + "/ip_changes.delivering"));
}

TEST_F(ChangesDeliveryTest, FailedIpEventIsNotRecorded) {
  script(ipEvents(), "20.fail", "[ \"$3\" = 198.18.0.66 ] && exit 1; exit 0");
  ip(Event::TakeIp, "198.18.0.66", false);
  ip(Event::TakeIp, "198.18.0.1");
  ASSERT_TRUE(runSync(Event::IpReallocated).ok());
  EXPECT_EQ(got(0), "takeip eth0 198.18.0.1 24\n");
}

TEST_F(ChangesDeliveryTest, FailedIpreallocatedRedeliversInOrderWithNewLines) {
  ip(Event::TakeIp, "198.18.0.1");
  writeFile(base_ + "/fail", "");
  auto r = runSync(Event::IpReallocated);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->isSuccess());
  ip(Event::ReleaseIp, "198.18.0.1");
  unlink((base_ + "/fail").c_str());
  ASSERT_TRUE(runSync(Event::IpReallocated).ok());
  EXPECT_EQ(got(0), "takeip eth0 198.18.0.1 24\n");
  EXPECT_EQ(got(1), "takeip eth0 198.18.0.1 24\nreleaseip eth0 198.18.0.1 24\n");
}

TEST_F(ChangesDeliveryTest, LinesFromBeforeACrashAreDeliveredAfterRestart) {
  ip(Event::TakeIp, "198.18.0.1");
  // Simulated crash in the middle of an ipreallocated: the snapshot is left.
  ASSERT_TRUE(runner().changes().beginDelivery().ok());
  ASSERT_TRUE(runner().changes().append("takeip eth0 198.18.0.2 24").ok());
  runner_.reset();  // orderly destruction would merge; undo that to mimic a crash
  // (the runner had no ipreallocated helper, so the snapshot is still there)
  ASSERT_TRUE(pathExists(state() + "/ip_changes.delivering"));
  ip(Event::TakeIp, "198.18.0.3");  // a new runner recovers first
  ASSERT_TRUE(runSync(Event::IpReallocated).ok());
  EXPECT_EQ(got(0),
            "takeip eth0 198.18.0.1 24\ntakeip eth0 198.18.0.2 24\ntakeip eth0 198.18.0.3 24\n");
}

TEST_F(ChangesDeliveryTest, CancelledIpreallocatedKeepsLines) {
  script(events(), "60.hang", "[ \"$1\" = ipreallocated ] && sleep 100; exit 0");
  ip(Event::TakeIp, "198.18.0.1");
  {
    auto op = runner().run({Event::IpReallocated, {}, std::nullopt}, [](Result<EventResult>) {});
    RepeatingTimer wake(*loop_, 10ms, [] {});
    ASSERT_TRUE(loop_->runUntil([&] { return pathExists(base_ + "/got.0"); }, 10s));
  }  // op destroyed: helper killed, snapshot merged back
  EXPECT_FALSE(pathExists(state() + "/ip_changes.delivering"));
  unlink((events() + "/60.hang").c_str());
  ASSERT_TRUE(runSync(Event::IpReallocated).ok());
  EXPECT_EQ(got(1), "takeip eth0 198.18.0.1 24\n");
}

TEST_F(ChangesDeliveryTest, ScriptIpActionsRunTheFourEvents) {
  script(ipEvents(), "05.args", "echo \"$*\" >> " + base_ + "/ipargs");
  ScriptIpActions actions(runner());
  auto prefix = IpPrefix::parse("198.18.1.5/24").value();
  std::vector<Status> results;
  auto done = [&](Status s) { results.push_back(s); };
  auto a = actions.takeIp("eth0", prefix, done);
  auto b = actions.releaseIp("eth1", IpPrefix::parse("198.18.1.6/16").value(), done);
  auto c = actions.updateIp("eth0", "eth2", IpPrefix::parse("198.18.1.7/24").value(), done);
  ASSERT_TRUE(loop_->runUntil([&] { return results.size() == 3; }, 10s));
  auto d = actions.ipreallocated(done);
  ASSERT_TRUE(loop_->runUntil([&] { return results.size() == 4; }, 10s));
  for (auto& s : results) EXPECT_TRUE(s.ok()) << s.error().message();
  auto got_args = lines(readFile(base_ + "/ipargs"));
  std::sort(got_args.begin(), got_args.end());
  EXPECT_EQ(got_args, (std::vector<std::string>{"releaseip eth1 198.18.1.6 16",
                                                "takeip eth0 198.18.1.5 24",
                                                "updateip eth0 eth2 198.18.1.7 24"}));
  EXPECT_EQ(lines(got(0)).size(), 3u);
}

TEST_F(ChangesDeliveryTest, ScriptIpActionsReportScriptFailure) {
  script(ipEvents(), "20.fail", "exit 4");
  ScriptIpActions actions(runner());
  std::optional<Status> st;
  auto op = actions.takeIp("eth0", IpPrefix::parse("198.18.1.5/24").value(),
                           [&](Status s) { st = s; });
  ASSERT_TRUE(loop_->runUntil([&] { return st.has_value(); }, 10s));
  ASSERT_FALSE(st->ok());
  EXPECT_EQ(st->error().errnoValue(), EIO);
  EXPECT_NE(st->error().message().find("20.fail"), std::string::npos);
}

}  // namespace
}  // namespace ctdb::event::test
