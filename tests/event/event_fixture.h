/*
 * Shared fixture for the event tests: a temp CTDB_BASE with events.d/,
 * ip_events.d/ and state/, script writers, and a synchronous run helper
 * (top-level runUntil only, never from a callback).
 */
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "event/event_runner.h"
#include "util/event_loop.h"

namespace ctdb::event::test {

inline std::string readFile(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void writeFile(const std::string& p, const std::string& s, mode_t mode = 0644) {
  {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << s;
  }
  chmod(p.c_str(), mode);
}

/* The lines of s, without their newlines (a log or a script's output). */
inline std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) v.push_back(l);
  return v;
}

inline bool pathExists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

class EventFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_ = EventLoop::create().value();
    char tmpl[] = "/tmp/ctdb_event_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    mkdir((base_ + "/events.d").c_str(), 0755);
    mkdir((base_ + "/ip_events.d").c_str(), 0755);
  }
  void TearDown() override {
    runner_.reset();
    loop_.reset();
    std::string cmd = "rm -rf '" + base_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }

  std::string events() const { return base_ + "/events.d"; }
  std::string ipEvents() const { return base_ + "/ip_events.d"; }
  std::string state() const { return base_ + "/state"; }

  /* A /bin/sh script; `body` follows the shebang line. */
  void script(const std::string& dir, const std::string& name, const std::string& body,
              mode_t mode = 0755) {
    writeFile(dir + "/" + name, "#!/bin/sh\n" + body + "\n", mode);
  }

  EventRunnerOptions options() const {
    EventRunnerOptions o;
    o.helper_path = CTDB_EVENT_HELPER_PATH;
    o.events_dir = events();
    o.ip_events_dir = ipEvents();
    o.ctdb_base = base_;
    o.state_dir = state();
    o.timeout = std::chrono::seconds(10);
    return o;
  }

  EventRunner& runner() {
    if (!runner_) {
      auto r = EventRunner::create(*loop_, options());
      EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
      runner_ = std::move(*r);
    }
    return *runner_;
  }

  void makeRunner(EventRunnerOptions o) {
    auto r = EventRunner::create(*loop_, std::move(o));
    ASSERT_TRUE(r.ok()) << r.error().message();
    runner_ = std::move(*r);
  }

  Result<EventResult> runSync(Event e, std::vector<std::string> args = {},
                              std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    std::optional<Result<EventResult>> out;
    auto op = runner().run(EventRequest{e, std::move(args), timeout},
                           [&](Result<EventResult> r) { out.emplace(std::move(r)); });
    bool done = loop_->runUntil([&] { return out.has_value(); }, std::chrono::seconds(20));
    if (!done) return errnoError(ETIMEDOUT, "test: event did not complete");
    return std::move(*out);
  }

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<EventRunner> runner_;
  std::string base_;
};

}  // namespace ctdb::event::test
