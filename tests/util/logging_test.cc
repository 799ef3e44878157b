#include "util/logging.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace ctdb::log {
namespace {

TEST(LogLevel, ToStringUsesCtdbNames) {
  EXPECT_STREQ("ERROR", levelToString(0));
  EXPECT_STREQ("WARNING", levelToString(1));
  EXPECT_STREQ("WARNING", levelToString(2));
  EXPECT_STREQ("NOTICE", levelToString(3));
  EXPECT_STREQ("NOTICE", levelToString(4));
  EXPECT_STREQ("INFO", levelToString(5));
  EXPECT_STREQ("INFO", levelToString(9));
  EXPECT_STREQ("DEBUG", levelToString(10));
}

TEST(LogLevel, ToStringOfUnknownLevelIsNeverNull) {
  EXPECT_STREQ("UNKNOWN", levelToString(11));
  EXPECT_STREQ("UNKNOWN", levelToString(-1));
}

TEST(LogLevel, FromStringAcceptsNamesCaseInsensitive) {
  EXPECT_EQ(0, *levelFromString("ERROR"));
  EXPECT_EQ(0, *levelFromString("err"));
  EXPECT_EQ(1, *levelFromString("Warning"));
  EXPECT_EQ(3, *levelFromString("NOTICE"));
  EXPECT_EQ(5, *levelFromString("info"));
  EXPECT_EQ(10, *levelFromString("DEBUG"));
}

TEST(LogLevel, FromStringAcceptsPrefixLikeCtdb) {
  EXPECT_EQ(0, *levelFromString("E"));
  EXPECT_EQ(3, *levelFromString("not"));
  EXPECT_EQ(10, *levelFromString("d"));
}

TEST(LogLevel, FromStringAcceptsNumbersZeroToTen) {
  EXPECT_EQ(0, *levelFromString("0"));
  EXPECT_EQ(4, *levelFromString("4"));
  EXPECT_EQ(10, *levelFromString("10"));
}

TEST(LogLevel, FromStringRejectsBadText) {
  for (const char* bad : {"", "11", "-1", "3x", "ERRORS", "verbose", " 3"}) {
    auto r = levelFromString(bad);
    EXPECT_FALSE(r.ok()) << "accepted '" << bad << "'";
    if (!r.ok()) {
      EXPECT_NE(std::string::npos, r.error().message().find("invalid debug level")) << bad;
    }
  }
}

TEST(LogLevel, SetLevelControlsEnabled) {
  int saved = level();
  setLevel(static_cast<int>(Level::Notice));
  EXPECT_TRUE(enabled(Level::Err));
  EXPECT_TRUE(enabled(Level::Notice));
  EXPECT_FALSE(enabled(Level::Info));
  setLevel(static_cast<int>(Level::Debug));
  EXPECT_TRUE(enabled(Level::Debug));
  setLevel(saved);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(LogTarget, FileTargetWritesFilteredLinesWithProgramName) {
  char tmpl[] = "/tmp/loglvlXXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  std::string path = tmpl;
  int saved = level();
  ASSERT_TRUE(setTarget("file:" + path).ok());
  setProgramName("logtest");
  setLevel(static_cast<int>(Level::Notice));
  D_NOTICE("visible %d", 42);
  D_INFO("hidden %d", 7);
  D_ERR("error line\n");
  ASSERT_TRUE(setTarget("stderr").ok());
  setLevel(saved);
  std::string text = readFile(path);
  unlink(path.c_str());
  EXPECT_NE(std::string::npos, text.find("logtest["));
  EXPECT_NE(std::string::npos, text.find("visible 42\n"));
  EXPECT_EQ(std::string::npos, text.find("hidden"));
  EXPECT_NE(std::string::npos, text.find("error line\n"));
  EXPECT_EQ(std::string::npos, text.find("error line\n\n")) << "newline doubled";
}

TEST(LogTarget, SyslogFormsOfCtdb417AreTargets) {
  for (const char* ok : {"syslog", "syslog:", "syslog:nonblocking", "syslog:udp", "syslog:udp-rfc5424",
                         "stderr", "file:/x/log"})
    EXPECT_TRUE(isTargetSpec(ok)) << ok;
  for (const char* bad : {"syslogd", "syslog:tcp", "file:", "journal", ""})
    EXPECT_FALSE(isTargetSpec(bad)) << bad;
  EXPECT_TRUE(setTarget("syslog").ok());
  EXPECT_TRUE(setTarget("stderr").ok());
}

TEST(LogTarget, RejectsBadSpecs) {
  EXPECT_FALSE(setTarget("syslogd").ok());
  EXPECT_FALSE(setTarget("file:").ok());
  auto r = setTarget("file:/nonexistent-dir-xyz/log");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(ENOENT, r.error().errnoValue());
}

}  // namespace
}  // namespace ctdb::log
