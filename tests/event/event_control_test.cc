/* The `ctdb event` side of the event module: script trees on disk
 * (script_dir) and the event controls' payloads and answers
 * (event_control). */
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "event/event_control.h"
#include "event/script_dir.h"
#include "event/script_status.h"

namespace ctdb::event {
namespace {

namespace fs = std::filesystem;

class ScriptTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ctdb-event-control-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dirs_.events = root_ + "/events.d";
    dirs_.ip_events = root_ + "/ip_events.d";
    fs::create_directory(dirs_.events);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string add(const std::string& name, mode_t mode) {
    std::string p = dirs_.events + "/" + name;
    std::ofstream(p) << "#!/bin/sh\nexit 0\n";
    ::chmod(p.c_str(), mode);
    return p;
  }
  mode_t modeOf(const std::string& p) {
    struct stat st{};
    ::lstat(p.c_str(), &st);
    return st.st_mode & 07777;
  }
  std::string root_;
  TreeDirs dirs_;
};

TEST_F(ScriptTreeTest, ListHasTheHelpersScriptsInOrderWithTheirFlags) {
  add("10.b", 0755);
  add("05.a", 0644);
  add("functions", 0755);
  add("README", 0755);
  add("20.c~", 0755);
  add("1.short", 0755);
  fs::create_directory(dirs_.events + "/30.dir");
  fs::create_symlink(dirs_.events + "/10.b", dirs_.events + "/99.link");
  auto l = listScripts(dirs_.events, ScriptTree::Events);
  ASSERT_TRUE(l) << l.error().message();
  ASSERT_EQ(l->size(), 4u);
  EXPECT_EQ((*l)[0].name, "05.a");
  EXPECT_FALSE((*l)[0].is_enabled);
  EXPECT_EQ((*l)[1].name, "10.b");
  EXPECT_TRUE((*l)[1].is_enabled);
  EXPECT_EQ((*l)[2].name, "30.dir");
  EXPECT_FALSE((*l)[2].is_enabled);  // the helper does not run directories
  EXPECT_EQ((*l)[3].name, "99.link");
  EXPECT_TRUE((*l)[3].is_enabled);  // an executable file behind a link runs
}

TEST_F(ScriptTreeTest, ListOfAMissingTreeSaysSo) {
  auto l = listScripts(dirs_.ip_events, ScriptTree::IpEvents);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().errnoValue(), ENOENT);
  EXPECT_EQ(l.error().context, "Event dir for ip_events does not exist");
}

TEST_F(ScriptTreeTest, DisableClearsEveryExecuteBitAndEnableSetsThem) {
  auto p = add("10.x", 0750);
  ASSERT_TRUE(setScriptEnabled(dirs_.events, ScriptTree::Events, "10.x", false));
  EXPECT_EQ(modeOf(p), 0640u);
  ASSERT_TRUE(setScriptEnabled(dirs_.events, ScriptTree::Events, "10.x", false));  // again: fine
  EXPECT_EQ(modeOf(p), 0640u);
  ASSERT_TRUE(setScriptEnabled(dirs_.events, ScriptTree::Events, "10.x", true));
  EXPECT_EQ(modeOf(p), 0751u);
  auto l = listScripts(dirs_.events, ScriptTree::Events);
  ASSERT_TRUE(l);
  EXPECT_TRUE((*l)[0].is_enabled);
}

TEST_F(ScriptTreeTest, UnknownInvalidAndLinkedScriptsAreRefusedUnchanged) {
  auto f = add("functions", 0644);
  add("10.target", 0755);
  fs::create_symlink(dirs_.events + "/10.target", dirs_.events + "/20.link");
  auto st = setScriptEnabled(dirs_.events, ScriptTree::Events, "99.nosuch", true);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().errnoValue(), ENOENT);
  EXPECT_EQ(st.error().context, "Script 99.nosuch does not exist in events");
  st = setScriptEnabled(dirs_.events, ScriptTree::Events, "functions", true);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().errnoValue(), EINVAL);
  EXPECT_EQ(st.error().context, "Script functions is invalid in events");
  EXPECT_EQ(modeOf(f), 0644u);
  st = setScriptEnabled(dirs_.events, ScriptTree::Events, "20.link", false);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().errnoValue(), EINVAL);
  EXPECT_EQ(modeOf(dirs_.events + "/10.target"), 0755u);
  st = setScriptEnabled(dirs_.events, ScriptTree::Events, "../events.d/10.target", false);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().errnoValue(), ENOENT);
  EXPECT_EQ(modeOf(dirs_.events + "/10.target"), 0755u);
  st = setScriptEnabled(dirs_.ip_events, ScriptTree::IpEvents, "10.interface", true);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().context, "Event dir for ip_events does not exist");
}

TEST(EventControlWire, PayloadsRoundTrip) {
  std::vector<ScriptEntry> l{{"10.interface", true}, {"49.winbind", false}};
  auto dl = decodeScriptListReply(encodeScriptListReply(l));
  ASSERT_TRUE(dl);
  ASSERT_EQ(dl->size(), 2u);
  EXPECT_EQ((*dl)[1].name, "49.winbind");
  EXPECT_FALSE((*dl)[1].is_enabled);
  EXPECT_TRUE((*dl)[0].is_enabled);

  auto ds = decodeScriptRequest(encodeScriptRequest({ScriptTree::IpEvents, "10.interface"}));
  ASSERT_TRUE(ds);
  EXPECT_EQ(ds->tree, ScriptTree::IpEvents);
  EXPECT_EQ(ds->name, "10.interface");

  RunRequest rr{ScriptTree::IpEvents, 7, {"takeip", "eth0", "198.19.0.1", "16"}};
  auto dr = decodeRunRequest(encodeRunRequest(rr));
  ASSERT_TRUE(dr);
  EXPECT_EQ(dr->tree, ScriptTree::IpEvents);
  EXPECT_EQ(dr->timeout_s, 7u);
  EXPECT_EQ(dr->words, rr.words);

  auto dt = decodeTreeRequest(encodeTreeRequest(ScriptTree::IpEvents));
  ASSERT_TRUE(dt);
  EXPECT_EQ(*dt, ScriptTree::IpEvents);
}

TEST(EventControlWire, TruncatedOrBadPayloadsAreEinvalNotCrashes) {
  auto list = encodeScriptListReply({{"10.interface", true}});
  auto run = encodeRunRequest({ScriptTree::Events, 5, {"monitor"}});
  auto script = encodeScriptRequest({ScriptTree::Events, "10.interface"});
  for (size_t n = 0; n < list.size(); ++n) {
    auto r = decodeScriptListReply({list.data(), n});
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().errnoValue(), EINVAL);
  }
  for (size_t n = 0; n < run.size(); ++n) EXPECT_FALSE(decodeRunRequest({run.data(), n})) << n;
  for (size_t n = 0; n < script.size(); ++n) {
    EXPECT_FALSE(decodeScriptRequest({script.data(), n})) << n;
  }
  auto bad_tree = encodeTreeRequest(ScriptTree::Events);
  bad_tree[0] = 7;
  EXPECT_FALSE(decodeTreeRequest(bad_tree));
  run.push_back(0);
  EXPECT_FALSE(decodeRunRequest(run));  // trailing bytes
}

TEST(EventControlRun, TimeoutWordsAreWholeSecondsFromOneToAnHour) {
  EXPECT_EQ(*parseRunTimeout("1"), 1u);
  EXPECT_EQ(*parseRunTimeout("3600"), 3600u);
  for (const char* w : {"0", "3601", "abc", "", "1.5", "-5", "10s", "99999999999"}) {
    auto t = parseRunTimeout(w);
    ASSERT_FALSE(t) << w;
    EXPECT_EQ(t.error().errnoValue(), EINVAL);
    EXPECT_EQ(t.error().context,
              std::string("Invalid timeout ") + w + ": the timeout is 1 to 3600 seconds");
  }
}

TEST_F(ScriptTreeTest, PlanRunChecksEventTreeArgumentsAndDirectory) {
  auto plan = [&](RunRequest r) { return planRun(dirs_, encodeRunRequest(r)); };
  auto ok = plan({ScriptTree::Events, 5, {"startrecovery"}});
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->event, Event::StartRecovery);
  EXPECT_EQ(ok->timeout_s, 5u);
  auto e = plan({ScriptTree::Events, 5, {"takeip", "eth0", "198.19.0.1", "16"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().context, "Event takeip runs in ip_events, not in events");
  e = plan({ScriptTree::Events, 5, {"bogus"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().context, "Unknown event name bogus");
  e = plan({ScriptTree::Events, 5, {"monitor", "extra"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().context, "Event monitor takes 0 arguments, got 1");
  e = plan({ScriptTree::Events, 0, {"monitor"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().errnoValue(), EINVAL);
  e = plan({ScriptTree::IpEvents, 5, {"takeip", "eth0", "198.19.0.1", "16"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().errnoValue(), ENOENT);
  EXPECT_EQ(e.error().context, "Event dir for ip_events does not exist");
  EXPECT_EQ(answerFromError(e.error()).status, ENOENT);
}

ScriptResult sr(const std::string& name, ScriptState st, int code = 0) {
  ScriptResult r;
  r.name = name;
  r.state = st;
  r.code = code;
  return r;
}

TEST(EventControlRun, AnswersCarry417ResultsAndTheScripts) {
  RunPlan p{Event::Recovered, {}, 5, ScriptTree::Events};
  EventResult r{Event::Recovered, {}, {}};
  r.scripts.push_back(sr("10.a", ScriptState::Ok));
  auto a = runAnswer(p, r);
  EXPECT_EQ(a.status, 0);
  EXPECT_EQ(a.message, "");
  auto entries = decodeScriptStatusReply(a.data);
  ASSERT_TRUE(entries && *entries);
  EXPECT_EQ((**entries)[0].name, "10.a");

  r.scripts.push_back(sr("20.b", ScriptState::Failed, 3));
  a = runAnswer(p, r);
  EXPECT_EQ(a.status, ENOEXEC);
  EXPECT_EQ(a.message, "Event recovered in events failed");
  EXPECT_FALSE(a.data.empty());

  r.scripts.back() = sr("20.b", ScriptState::TimedOut);
  a = runAnswer(p, r);
  EXPECT_EQ(a.status, ETIMEDOUT);
  EXPECT_EQ(a.message, "Event recovered in events timed out");

  a = runAnswer(p, errnoError(ECANCELED, "monitor skipped"));
  EXPECT_EQ(a.status, ECANCELED);
  EXPECT_EQ(a.message, "Event recovered in events got cancelled");
  EXPECT_TRUE(a.data.empty());
  a = runAnswer(p, errnoError(EAGAIN, "spawn failed"));
  EXPECT_EQ(a.status, EAGAIN);
  EXPECT_EQ(a.message, "Failed to run event recovered in events, result=11: spawn failed");
}

}  // namespace
}  // namespace ctdb::event
