#include "event/script_status.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace ctdb::event {
namespace {

EventResult sample() {
  EventResult r;
  r.event = Event::Monitor;
  ScriptResult ok;
  ok.name = "00.ctdb";
  ok.start = std::chrono::system_clock::time_point(std::chrono::microseconds(1700000000123456));
  ok.end = ok.start + std::chrono::milliseconds(12);
  ScriptResult off;
  off.name = "01.off";
  off.state = ScriptState::Disabled;
  ScriptResult bad;
  bad.name = "10.interface";
  bad.state = ScriptState::Failed;
  bad.code = 1;
  bad.output = std::string(600, 'x') + "eth9 down";
  bad.start = ok.end;
  bad.end = bad.start + std::chrono::milliseconds(500);
  r.scripts = {ok, off, bad};
  return r;
}

TEST(ScriptStatus, RequestRoundTripAndBounds) {
  auto b = encodeScriptStatusRequest(Event::IpReallocated);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[0], 13);
  auto e = decodeScriptStatusRequest(b);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, Event::IpReallocated);
  std::vector<uint8_t> bad = {14, 0, 0, 0};
  EXPECT_FALSE(decodeScriptStatusRequest(bad).ok());
  EXPECT_FALSE(decodeScriptStatusRequest(std::vector<uint8_t>(3)).ok());
}

TEST(ScriptStatus, ReplyRoundTripUses45Layout) {
  auto r = sample();
  auto b = encodeScriptStatusReply(&r);
  ASSERT_EQ(b.size(), 8 + 3 * 584u);
  auto d = decodeScriptStatusReply(b);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->has_value());
  const auto& v = **d;
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].name, "00.ctdb");
  EXPECT_EQ(v[0].start_sec, 1700000000);
  EXPECT_EQ(v[0].start_usec, 123456);
  EXPECT_EQ(v[1].status, -ENOEXEC);
  EXPECT_EQ(v[2].status, 1);
  EXPECT_EQ(v[2].output.size(), 511u);
  EXPECT_EQ(v[2].output.substr(502), "eth9 down");  // the tail is kept
}

TEST(ScriptStatus, NeverRunIsEmptyPayload) {
  EXPECT_TRUE(encodeScriptStatusReply(nullptr).empty());
  auto d = decodeScriptStatusReply({});
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->has_value());
  EXPECT_EQ(formatScriptStatus("monitor", std::nullopt), "monitor cycle never run\n");
}

TEST(ScriptStatus, TruncatedReplyRejected) {
  auto r = sample();
  auto b = encodeScriptStatusReply(&r);
  b.pop_back();
  EXPECT_FALSE(decodeScriptStatusReply(b).ok());
}

TEST(ScriptStatus, FormatsLike45) {
  auto r = sample();
  auto text = formatScriptStatus("monitor", toEntries(r));
  EXPECT_EQ(text.rfind("2 scripts were executed last monitor cycle\n", 0), 0u) << text;
  EXPECT_NE(text.find("00.ctdb              Status:OK    Duration:0.012 "), std::string::npos)
      << text;
  EXPECT_NE(text.find("01.off               Status:DISABLED    \n"), std::string::npos) << text;
  EXPECT_NE(text.find("10.interface         Status:ERROR    Duration:0.500 "), std::string::npos);
  EXPECT_NE(text.find("   OUTPUT:" + std::string(502, 'x') + "eth9 down\n"), std::string::npos);
}

TEST(ScriptStatus, TimeoutAndCannotRun) {
  ScriptStatusEntry t{"10.slow", 0, 0, 0, 0, -ETIMEDOUT, ""};
  ScriptStatusEntry x{"11.bad", 0, 0, 0, 0, -EACCES, ""};
  auto text = formatScriptStatus("takeip", std::vector<ScriptStatusEntry>{t, x});
  EXPECT_NE(text.find("10.slow              Status:TIMEDOUT    "), std::string::npos) << text;
  EXPECT_NE(text.find("11.bad               Status:CANNOT RUN (Permission denied)"),
            std::string::npos) << text;
}

TEST(ScriptStatus, MachineReadable) {
  auto r = sample();
  auto text = scriptStatusHeader(":") + formatScriptStatus("monitor", toEntries(r), true, ":");
  EXPECT_EQ(text.rfind(":Type:Name:Code:Status:Start:End:Error Output:\n", 0), 0u);
  EXPECT_NE(text.find(":monitor:00.ctdb:0:OK:1700000000.123456:1700000000.135456::\n"),
            std::string::npos) << text;
}

TEST(ScriptResultDescribe, NamesScriptStateStatusAndLastOutputLine) {
  ScriptResult r;
  r.name = "10.interface";
  r.state = ScriptState::Failed;
  r.code = 1;
  r.output = "first line\n10.interface: failed to delete 198.19.0.1/16 from eth0\n\n  \n";
  EXPECT_EQ(r.describe(),
            "script 10.interface ERROR (status 1): 10.interface: failed to delete 198.19.0.1/16 "
            "from eth0");
  r.output = "";
  r.state = ScriptState::TimedOut;
  EXPECT_EQ(r.describe(), "script 10.interface TIMEDOUT (status -110)");
  r.output = "no newline at all";
  EXPECT_EQ(r.describe(), "script 10.interface TIMEDOUT (status -110): no newline at all");
  r.output = std::string(300, 'x') + "END";
  std::string d = r.describe();
  EXPECT_EQ(d.size(), std::string("script 10.interface TIMEDOUT (status -110): ").size() + 200);
  EXPECT_EQ(d.substr(d.size() - 3), "END");
}

}  // namespace
}  // namespace ctdb::event
