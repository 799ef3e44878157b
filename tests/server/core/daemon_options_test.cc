#include "server/core/daemon_options.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace ctdb::server {
namespace {

Result<ParsedCommandLine> parse(std::initializer_list<const char*> args,
                                OptionEnvironment env = {}) {
  std::vector<const char*> v{"ctdbd"};
  v.insert(v.end(), args.begin(), args.end());
  return parseDaemonOptions(v, env);
}

std::string errorOf(std::initializer_list<const char*> args) {
  auto r = parse(args);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.error().context;
}

TEST(DaemonOptions, DefaultsFollowCtdb45) {
  auto r = parse({});
  ASSERT_TRUE(r.ok());
  const auto& o = r->options;
  EXPECT_EQ(r->action, ParseAction::Run);
  EXPECT_EQ(o.nodes_file, "/etc/ctdb/nodes");
  EXPECT_EQ(o.socket_path, "/run/ctdb/ctdbd.socket");
  EXPECT_EQ(o.event_script_dir, "/etc/ctdb/events.d");
  EXPECT_EQ(o.ip_event_script_dir, "/etc/ctdb/ip_events.d");
  EXPECT_EQ(o.state_dir, "/var/lib/ctdb/state");
  EXPECT_EQ(o.logging, "file:/var/log/log.ctdb");
  EXPECT_EQ(o.debug_level, 3);
  EXPECT_FALSE(o.is_interactive);
  EXPECT_FALSE(o.public_addresses_file.has_value());
  EXPECT_FALSE(o.listen_address.has_value());
  EXPECT_FALSE(o.pidfile.has_value());
  EXPECT_FALSE(o.reclock.has_value());
  EXPECT_EQ(o.start_state, StartState::Normal);
}

TEST(DaemonOptions, EqualsAndSeparateValueFormsAreEquivalent) {
  auto a = parse({"--nlist=/x/nodes", "--socket=/x/s", "--listen=198.18.0.1", "--pidfile=/x/p"});
  auto b = parse({"--nlist", "/x/nodes", "--socket", "/x/s", "--listen", "198.18.0.1",
                  "--pidfile", "/x/p"});
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->options.nodes_file, "/x/nodes");
  EXPECT_EQ(b->options.nodes_file, "/x/nodes");
  EXPECT_EQ(a->options.socket_path, b->options.socket_path);
  EXPECT_EQ(a->options.listen_address, b->options.listen_address);
  EXPECT_EQ(a->options.listen_address->toString(), "198.18.0.1");
  EXPECT_EQ(*b->options.pidfile, "/x/p");
}

TEST(DaemonOptions, AllOptionsStored) {
  auto r = parse({"--public-addresses=/c/pa", "--event-script-dir=/c/ev/events.d",
                  "--ip-event-script-dir=/c/ip", "--dbdir-state=/c/state", "--reclock=!helper arg",
                  "--tunables-file=/c/t", "-i", "--logging=stderr", "--start-as-disabled",
                  "--start-as-stopped", "-d", "DEBUG"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  const auto& o = r->options;
  EXPECT_EQ(*o.public_addresses_file, "/c/pa");
  EXPECT_EQ(o.event_script_dir, "/c/ev/events.d");
  EXPECT_EQ(o.ip_event_script_dir, "/c/ip");
  EXPECT_EQ(o.state_dir, "/c/state");
  EXPECT_EQ(*o.reclock, "!helper arg");
  EXPECT_EQ(*o.tunables_file, "/c/t");
  EXPECT_TRUE(o.is_interactive);
  EXPECT_EQ(o.logging, "stderr");
  EXPECT_EQ(o.start_state, StartState::DisabledAndStopped);
  EXPECT_EQ(o.debug_level, 10);
}

TEST(DaemonOptions, IpEventDirDefaultsToSiblingOfEventDir) {
  auto r = parse({"--event-script-dir", "/opt/x/events.d/"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->options.ip_event_script_dir, "/opt/x/ip_events.d");
}

TEST(DaemonOptions, EnvironmentSocketAndBase) {
  OptionEnvironment env;
  env.ctdb_socket = "/env/sock";
  env.ctdb_base = "/base";
  auto r = parse({}, env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->options.socket_path, "/env/sock");
  EXPECT_EQ(r->options.nodes_file, "/base/nodes");
  EXPECT_EQ(r->options.event_script_dir, "/base/events.d");
  auto r2 = parse({"--socket=/opt/s"}, env);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->options.socket_path, "/opt/s");  // option wins over environment
}

TEST(DaemonOptions, DebugLevelForms) {
  auto a = parse({"-d", "5"});
  auto b = parse({"-dNOTICE"});
  auto c = parse({"--debug=err"});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->options.debug_level, 5);
  EXPECT_EQ(b->options.debug_level, 3);
  EXPECT_EQ(c->options.debug_level, 0);
}

TEST(DaemonOptions, StartStates) {
  EXPECT_EQ(parse({"--start-as-disabled"})->options.start_state, StartState::Disabled);
  EXPECT_EQ(parse({"--start-as-stopped"})->options.start_state, StartState::Stopped);
}

TEST(DaemonOptions, Help) {
  auto r = parse({"--nlist=x", "--help"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->action, ParseAction::ShowHelp);
  std::string usage = daemonUsage("ctdbd");
  for (const char* opt : {"--nlist", "--public-addresses", "--socket", "--event-script-dir",
                          "--ip-event-script-dir", "--dbdir-state", "--reclock", "--listen",
                          "--tunables-file", "--interactive", "--logging", "--pidfile",
                          "--start-as-disabled", "--start-as-stopped", "--debug", "--help"})
    EXPECT_NE(usage.find(opt), std::string::npos) << opt;
  EXPECT_NE(usage.find("$CTDB_BASE/ctdb.conf"), std::string::npos);
}

TEST(DaemonOptions, UnknownLongOption) {
  EXPECT_EQ(errorOf({"--bogus"}), "unknown option '--bogus'");
  EXPECT_EQ(errorOf({"--bogus=1"}), "unknown option '--bogus'");
}

TEST(DaemonOptions, UnknownShortOption) { EXPECT_EQ(errorOf({"-x"}), "unknown option '-x'"); }

TEST(DaemonOptions, MissingValueLong) {
  EXPECT_EQ(errorOf({"--nlist"}), "option '--nlist' needs a value");
}

TEST(DaemonOptions, MissingValueShort) { EXPECT_EQ(errorOf({"-d"}), "option '-d' needs a value"); }

TEST(DaemonOptions, EmptyValue) {
  EXPECT_EQ(errorOf({"--socket="}), "option '--socket' needs a non-empty value");
}

TEST(DaemonOptions, FlagGivenAValue) {
  EXPECT_EQ(errorOf({"--interactive=yes"}), "option '--interactive' takes no value");
  EXPECT_EQ(errorOf({"-ix"}), "option '-i' takes no value");
}

TEST(DaemonOptions, BadListenAddress) {
  EXPECT_EQ(errorOf({"--listen=198.18.0.300"}),
            "option '--listen': invalid address '198.18.0.300'");
}

TEST(DaemonOptions, BadDebugLevel) {
  EXPECT_EQ(errorOf({"-d", "LOUD"}), "option '--debug': invalid debug level 'LOUD'");
}

TEST(DaemonOptions, BadLoggingTarget) {
  EXPECT_EQ(errorOf({"--logging=syslogd"}),
            "option '--logging': invalid target 'syslogd' (use file:PATH, stderr or syslog[:METHOD])");
  EXPECT_FALSE(parse({"--logging=file:"}).ok());
}

TEST(DaemonOptions, PositionalArgumentRejected) {
  EXPECT_EQ(errorOf({"extra"}), "unexpected argument 'extra'");
}

}  // namespace
}  // namespace ctdb::server

namespace ctdb::server {
namespace {

TEST(DaemonOptions, CtdbBaseFromEnvironmentThenEventDirThenBuiltIn) {
  OptionEnvironment env;
  env.default_ctdb_base = "/usr/local/etc/ctdb";
  auto builtin = parse({}, env);
  ASSERT_TRUE(builtin.ok());
  EXPECT_EQ(builtin->options.ctdb_base, "/usr/local/etc/ctdb");
  EXPECT_EQ(builtin->options.ctdb_base_source, CtdbBaseSource::BuiltIn);
  EXPECT_EQ(builtin->options.nodes_file, "/usr/local/etc/ctdb/nodes");

  auto from_dir = parse({"--event-script-dir=/srv/node0/events.d/"}, env);
  ASSERT_TRUE(from_dir.ok());
  EXPECT_EQ(from_dir->options.ctdb_base, "/srv/node0");
  EXPECT_EQ(from_dir->options.ctdb_base_source, CtdbBaseSource::EventScriptDir);
  EXPECT_EQ(from_dir->options.nodes_file, "/srv/node0/nodes");

  env.ctdb_base = "/env/base";
  auto from_env = parse({"--event-script-dir=/srv/node0/events.d"}, env);
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->options.ctdb_base, "/env/base");
  EXPECT_EQ(from_env->options.ctdb_base_source, CtdbBaseSource::Environment);
  EXPECT_EQ(from_env->options.event_script_dir, "/srv/node0/events.d");
}

}  // namespace
}  // namespace ctdb::server
