/*
 * HelperProcess on its own: the real ctdb_event_helper started for a spec,
 * its records turned into callbacks in order (script start, job done, exit),
 * kill() ending every callback, a helper that cannot be executed refused by
 * spawn(), and no callback ever inside spawn().
 */
#include "event/helper_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "event_fixture.h"

namespace ctdb::event {
namespace {

using namespace std::chrono_literals;

class HelperProcessTest : public test::EventFixture {
 protected:
  void SetUp() override {
    EventFixture::SetUp();
    reaper_ = std::make_unique<ChildReaper>(*loop_);
  }
  void TearDown() override {
    reaper_.reset();
    EventFixture::TearDown();
  }
  HelperSpec spec(std::vector<HelperJob> jobs) const {
    HelperSpec s;
    s.helper_path = CTDB_EVENT_HELPER_PATH;
    s.script_dir = events();
    s.timeout = 10s;
    s.jobs = std::move(jobs);
    s.env = {"PATH=/usr/bin:/bin", "CTDB_BASE=" + base_};
    return s;
  }
  HelperProcess::Callbacks record() {
    HelperProcess::Callbacks cb;
    cb.on_script_start = [this](size_t job, pid_t pid) {
      log_.push_back("start " + std::to_string(job));
      EXPECT_GT(pid, 0);
    };
    cb.on_job_done = [this](size_t job, std::vector<ScriptResult> scripts) {
      log_.push_back("done " + std::to_string(job));
      results_.push_back(std::move(scripts));
    };
    cb.on_exit = [this](std::vector<size_t> unfinished) {
      log_.push_back("exit");
      unfinished_ = std::move(unfinished);
    };
    return cb;
  }

  std::unique_ptr<ChildReaper> reaper_;
  std::vector<std::string> log_;
  std::vector<std::vector<ScriptResult>> results_;
  std::optional<std::vector<size_t>> unfinished_;
};

TEST_F(HelperProcessTest, JobsReportInOrderThenTheHelperExits) {
  script(events(), "10.one", "echo one:$1; exit 0");
  script(events(), "20.two", "[ \"$1\" = monitor ] && exit 3; exit 0");
  auto hp = HelperProcess::spawn(*loop_, *reaper_,
                                 spec({HelperJob{Event::Startup, {}}, HelperJob{Event::Monitor, {}}}),
                                 record());
  ASSERT_TRUE(hp.ok()) << hp.error().message();
  EXPECT_TRUE(log_.empty());  // never inside spawn()
  EXPECT_GT((*hp)->pid(), 0);
  ASSERT_TRUE(loop_->runUntil([&] { return unfinished_.has_value(); }, 10s));
  EXPECT_EQ(log_, (std::vector<std::string>{"start 0", "start 0", "done 0", "start 1", "start 1",
                                            "done 1", "exit"}));
  EXPECT_TRUE(unfinished_->empty());
  ASSERT_EQ(results_.size(), 2u);
  ASSERT_EQ(results_[0].size(), 2u);
  EXPECT_EQ(results_[0][0].name, "10.one");
  EXPECT_EQ(results_[0][0].state, ScriptState::Ok);
  EXPECT_EQ(results_[0][0].output, "one:startup\n");
  ASSERT_EQ(results_[1].size(), 2u);
  EXPECT_EQ(results_[1][1].state, ScriptState::Failed);
  EXPECT_EQ(results_[1][1].code, 3);
  EXPECT_FALSE((*hp)->isRunning());
}

TEST_F(HelperProcessTest, KillEndsEveryCallbackAndTheScript) {
  script(events(), "10.hang", "echo $$ > '" + base_ + "/pid'; exec sleep 30");
  auto hp = HelperProcess::spawn(*loop_, *reaper_, spec({HelperJob{Event::Monitor, {}}}), record());
  ASSERT_TRUE(hp.ok());
  // The waits below poll files: a tick makes runUntil look again.
  RepeatingTimer tick(*loop_, 10ms, [] {});
  // The script started and wrote its pid.
  std::string pid_text;
  ASSERT_TRUE(loop_->runUntil(
      [&] {
        FILE* f = fopen((base_ + "/pid").c_str(), "r");
        if (!f) return false;
        char buf[32] = {};
        pid_text = fgets(buf, sizeof buf, f) ? buf : "";
        fclose(f);
        return !log_.empty() && pid_text.find('\n') != std::string::npos;
      },
      10s));
  EXPECT_EQ(log_, (std::vector<std::string>{"start 0"}));
  (*hp)->kill();
  (*hp)->kill();  // idempotent
  EXPECT_FALSE((*hp)->isRunning());
  // The script's group is gone (the reaper escalates within 1 s).
  const pid_t script_pid = static_cast<pid_t>(std::stol(pid_text));
  // Gone, or a zombie waiting for whoever inherited it.
  auto is_dead = [script_pid] {
    FILE* f = fopen(("/proc/" + std::to_string(script_pid) + "/stat").c_str(), "r");
    if (!f) return true;
    char line[512] = {};
    const bool got = fgets(line, sizeof line, f) != nullptr;
    fclose(f);
    const char* close_paren = got ? strrchr(line, ')') : nullptr;
    return close_paren != nullptr && close_paren[1] == ' ' && close_paren[2] == 'Z';
  };
  ASSERT_TRUE(loop_->runUntil(is_dead, 5s));
  EXPECT_EQ(log_, (std::vector<std::string>{"start 0"}));  // no done, no exit after kill()
}

TEST_F(HelperProcessTest, HelperThatCannotRunIsRefusedBySpawn) {
  HelperSpec s = spec({HelperJob{Event::Monitor, {}}});
  s.helper_path = base_ + "/no-such-helper";
  auto hp = HelperProcess::spawn(*loop_, *reaper_, s, record());
  ASSERT_FALSE(hp.ok());
  EXPECT_TRUE(log_.empty());
}

TEST_F(HelperProcessTest, CallbackMayDestroyTheProcess) {
  script(events(), "10.one", "exit 0");
  std::unique_ptr<HelperProcess> hp;
  int exits = 0;
  HelperProcess::Callbacks cb;
  cb.on_job_done = [&](size_t, std::vector<ScriptResult>) { hp.reset(); };
  cb.on_exit = [&](std::vector<size_t>) { ++exits; };
  auto r = HelperProcess::spawn(*loop_, *reaper_, spec({HelperJob{Event::Monitor, {}}}), cb);
  ASSERT_TRUE(r.ok());
  hp = std::move(*r);
  ASSERT_TRUE(loop_->runUntil([&] { return hp == nullptr; }, 10s));
  EXPECT_EQ(exits, 0);  // destroyed inside on_job_done: nothing after it
}

}  // namespace
}  // namespace ctdb::event
