/*
 * IpCore with a fake kernel (a map address -> iface) and fake IpActions that
 * change it: every control transition of doc/ip-core.md, checked in the
 * table, the fake kernel and the actions log.
 */
#include "server/ip/ip_core.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <fstream>
#include <map>
#include <set>

namespace ctdb::server {
namespace {

using namespace std::chrono_literals;

IpPrefix P(const char* s) { return *IpPrefix::parse(s); }
IpAddress A(const char* s) { return *IpAddress::parse(s); }

class FakeActions : public IpActions {
 public:
  FakeActions(EventLoop& loop, std::map<IpAddress, std::string>& kernel)
      : loop_(loop), kernel_(kernel) {}
  PendingOp takeIp(const std::string& iface, const IpPrefix& ip, Done done) override {
    log.push_back("takeip " + iface + " " + ip.toString());
    if (!fail_next) kernel_[ip.addr] = iface;
    return finish(std::move(done));
  }
  PendingOp releaseIp(const std::string& iface, const IpPrefix& ip, Done done) override {
    log.push_back("releaseip " + iface + " " + ip.toString());
    if (!fail_next && !keep_on_release) kernel_.erase(ip.addr);
    return finish(std::move(done));
  }
  PendingOp updateIp(const std::string& o, const std::string& n, const IpPrefix& ip,
                     Done done) override {
    log.push_back("updateip " + o + " " + n + " " + ip.toString());
    if (!fail_next) kernel_[ip.addr] = n;
    return finish(std::move(done));
  }
  PendingOp ipreallocated(Done done) override {
    log.push_back("ipreallocated");
    return finish(std::move(done));
  }
  std::vector<std::string> log;
  bool fail_next = false;
  bool keep_on_release = false;

 private:
  PendingOp finish(Done done) {
    auto [op, c] = makeAsync<void>(loop_, std::move(done));
    if (fail_next) {
      fail_next = false;
      c.complete(makeError("injected failure"));
    } else {
      c.complete(Status{});
    }
    return std::move(op);
  }
  EventLoop& loop_;
  std::map<IpAddress, std::string>& kernel_;
};

class IpCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = EventLoop::create();
    ASSERT_TRUE(l.ok());
    loop_ = std::move(l.value());
    actions_ = std::make_unique<FakeActions>(*loop_, kernel_);
    make();
  }
  void make() {
    IpCoreHooks h;
    h.own_pnn = 0;
    h.can_host = [this] { return can_host_; };
    h.send_local = [this](uint64_t srvid, std::vector<uint8_t> d) {
      messages_.push_back({srvid, std::string(reinterpret_cast<char*>(d.data()))});
    };
    h.request_takeover_run = [this] { runs_requested_++; };
    h.is_takeover_running = [this] { return run_in_progress_; };
    h.kernel_iface = [this](const IpAddress& a) -> std::optional<std::string> {
      if (stale_cache_.contains(a)) return std::nullopt;  // cache lags the kernel
      auto it = kernel_.find(a);
      if (it == kernel_.end()) return std::nullopt;
      return it->second;
    };
    h.kernel_iface_recheck = [this](const IpAddress& a) -> std::optional<std::string> {
      rechecks_++;
      auto it = kernel_.find(a);
      if (it == kernel_.end()) return std::nullopt;
      return it->second;
    };
    h.iface_exists = [this](const std::string& n) { return links_.contains(n); };
    h.send_garp = [this](const std::string& i, const IpAddress& a) {
      garps_.push_back(i + " " + a.toString());
      return Status{};
    };
    h.kernel_drop = [this](const std::vector<IpPrefix>& ps) {
      size_t n = 0;
      for (const auto& p : ps) {
        dropped_.push_back(p.toString());
        n += kernel_.erase(p.addr);
      }
      return n;
    };
    h.garp_interval = 10ms;
    h.public_addresses_file = file_;
    core_ = std::make_unique<IpCore>(*loop_, *actions_, std::move(h));
  }
  void TearDown() override {
    core_.reset();
    actions_.reset();
    loop_.reset();
  }
  /* Runs op and pumps the loop until its Done fired. */
  Status wait(const std::function<PendingOp(IpCore::Done)>& start) {
    std::optional<Status> r;
    PendingOp op = start([&](Status st) { r = st; });
    loop_->runUntil([&] { return r.has_value(); }, 2000ms);
    EXPECT_TRUE(r.has_value());
    EXPECT_EQ(core_->table().checkInvariants(), "");
    return r.value_or(makeError("timeout"));
  }
  Status take(const char* ip, uint32_t pnn = 0) {
    return wait([&](IpCore::Done d) { return core_->takeoverIp(pnn, A(ip), std::move(d)); });
  }
  Status release(const char* ip, uint32_t pnn = protocol::kUnknownPnn) {
    return wait([&](IpCore::Done d) { return core_->releaseIp(pnn, A(ip), std::move(d)); });
  }
  void add(const char* ip, std::vector<std::string> ifaces) {
    ASSERT_TRUE(core_->addIp(P(ip), ifaces).ok());
  }
  const PublicIpEntry& entry(const char* ip) { return *core_->table().find(A(ip)); }

  std::unique_ptr<EventLoop> loop_;
  std::map<IpAddress, std::string> kernel_;
  std::set<IpAddress> stale_cache_;  // addresses the cached view misses
  int rechecks_ = 0;
  std::set<std::string> links_{"eth0", "eth1"};
  std::unique_ptr<FakeActions> actions_;
  std::unique_ptr<IpCore> core_;
  std::vector<std::pair<uint64_t, std::string>> messages_;
  std::vector<std::string> garps_;
  std::optional<std::string> file_;
  std::vector<std::string> dropped_;  // kernel_drop, in call order
  bool can_host_ = true;
  bool run_in_progress_ = false;
  int runs_requested_ = 0;
};

TEST_F(IpCoreTest, TakeoverTakesIpOnBestIfaceAndAnnounces) {
  add("198.19.0.1/16", {"eth0", "eth1"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  EXPECT_EQ(actions_->log, std::vector<std::string>{"takeip eth0 198.19.0.1/16"});
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Held);
  EXPECT_EQ(entry("198.19.0.1").pnn, 0u);
  EXPECT_EQ(kernel_[A("198.19.0.1")], "eth0");
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].first, protocol::kSrvidTakeIp);
  EXPECT_EQ(messages_[0].second, "198.19.0.1");
  loop_->runUntil([&] { return core_->announcementsActive() == 0; }, 2000ms);
  EXPECT_EQ(garps_.size(), 3u);
}

TEST_F(IpCoreTest, TakeoverSpreadsByReferences) {
  add("198.19.0.1/16", {"eth0", "eth1"});
  add("198.19.0.2/16", {"eth0", "eth1"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  ASSERT_TRUE(take("198.19.0.2").ok());
  EXPECT_EQ(*entry("198.19.0.1").iface, "eth0");
  EXPECT_EQ(*entry("198.19.0.2").iface, "eth1");
}

TEST_F(IpCoreTest, TakeoverOfHeldIpIsRedundant) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  ASSERT_TRUE(take("198.19.0.1").ok());
  EXPECT_EQ(actions_->log.size(), 1u);
}

TEST_F(IpCoreTest, TakeoverForOtherPnnFails) {
  add("198.19.0.1/16", {"eth0"});
  EXPECT_FALSE(take("198.19.0.1", 1).ok());
  EXPECT_TRUE(actions_->log.empty());
}

TEST_F(IpCoreTest, TakeoverOfUnknownIpSucceedsDoingNothing) {
  EXPECT_TRUE(take("198.19.9.9").ok());
  EXPECT_TRUE(actions_->log.empty());
}

TEST_F(IpCoreTest, TakeoverMovesOffDownIfaceWithUpdateip) {
  add("198.19.0.1/16", {"eth1", "eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  EXPECT_EQ(*entry("198.19.0.1").iface, "eth1");
  ASSERT_TRUE(core_->setIfaceLink("eth1", false).ok());
  EXPECT_EQ(runs_requested_, 1);
  ASSERT_TRUE(take("198.19.0.1").ok());
  EXPECT_EQ(actions_->log.back(), "updateip eth1 eth0 198.19.0.1/16");
  EXPECT_EQ(*entry("198.19.0.1").iface, "eth0");
  EXPECT_EQ(kernel_[A("198.19.0.1")], "eth0");
}

TEST_F(IpCoreTest, TakeoverRecordsAddressAlreadyInKernel) {
  add("198.19.0.1/16", {"eth0"});
  kernel_[A("198.19.0.1")] = "eth0";
  ASSERT_TRUE(take("198.19.0.1").ok());
  EXPECT_TRUE(actions_->log.empty());
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Held);
}

TEST_F(IpCoreTest, TakeoverRepairsAddressOnForeignIface) {
  add("198.19.0.1/16", {"eth0"});
  kernel_[A("198.19.0.1")] = "eth1";
  ASSERT_TRUE(take("198.19.0.1").ok());
  EXPECT_EQ(actions_->log.back(), "updateip eth1 eth0 198.19.0.1/16");
}

TEST_F(IpCoreTest, FailedTakeipUndoesAssignment) {
  add("198.19.0.1/16", {"eth0"});
  actions_->fail_next = true;
  EXPECT_FALSE(take("198.19.0.1").ok());
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Unassigned);
  EXPECT_EQ(entry("198.19.0.1").pnn, protocol::kUnknownPnn);
  EXPECT_EQ(core_->table().ifaces().find("eth0")->references, 0u);
}

TEST_F(IpCoreTest, FailedUpdateipRestoresOldIfaceAndPnn) {
  add("198.19.0.1/16", {"eth1", "eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  ASSERT_TRUE(core_->setIfaceLink("eth1", false).ok());
  actions_->fail_next = true;
  EXPECT_FALSE(take("198.19.0.1").ok());
  EXPECT_EQ(*entry("198.19.0.1").iface, "eth1");
  EXPECT_EQ(entry("198.19.0.1").pnn, 0u);
}

TEST_F(IpCoreTest, SecondActionWhileOneInFlightIsRefused) {
  add("198.19.0.1/16", {"eth0"});
  std::optional<Status> first, second;
  PendingOp op1 = core_->takeoverIp(0, A("198.19.0.1"), [&](Status st) { first = st; });
  PendingOp op2 = core_->releaseIp(protocol::kUnknownPnn, A("198.19.0.1"), [&](Status st) { second = st; });
  loop_->runUntil([&] { return first && second; }, 2000ms);
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->ok());
  EXPECT_FALSE(second->ok());
  EXPECT_EQ(actions_->log.size(), 1u);
}

TEST_F(IpCoreTest, ReleaseRemovesAndRecordsNewOwner) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  ASSERT_TRUE(release("198.19.0.1", 2).ok());
  EXPECT_EQ(actions_->log.back(), "releaseip eth0 198.19.0.1/16");
  EXPECT_FALSE(kernel_.contains(A("198.19.0.1")));
  EXPECT_EQ(entry("198.19.0.1").pnn, 2u);
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Unassigned);
  EXPECT_EQ(messages_.back().first, protocol::kSrvidReleaseIp);
}

TEST_F(IpCoreTest, RedundantReleaseOnlyRecordsOwner) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(release("198.19.0.1", 1).ok());
  EXPECT_TRUE(actions_->log.empty());
  EXPECT_EQ(entry("198.19.0.1").pnn, 1u);
}

TEST_F(IpCoreTest, ReleaseOfHeldIpRechecksKernelWhenCacheMissesIt) {
  // The cache can lag a script's takeip by a notification: a release that
  // trusted it would be "redundant" and leave the address on this node
  // while the new owner takes it (seen as an IP on two nodes).
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  stale_cache_.insert(A("198.19.0.1"));
  ASSERT_TRUE(release("198.19.0.1", 2).ok());
  EXPECT_EQ(rechecks_, 1);
  EXPECT_EQ(actions_->log.back(), "releaseip eth0 198.19.0.1/16");
  EXPECT_FALSE(kernel_.contains(A("198.19.0.1")));
  EXPECT_EQ(entry("198.19.0.1").pnn, 2u);
}

TEST_F(IpCoreTest, RedundantReleaseOfUnheldIpDoesNotAskTheKernel) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(release("198.19.0.1", 1).ok());
  EXPECT_EQ(rechecks_, 0);  // no dump per IP for IPs this node never held
}

TEST_F(IpCoreTest, ReleaseFailsWhenKernelStillHasAddress) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  actions_->keep_on_release = true;
  EXPECT_FALSE(release("198.19.0.1").ok());
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Held);
  EXPECT_EQ(entry("198.19.0.1").pnn, 0u);
}

TEST_F(IpCoreTest, ReleaseDuringReleaseGetsThatReleasesResult) {
  // The leader's RELEASE_IP racing a banned node's own release-all: one
  // releaseip, both callers succeed, the later caller's owner is recorded.
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  std::optional<Status> first, second;
  PendingOp op3 = core_->releaseIp(protocol::kUnknownPnn, A("198.19.0.1"), [&](Status st) { first = st; });
  PendingOp op4 = core_->releaseIp(2, A("198.19.0.1"), [&](Status st) { second = st; });
  loop_->runUntil([&] { return first && second; }, 2000ms);
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->ok());
  EXPECT_TRUE(second->ok());
  EXPECT_EQ(std::count(actions_->log.begin(), actions_->log.end(), "releaseip eth0 198.19.0.1/16"), 1);
  EXPECT_FALSE(kernel_.contains(A("198.19.0.1")));
  EXPECT_EQ(entry("198.19.0.1").pnn, 2u);
  EXPECT_EQ(core_->table().checkInvariants(), "");
}

TEST_F(IpCoreTest, ReleaseDuringFailingReleaseFailsToo) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  actions_->keep_on_release = true;
  std::optional<Status> first, second;
  PendingOp op5 = core_->releaseIp(protocol::kUnknownPnn, A("198.19.0.1"), [&](Status st) { first = st; });
  PendingOp op6 = core_->releaseIp(2, A("198.19.0.1"), [&](Status st) { second = st; });
  loop_->runUntil([&] { return first && second; }, 2000ms);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(first->ok());
  EXPECT_FALSE(second->ok());
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Held);
}

TEST_F(IpCoreTest, DelUnheldIpGoesAtOnce) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(core_->delIp(A("198.19.0.1")).ok());
  EXPECT_EQ(core_->table().find(A("198.19.0.1")), nullptr);
  EXPECT_EQ(core_->table().ifaces().find("eth0"), nullptr);  // orphan sweep
}

TEST_F(IpCoreTest, DelUnknownIpFails) { EXPECT_FALSE(core_->delIp(A("198.19.0.1")).ok()); }

TEST_F(IpCoreTest, DelHeldIpIsPendingUntilReleased) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  ASSERT_TRUE(core_->delIp(A("198.19.0.1")).ok());
  EXPECT_TRUE(entry("198.19.0.1").isDeletePending());
  EXPECT_TRUE(core_->publicIps(true).empty());   // not available
  EXPECT_EQ(core_->publicIps(false).size(), 1u);  // still known
  ASSERT_TRUE(release("198.19.0.1").ok());
  EXPECT_EQ(core_->table().find(A("198.19.0.1")), nullptr);
}

TEST_F(IpCoreTest, DeletePendingIpNotInKernelIsDeletedOnRelease) {  // CTDB QUIRK fixed
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  ASSERT_TRUE(core_->delIp(A("198.19.0.1")).ok());
  kernel_.clear();  // someone removed it by hand
  ASSERT_TRUE(release("198.19.0.1").ok());
  EXPECT_EQ(core_->table().find(A("198.19.0.1")), nullptr);
}

TEST_F(IpCoreTest, AddRequiresExistingIfaceAndUniqueIp) {
  EXPECT_FALSE(core_->addIp(P("198.19.0.1/16"), {"nosuch0"}).ok());
  EXPECT_FALSE(core_->addIp(P("198.19.0.1/16"), {}).ok());
  add("198.19.0.1/16", {"eth0"});
  EXPECT_FALSE(core_->addIp(P("198.19.0.1/16"), {"eth0"}).ok());
  EXPECT_EQ(core_->table().size(), 1u);
}

TEST_F(IpCoreTest, PublicIpsNewestFirstAndAvailability) {
  add("198.19.0.1/16", {"eth0"});
  add("198.19.0.2/16", {"eth1"});
  auto all = core_->publicIps(false);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].addr.ip, A("198.19.0.2"));
  ASSERT_TRUE(core_->setIfaceLink("eth1", false).ok());
  auto avail = core_->publicIps(true);
  ASSERT_EQ(avail.size(), 1u);
  EXPECT_EQ(avail[0].addr.ip, A("198.19.0.1"));
  can_host_ = false;
  EXPECT_TRUE(core_->publicIps(true).empty());
}

TEST_F(IpCoreTest, IpInfoAndIfaces) {
  add("198.19.0.1/16", {"eth1", "eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  auto info = core_->ipInfo(A("198.19.0.1"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->active_idx, 0u);
  ASSERT_EQ(info->ifaces.ifaces.size(), 2u);
  EXPECT_EQ(info->ifaces.ifaces[0].references, 1u);
  EXPECT_FALSE(core_->ipInfo(A("198.19.9.9")).ok());
  auto ifs = core_->ifaces();
  ASSERT_EQ(ifs.ifaces.size(), 2u);
  EXPECT_EQ(ifs.ifaces[0].name, "eth0");  // newest first
}

TEST_F(IpCoreTest, SetIfaceLinkUnknownFailsSameStateIsQuiet) {
  add("198.19.0.1/16", {"eth0"});
  EXPECT_FALSE(core_->setIfaceLink("eth7", false).ok());
  EXPECT_TRUE(core_->setIfaceLink("eth0", true).ok());
  EXPECT_EQ(runs_requested_, 0);
}

TEST_F(IpCoreTest, ReleaseAllAndReleaseStale) {
  add("198.19.0.1/16", {"eth0"});
  add("198.19.0.2/16", {"eth0"});
  kernel_[A("198.19.0.2")] = "eth1";  // stale
  ASSERT_TRUE(wait([&](IpCore::Done d) { return core_->releaseStale(std::move(d)); }).ok());
  EXPECT_TRUE(kernel_.empty());
  ASSERT_TRUE(take("198.19.0.1").ok());
  ASSERT_TRUE(wait([&](IpCore::Done d) { return core_->releaseAll(std::move(d)); }).ok());
  EXPECT_TRUE(kernel_.empty());
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Unassigned);
}

/* ---- fence and kernel removal (issue 10) ---------------------------- */

size_t countPrefix(const std::vector<std::string>& v, const std::string& p) {
  return std::count_if(v.begin(), v.end(), [&](const std::string& s) { return s.rfind(p, 0) == 0; });
}

/* Shutdown must leave nothing in the kernel: release-all while a takeip
 * is in flight releases the address once the takeip completed; a release
 * in flight is waited for, so release-all's answer means "all gone". */
TEST_F(IpCoreTest, ReleaseAllWaitsForActionsInFlightAndReleasesTheirAddresses) {
  add("198.19.0.1/16", {"eth0"});
  add("198.19.0.2/16", {"eth0"});
  add("198.19.0.3/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.2").ok());
  ASSERT_TRUE(take("198.19.0.3").ok());
  std::optional<Status> taken, released, all;
  PendingOp take_op = core_->takeoverIp(0, A("198.19.0.1"), [&](Status st) { taken = st; });
  PendingOp release_op = core_->releaseIp(2, A("198.19.0.2"), [&](Status st) { released = st; });
  ASSERT_EQ(entry("198.19.0.1").state, IpState::Taking);
  ASSERT_EQ(entry("198.19.0.2").state, IpState::Releasing);
  PendingOp all_op = core_->releaseAll([&](Status st) { all = st; });
  loop_->runUntil([&] { return taken && released && all; }, 2000ms);
  ASSERT_TRUE(taken && released && all);
  EXPECT_TRUE(all->ok());
  EXPECT_TRUE(kernel_.empty()) << kernel_.size() << " addresses left in the kernel";
  for (const char* ip : {"198.19.0.1", "198.19.0.2", "198.19.0.3"})
    EXPECT_EQ(entry(ip).state, IpState::Unassigned) << ip;
  EXPECT_EQ(entry("198.19.0.2").pnn, 2u);  // the RELEASE_IP's new owner stays
  EXPECT_EQ(countPrefix(actions_->log, "releaseip eth0 198.19.0.1/16"), 1u);
  EXPECT_EQ(countPrefix(actions_->log, "releaseip eth0 198.19.0.2/16"), 1u);
  EXPECT_EQ(countPrefix(actions_->log, "releaseip eth0 198.19.0.3/16"), 1u);
  EXPECT_EQ(core_->table().checkInvariants(), "");
}

TEST_F(IpCoreTest, FenceDeletesFromKernelFirstThenReleasesEach) {
  add("198.19.0.1/16", {"eth0"});
  add("198.19.0.2/16", {"eth0"});
  add("198.19.0.3/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  ASSERT_TRUE(take("198.19.0.2").ok());
  actions_->log.clear();
  ASSERT_TRUE(wait([&](IpCore::Done d) { return core_->fence("test", std::move(d)); }).ok());
  // Kernel delete first, newest first (the table's order), only held ones.
  EXPECT_EQ(dropped_, (std::vector<std::string>{"198.19.0.2/16", "198.19.0.1/16"}));
  EXPECT_TRUE(kernel_.empty());
  // Then the releaseip action for each (the scripts record the change).
  EXPECT_EQ(actions_->log, (std::vector<std::string>{"releaseip eth0 198.19.0.2/16",
                                                     "releaseip eth0 198.19.0.1/16"}));
  for (const char* ip : {"198.19.0.1", "198.19.0.2", "198.19.0.3"}) {
    EXPECT_EQ(entry(ip).state, IpState::Unassigned) << ip;
    EXPECT_EQ(entry(ip).pnn, protocol::kUnknownPnn) << ip;
  }
}

TEST_F(IpCoreTest, FenceDuringTakeipReleasesWhenItCompletes) {
  add("198.19.0.1/16", {"eth0"});
  std::optional<Status> taken;
  PendingOp op7 = core_->takeoverIp(0, A("198.19.0.1"), [&](Status st) { taken = st; });
  ASSERT_EQ(entry("198.19.0.1").state, IpState::Taking);
  ASSERT_TRUE(wait([&](IpCore::Done d) { return core_->fence("test", std::move(d)); }).ok());
  ASSERT_TRUE(taken.has_value());
  EXPECT_FALSE(taken->ok());  // the run must not count it as hosted
  EXPECT_TRUE(kernel_.empty());
  EXPECT_EQ(countPrefix(actions_->log, "releaseip eth0 198.19.0.1/16"), 1u);
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Unassigned);
}

TEST_F(IpCoreTest, FenceFailedReleaseStillLeavesTableTruthful) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  actions_->fail_next = true;  // the releaseip script fails
  ASSERT_TRUE(wait([&](IpCore::Done d) { return core_->fence("test", std::move(d)); }).ok());
  EXPECT_TRUE(kernel_.empty());
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Unassigned);
  EXPECT_EQ(entry("198.19.0.1").pnn, protocol::kUnknownPnn);
}

TEST_F(IpCoreTest, KernelRemovalRunsReleaseipAndTableStopsClaimingIt) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  actions_->log.clear();
  kernel_.erase(A("198.19.0.1"));  // e.g. its valid_lft expired
  core_->onKernelAddressRemoved(A("198.19.0.1"));
  loop_->runUntil([&] { return runs_requested_ > 0; }, 2000ms);
  EXPECT_EQ(actions_->log, (std::vector<std::string>{"releaseip eth0 198.19.0.1/16"}));
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Unassigned);
  EXPECT_EQ(entry("198.19.0.1").pnn, protocol::kUnknownPnn);
  EXPECT_EQ(runs_requested_, 1);
  auto ips = core_->publicIps(false);
  ASSERT_EQ(ips.size(), 1u);
  EXPECT_EQ(ips[0].pnn, protocol::kUnknownPnn);  // `ctdb ip` truthful
}

TEST_F(IpCoreTest, KernelRemovalOfAddressStillPresentIsIgnored) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  actions_->log.clear();
  core_->onKernelAddressRemoved(A("198.19.0.1"));  // e.g. removed from a second iface
  EXPECT_TRUE(actions_->log.empty());
  EXPECT_EQ(entry("198.19.0.1").state, IpState::Held);
}

class IpReloadTest : public IpCoreTest {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "ip_reload_" + std::to_string(getpid());
    file_ = path_;
    IpCoreTest::SetUp();
  }
  void TearDown() override {
    unlink(path_.c_str());
    IpCoreTest::TearDown();
  }
  void write(const std::string& text) { std::ofstream(path_) << text; }
  Status reload() { return wait([&](IpCore::Done d) { return core_->reload(std::move(d)); }); }
  std::string path_;
};

TEST_F(IpReloadTest, AddsRemovesKeeps) {
  add("198.19.0.1/16", {"eth0"});
  add("198.19.0.2/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.2").ok());
  write("198.19.0.1/16 eth0\n198.19.0.3/16 eth1\n");
  ASSERT_TRUE(reload().ok());
  EXPECT_NE(core_->table().find(A("198.19.0.1")), nullptr);
  EXPECT_NE(core_->table().find(A("198.19.0.3")), nullptr);
  EXPECT_TRUE(entry("198.19.0.2").isDeletePending());  // held: goes at release
}

TEST_F(IpReloadTest, ParseErrorChangesNothingAndNamesLine) {
  add("198.19.0.1/16", {"eth0"});
  write("198.19.0.5/16 eth0\n198.19.0.6/99 eth0\n");
  Status st = reload();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find(path_ + ":2"), std::string::npos) << st.error().message();
  EXPECT_EQ(core_->table().size(), 1u);
}

TEST_F(IpReloadTest, UnknownIfaceChangesNothing) {
  add("198.19.0.1/16", {"eth0"});
  write("198.19.0.5/16 eth0\n198.19.0.6/16 nosuch0\n");
  EXPECT_FALSE(reload().ok());
  EXPECT_EQ(core_->table().size(), 1u);
}

TEST_F(IpReloadTest, ChangedIfaceOfHeldIpIsReleasedAndRedefined) {
  add("198.19.0.1/16", {"eth0"});
  ASSERT_TRUE(take("198.19.0.1").ok());
  write("198.19.0.1/24 eth1\n");
  ASSERT_TRUE(reload().ok());
  EXPECT_FALSE(kernel_.contains(A("198.19.0.1")));
  EXPECT_EQ(entry("198.19.0.1").prefix, P("198.19.0.1/24"));
  EXPECT_EQ(entry("198.19.0.1").ifaces, std::vector<std::string>{"eth1"});
}

TEST_F(IpReloadTest, QueuedWhileTakeoverRunInProgress) {
  write("198.19.0.7/16 eth0\n");
  run_in_progress_ = true;
  std::optional<Status> r;
  PendingOp op8 = core_->reload([&](Status st) { r = st; });
  loop_->runUntil([&] { return r.has_value(); }, 100ms);
  EXPECT_FALSE(r.has_value());
  EXPECT_EQ(core_->table().size(), 0u);
  run_in_progress_ = false;
  core_->onTakeoverRunFinished();
  loop_->runUntil([&] { return r.has_value(); }, 2000ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(core_->table().size(), 1u);
}

}  // namespace
}  // namespace ctdb::server
