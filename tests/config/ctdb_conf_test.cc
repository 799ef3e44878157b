#include "config/ctdb_conf.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace ctdb::config {
namespace {

std::string errorOf(std::string_view text) {
  auto r = parseCtdbConf(text, "ctdb.conf");
  if (r.ok()) return "<ok>";
  return r.error().context;
}

CtdbConf parseOk(std::string_view text) {
  auto r = parseCtdbConf(text, "ctdb.conf");
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : CtdbConf{};
}

std::string fixture(const std::string& name) { return std::string(CONFIG_TEST_DATA_DIR) + "/ctdb_conf/" + name; }

TEST(CtdbConf, EveryUsedKeyIsRead) {
  auto c = parseOk(
      "[logging]\n"
      "\tlocation = file:/var/log/ctdb.log\n"
      "\tlog level = INFO\n"
      "[cluster]\n"
      "\tnode address = 198.18.0.7\n"
      "\tcluster lock = !/usr/bin/lock-helper a b\n"
      "\ttransport = tcp\n"
      "\tleader timeout = 7\n"
      "\tleader capability = false\n"
      "[database]\n"
      "\tstate database directory = /srv/state\n"
      "[event]\n"
      "\tdebug script = debug-hung-script.sh\n"
      "[failover]\n"
      "\tdisabled = true\n"
      "[legacy]\n"
      "\tstart as disabled = yes\n"
      "\tstart as stopped = no\n"
      "\tscript log level = NOTICE\n");
  ASSERT_TRUE(c.log_location);
  EXPECT_EQ(c.log_location->value.kind, LogLocationKind::File);
  EXPECT_EQ(c.log_location->value.toLoggingSpec(), "file:/var/log/ctdb.log");
  EXPECT_EQ(c.log_location->line, 2);
  EXPECT_EQ(c.log_level->value, 5);
  EXPECT_EQ(c.node_address->value.toString(), "198.18.0.7");
  EXPECT_EQ(c.node_address->line, 5);
  EXPECT_EQ(c.cluster_lock->value, "!/usr/bin/lock-helper a b");
  EXPECT_EQ(c.leader_timeout->value, std::chrono::seconds(7));
  EXPECT_FALSE(c.leader_capability->value);
  EXPECT_EQ(c.state_db_dir->value, "/srv/state");
  EXPECT_EQ(c.event_debug_script->value, "debug-hung-script.sh");
  EXPECT_TRUE(c.failover_disabled->value);
  EXPECT_TRUE(c.start_as_disabled->value);
  EXPECT_FALSE(c.start_as_stopped->value);
  EXPECT_EQ(c.script_log_level->value, 3);
  EXPECT_TRUE(c.notices.empty()) << c.notices.front();
}

TEST(CtdbConf, EmptyFileAndCommentsGiveNothing) {
  auto c = parseOk("# comment\n; also a comment\n\n   \n[logging]\n  # location = syslog\n");
  EXPECT_FALSE(c.log_location);
  EXPECT_FALSE(c.log_level);
  EXPECT_TRUE(c.notices.empty());
}

TEST(CtdbConf, SectionsCaseInsensitiveKeysCaseSensitiveLike417) {
  auto c = parseOk("[LOGGING]\nlog level = debug\n[ Cluster ]\nnode address = 198.18.0.1\n");
  EXPECT_EQ(c.log_level->value, 10);
  EXPECT_TRUE(c.node_address);
  EXPECT_EQ(errorOf("[cluster]\nNode Address = 198.18.0.1\n"),
            "ctdb.conf:2: unknown key 'Node Address' in [cluster] (keys are case-sensitive: "
            "'node address')");
}

TEST(CtdbConf, BlankRunsCountAsOneSpaceLikeTini) {
  auto c = parseOk("[cluster]\n  node \t  address=198.18.0.2   \n cluster lock =  !/bin/h   x\t y\n");
  EXPECT_EQ(c.node_address->value.toString(), "198.18.0.2");
  EXPECT_EQ(c.cluster_lock->value, "!/bin/h x y");
}

TEST(CtdbConf, BackslashContinuesTheLineErrorsNameTheFirst) {
  auto c = parseOk("[cluster]\ncluster lock = !/bin/helper \\\n    --arg\n");
  EXPECT_EQ(c.cluster_lock->value, "!/bin/helper --arg");
  EXPECT_EQ(errorOf("[cluster]\nleader timeout = \\\nsoon\n"),
            "ctdb.conf:2: invalid value 'soon' for [cluster] leader timeout (expected a whole number > 0)");
}

TEST(CtdbConf, HashInsideALineIsPartOfTheValue) {
  EXPECT_EQ(errorOf("[logging]\nlocation = syslog # to journald\n"),
            "ctdb.conf:2: invalid value 'syslog # to journald' for [logging] location (expected "
            "file:PATH or syslog[:nonblocking|udp|udp-rfc5424]); '#' starts a comment only at the "
            "beginning of a line");
}

TEST(CtdbConf, LocationForms) {
  EXPECT_EQ(parseOk("[logging]\nlocation = syslog\n").log_location->value.toLoggingSpec(), "syslog");
  EXPECT_EQ(parseOk("[logging]\nlocation = syslog:udp\n").log_location->value.toLoggingSpec(),
            "syslog:udp");
  EXPECT_EQ(parseOk("[logging]\nlocation = syslog:nonblocking\n").log_location->value.syslog_method,
            "nonblocking");
  EXPECT_EQ(parseOk("[logging]\nlocation = file:\n").log_location->value.kind, LogLocationKind::Stderr);
  EXPECT_EQ(parseOk("[logging]\nlocation = file:-\n").log_location->value.kind, LogLocationKind::Stderr);
  EXPECT_NE(errorOf("[logging]\nlocation = syslog:tcp\n"), "<ok>");
  EXPECT_NE(errorOf("[logging]\nlocation = syslogd\n"), "<ok>");
  EXPECT_EQ(errorOf("[logging]\nlocation = stderr\n"),
            "ctdb.conf:2: invalid value 'stderr' for [logging] location (expected file:PATH or "
            "syslog[:nonblocking|udp|udp-rfc5424])");
}

TEST(CtdbConf, UnknownSectionNamesItsLine) {
  EXPECT_EQ(errorOf("[logging]\nlog level = NOTICE\n\n[nfs]\n"),
            "ctdb.conf:4: unknown section [nfs] (CTDB 4.17 has [logging], [cluster], [database], "
            "[event], [failover] and [legacy])");
}

TEST(CtdbConf, UnknownKeyInKnownSectionNamesItsLine) {
  EXPECT_EQ(errorOf("[cluster]\n# x\nrecovery-lock = /x\n"),
            "ctdb.conf:3: unknown key 'recovery-lock' in [cluster]");
  EXPECT_EQ(errorOf("[failover]\ndisable = true\n"), "ctdb.conf:2: unknown key 'disable' in [failover]");
}

TEST(CtdbConf, BadValuesNameTheirLine) {
  EXPECT_EQ(errorOf("[legacy]\nstart as disabled = maybe\n"),
            "ctdb.conf:2: invalid value 'maybe' for [legacy] start as disabled (expected true, false, yes or no)");
  EXPECT_EQ(errorOf("[logging]\nlog level = LOUD\n"),
            "ctdb.conf:2: invalid value 'LOUD' for [logging] log level (expected ERROR, WARNING, "
            "NOTICE, INFO, DEBUG or 0..10)");
  EXPECT_EQ(errorOf("[cluster]\nnode address = 198.18.0.300\n"),
            "ctdb.conf:2: invalid value '198.18.0.300' for [cluster] node address (expected an IPv4 or IPv6 address)");
  EXPECT_EQ(errorOf("[cluster]\n\ntransport = ib\n"),
            "ctdb.conf:3: invalid value 'ib' for [cluster] transport (expected tcp, the only transport supported)");
  EXPECT_EQ(errorOf("[cluster]\nleader timeout = 0\n"),
            "ctdb.conf:2: invalid value '0' for [cluster] leader timeout (expected a whole number > 0)");
  EXPECT_EQ(errorOf("[cluster]\nleader timeout = -3\n"),
            "ctdb.conf:2: invalid value '-3' for [cluster] leader timeout (expected a whole number > 0)");
  EXPECT_EQ(errorOf("[legacy]\nscript log level = 11\n"),
            "ctdb.conf:2: invalid value '11' for [legacy] script log level (expected ERROR, WARNING, "
            "NOTICE, INFO, DEBUG or 0..10)");
  // Unused keys are still type-checked, as 4.17 checks them.
  EXPECT_EQ(errorOf("[database]\ntdb mutexes = on\n"),
            "ctdb.conf:2: invalid value 'on' for [database] tdb mutexes (expected true, false, yes or no)");
}

TEST(CtdbConf, EmptyValueIsAnError) {
  EXPECT_EQ(errorOf("[cluster]\ncluster lock =\n"), "ctdb.conf:2: empty value for [cluster] cluster lock");
  EXPECT_EQ(errorOf("[cluster]\ncluster lock =   \t\n"), "ctdb.conf:2: empty value for [cluster] cluster lock");
}

TEST(CtdbConf, SyntaxErrorsNameTheirLine) {
  EXPECT_EQ(errorOf("log level = NOTICE\n"), "ctdb.conf:1: key 'log level' before any [section]");
  EXPECT_EQ(errorOf("[logging]\nlocation syslog\n"),
            "ctdb.conf:2: missing '=' in 'location syslog' (expected KEY = VALUE)");
  EXPECT_EQ(errorOf("[logging]\n= syslog\n"), "ctdb.conf:2: missing key before '=' in '= syslog'");
  EXPECT_EQ(errorOf("\n[logging\n"), "ctdb.conf:2: missing ']' in '[logging'");
  EXPECT_EQ(errorOf("[logging] x\n"), "ctdb.conf:1: unexpected text 'x' after '[logging]'");
}

TEST(CtdbConf, Unknown417KeyIsIgnoredWithANotice) {
  auto c = parseOk(
      "[database]\n"
      "volatile database directory = /var/lib/ctdb/volatile\n"
      "[legacy]\n"
      "realtime scheduling = false\n"
      "lmaster capability = false\n");
  ASSERT_EQ(c.notices.size(), 3u);
  EXPECT_EQ(c.notices[0],
            "ctdb.conf:2: [database] volatile database directory is a CTDB 4.17 key this daemon "
            "does not use; ignored");
  EXPECT_EQ(c.notices[1],
            "ctdb.conf:4: [legacy] realtime scheduling is a CTDB 4.17 key this daemon does not use; ignored");
  EXPECT_EQ(c.notices[2],
            "ctdb.conf:5: [legacy] lmaster capability is a CTDB 4.17 key this daemon does not use; ignored");
}

TEST(CtdbConf, RecoveryLockIsTheDeprecatedClusterLock) {
  auto c = parseOk("[cluster]\nrecovery lock = /shared/reclock\n");
  ASSERT_TRUE(c.cluster_lock);
  EXPECT_EQ(c.cluster_lock->value, "/shared/reclock");
  EXPECT_EQ(c.cluster_lock->line, 2);
  ASSERT_EQ(c.notices.size(), 1u);
  EXPECT_EQ(c.notices[0], "ctdb.conf:2: [cluster] recovery lock is deprecated, use [cluster] cluster lock");
}

TEST(CtdbConf, ClusterLockWinsOverRecoveryLock) {
  auto c = parseOk("[cluster]\nrecovery lock = /old\ncluster lock = /new\n");
  EXPECT_EQ(c.cluster_lock->value, "/new");
  ASSERT_EQ(c.notices.size(), 1u);
  EXPECT_EQ(c.notices[0],
            "ctdb.conf:2: [cluster] recovery lock is deprecated, use [cluster] cluster lock; "
            "ignored: [cluster] cluster lock (line 3) is set");
}

TEST(CtdbConf, LastOfARepeatedKeyCountsWithANotice) {
  auto c = parseOk("[logging]\nlog level = ERR\n[logging]\nlog level = INFO\n");
  EXPECT_EQ(c.log_level->value, 5);
  EXPECT_EQ(c.log_level->line, 4);
  ASSERT_EQ(c.notices.size(), 1u);
  EXPECT_EQ(c.notices[0], "ctdb.conf:4: [logging] log level given again (first at line 2); this line's value is used");
}

TEST(CtdbConf, DebugScriptKeepsOnlyTheBaseNameLike417) {
  auto c = parseOk("[event]\ndebug script = /usr/share/ctdb/debug-hung-script.sh\n");
  EXPECT_EQ(c.event_debug_script->value, "debug-hung-script.sh");
}

TEST(CtdbConf, CrLfFileParses) {
  auto c = parseOk("[logging]\r\nlog level = NOTICE\r\n");
  EXPECT_EQ(c.log_level->value, 3);
}

// Real 4.17 files: Samba's shipped ctdb/config/ctdb.conf, Debian 12's
// /etc/ctdb/ctdb.conf, the ctdb/doc/examples/ctdb.conf of the 4.17 tree,
// and the one 4.17's ctdb/tests/local_daemons.sh writes for each node.
TEST(CtdbConf, Samba417ShippedFile) {
  auto r = loadCtdbConf(fixture("samba-4.17.12-config-ctdb.conf"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->log_location);  // everything in it is commented out
  EXPECT_FALSE(r->cluster_lock);
}

TEST(CtdbConf, Debian12EtcCtdbConf) {
  auto r = loadCtdbConf(fixture("debian-12-etc-ctdb-ctdb.conf"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->log_location->value.kind, LogLocationKind::Syslog);
  EXPECT_EQ(r->log_level->value, 3);
  EXPECT_FALSE(r->cluster_lock);
  EXPECT_TRUE(r->notices.empty());
}

TEST(CtdbConf, Samba417DocExample) {
  auto r = loadCtdbConf(fixture("samba-4.17.12-doc-examples-ctdb.conf"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->log_location->value.toLoggingSpec(), "syslog");
  EXPECT_EQ(r->cluster_lock->value, "/shared/cluster.lock");
  EXPECT_EQ(r->cluster_lock->line, 50);
}

TEST(CtdbConf, Samba417LocalDaemonsFile) {
  auto r = loadCtdbConf(fixture("samba-4.17.12-local_daemons-ctdb.conf"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->log_level->value, 5);
  EXPECT_EQ(r->node_address->value.toString(), "127.0.0.1");
  EXPECT_EQ(r->state_db_dir->value, "/var/lib/ctdb-test/node.0/db/state");
  EXPECT_FALSE(r->failover_disabled->value);
  EXPECT_EQ(r->event_debug_script->value, "debug-hung-script.sh");
  EXPECT_EQ(r->notices.size(), 2u);  // volatile and persistent database directory
}

TEST(CtdbConf, MissingFileIsEnoent) {
  auto r = loadCtdbConf("/nonexistent/ctdb.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code.value(), ENOENT);
  EXPECT_EQ(r.error().context, "/nonexistent/ctdb.conf");
}

TEST(CtdbConf, ErrorsFromAFileNameThePath) {
  auto r = parseCtdbConf("[bogus]\n", "/etc/ctdb/ctdb.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().context.rfind("/etc/ctdb/ctdb.conf:1: unknown section [bogus]", 0), 0u);
}

TEST(CtdbConf, KeyTableIs417s) {
  auto keys = ctdbConfKeys();
  EXPECT_EQ(keys.size(), 20u);
  int unused = 0;
  for (const auto& k : keys) unused += k.is_used ? 0 : 1;
  EXPECT_EQ(unused, 6);
}

// doc/examples/ctdb.conf (the commented template for /etc/ctdb) parses as
// it is, and with every "# key = value" line uncommented: each shown
// default or example is valid.
TEST(CtdbConf, ExampleTemplateAndItsValuesAreValid) {
  std::ifstream in(std::string(CONFIG_TEST_DATA_DIR) + "/../../doc/examples/ctdb.conf");
  ASSERT_TRUE(in.good());
  std::string text, uncommented, line;
  int keys = 0;
  while (std::getline(in, line)) {
    text += line + "\n";
    auto hash = line.find("# ");
    if (hash != std::string::npos && line.find(" = ") != std::string::npos &&
        line.find_first_not_of(" \t") == hash) {
      uncommented += line.substr(hash + 2) + "\n";
      ++keys;
    } else {
      uncommented += line + "\n";
    }
  }
  auto as_is = parseCtdbConf(text, "ctdb.conf");
  ASSERT_TRUE(as_is.ok()) << as_is.error().message();
  EXPECT_FALSE(as_is->log_level);
  EXPECT_EQ(keys, 13);
  auto all = parseCtdbConf(uncommented, "ctdb.conf");
  ASSERT_TRUE(all.ok()) << all.error().message();
  EXPECT_EQ(all->log_level->value, 3);
  EXPECT_EQ(all->log_location->value.toLoggingSpec(), "file:/var/log/log.ctdb");
  EXPECT_EQ(all->leader_timeout->value, std::chrono::seconds(5));
  EXPECT_EQ(all->script_log_level->value, 0);
  EXPECT_TRUE(all->notices.empty()) << all->notices.front();
}

// Whatever /etc/ctdb/ctdb.conf this machine has (Debian's ctdb 4.17, or
// ours from the package) is a valid file.
TEST(CtdbConf, InstalledEtcCtdbConfParses) {
  auto r = loadCtdbConf("/etc/ctdb/ctdb.conf");
  if (!r.ok() && r.error().code.value() == ENOENT) GTEST_SKIP() << "no /etc/ctdb/ctdb.conf here";
  ASSERT_TRUE(r.ok()) << r.error().message();
}

// doc/man/ctdb.conf.5 names every section and key of the table.
TEST(CtdbConf, ManPageDocumentsEveryKey) {
  std::ifstream in(std::string(CONFIG_TEST_DATA_DIR) + "/../../doc/man/ctdb.conf.5");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string man = ss.str();
  for (const auto& k : ctdbConfKeys()) {
    EXPECT_NE(man.find(".SH \"[" + std::string(k.section) + "]\""), std::string::npos) << k.section;
    EXPECT_NE(man.find(std::string(k.key)), std::string::npos) << k.section << " " << k.key;
  }
}

}  // namespace
}  // namespace ctdb::config
