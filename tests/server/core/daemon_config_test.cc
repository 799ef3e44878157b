#include "server/core/daemon_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <vector>

namespace ctdb::server {
namespace {

/* A CTDB_BASE directory of its own, removed afterwards. */
class TempBase {
 public:
  TempBase() {
    char tmpl[] = "/tmp/daemon_config_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~TempBase() { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  const std::string& dir() const { return dir_; }
  void write(const std::string& name, const std::string& text, mode_t mode = 0644) const {
    std::ofstream(dir_ + "/" + name) << text;
    chmod((dir_ + "/" + name).c_str(), mode);
  }

 private:
  std::string dir_;
};

DaemonOptions parse(std::initializer_list<const char*> args, const std::string& base = "/etc/ctdb") {
  std::vector<const char*> v{"ctdbd"};
  v.insert(v.end(), args.begin(), args.end());
  OptionEnvironment env;
  env.ctdb_base = base;
  auto r = parseDaemonOptions(v, env);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? r->options : DaemonOptions{};
}

config::CtdbConf conf(std::string_view text) {
  auto r = config::parseCtdbConf(text, "ctdb.conf");
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : config::CtdbConf{};
}

constexpr std::string_view kFull =
    "[logging]\n"
    "  location = file:/srv/log.ctdb\n"
    "  log level = INFO\n"
    "[cluster]\n"
    "  node address = 198.18.0.2\n"
    "  cluster lock = /shared/lock\n"
    "  leader timeout = 9\n"
    "  leader capability = false\n"
    "[database]\n"
    "  state database directory = /srv/state\n"
    "[failover]\n"
    "  disabled = true\n"
    "[legacy]\n"
    "  start as disabled = true\n"
    "  script log level = NOTICE\n";

TEST(DaemonConfig, CtdbConfReplacesBuiltInDefaults) {
  DaemonOptions o = parse({});
  auto lines = applyCtdbConf(conf(kFull), o);
  ASSERT_TRUE(lines.ok()) << lines.error().message();
  EXPECT_EQ(o.logging, "file:/srv/log.ctdb");
  EXPECT_EQ(o.debug_level, 5);
  ASSERT_TRUE(o.listen_address);
  EXPECT_EQ(o.listen_address->toString(), "198.18.0.2");
  EXPECT_EQ(o.reclock, "/shared/lock");
  EXPECT_EQ(o.state_dir, "/srv/state");
  EXPECT_EQ(o.leader_timeout, std::chrono::seconds(9));
  EXPECT_FALSE(o.has_leader_capability);
  EXPECT_TRUE(o.is_failover_disabled);
  EXPECT_EQ(o.start_state, StartState::Disabled);
  EXPECT_EQ(o.script_log_level, 3);
  EXPECT_TRUE(lines->empty());
}

TEST(DaemonConfig, CommandLineWinsOverCtdbConf) {
  DaemonOptions o = parse({"--logging=file:/cli/log", "-d", "ERR", "--listen=198.18.0.9",
                           "--reclock=/cli/lock", "--dbdir-state=/cli/state"});
  auto lines = applyCtdbConf(conf(kFull), o);
  ASSERT_TRUE(lines.ok()) << lines.error().message();
  EXPECT_EQ(o.logging, "file:/cli/log");
  EXPECT_EQ(o.debug_level, 0);
  EXPECT_EQ(o.listen_address->toString(), "198.18.0.9");
  EXPECT_EQ(o.reclock, "/cli/lock");
  EXPECT_EQ(o.state_dir, "/cli/state");
  ASSERT_EQ(lines->size(), 5u);
  EXPECT_EQ((*lines)[0], "ctdb.conf:2: [logging] location overridden by the command line (--logging)");
  EXPECT_EQ((*lines)[2], "ctdb.conf:5: [cluster] node address overridden by the command line (--listen)");
  EXPECT_EQ((*lines)[4],
            "ctdb.conf:10: [database] state database directory overridden by the command line (--dbdir-state)");
}

TEST(DaemonConfig, Ctdb45OptionsForLegacyKeysWin) {
  DaemonOptions o = parse({"--script-log-level=DEBUG", "--no-recmaster", "--transport=tcp"});
  auto lines = applyCtdbConf(conf("[cluster]\nleader capability = true\n[legacy]\nscript log level = ERR\n"), o);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(o.script_log_level, 10);
  EXPECT_FALSE(o.has_leader_capability);
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[1], "ctdb.conf:2: [cluster] leader capability overridden by the command line (--no-recmaster)");
  std::vector<const char*> v{"ctdbd", "--transport=ib"};
  auto bad = parseDaemonOptions(v, OptionEnvironment{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().context, "option '--transport': unsupported transport 'ib' (only tcp)");
}

TEST(DaemonConfig, InteractiveLogsToStderrWhateverCtdbConfSaysLike417) {
  DaemonOptions o = parse({"-i"});
  EXPECT_EQ(o.logging, "stderr");
  auto lines = applyCtdbConf(conf("[logging]\nlocation = syslog\n"), o);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(o.logging, "stderr");
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0], "ctdb.conf:2: [logging] location overridden by the command line (-i logs to stderr)");
  // --logging still wins over -i.
  EXPECT_EQ(parse({"-i", "--logging=file:/x/log"}).logging, "file:/x/log");
}

TEST(DaemonConfig, NothingInCtdbConfKeepsBuiltInDefaults) {
  DaemonOptions o = parse({});
  auto lines = applyCtdbConf(conf("# all commented out\n[logging]\n# log level = DEBUG\n"), o);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(o.logging, "file:/var/log/log.ctdb");
  EXPECT_EQ(o.debug_level, 3);
  EXPECT_FALSE(o.listen_address);
  EXPECT_FALSE(o.reclock);
  EXPECT_EQ(o.state_dir, "/var/lib/ctdb/state");
  EXPECT_EQ(o.leader_timeout, std::chrono::seconds(5));
  EXPECT_TRUE(o.has_leader_capability);
  EXPECT_FALSE(o.is_failover_disabled);
  EXPECT_EQ(o.start_state, StartState::Normal);
  EXPECT_EQ(o.script_log_level, 0);
}

TEST(DaemonConfig, StartAsFlagsAddToTheCommandLine) {
  DaemonOptions o = parse({"--start-as-stopped"});
  ASSERT_TRUE(applyCtdbConf(conf("[legacy]\nstart as disabled = yes\n"), o).ok());
  EXPECT_EQ(o.start_state, StartState::DisabledAndStopped);
  DaemonOptions p = parse({"--start-as-disabled"});
  ASSERT_TRUE(applyCtdbConf(conf("[legacy]\nstart as disabled = no\n"), p).ok());
  EXPECT_EQ(p.start_state, StartState::Disabled);
  DaemonOptions q = parse({});
  ASSERT_TRUE(applyCtdbConf(conf("[legacy]\nstart as stopped = true\n"), q).ok());
  EXPECT_EQ(q.start_state, StartState::Stopped);
}

TEST(DaemonConfig, RecoveryLockBecomesTheClusterLockWithADeprecationLine) {
  DaemonOptions o = parse({});
  auto lines = applyCtdbConf(conf("[cluster]\nrecovery lock = !/usr/bin/helper x\n"), o);
  ASSERT_TRUE(lines.ok());
  EXPECT_EQ(o.reclock, "!/usr/bin/helper x");
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0], "ctdb.conf:2: [cluster] recovery lock is deprecated, use [cluster] cluster lock");
}

TEST(DaemonConfig, DebugScriptIsCheckedInCtdbBaseLike417) {
  TempBase b;
  DaemonOptions o = parse({}, b.dir());
  auto c = conf("[event]\ndebug script = /anywhere/debug-hung-script.sh\n");
  auto missing = applyCtdbConf(c, o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().context,
            "ctdb.conf:2: [event] debug script " + b.dir() + "/debug-hung-script.sh does not exist");
  b.write("debug-hung-script.sh", "#!/bin/sh\n", 0644);
  auto noexec = applyCtdbConf(c, o);
  ASSERT_FALSE(noexec.ok());
  EXPECT_EQ(noexec.error().context,
            "ctdb.conf:2: [event] debug script " + b.dir() + "/debug-hung-script.sh is not executable");
  b.write("debug-hung-script.sh", "#!/bin/sh\n", 0755);
  auto ok = applyCtdbConf(c, o);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(o.event_debug_script, b.dir() + "/debug-hung-script.sh");
}

TEST(DaemonConfig, LoadReadsCtdbConfFromCtdbBase) {
  TempBase b;
  DaemonOptions o = parse({}, b.dir());
  auto none = loadCtdbConfInto(o);
  ASSERT_TRUE(none.ok());
  ASSERT_EQ(none->size(), 1u);
  EXPECT_EQ((*none)[0], "no " + b.dir() + "/ctdb.conf, using the built-in defaults");

  b.write("ctdb.conf", "[logging]\n\tlog level = DEBUG\n");
  auto read = loadCtdbConfInto(o);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(o.debug_level, 10);

  b.write("ctdb.conf", "[logging]\n\tlog level = DEBUG\n[cluster]\n\tbogus = 1\n");
  auto bad = loadCtdbConfInto(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().context, b.dir() + "/ctdb.conf:4: unknown key 'bogus' in [cluster]");
}

TEST(DaemonConfig, PublicAddressesAndTunablesFromCtdbBase) {
  TempBase b;
  DaemonOptions o = parse({}, b.dir());
  auto lines = useCtdbBaseFiles(o);
  EXPECT_FALSE(o.public_addresses_file);
  EXPECT_FALSE(o.tunables_file);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "no " + b.dir() + "/public_addresses: this node has no public addresses");

  b.write("public_addresses", "198.19.0.1/16 eth0\n");
  b.write("ctdb.tunables", "MonitorInterval=20\n");
  DaemonOptions p = parse({}, b.dir());
  EXPECT_TRUE(useCtdbBaseFiles(p).empty());
  EXPECT_EQ(p.public_addresses_file, b.dir() + "/public_addresses");
  EXPECT_EQ(p.tunables_file, b.dir() + "/ctdb.tunables");

  DaemonOptions q = parse({"--public-addresses=/cli/pa", "--tunables-file=/cli/t"}, b.dir());
  useCtdbBaseFiles(q);
  EXPECT_EQ(q.public_addresses_file, "/cli/pa");
  EXPECT_EQ(q.tunables_file, "/cli/t");
}

}  // namespace
}  // namespace ctdb::server
