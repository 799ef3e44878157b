/*
 * Cluster lock (fcntl file and CTDB mutex-helper protocol, against fake
 * helper scripts and the real ctdb_mutex_fcntl_helper when installed),
 * election rules as pure functions, ban-credit arithmetic, and in-process
 * multi-daemon elections over a loopback transport.
 */
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <optional>

#include "protocol/types.h"
#include "raw_client.h"
#include "server/cluster/banning.h"
#include "server/cluster/cluster_lock.h"
#include "server/core/control_socket.h"
#include "server/daemon/daemon.h"
#include "server/cluster/leader_election.h"

namespace ctdb::server {
namespace {

using namespace std::chrono_literals;
using testing::ScratchDir;
namespace NF = protocol::NodeFlags;

constexpr const char* kDebianHelper = "/usr/libexec/ctdb/ctdb_mutex_fcntl_helper";

std::unique_ptr<EventLoop> makeLoop() {
  auto l = EventLoop::create();
  EXPECT_TRUE(l.ok());
  return std::move(*l);
}

std::string writeScript(ScratchDir& dir, const std::string& name, const std::string& body) {
  std::string path = dir.file(name);
  std::ofstream(path) << "#!/bin/sh\n" << body;
  chmod(path.c_str(), 0755);
  return path;
}

struct TakeResult {
  std::optional<LockStatus> status;
  std::optional<std::string> lost;
};

/* take() and pump the loop until the result arrives (bounded). */
void takeAndWait(EventLoop& loop, ClusterLock& lock, TakeResult& r,
                 std::chrono::milliseconds limit = 5000ms) {
  r = TakeResult{};
  lock.take([&r](LockStatus s, std::chrono::milliseconds) { r.status = s; },
            [&r](const std::string& why) { r.lost = why; });
  loop.runUntil([&] { return r.status.has_value(); }, limit);
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

/* ---------------- Election rules ---------------- */

ElectionData data(uint32_t pnn, int64_t sec, int64_t usec = 0, uint32_t flags = 0) {
  ElectionData d;
  d.pnn = pnn;
  d.priority_sec = sec;
  d.priority_usec = usec;
  d.node_flags = flags;
  d.num_connected = 3;
  return d;
}

TEST(ElectionRulesTest, LongestRunningNodeWins) {
  EXPECT_TRUE(electionWins(data(2, 100), true, data(0, 200)));
  EXPECT_FALSE(electionWins(data(0, 200), true, data(2, 100)));
  EXPECT_TRUE(electionWins(data(0, 100, 5), true, data(1, 100, 6)));
}

TEST(ElectionRulesTest, EqualTimesHigherPnnWins) {
  EXPECT_TRUE(electionWins(data(2, 100), true, data(1, 100)));
  EXPECT_FALSE(electionWins(data(1, 100), true, data(2, 100)));
}

TEST(ElectionRulesTest, BannedOrStoppedNeverWinsAndAlwaysLoses) {
  EXPECT_FALSE(electionWins(data(0, 1, 0, NF::kBanned), true, data(1, 999)));
  EXPECT_FALSE(electionWins(data(0, 1, 0, NF::kStopped), true, data(1, 999)));
  EXPECT_TRUE(electionWins(data(0, 999), true, data(1, 1, 0, NF::kBanned)));
  EXPECT_TRUE(electionWins(data(0, 999), true, data(1, 1, 0, NF::kStopped)));
  // DISABLED / UNHEALTHY nodes still compete normally.
  EXPECT_TRUE(electionWins(data(0, 1, 0, NF::kPermanentlyDisabled), true, data(1, 999)));
}

TEST(ElectionRulesTest, NoRecmasterCapabilityNeverWins) {
  EXPECT_FALSE(electionWins(data(2, 1), false, data(0, 999)));
}

TEST(ElectionRulesTest, WinnerOfThreeCandidates) {
  std::vector<ElectionCandidate> c{{data(0, 300), true}, {data(1, 100), true}, {data(2, 200), true}};
  EXPECT_EQ(electionWinner(c), 1u);
  c[1].data.node_flags = NF::kBanned;
  EXPECT_EQ(electionWinner(c), 2u);
  c[2].can_lead = false;  // such a node sends "now" as its priority time
  c[2].data.priority_sec = 1000;
  EXPECT_EQ(electionWinner(c), 0u);
  c[0].data.node_flags = NF::kStopped;
  EXPECT_EQ(electionWinner(c), protocol::kUnknownPnn);
}

TEST(ElectionRulesTest, WireLayoutIs32BytesAsCtdb) {
  ElectionData d = data(7, 0x0102030405060708LL, 9, 0x20);
  d.num_connected = 3;
  auto bytes = encodeElectionData(d);
  ASSERT_EQ(bytes.size(), 32u);
  EXPECT_EQ(bytes[0], 3);
  EXPECT_EQ(bytes[8], 0x08);   // tv_sec little-endian at offset 8
  EXPECT_EQ(bytes[15], 0x01);
  EXPECT_EQ(bytes[16], 9);     // tv_usec
  EXPECT_EQ(bytes[24], 7);     // pnn
  EXPECT_EQ(bytes[28], 0x20);  // flags
  auto back = decodeElectionData(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, d);
  bytes.pop_back();
  EXPECT_FALSE(decodeElectionData(bytes).ok());
}

/* ---------------- Ban credits ---------------- */

TEST(BanCreditsTest, ThresholdIsTwiceTheNodeCount) {
  EXPECT_EQ(BanCredits::threshold(3), 6u);
  BanCredits c;
  auto t0 = BanCredits::Clock::now();
  EXPECT_EQ(c.add(1, 3, t0, 120s), 3u);  // one BANNING message in a 3-node cluster
  EXPECT_TRUE(c.takeDue(6).empty());
  EXPECT_EQ(c.add(1, 3, t0 + 10s, 120s), 6u);
  EXPECT_EQ(c.takeDue(6), std::vector<uint32_t>{1});
  EXPECT_EQ(c.count(1), 0u) << "credits restart after a ban";
}

TEST(BanCreditsTest, CreditsAreForgottenAfterTheGracePeriod) {
  BanCredits c;
  auto t0 = BanCredits::Clock::now();
  c.add(2, 3, t0, 120s);
  EXPECT_EQ(c.add(2, 3, t0 + 121s, 120s), 3u);
  EXPECT_EQ(c.add(2, 1, t0 + 200s, 120s), 4u) << "within grace of the last report";
  EXPECT_EQ(c.count(0), 0u);
}

/* ---------------- In-process cluster over a loopback transport ---------------- */

class Cluster;

class LoopbackTransport final : public Transport {
 public:
  LoopbackTransport(Cluster& c, uint32_t from) : cluster_(c), from_(from) {}
  void sendToNode(uint32_t pnn, const protocol::ReqMessage& msg) override;

 private:
  Cluster& cluster_;
  uint32_t from_;
};

class Cluster {
 public:
  /* connected = false: the daemons start unable to reach each other
   * (messages to a DISCONNECTED node are dropped, as by the real
   * transport) until connectAll(). */
  Cluster(size_t n, std::optional<std::string> reclock, config::Tunables tun = {},
          bool connected = true)
      : is_connected_(connected) {
    loop_ = makeLoop();
    for (uint32_t i = 0; i < n; ++i) {
      config::NodeEntry e;
      e.pnn = i;
      e.address = *IpAddress::parse("198.18.0." + std::to_string(i + 1));
      entries_.push_back(e);
    }
    (void)tun.set("ElectionTimeout", 1);
    tunables_ = tun;
    for (uint32_t i = 0; i < n; ++i) start(i, reclock);
  }
  ~Cluster() {
    daemons_.clear();
    transports_.clear();
    loop_.reset();
  }
  void start(uint32_t i, std::optional<std::string> reclock) {
    std::string sock = dir_.file("ctdbd" + std::to_string(i) + ".socket");
    unlink(sock.c_str());
    auto fd = openControlSocket(sock);
    ASSERT_TRUE(fd.ok());
    DaemonSetup setup;
    setup.options.socket_path = sock;
    setup.options.reclock = reclock;
    setup.nodes = entries_;
    setup.pnn = i;
    setup.tunables = tunables_;
    auto d = Daemon::create(*loop_, std::move(setup), std::move(*fd));
    ASSERT_TRUE(d.ok()) << d.error().message();
    transports_[i] = std::make_unique<LoopbackTransport>(*this, i);
    (*d)->setTransport(*transports_[i]);
    daemons_[i] = std::move(*d);
    // Connect with every running daemon (both directions).
    if (is_connected_) connectTo(i);
    daemons_[i]->start();
  }
  void connectTo(uint32_t i) {
    for (auto& [j, other] : daemons_) {
      if (j == i) continue;
      daemons_[i]->nodes().modifyFlags(j, 0, NF::kDisconnected | NF::kUnhealthy);
      other->nodes().modifyFlags(i, 0, NF::kDisconnected | NF::kUnhealthy);
    }
  }
  void connectAll() {
    is_connected_ = true;
    for (auto& [i, d] : daemons_) connectTo(i);
  }
  /* Like SIGKILL + the transport noticing. */
  void kill(uint32_t i) {
    loop_->deleteLater(std::move(daemons_[i]));
    daemons_.erase(i);
    for (auto& [j, other] : daemons_) other->nodes().modifyFlags(i, NF::kDisconnected, 0);
  }
  Daemon* daemon(uint32_t i) { return daemons_.count(i) ? daemons_[i].get() : nullptr; }
  /* The leader every running daemon agrees on and that claims it, or unknown. */
  uint32_t agreedLeader() {
    std::optional<uint32_t> l;
    for (auto& [i, d] : daemons_) {
      uint32_t x = d->nodes().leader();
      if (x == protocol::kUnknownPnn) return x;
      if (l && *l != x) return protocol::kUnknownPnn;
      l = x;
    }
    if (!l || !daemons_.count(*l) || !daemons_[*l]->election().isLeader())
      return protocol::kUnknownPnn;
    return *l;
  }
  size_t leaderCount() {
    size_t n = 0;
    for (auto& [i, d] : daemons_) n += d->election().isLeader() ? 1 : 0;
    return n;
  }
  bool waitAgreed(std::chrono::milliseconds limit) {
    return loop_->runUntil([&] { return agreedLeader() != protocol::kUnknownPnn; }, limit);
  }
  EventLoop& loop() { return *loop_; }
  std::string file(const std::string& n) { return dir_.file(n); }

 private:
  friend class LoopbackTransport;
  ScratchDir dir_;
  bool is_connected_;
  std::unique_ptr<EventLoop> loop_;
  std::vector<config::NodeEntry> entries_;
  config::Tunables tunables_;
  std::map<uint32_t, std::unique_ptr<LoopbackTransport>> transports_;
  std::map<uint32_t, std::unique_ptr<Daemon>> daemons_;
};

void LoopbackTransport::sendToNode(uint32_t pnn, const protocol::ReqMessage& msg) {
  if (!cluster_.daemons_.count(from_)) return;
  // The real transport has no link to a node it sees as disconnected.
  if (cluster_.daemons_[from_]->nodes().flags(pnn) & NF::kDisconnected) return;
  cluster_.loop_->post([c = &cluster_, pnn, msg]() {
    if (auto* d = c->daemon(pnn)) d->messages().deliverLocal(msg.srvid, msg.data);
  });
}

TEST(ElectionClusterTest, ThreeNodesWithFileLockAgreeOnOneLeaderHoldingTheLock) {
  ScratchDir lockdir;
  std::string reclock = lockdir.file("reclock");
  Cluster c(3, reclock);
  ASSERT_TRUE(c.waitAgreed(10s)) << "no agreed leader";
  uint32_t leader = c.agreedLeader();
  EXPECT_EQ(c.leaderCount(), 1u);
  ASSERT_NE(c.daemon(leader)->election().lock(), nullptr);
  EXPECT_TRUE(c.daemon(leader)->election().lock()->isHeld());
  for (uint32_t i = 0; i < 3; ++i)
    if (i != leader) {
      EXPECT_FALSE(c.daemon(i)->election().lock()->isHeld()) << "node " << i;
    }
  // Node 0 started first: it has run longest, so it wins (CTDB 4.5 rule).
  EXPECT_EQ(leader, 0u);
  // Stable: nothing changes over a few broadcast periods.
  c.loop().runUntil([] { return false; }, 2500ms);
  EXPECT_EQ(c.agreedLeader(), leader);
}

TEST(ElectionClusterTest, NodesConnectingDuringTheirElectionsElectOneLeader) {
  // Started together, the election packets of all three are lost (nobody
  // is connected yet); the links come up while the elections run. The
  // candidates must exchange their data then, not each win alone.
  Cluster c(3, std::nullopt, {}, /*connected=*/false);
  c.loop().runUntil([] { return false; }, 300ms);
  c.connectAll();
  size_t most = 0;
  bool agreed = c.loop().runUntil([&] {
    most = std::max(most, c.leaderCount());
    return c.agreedLeader() != protocol::kUnknownPnn;
  }, 10s);
  ASSERT_TRUE(agreed) << "no agreed leader";
  EXPECT_EQ(most, 1u) << "several nodes were leader at once";
  EXPECT_EQ(c.agreedLeader(), 0u) << "node 0 has run longest";
}

TEST(ElectionClusterTest, KilledLeaderIsReplacedAndSurvivorsAgree) {
  ScratchDir lockdir;
  Cluster c(3, lockdir.file("reclock"));
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t old = c.agreedLeader();
  c.kill(old);
  ASSERT_TRUE(c.loop().runUntil(
      [&] {
        uint32_t l = c.agreedLeader();
        return l != protocol::kUnknownPnn && l != old;
      },
      10s))
      << "no new leader after the old one died";
  uint32_t now = c.agreedLeader();
  EXPECT_TRUE(c.daemon(now)->election().lock()->isHeld());
  EXPECT_EQ(c.leaderCount(), 1u);
}

TEST(ElectionClusterTest, NoLeaderWithoutTheClusterLock) {
  ScratchDir lockdir;
  std::string reclock = lockdir.file("reclock");
  // Somebody else (another partition) holds the lock.
  auto other_loop = makeLoop();
  ClusterLock outsider(*other_loop, LockSpec{LockSpec::Kind::File, reclock, {}});
  TakeResult r;
  takeAndWait(*other_loop, outsider, r);
  ASSERT_EQ(r.status, LockStatus::Held);
  Cluster c(2, reclock);
  c.loop().runUntil([] { return false; }, 3000ms);
  EXPECT_EQ(c.leaderCount(), 0u) << "a node became leader without the lock";
  EXPECT_EQ(c.daemon(0)->nodes().leader(), protocol::kUnknownPnn);
  outsider.release();
  ASSERT_TRUE(c.waitAgreed(5s)) << "no leader after the lock was freed";
}

TEST(ElectionClusterTest, WithoutLockStillExactlyOneLeader) {
  Cluster c(3, std::nullopt);
  ASSERT_TRUE(c.waitAgreed(10s));
  EXPECT_EQ(c.leaderCount(), 1u);
}

TEST(ElectionClusterTest, BannedLeaderHandsOverLeadership) {
  Cluster c(3, std::nullopt);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t old = c.agreedLeader();
  // The ban reaches the other nodes as a flag change (the transport's job).
  for (uint32_t i = 0; i < 3; ++i) c.daemon(i)->nodes().modifyFlags(old, NF::kBanned, 0);
  ASSERT_TRUE(c.loop().runUntil(
      [&] {
        uint32_t l = c.agreedLeader();
        return l != protocol::kUnknownPnn && l != old;
      },
      10s));
  EXPECT_FALSE(c.daemon(old)->election().isLeader());
}

TEST(ElectionClusterTest, OnlyTheLeaderRunsTakeoverRuns) {
  Cluster c(3, std::nullopt);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t leader = c.agreedLeader();
  c.loop().runUntil([] { return false; }, 300ms);
  std::map<uint32_t, uint64_t> before;
  for (uint32_t i = 0; i < 3; ++i) before[i] = c.daemon(i)->takeover().completedRuns();
  EXPECT_GE(before[leader], 1u) << "the new leader did not run a takeover run";
  // A TAKEOVER_RUN broadcast as the CLI sends it.
  c.daemon(1)->messages().send(protocol::kBroadcastConnected, protocol::kSrvidTakeoverRun,
                               protocol::encode(protocol::SrvidMessage{1, 0}));
  c.loop().runUntil([&] { return c.daemon(leader)->takeover().completedRuns() > before[leader]; },
                    2s);
  for (uint32_t i = 0; i < 3; ++i) {
    if (i == leader) {
      EXPECT_EQ(c.daemon(i)->takeover().completedRuns(), before[i] + 1);
    } else {
      EXPECT_EQ(c.daemon(i)->takeover().completedRuns(), before[i]) << "node " << i;
    }
  }
  // A flag change seen by the leader triggers a run.
  uint32_t other = (leader + 1) % 3;
  c.daemon(leader)->nodes().modifyFlags(other, NF::kPermanentlyDisabled, 0);
  EXPECT_TRUE(c.loop().runUntil(
      [&] { return c.daemon(leader)->takeover().completedRuns() > before[leader] + 1; }, 2s));
}

/* ---------------- Banning in a cluster ---------------- */

TEST(BanningClusterTest, TwoBanningMessagesBanTheCulpritAndItsHookFires) {
  Cluster c(2, std::nullopt);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t leader = c.agreedLeader();
  uint32_t culprit = 1 - leader;
  int banned_hooks = 0;
  c.daemon(culprit)->banning().onBanned([&] { ++banned_hooks; });
  // 2 nodes: each BANNING message = 2 credits, ban at 4.
  c.daemon(leader)->messages().send(leader, protocol::kSrvidBanning, protocol::encodeU32(culprit));
  EXPECT_EQ(c.daemon(leader)->banning().credits().count(culprit), 2u);
  c.loop().runUntil([] { return false; }, 100ms);
  EXPECT_EQ(c.daemon(culprit)->nodes().localFlags() & NF::kBanned, 0u);
  c.daemon(leader)->messages().send(leader, protocol::kSrvidBanning, protocol::encodeU32(culprit));
  ASSERT_TRUE(c.loop().runUntil(
      [&] { return (c.daemon(culprit)->nodes().localFlags() & NF::kBanned) != 0; }, 2s));
  EXPECT_EQ(banned_hooks, 1);
  EXPECT_EQ(c.daemon(leader)->banning().credits().count(culprit), 0u);
}

TEST(BanningClusterTest, NonLeaderIgnoresBanningMessages) {
  Cluster c(2, std::nullopt);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t other = 1 - c.agreedLeader();
  for (int k = 0; k < 3; ++k)
    c.daemon(other)->messages().send(other, protocol::kSrvidBanning, protocol::encodeU32(other));
  EXPECT_EQ(c.daemon(other)->banning().credits().count(other), 0u);
  c.loop().runUntil([] { return false; }, 200ms);
  EXPECT_EQ(c.daemon(other)->nodes().localFlags() & NF::kBanned, 0u);
}

TEST(BanningClusterTest, EnableBansZeroPreventsTheBan) {
  config::Tunables t;
  ASSERT_TRUE(t.set("EnableBans", 0) == config::Tunables::SetResult::Ok);
  Cluster c(2, std::nullopt, t);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t leader = c.agreedLeader();
  uint32_t culprit = 1 - leader;
  for (int k = 0; k < 2; ++k)
    c.daemon(leader)->messages().send(leader, protocol::kSrvidBanning,
                                      protocol::encodeU32(culprit));
  c.loop().runUntil([] { return false; }, 300ms);
  EXPECT_EQ(c.daemon(culprit)->nodes().localFlags() & NF::kBanned, 0u);
  EXPECT_EQ(c.daemon(leader)->banning().bansIssued(), 0u);
}

TEST(BanningClusterTest, BanExpiresAfterTheBanPeriod) {
  config::Tunables t;
  ASSERT_TRUE(t.set("RecoveryBanPeriod", 1) == config::Tunables::SetResult::Ok);
  Cluster c(2, std::nullopt, t);
  ASSERT_TRUE(c.waitAgreed(10s));
  uint32_t leader = c.agreedLeader();
  uint32_t culprit = 1 - leader;
  int unbanned = 0;
  c.daemon(culprit)->banning().onUnbanned([&] { ++unbanned; });
  c.daemon(leader)->banning().assignCredits(culprit, 4, "test");
  ASSERT_TRUE(c.loop().runUntil(
      [&] { return (c.daemon(culprit)->nodes().localFlags() & NF::kBanned) != 0; }, 2s));
  EXPECT_TRUE(c.loop().runUntil(
      [&] { return (c.daemon(culprit)->nodes().localFlags() & NF::kBanned) == 0; }, 3s));
  EXPECT_EQ(unbanned, 1);
}

}  // namespace
}  // namespace ctdb::server
