/*
 * ClusterLock (src/server/cluster/cluster_lock): the lock spec, the fcntl
 * file kind and the CTDB mutex-helper protocol, against fake helper scripts
 * and the real ctdb_mutex_fcntl_helper when installed.
 */
#include "cluster_test_support.h"

namespace ctdb::server {
namespace {


constexpr const char* kDebianHelper = "/usr/libexec/ctdb/ctdb_mutex_fcntl_helper";


std::string writeScript(ScratchDir& dir, const std::string& name, const std::string& body) {
  std::string path = dir.file(name);
  std::ofstream(path) << "#!/bin/sh\n" << body;
  chmod(path.c_str(), 0755);
  return path;
}

bool processGone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

/* ---------------- LockSpec ---------------- */

TEST(LockSpecTest, PathIsFileKind) {
  auto s = parseLockSpec("/shared/ctdb/reclock");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, LockSpec::Kind::File);
  EXPECT_EQ(s->path, "/shared/ctdb/reclock");
}

TEST(LockSpecTest, BangSplitsHelperArgumentsOnBlanksAndTabs) {
  auto s = parseLockSpec("!/usr/libexec/ctdb/ctdb_etcd_lock  -v\t/x/lock ");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, LockSpec::Kind::Helper);
  EXPECT_EQ(s->argv,
            (std::vector<std::string>{"/usr/libexec/ctdb/ctdb_etcd_lock", "-v", "/x/lock"}));
}

TEST(LockSpecTest, EmptyValuesAreErrors) {
  EXPECT_FALSE(parseLockSpec("").ok());
  EXPECT_FALSE(parseLockSpec("!").ok());
  EXPECT_FALSE(parseLockSpec("!  \t").ok());
}

TEST(LockSpecTest, StatusCharacters) {
  EXPECT_EQ(lockStatusFromChar('0'), LockStatus::Held);
  EXPECT_EQ(lockStatusFromChar('1'), LockStatus::Contended);
  EXPECT_EQ(lockStatusFromChar('2'), LockStatus::Timeout);
  EXPECT_EQ(lockStatusFromChar('3'), LockStatus::Error);
  EXPECT_EQ(lockStatusFromChar('x'), LockStatus::Error);
}

/* ---------------- File kind ---------------- */

TEST(FileLockTest, SecondHolderInSameProcessIsContendedUntilRelease) {
  ScratchDir dir;
  auto loop = makeLoop();
  LockSpec spec{LockSpec::Kind::File, dir.file("reclock"), {}};
  ClusterLock a(*loop, spec), b(*loop, spec);
  TakeResult ra, rb;
  takeAndWait(*loop, a, ra);
  ASSERT_EQ(ra.status, LockStatus::Held);
  EXPECT_TRUE(a.isHeld());
  takeAndWait(*loop, b, rb);
  EXPECT_EQ(rb.status, LockStatus::Contended);
  EXPECT_FALSE(b.isHeld());
  a.release();
  EXPECT_FALSE(a.isHeld());
  takeAndWait(*loop, b, rb);
  EXPECT_EQ(rb.status, LockStatus::Held);
}

TEST(FileLockTest, ExcludesAndIsExcludedByAnotherProcess) {
  ScratchDir dir;
  auto loop = makeLoop();
  std::string path = dir.file("reclock");
  int to_child[2], from_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  ASSERT_EQ(pipe(from_child), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: classic fcntl lock on byte 0, as ctdb_mutex_fcntl_helper.
    int fd = open(path.c_str(), O_RDWR | O_CREAT, 0600);
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_len = 1;
    char c = fcntl(fd, F_SETLK, &fl) == 0 ? '0' : '1';
    (void)!write(from_child[1], &c, 1);
    (void)!read(to_child[0], &c, 1);  // hold until told
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(from_child[0], &c, 1), 1);
  ASSERT_EQ(c, '0');
  ClusterLock lock(*loop, LockSpec{LockSpec::Kind::File, path, {}});
  TakeResult r;
  takeAndWait(*loop, lock, r);
  EXPECT_EQ(r.status, LockStatus::Contended);
  (void)!write(to_child[1], "x", 1);
  int status;
  waitpid(pid, &status, 0);
  takeAndWait(*loop, lock, r);
  EXPECT_EQ(r.status, LockStatus::Held);

  // Now we hold it: another process cannot take it.
  pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int fd = open(path.c_str(), O_RDWR);
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_len = 1;
    _exit(fcntl(fd, F_SETLK, &fl) == 0 ? 0 : 1);
  }
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << "a second process got the lock we hold";
  for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) close(fd);
}

TEST(FileLockTest, ReplacedLockFileMeansLockLost) {
  ScratchDir dir;
  auto loop = makeLoop();
  std::string path = dir.file("reclock");
  ClusterLock::Options o;
  o.recheck = 50ms;
  ClusterLock lock(*loop, LockSpec{LockSpec::Kind::File, path, {}}, o);
  TakeResult r;
  takeAndWait(*loop, lock, r);
  ASSERT_EQ(r.status, LockStatus::Held);
  ASSERT_EQ(unlink(path.c_str()), 0);
  std::ofstream(path) << "new";
  loop->runUntil([&] { return r.lost.has_value(); }, 2000ms);
  ASSERT_TRUE(r.lost.has_value());
  EXPECT_NE(r.lost->find("inode"), std::string::npos) << *r.lost;
  EXPECT_FALSE(lock.isHeld());
}

TEST(FileLockTest, UnopenablePathIsError) {
  auto loop = makeLoop();
  ClusterLock lock(*loop, LockSpec{LockSpec::Kind::File, "/nonexistent-dir/x/reclock", {}});
  TakeResult r;
  takeAndWait(*loop, lock, r);
  EXPECT_EQ(r.status, LockStatus::Error);
}

/* ---------------- Helper kind (fake helpers) ---------------- */

LockSpec helperSpec(std::vector<std::string> argv) {
  return LockSpec{LockSpec::Kind::Helper, "", std::move(argv)};
}

TEST(HelperLockTest, StatusZeroHoldsUntilReleaseSendsSigterm) {
  ScratchDir dir;
  auto loop = makeLoop();
  std::string marker = dir.file("terminated");
  auto helper = writeScript(dir, "helper.sh",
                            "trap 'echo bye > " + marker + "; exit 0' TERM\n"
                            "printf 0\nwhile :; do sleep 0.05; done\n");
  ClusterLock lock(*loop, helperSpec({helper}));
  TakeResult r;
  takeAndWait(*loop, lock, r);
  ASSERT_EQ(r.status, LockStatus::Held);
  pid_t pid = lock.helperPid();
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(processGone(pid));
  lock.release();
  loop->runUntil([&] { return processGone(pid); }, 3000ms);
  EXPECT_TRUE(processGone(pid)) << "helper neither terminated nor reaped";
  EXPECT_EQ(access(marker.c_str(), F_OK), 0) << "helper did not get SIGTERM";
  EXPECT_FALSE(r.lost.has_value()) << "release is not a loss";
}

TEST(HelperLockTest, StatusOneIsContention) {
  ScratchDir dir;
  auto loop = makeLoop();
  auto helper = writeScript(dir, "h.sh", "printf 1\n");
  ClusterLock lock(*loop, helperSpec({helper}));
  TakeResult r;
  takeAndWait(*loop, lock, r);
  EXPECT_EQ(r.status, LockStatus::Contended);
  EXPECT_FALSE(lock.isHeld());
}

TEST(HelperLockTest, StatusThreeIsError) {
  ScratchDir dir;
  auto loop = makeLoop();
  auto helper = writeScript(dir, "h.sh", "echo 'something broke' >&2\nprintf 3\n");
  ClusterLock lock(*loop, helperSpec({helper}));
  TakeResult r;
  takeAndWait(*loop, lock, r);
  EXPECT_EQ(r.status, LockStatus::Error);
}

TEST(HelperLockTest, ExitWithoutStatusIsError) {
  ScratchDir dir;
  auto loop = makeLoop();
  auto helper = writeScript(dir, "h.sh", "exit 0\n");
  ClusterLock lock(*loop, helperSpec({helper}));
  TakeResult r;
  takeAndWait(*loop, lock, r);
  EXPECT_EQ(r.status, LockStatus::Error);
}

TEST(HelperLockTest, SilentHelperTimesOutAndIsTerminated) {
  ScratchDir dir;
  auto loop = makeLoop();
  auto helper = writeScript(dir, "h.sh", "exec sleep 30\n");
  ClusterLock::Options o;
  o.take_timeout = 200ms;
  ClusterLock lock(*loop, helperSpec({helper}), o);
  TakeResult r;
  lock.take([&r](LockStatus s, std::chrono::milliseconds) { r.status = s; }, nullptr);
  pid_t pid = lock.helperPid();
  loop->runUntil([&] { return r.status.has_value(); }, 3000ms);
  EXPECT_EQ(r.status, LockStatus::Timeout);
  loop->runUntil([&] { return processGone(pid); }, 3000ms);
  EXPECT_TRUE(processGone(pid));
}

TEST(HelperLockTest, HelperExitAfterZeroMeansLockLost) {
  ScratchDir dir;
  auto loop = makeLoop();
  auto helper = writeScript(dir, "h.sh", "printf 0\nsleep 0.2\n");
  ClusterLock lock(*loop, helperSpec({helper}));
  TakeResult r;
  takeAndWait(*loop, lock, r);
  ASSERT_EQ(r.status, LockStatus::Held);
  loop->runUntil([&] { return r.lost.has_value(); }, 3000ms);
  ASSERT_TRUE(r.lost.has_value());
  EXPECT_FALSE(lock.isHeld());
}

TEST(HelperLockTest, HelperGetsArgumentsAndIsOurDirectChild) {
  ScratchDir dir;
  auto loop = makeLoop();
  std::string out = dir.file("args");
  auto helper = writeScript(dir, "h.sh", "echo \"$PPID $*\" > " + out + "\nprintf 1\n");
  ClusterLock lock(*loop, helperSpec({helper, "a b", "c"}));  // argv, no shell splitting
  TakeResult r;
  takeAndWait(*loop, lock, r);
  ASSERT_EQ(r.status, LockStatus::Contended);
  std::string line;
  std::getline(std::ifstream(out), line);
  EXPECT_EQ(line, std::to_string(getpid()) + " a b c");
}

TEST(HelperLockTest, MissingHelperIsError) {
  auto loop = makeLoop();
  ClusterLock lock(*loop, helperSpec({"/nonexistent/ctdb_mutex_helper"}));
  TakeResult r;
  takeAndWait(*loop, lock, r);
  EXPECT_EQ(r.status, LockStatus::Error);
}

/* ---------------- The real Debian helper ---------------- */

TEST(DebianHelperTest, FcntlHelperHoldsContendsAndInteroperatesWithFileKind) {
  if (access(kDebianHelper, X_OK) != 0) GTEST_SKIP() << kDebianHelper << " not installed";
  ScratchDir dir;
  auto loop = makeLoop();
  std::string path = dir.file("reclock");
  ClusterLock a(*loop, helperSpec({kDebianHelper, path}));
  ClusterLock b(*loop, helperSpec({kDebianHelper, path}));
  ClusterLock f(*loop, LockSpec{LockSpec::Kind::File, path, {}});
  TakeResult ra, rb, rf;
  takeAndWait(*loop, a, ra);
  ASSERT_EQ(ra.status, LockStatus::Held);
  takeAndWait(*loop, b, rb);
  EXPECT_EQ(rb.status, LockStatus::Contended);
  takeAndWait(*loop, f, rf);
  EXPECT_EQ(rf.status, LockStatus::Contended) << "file kind must exclude the helper's lock";
  pid_t pid = a.helperPid();
  a.release();
  loop->runUntil([&] { return processGone(pid); }, 5000ms);
  ASSERT_TRUE(processGone(pid));
  takeAndWait(*loop, f, rf);
  EXPECT_EQ(rf.status, LockStatus::Held);
  takeAndWait(*loop, b, rb);
  EXPECT_EQ(rb.status, LockStatus::Contended) << "helper must be excluded by the file kind";
  f.release();
  takeAndWait(*loop, b, rb);
  EXPECT_EQ(rb.status, LockStatus::Held);
  EXPECT_FALSE(rb.lost.has_value());
}

}  // namespace
}  // namespace ctdb::server
