/*
 * EventService configuration: where the helper is found, which mode the
 * directories select, and the environment exported for the scripts.
 */
#include "server/events/event_service.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace ctdb::server {
namespace {

class EventConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/evcfg.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    for (const char* v : {"CTDB_EVENT_HELPER", "CTDB", "CTDB_SCRIPT_VARDIR", "CTDB_PUBLIC_ADDRESSES",
                          "CTDB_SOCKET", "PATH"}) {
      if (const char* old = std::getenv(v)) saved_.emplace_back(v, old);
      ::unsetenv(v);
    }
  }
  void TearDown() override {
    for (const char* v : {"CTDB_EVENT_HELPER", "CTDB", "CTDB_SCRIPT_VARDIR", "CTDB_PUBLIC_ADDRESSES",
                          "CTDB_SOCKET", "PATH"})
      ::unsetenv(v);
    for (auto& [k, v] : saved_) ::setenv(k.c_str(), v.c_str(), 1);
    std::string cmd = "rm -rf " + dir_;
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  std::string file(const std::string& name, mode_t mode) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << "#!/bin/sh\n";
    ::chmod(p.c_str(), mode);
    return p;
  }
  DaemonOptions options() {
    DaemonOptions o;
    o.event_script_dir = dir_ + "/events.d";
    o.ip_event_script_dir = dir_ + "/ip_events.d";
    o.state_dir = dir_ + "/state";
    o.socket_path = dir_ + "/ctdbd.socket";
    o.public_addresses_file = dir_ + "/public_addresses";
    return o;
  }

  std::string dir_;
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(EventConfigTest, HelperFromEnvironmentMustBeExecutable) {
  std::string h = file("helper", 0755);
  ::setenv("CTDB_EVENT_HELPER", h.c_str(), 1);
  auto r = findEventHelper();
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, h);

  ::chmod(h.c_str(), 0644);
  auto bad = findEventHelper();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().context.find("is not an executable file"), std::string::npos);
}

TEST_F(EventConfigTest, HelperNextToTheExecutableOrNamedInTheError) {
  // The test binary's directory has no ctdb_event_helper: the error names
  // both places tried and the override.
  auto r = findEventHelper();
  if (r.ok()) GTEST_SKIP() << "a ctdb_event_helper sits next to the test binary: " << *r;
  EXPECT_NE(r.error().context.find("/ctdb_event_helper"), std::string::npos);
  EXPECT_NE(r.error().context.find("../libexec/ctdb/ctdb_event_helper"), std::string::npos);
  EXPECT_NE(r.error().context.find("CTDB_EVENT_HELPER"), std::string::npos);
}

TEST_F(EventConfigTest, ModeFollowsTheDirectories) {
  ::setenv("CTDB_EVENT_HELPER", file("helper", 0755).c_str(), 1);
  DaemonOptions o = options();
  EXPECT_FALSE(eventScriptsWanted(o));
  ASSERT_EQ(::mkdir(o.event_script_dir.c_str(), 0755), 0);
  EXPECT_TRUE(eventScriptsWanted(o));
  auto c = resolveEventConfig(o);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->use_ip_scripts);  // built-in IP actions
  ASSERT_EQ(::mkdir(o.ip_event_script_dir.c_str(), 0755), 0);
  c = resolveEventConfig(o);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->use_ip_scripts);
  EXPECT_EQ(c->state_dir, o.state_dir);
}

TEST_F(EventConfigTest, ScriptEnvironment) {
  ::setenv("PATH", "/opt/x/bin", 1);
  DaemonOptions o = options();
  exportScriptEnvironment(o);
  EXPECT_EQ(std::string(std::getenv("CTDB_SOCKET")), o.socket_path);
  EXPECT_EQ(std::string(std::getenv("CTDB_PUBLIC_ADDRESSES")), *o.public_addresses_file);
  EXPECT_EQ(std::string(std::getenv("CTDB_SCRIPT_VARDIR")), o.state_dir + "/scripts");
  std::string path = std::getenv("PATH");
  EXPECT_EQ(path.rfind("/opt/x/bin", 0), 0u) << path;  // caller's PATH first
  EXPECT_NE(path.find(":/usr/sbin"), std::string::npos) << path;
  EXPECT_NE(path.find(":/sbin"), std::string::npos) << path;
  // A value the caller set is kept.
  ::setenv("CTDB_SCRIPT_VARDIR", "/elsewhere", 1);
  exportScriptEnvironment(o);
  EXPECT_EQ(std::string(std::getenv("CTDB_SCRIPT_VARDIR")), "/elsewhere");
  // PATH is not extended twice.
  std::string again = std::getenv("PATH");
  EXPECT_EQ(again, path);
}

}  // namespace
}  // namespace ctdb::server
