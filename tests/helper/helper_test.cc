/*
 * ctdb_event_helper: how scripts are found, run and reported (through the
 * daemon-side EventRunner/HelperProcess, the helper's only client), and
 * the properties of the binary itself (size, libraries, vfork spawn).
 */
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "../event/event_fixture.h"

namespace ctdb::event::test {
namespace {

using namespace std::chrono_literals;

std::string runCommand(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

/* True while pid exists and is not a zombie. */
bool isAlive(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!std::getline(f, s)) return false;
  auto rp = s.rfind(')');
  return rp != std::string::npos && rp + 2 < s.size() && s[rp + 2] != 'Z';
}

bool waitGone(pid_t pid, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (!isAlive(pid)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return !isAlive(pid);
}

std::vector<std::string> names(const EventResult& r) {
  std::vector<std::string> v;
  for (auto& s : r.scripts) v.push_back(s.name);
  return v;
}

class HelperTest : public EventFixture {};

TEST_F(HelperTest, BinaryIsSmallAndLinksOnlyLibc) {
  struct stat st;
  ASSERT_EQ(stat(CTDB_EVENT_HELPER_PATH, &st), 0);
  EXPECT_LT(st.st_size, 200 * 1024) << "helper must stay small (vfork+exec cost)";
  std::string ldd = runCommand(std::string("ldd ") + CTDB_EVENT_HELPER_PATH + " 2>&1");
  ASSERT_FALSE(ldd.empty());
  std::istringstream in(ldd);
  std::string line;
  int libs = 0;
  while (std::getline(in, line)) {
    if (line.find("linux-vdso") != std::string::npos || line.find("ld-linux") != std::string::npos)
      continue;
    ++libs;
    EXPECT_NE(line.find("libc.so"), std::string::npos) << "unexpected library: " << line;
  }
  EXPECT_EQ(libs, 1) << ldd;
}

TEST_F(HelperTest, LexicalOrderAndNameFilter) {
  std::string log = base_ + "/order.log";
  for (const char* n : {"10.b", "02.a", "10.a", "10.B", "99.z"}) {
    script(events(), n, std::string("echo ") + n + " >> " + log);
  }
  // Not matching NN.name: never listed, never run.
  for (const char* n : {"9.x", "ab.c", "10.c~", "README", "10", "10x.y",
                        "12.name_that_is_longer_than_31_chars"}) {
    script(events(), n, std::string("echo ") + n + " >> " + log);
  }
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::vector<std::string> want = {"02.a", "10.B", "10.a", "10.b", "99.z"};  // byte order
  EXPECT_EQ(names(*r), want);
  EXPECT_EQ(readFile(log), "02.a\n10.B\n10.a\n10.b\n99.z\n");
  EXPECT_TRUE(r->isSuccess());
}

TEST_F(HelperTest, NonExecutableIsDisabledAndSkipped) {
  std::string log = base_ + "/log";
  script(events(), "01.off", "echo off >> " + log, 0644);
  script(events(), "02.on", "echo on >> " + log);
  mkdir((events() + "/03.dir").c_str(), 0755);  // executable, but not a regular file
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->scripts.size(), 3u);
  EXPECT_EQ(r->scripts[0].state, ScriptState::Disabled);
  EXPECT_EQ(r->scripts[0].status(), -ENOEXEC);
  EXPECT_EQ(r->scripts[1].state, ScriptState::Ok);
  EXPECT_EQ(r->scripts[2].state, ScriptState::Disabled);
  EXPECT_TRUE(r->isSuccess());
  EXPECT_EQ(readFile(log), "on\n");
}

TEST_F(HelperTest, DanglingLinkIsMissingNotFailure) {
  ASSERT_EQ(symlink("/nonexistent/script", (events() + "/01.gone").c_str()), 0);
  script(events(), "02.ok", "exit 0");
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->scripts.size(), 2u);
  EXPECT_EQ(r->scripts[0].state, ScriptState::Missing);
  EXPECT_EQ(r->scripts[0].code, ENOENT);
  EXPECT_TRUE(r->isSuccess());
}

TEST_F(HelperTest, MissingInterpreterIsExecFailedEnoent) {
  writeFile(events() + "/01.bad", "#!/nonexistent/interp\nexit 0\n", 0755);
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->scripts.size(), 1u);
  EXPECT_EQ(r->scripts[0].state, ScriptState::ExecFailed);
  EXPECT_EQ(r->scripts[0].code, ENOENT);
  EXPECT_EQ(r->status(), -ENOENT);
}

TEST_F(HelperTest, NonExecutableInterpreterIsExecFailedEacces) {
  writeFile(base_ + "/interp", "not a program\n", 0644);
  writeFile(events() + "/01.bad", "#!" + base_ + "/interp\nexit 0\n", 0755);
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->scripts.size(), 1u);
  EXPECT_EQ(r->scripts[0].state, ScriptState::ExecFailed);
  EXPECT_EQ(r->scripts[0].code, EACCES);
  EXPECT_FALSE(r->isSuccess());
}

TEST_F(HelperTest, NoShebangIsExecFailedEnoexec) {
  writeFile(events() + "/01.noshebang", "echo hello\nexit 0\n", 0755);
  script(events(), "02.after", "exit 0");
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->scripts.size(), 1u) << "a failed exec stops the event";
  EXPECT_EQ(r->scripts[0].state, ScriptState::ExecFailed);
  EXPECT_EQ(r->scripts[0].code, ENOEXEC);
  EXPECT_FALSE(r->isSuccess());
}

TEST_F(HelperTest, ArgumentsAndEnvironmentPassed) {
  std::string out = base_ + "/args";
  script(ipEvents(), "10.probe",
         "echo \"$(basename $0)|$*|$CTDB_BASE|$CTDB_IP_CHANGES_FILE\" > " + out);
  auto r = runSync(Event::UpdateIp, {"eth0", "eth1", "198.18.0.7", "24"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->isSuccess());
  EXPECT_EQ(readFile(out), "10.probe|updateip eth0 eth1 198.18.0.7 24|" + base_ + "|" +
                               state() + "/ip_changes\n");
}

TEST_F(HelperTest, IpEventsRunOnlyIpTreeAndOthersOnlyEventsTree) {
  std::string log = base_ + "/log";
  script(events(), "10.all", "echo events.d $1 >> " + log);
  script(ipEvents(), "10.ip", "echo ip_events.d $1 >> " + log);
  ASSERT_TRUE(runSync(Event::TakeIp, {"eth0", "198.18.0.1", "24"}).ok());
  ASSERT_TRUE(runSync(Event::IpReallocated).ok());
  EXPECT_EQ(readFile(log), "ip_events.d takeip\nevents.d ipreallocated\n");
}

TEST_F(HelperTest, OutputCapturedAndCappedToTail) {
  script(events(), "01.noisy",
         "i=0; while [ $i -lt 200 ]; do echo 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'; "
         "i=$((i+1)); done; echo ERR-AT-END >&2; exit 1");
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->scripts.size(), 1u);
  const auto& s = r->scripts[0];
  EXPECT_EQ(s.output.size(), 4096u);
  EXPECT_TRUE(s.is_output_truncated);
  EXPECT_EQ(s.output.substr(s.output.size() - 11), "ERR-AT-END\n");
}

TEST_F(HelperTest, SmallOutputKeptWhole) {
  script(events(), "01.say", "echo out; echo err >&2");
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->scripts[0].output, "out\nerr\n");
  EXPECT_FALSE(r->scripts[0].is_output_truncated);
}

TEST_F(HelperTest, ExitCodesAndStopAtFirstFailure) {
  std::string marker = base_ + "/ran";
  script(events(), "01.ok", "exit 0");
  script(events(), "02.fail", "exit 2");  // 4.5 read 2 as "missing"; we do not
  script(events(), "03.later", "touch " + marker);
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->scripts.size(), 2u);
  EXPECT_EQ(r->scripts[1].state, ScriptState::Failed);
  EXPECT_EQ(r->status(), 2);
  EXPECT_FALSE(pathExists(marker));
}

TEST_F(HelperTest, KilledBySignal) {
  script(events(), "01.selfkill", "kill -TERM $$; sleep 5");
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->scripts[0].state, ScriptState::Signaled);
  EXPECT_EQ(r->scripts[0].code, SIGTERM);
  EXPECT_EQ(r->status(), -EINTR);
}

TEST_F(HelperTest, TimeoutKillsWholeProcessGroup) {
  std::string pidfile = base_ + "/grandchild";
  script(events(), "01.hang", "sleep 100 & echo $! > " + pidfile + "; sleep 100");
  auto t0 = std::chrono::steady_clock::now();
  auto r = runSync(Event::Startup, {}, 400ms);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->scripts.size(), 1u);
  EXPECT_EQ(r->scripts[0].state, ScriptState::TimedOut);
  EXPECT_EQ(r->status(), -ETIMEDOUT);
  EXPECT_LT(took, 5s);
  pid_t gc = std::atoi(readFile(pidfile).c_str());
  ASSERT_GT(gc, 0);
  EXPECT_TRUE(waitGone(gc, 2s)) << "grandchild " << gc << " survived the timeout";
}

TEST_F(HelperTest, BackgroundChildOfSuccessfulScriptIsKilled) {
  std::string pidfile = base_ + "/bg";
  script(events(), "01.bg", "sleep 100 & echo $! > " + pidfile + "; exit 0");
  auto t0 = std::chrono::steady_clock::now();
  auto r = runSync(Event::Startup, {}, 20s);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->isSuccess());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s) << "must not wait for the stray child";
  pid_t bg = std::atoi(readFile(pidfile).c_str());
  EXPECT_TRUE(waitGone(bg, 2s));
}

TEST_F(HelperTest, CancellingKillsHelperAndScriptGroup) {
  std::string pidfile = base_ + "/pids";
  script(events(), "01.hang", "sleep 100 & echo $! $$ > " + pidfile + "; sleep 100");
  bool called = false;
  auto op = runner().run(EventRequest{Event::Startup, {}, std::nullopt},
                         [&](Result<EventResult>) { called = true; });
  RepeatingTimer wake(*loop_, 10ms, [] {});  // the pid file is not a loop event
  ASSERT_TRUE(loop_->runUntil([&] { return readFile(pidfile).find('\n') != std::string::npos; }, 10s));
  int gc = 0, sh = 0;
  std::istringstream(readFile(pidfile)) >> gc >> sh;
  op.cancel();
  EXPECT_TRUE(waitGone(gc, 2s));
  EXPECT_TRUE(waitGone(sh, 2s));
  loop_->runUntil([] { return false; }, 100ms);
  EXPECT_FALSE(called);
  EXPECT_EQ(runner().runningHelpers(), 0u);
}

TEST_F(HelperTest, HelperMissingIsSpawnError) {
  auto o = options();
  o.helper_path = base_ + "/no_such_helper";
  auto r = EventRunner::create(*loop_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().errnoValue(), ENOENT);
}

TEST_F(HelperTest, EmptyDirectorySucceedsWithNoScripts) {
  auto r = runSync(Event::Startup);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->scripts.empty());
  EXPECT_TRUE(r->isSuccess());
}

/* The daemon side starts the helper with vfork semantics: posix_spawn uses
 * clone(CLONE_VM|CLONE_VFORK). Checked with strace on a probe program that
 * runs one event through EventRunner. */
TEST_F(HelperTest, HelperIsStartedWithVfork) {
  if (access("/usr/bin/strace", X_OK) != 0) GTEST_SKIP() << "strace not installed";
  script(events(), "01.ok", "exit 0");
  std::string trace = base_ + "/trace";
  std::string cmd = "/usr/bin/strace -f -e trace=clone,clone3,vfork,fork -o " + trace + " " +
                    CTDB_EVENT_SPAWN_PROBE + " " + CTDB_EVENT_HELPER_PATH + " " + base_ +
                    " >/dev/null 2>&1";
  int rc = system(cmd.c_str());
  if (rc != 0 && readFile(trace).empty()) GTEST_SKIP() << "strace cannot trace here (ptrace denied?)";
  ASSERT_EQ(rc, 0) << readFile(trace);
  std::istringstream in(readFile(trace));
  std::string line, parent;
  int parent_clones = 0;
  while (std::getline(in, line)) {
    std::string pid = line.substr(0, line.find(' '));
    if (parent.empty()) parent = pid;  // the probe is the only process at first
    const bool is_spawn_call =
        line.find("clone") != std::string::npos || line.find("fork") != std::string::npos;
    if (pid != parent || !is_spawn_call) continue;
    if (line.find("resumed>") != std::string::npos) continue;
    ++parent_clones;
    EXPECT_NE(line.find("CLONE_VFORK"), std::string::npos) << "daemon side forked: " << line;
  }
  EXPECT_GE(parent_clones, 1) << readFile(trace);
}

}  // namespace
}  // namespace ctdb::event::test
