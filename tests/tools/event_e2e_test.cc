/* `ctdb event ...` (our binary) against the fake ctdbd, whose control hook
 * answers the event controls on a scratch tree with the daemon's own
 * answer functions (event/event_control.h) and serves canned runs and
 * script status. Checks 4.17's texts, exit statuses and our --json, and
 * that the tool refuses bad arguments without asking the daemon. */
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "event/event_control.h"
#include "event/script_status.h"
#include "fake_daemon.h"
#include "json_check.h"
#include "protocol/constants.h"
#include "protocol/packet.h"
#include "run_tool.h"

#ifndef CTDB_TOOL_PATH
#error CTDB_TOOL_PATH must name the built ctdb binary
#endif

namespace {

using ctdb::testing::FakeDaemon;
namespace ev = ctdb::event;
namespace fs = std::filesystem;
using Op = ctdb::protocol::Opcode;

constexpr int64_t kStart = 1700000000;  // Tue Nov 14 22:13:20 2023 UTC

ev::ScriptResult script(const std::string& name, ev::ScriptState s, int code = 0) {
  ev::ScriptResult r;
  r.name = name;
  r.state = s;
  r.code = code;
  r.start = std::chrono::system_clock::from_time_t(kStart);
  r.end = r.start + std::chrono::milliseconds(12);
  if (s != ev::ScriptState::Ok) r.output = "it broke";
  return r;
}

class EventE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dirs_.events = daemon_.dir() + "/events.d";
    dirs_.ip_events = daemon_.dir() + "/ip_events.d";
    fs::create_directories(dirs_.events);
    fs::create_directories(dirs_.ip_events);
    add(dirs_.events, "10.interface", 0755);
    add(dirs_.events, "49.winbind", 0644);
    add(dirs_.events, "functions", 0644);
    add(dirs_.ip_events, "10.interface", 0755);
    daemon_.setControlHook([this](const ctdb::protocol::ReqControl& c, FakeDaemon::Session& s) {
      return serve(c, s);
    });
    daemon_.start();
  }
  static void add(const std::string& dir, const std::string& name, mode_t mode) {
    std::string p = dir + "/" + name;
    std::ofstream(p) << "#!/bin/sh\n";
    ::chmod(p.c_str(), mode);
  }
  bool serve(const ctdb::protocol::ReqControl& c, FakeDaemon::Session& s) {
    if (!serve_) return false;
    std::optional<ev::ControlAnswer> a;
    switch (static_cast<Op>(c.opcode)) {
      case Op::EventScriptList: a = ev::answerScriptList(dirs_, c.data); break;
      case Op::EventScriptEnable: a = ev::answerScriptSetEnabled(dirs_, c.data, true); break;
      case Op::EventScriptDisable: a = ev::answerScriptSetEnabled(dirs_, c.data, false); break;
      case Op::EventRun: {
        std::lock_guard<std::mutex> g(mu_);
        ++runs_;
        auto plan = ev::planRun(dirs_, c.data);
        if (!plan) {
          a = ev::answerFromError(plan.error());
          break;
        }
        ev::EventResult r{plan->event, plan->args, run_scripts_};
        last_[plan->event] = r;
        a = ev::runAnswer(*plan, r);
        break;
      }
      case Op::GetEventScriptStatus: {
        std::lock_guard<std::mutex> g(mu_);
        auto e = ev::decodeScriptStatusRequest(c.data);
        if (!e) return false;
        auto it = last_.find(*e);
        a = ev::ControlAnswer{0, ev::encodeScriptStatusReply(it == last_.end() ? nullptr : &it->second), {}};
        break;
      }
      default: return false;
    }
    ctdb::protocol::ReplyControl r;
    r.hdr.generation = 12345;
    r.hdr.reqid = c.hdr.reqid;
    r.status = a->status;
    r.data = std::move(a->data);
    if (!a->message.empty()) r.errmsg = a->message;
    s.send(ctdb::protocol::encodePacket(r));
    return true;
  }
  ctdb::test::ToolOutput ours(const std::vector<std::string>& args) {
    return ctdb::test::runTool(CTDB_TOOL_PATH, args, daemon_.socketPath(), daemon_.dir());
  }
  mode_t modeOf(const std::string& p) {
    struct stat st{};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
  }
  int runs() {
    std::lock_guard<std::mutex> g(mu_);
    return runs_;
  }
  void setRun(std::vector<ev::ScriptResult> s) {
    std::lock_guard<std::mutex> g(mu_);
    run_scripts_ = std::move(s);
  }

  FakeDaemon daemon_;
  ev::TreeDirs dirs_;
  bool serve_ = true;
  std::mutex mu_;
  int runs_ = 0;
  std::vector<ev::ScriptResult> run_scripts_{script("10.interface", ev::ScriptState::Ok)};
  std::map<ev::Event, ev::EventResult> last_;
};

TEST_F(EventE2E, ScriptListIs417sFlagAndNameLines) {
  auto r = ours({"event", "script", "list", "events"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "* 10.interface\n  49.winbind\n");
  EXPECT_EQ(r.err, "");
  r = ours({"-X", "event", "script", "list", "ip_events"});  // 4.17 has no -X form
  EXPECT_EQ(r.out, "* 10.interface\n");
  r = ours({"event", "script", "list"});
  EXPECT_EQ(r.out, "* 10.interface\n  49.winbind\n\n* 10.interface\n");
}

TEST_F(EventE2E, ScriptListJson) {
  auto r = ours({"--json", "event", "script", "list"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "{\"pnn\":0,\"trees\":[{\"tree\":\"events\",\"scripts\":[{\"name\":\"10.interface\","
            "\"enabled\":true},{\"name\":\"49.winbind\",\"enabled\":false}]},{\"tree\":"
            "\"ip_events\",\"scripts\":[{\"name\":\"10.interface\",\"enabled\":true}]}]}\n");
  ASSERT_TRUE(ctdb::testing::JsonReader::parse(r.out));
}

TEST_F(EventE2E, ScriptListWithoutIpEventsTreeListsEventsOnlyButAskingForItFails) {
  fs::remove_all(dirs_.ip_events);
  auto r = ours({"event", "script", "list"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "* 10.interface\n  49.winbind\n");
  r = ours({"event", "script", "list", "ip_events"});
  EXPECT_EQ(r.status, ENOENT);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Event dir for ip_events does not exist\n");
}

TEST_F(EventE2E, DisableAndEnableFlipTheExecuteBits) {
  const std::string p = dirs_.events + "/10.interface";
  auto r = ours({"event", "script", "disable", "events", "10.interface"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out + r.err, "");
  EXPECT_EQ(modeOf(p), 0644u);
  r = ours({"event", "script", "disable", "events", "10.interface"});
  EXPECT_EQ(r.status, 0) << "disabling a disabled script succeeds, as in 4.17";
  EXPECT_EQ(ours({"event", "script", "list", "events"}).out, "  10.interface\n  49.winbind\n");
  r = ours({"--json", "event", "script", "enable", "events", "10.interface"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "{\"pnn\":0,\"tree\":\"events\",\"script\":\"10.interface\",\"enabled\":true}\n");
  EXPECT_EQ(modeOf(p), 0755u);
  EXPECT_EQ(modeOf(dirs_.ip_events + "/10.interface"), 0755u) << "the other tree is untouched";
}

TEST_F(EventE2E, ScriptErrorsAreOneLineAnd417ExitCodes) {
  struct Case {
    std::vector<std::string> args;
    int status;
    std::string err;
  } cases[] = {
      {{"event", "script", "enable", "events", "99.nosuch"}, ENOENT,
       "Script 99.nosuch does not exist in events\n"},
      {{"event", "script", "disable", "ip_events", "99.nosuch"}, ENOENT,
       "Script 99.nosuch does not exist in ip_events\n"},
      {{"event", "script", "disable", "events", "functions"}, EINVAL,
       "Script functions is invalid in events\n"},
      {{"event", "script", "enable", "foo", "10.interface"}, ENOENT,
       "Event dir for foo does not exist\n"},
      {{"event", "script", "enable", "legacy", "10.interface"}, ENOENT,
       "Event dir for legacy does not exist\n"},
      {{"event", "script", "list", "foo"}, ENOENT, "Event dir for foo does not exist\n"},
  };
  for (const auto& c : cases) {
    auto r = ours(c.args);
    EXPECT_EQ(r.status, c.status) << c.args.back();
    EXPECT_EQ(r.out, "") << c.args.back();
    EXPECT_EQ(r.err, c.err) << c.args.back();
  }
  EXPECT_EQ(modeOf(dirs_.events + "/functions"), 0644u);
}

TEST_F(EventE2E, RunSuccessPrintsNothing) {
  auto r = ours({"event", "run", "10", "events", "startrecovery"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out + r.err, "");
  EXPECT_EQ(runs(), 1);
}

TEST_F(EventE2E, RunFailureAndTimeoutHave417LinesAndCodes) {
  setRun({script("10.interface", ev::ScriptState::Ok),
          script("49.winbind", ev::ScriptState::Failed, 3)});
  auto r = ours({"event", "run", "10", "events", "recovered"});
  EXPECT_EQ(r.status, ENOEXEC);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Event recovered in events failed\n");
  setRun({script("10.interface", ev::ScriptState::TimedOut)});
  r = ours({"event", "run", "1", "events", "recovered"});
  EXPECT_EQ(r.status, ETIMEDOUT);
  EXPECT_EQ(r.err, "Event recovered in events timed out\n");
}

TEST_F(EventE2E, RunJsonHasTheScripts) {
  setRun({script("10.interface", ev::ScriptState::Failed, 3)});
  auto r = ours({"--json", "event", "run", "5", "legacy", "takeip", "eth0", "198.19.0.1", "16"});
  EXPECT_EQ(r.status, ENOEXEC);
  EXPECT_EQ(r.err, "Event takeip in ip_events failed\n");
  auto j = ctdb::testing::JsonReader::parse(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ((*j)["tree"].s, "ip_events");  // legacy: the event's tree
  EXPECT_EQ((*j)["event"].s, "takeip");
  EXPECT_EQ((*j)["arguments"].a.size(), 3u);
  EXPECT_EQ((*j)["timeout"].n, 5);
  EXPECT_EQ((*j)["result"].n, ENOEXEC);
  ASSERT_EQ((*j)["scripts"].a.size(), 1u);
  EXPECT_EQ((*j)["scripts"].a[0]["code"].n, 3);
  EXPECT_EQ((*j)["scripts"].a[0]["status"].s, "ERROR");
}

TEST_F(EventE2E, RunArgumentErrorsNeverReachTheDaemonOrComeBackAsOneLine) {
  struct Case {
    std::vector<std::string> args;
    int status;
    std::string err;
  } local[] = {
      {{"event", "run", "abc", "events", "monitor"}, EINVAL,
       "Invalid timeout abc: the timeout is 1 to 3600 seconds\n"},
      {{"event", "run", "0", "events", "monitor"}, EINVAL,
       "Invalid timeout 0: the timeout is 1 to 3600 seconds\n"},
      {{"event", "run", "10", "foo", "monitor"}, ENOENT, "Event dir for foo does not exist\n"},
  };
  for (const auto& c : local) {
    auto r = ours(c.args);
    EXPECT_EQ(r.status, c.status) << c.args[2];
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, c.err);
  }
  EXPECT_EQ(runs(), 0);
  Case remote[] = {
      {{"event", "run", "10", "events", "bogus"}, EINVAL, "Unknown event name bogus\n"},
      {{"event", "run", "10", "ip_events", "monitor"}, EINVAL,
       "Event monitor runs in events, not in ip_events\n"},
      {{"event", "run", "10", "ip_events", "takeip", "eth0"}, EINVAL,
       "Event takeip takes 3 arguments, got 1\n"},
  };
  for (const auto& c : remote) {
    auto r = ours(c.args);
    EXPECT_EQ(r.status, c.status) << c.args[4];
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, c.err);
  }
  auto r = ours({"event", "run", "10", "events"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("  run <timeout> <tree> <event> <args>     Run an event\n"), std::string::npos);
}

TEST_F(EventE2E, StatusIs417sLayoutAndExitsWithTheFailure) {
  auto disabled = script("05.off", ev::ScriptState::Disabled);
  setRun({disabled, script("10.interface", ev::ScriptState::Ok),
          script("20.bad", ev::ScriptState::Failed, 3)});
  ASSERT_EQ(ours({"event", "run", "10", "events", "recovered"}).status, ENOEXEC);
  auto r = ours({"event", "status", "events", "recovered"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out,
            "05.off               DISABLED  \n"
            "10.interface         OK         0.012 Tue Nov 14 22:13:20 2023\n"
            "20.bad               ERROR      0.012 Tue Nov 14 22:13:20 2023\n"
            "  OUTPUT: it broke\n");
  setRun({script("10.interface", ev::ScriptState::TimedOut),
          script("x", ev::ScriptState::ExecFailed, EACCES)});
  ours({"event", "run", "10", "events", "recovered"});
  r = ours({"event", "status", "legacy", "recovered"});
  EXPECT_EQ(r.status, ETIMEDOUT);
  EXPECT_EQ(r.out,
            "10.interface         TIMEDOUT   Tue Nov 14 22:13:20 2023\n"
            "  OUTPUT: it broke\n"
            "x                    CANNOT RUN (Permission denied)\n"
            "  OUTPUT: it broke\n");
}

TEST_F(EventE2E, StatusWithOneWordIsTreeMonitorOrLegacyEvent) {
  ASSERT_EQ(ours({"event", "run", "10", "events", "monitor"}).status, 0);
  ASSERT_EQ(ours({"event", "run", "10", "events", "recovered"}).status, 0);
  const std::string line = "10.interface         OK         0.012 Tue Nov 14 22:13:20 2023\n";
  for (auto args : {std::vector<std::string>{"event", "status"},
                    {"event", "status", "legacy"},
                    {"event", "status", "events"},
                    {"event", "status", "recovered"}}) {
    auto r = ours(args);
    EXPECT_EQ(r.status, 0) << args.back();
    EXPECT_EQ(r.out, line) << args.back();
  }
  auto r = ours({"event", "status", "ip_events"});
  EXPECT_EQ(r.status, EINVAL);
  EXPECT_EQ(r.err, "Event monitor has never run in ip_events\n");
}

TEST_F(EventE2E, StatusOfANeverRunEventOrTheOtherTreeExits22) {
  auto r = ours({"event", "status", "events", "recovered"});
  EXPECT_EQ(r.status, EINVAL);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "Event recovered has never run in events\n");
  ASSERT_EQ(ours({"event", "run", "10", "events", "recovered"}).status, 0);
  r = ours({"event", "status", "ip_events", "recovered"});
  EXPECT_EQ(r.status, EINVAL);
  EXPECT_EQ(r.err, "Event recovered has never run in ip_events\n");
  r = ours({"--json", "event", "status", "ip_events", "recovered"});
  EXPECT_EQ(r.status, EINVAL);
  EXPECT_EQ(r.out,
            "{\"pnn\":0,\"events\":[{\"event\":\"recovered\",\"tree\":\"ip_events\",\"ran\":false,"
            "\"scripts\":null}]}\n");
  r = ours({"event", "status", "foo", "recovered"});
  EXPECT_EQ(r.status, ENOENT);
  EXPECT_EQ(r.err, "Event dir for foo does not exist\n");
}

TEST_F(EventE2E, ADaemonWithoutTheControlsGivesOneLine) {
  serve_ = false;  // the fake answers -1 like a daemon without event scripts
  auto r = ours({"event", "script", "list", "events"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "Control EVENT_SCRIPT_LIST failed, ret=-1 (the daemon has no event scripts or does "
            "not know this control)\n");
}

TEST_F(EventE2E, UsageWithoutASubcommand) {
  for (auto args : {std::vector<std::string>{"event"}, {"event", "script"}, {"event", "bogus"}}) {
    auto r = ours(args);
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out.rfind("Usage: ctdb event <command> [<args>]\n", 0), 0u) << r.out;
  }
}

}  // namespace
