// Integration: LinkWatcher notifications in a private network namespace.
#include "net/link_watcher.h"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "netns_fixture.h"

namespace ctdb::net {
namespace {

using namespace std::chrono_literals;
using test::kIface;
using test::processUntil;
using test::runInNetns;
using test::waitReadable;

struct Recorder {
  std::vector<LinkInfo> link_changes;
  std::vector<LinkInfo> link_removals;
  std::vector<AddressEvent> address_events;
  int resyncs = 0;

  WatcherCallbacks callbacks() {
    return WatcherCallbacks{
        .on_link_change = [this](const LinkInfo& l) { link_changes.push_back(l); },
        .on_link_removed = [this](const LinkInfo& l) { link_removals.push_back(l); },
        .on_address_change = [this](const AddressEvent& e) { address_events.push_back(e); },
        .on_resync = [this] { ++resyncs; },
    };
  }
  std::optional<LinkInfo> lastFor(const std::string& name) const {
    for (auto it = link_changes.rbegin(); it != link_changes.rend(); ++it) {
      if (it->name == name) return *it;
    }
    return std::nullopt;
  }
  int countAddr(const char* ip, AddressChange c) const {
    auto a = *IpAddress::parse(ip);
    int n = 0;
    for (const auto& e : address_events) n += (e.addr.prefix.addr == a && e.change == c);
    return n;
  }
};

std::unique_ptr<LinkWatcher> makeWatcher(Recorder& rec) {
  auto w = LinkWatcher::create(rec.callbacks());
  EXPECT_TRUE(w.ok()) << w.error().message();
  return w.ok() ? std::move(*w) : nullptr;
}

std::unique_ptr<AddressOps> makeOps() {
  auto ops = AddressOps::create();
  EXPECT_TRUE(ops.ok());
  return ops.ok() ? std::move(*ops) : nullptr;
}

TEST(LinkWatcherKernel, InitialStateWithoutCallbacks) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    ASSERT_TRUE(ops->addAddress(kIface, *IpPrefix::parse("198.18.0.30/24")).ok());
    Recorder rec;
    auto w = makeWatcher(rec);
    ASSERT_TRUE(w);
    EXPECT_TRUE(rec.link_changes.empty());
    EXPECT_TRUE(rec.address_events.empty());
    auto link = w->link(kIface);
    ASSERT_TRUE(link.has_value());
    EXPECT_TRUE(link->is_admin_up);
    auto found = w->findAddress(*IpAddress::parse("198.18.0.30"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->iface, kIface);
    EXPECT_FALSE(w->link("nosuch0").has_value());
  });
}

TEST(LinkWatcherKernel, SeesLinkDownAndUpInOneProcessCall) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    Recorder rec;
    auto w = makeWatcher(rec);
    ASSERT_TRUE(w);

    ASSERT_TRUE(ops->setLinkAdminState(kIface, LinkAdminState::Down).ok());
    ASSERT_TRUE(waitReadable(w->fd(), 2000ms)) << "no notification within 2 s";
    ASSERT_TRUE(w->process().ok());
    auto down = rec.lastFor(kIface);
    ASSERT_TRUE(down.has_value()) << "link-down not reported by the first process()";
    EXPECT_FALSE(down->is_admin_up);
    EXPECT_FALSE(down->isUsable());
    EXPECT_FALSE(w->link(kIface)->is_admin_up);

    rec.link_changes.clear();
    ASSERT_TRUE(ops->setLinkAdminState(kIface, LinkAdminState::Up).ok());
    ASSERT_TRUE(waitReadable(w->fd(), 2000ms));
    ASSERT_TRUE(w->process().ok());
    auto up = rec.lastFor(kIface);
    ASSERT_TRUE(up.has_value()) << "link-up not reported by the first process()";
    EXPECT_TRUE(up->is_admin_up);
    // Carrier on a veth follows shortly after admin-up; wait for it, bounded.
    EXPECT_TRUE(processUntil(*w, [&] { return w->link(kIface)->has_carrier; }));
  });
}

TEST(LinkWatcherKernel, AddressAddAndRemoveReachCache) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    Recorder rec;
    auto w = makeWatcher(rec);
    ASSERT_TRUE(w);
    auto a = *IpAddress::parse("198.18.0.31");
    ASSERT_TRUE(ops->addAddress(kIface, IpPrefix{a, 24}).ok());
    // The notification is queued before the kernel's ack: one process() suffices.
    ASSERT_TRUE(waitReadable(w->fd(), 2000ms));
    ASSERT_TRUE(w->process().ok());
    ASSERT_TRUE(w->findAddress(a).has_value());
    EXPECT_EQ(w->findAddress(a)->iface, kIface);
    EXPECT_EQ(rec.countAddr("198.18.0.31", AddressChange::Added), 1);

    ASSERT_TRUE(ops->deleteAddress(kIface, IpPrefix{a, 24}).ok());
    ASSERT_TRUE(waitReadable(w->fd(), 2000ms));
    ASSERT_TRUE(w->process().ok());
    EXPECT_FALSE(w->findAddress(a).has_value());
    EXPECT_EQ(rec.countAddr("198.18.0.31", AddressChange::Removed), 1);
  });
}

TEST(LinkWatcherKernel, SecondaryFoundAndPromotionReported) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    Recorder rec;
    auto w = makeWatcher(rec);
    ASSERT_TRUE(w);
    ASSERT_TRUE(ops->addAddress(kIface, *IpPrefix::parse("198.18.1.1/24")).ok());
    ASSERT_TRUE(ops->addAddress(kIface, *IpPrefix::parse("198.18.1.2/24")).ok());
    auto sec = *IpAddress::parse("198.18.1.2");
    ASSERT_TRUE(processUntil(*w, [&] { return w->findAddress(sec).has_value(); }));
    EXPECT_TRUE(w->findAddress(sec)->is_secondary);
  });
}

TEST(LinkWatcherKernel, Ipv6DadCompletionIsAnUpdate) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    Recorder rec;
    auto w = makeWatcher(rec);
    ASSERT_TRUE(w);
    auto a = *IpAddress::parse("fd00::31");
    ASSERT_TRUE(ops->addAddress(kIface, IpPrefix{a, 64}).ok());
    ASSERT_TRUE(processUntil(*w, [&] { return w->findAddress(a).has_value(); }));
    EXPECT_TRUE(w->findAddress(a)->is_tentative);
    // DAD on a veth takes about a second (one probe); bounded wait.
    EXPECT_TRUE(processUntil(*w, [&] { return !w->findAddress(a)->is_tentative; }, 5s));
    EXPECT_GE(rec.countAddr("fd00::31", AddressChange::Updated), 1);
  });
}

TEST(LinkWatcherKernel, DeletedLinkDropsItsAddresses) {
  runInNetns([] {
    test::createVethPair("pub1", "pub1p");
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    ASSERT_TRUE(ops->addAddress("pub1", *IpPrefix::parse("198.18.3.1/24")).ok());
    Recorder rec;
    auto w = makeWatcher(rec);
    ASSERT_TRUE(w);
    auto a = *IpAddress::parse("198.18.3.1");
    ASSERT_TRUE(w->findAddress(a).has_value());
    test::deleteLink("pub1");
    ASSERT_TRUE(processUntil(*w, [&] { return !w->link("pub1").has_value(); }));
    EXPECT_FALSE(w->findAddress(a).has_value());
    bool removed = false;
    for (const auto& l : rec.link_removals) removed |= l.name == "pub1";
    EXPECT_TRUE(removed);
  });
}

TEST(LinkWatcherKernel, ResyncReportsMissedChangesOnce) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    Recorder rec;
    auto w = makeWatcher(rec);
    ASSERT_TRUE(w);
    ASSERT_TRUE(ops->addAddress(kIface, *IpPrefix::parse("198.18.0.40/24")).ok());
    // Resync before processing: the queued notification is discarded and the
    // dump reports the address exactly once.
    ASSERT_TRUE(w->resync().ok());
    EXPECT_EQ(rec.resyncs, 1);
    EXPECT_EQ(rec.countAddr("198.18.0.40", AddressChange::Added), 1);
    ASSERT_TRUE(w->process().ok());
    EXPECT_EQ(rec.countAddr("198.18.0.40", AddressChange::Added), 1);
    EXPECT_FALSE(w->isResyncNeeded());
  });
}

TEST(LinkWatcherKernel, FiveHundredAddressesCachedFromNotifications) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    Recorder rec;
    auto w = makeWatcher(rec);
    ASSERT_TRUE(w);
    constexpr int kCount = 500;
    std::vector<IpAddress> addrs;
    for (int i = 0; i < kCount; ++i) {
      addrs.push_back(IpAddress::v4((198u << 24) | (18u << 16) | (8u << 8) | static_cast<uint32_t>(i + 1)));
      ASSERT_TRUE(ops->addAddress(kIface, IpPrefix{addrs.back(), 22}).ok());
    }
    auto t0 = std::chrono::steady_clock::now();
    int calls = 0;
    ASSERT_TRUE(processUntil(*w, [&] {
      ++calls;
      return rec.address_events.size() >= kCount;
    }));
    auto t1 = std::chrono::steady_clock::now();
    for (const auto& a : addrs) ASSERT_TRUE(w->findAddress(a).has_value()) << a.toString();
    auto t2 = std::chrono::steady_clock::now();
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    printf("[ timing ] %d notifications processed in %.2f ms; %d cache lookups in %.3f ms; "
           "overflows %zu\n", kCount, ms(t1 - t0), kCount, ms(t2 - t1), w->overflowsSeen());
  });
}

TEST(LinkWatcherKernel, OverflowTriggersResyncThatRecoversEveryAddress) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    Recorder rec;
    auto w = makeWatcher(rec);
    ASSERT_TRUE(w);
    // Shrink the notification queue to the kernel minimum so a burst overflows.
    int tiny = 1;
    ASSERT_EQ(setsockopt(w->fd(), SOL_SOCKET, SO_RCVBUFFORCE, &tiny, sizeof tiny), 0);
    constexpr int kCount = 300;
    std::vector<IpAddress> addrs;
    for (int i = 0; i < kCount; ++i) {
      addrs.push_back(IpAddress::v4((198u << 24) | (18u << 16) | (12u << 8) | static_cast<uint32_t>(i + 1)));
      ASSERT_TRUE(ops->addAddress(kIface, IpPrefix{addrs.back(), 22}).ok());
    }
    ASSERT_TRUE(processUntil(*w, [&] { return rec.resyncs > 0; }));
    EXPECT_GE(w->overflowsSeen(), 1u);
    EXPECT_FALSE(w->isResyncNeeded());
    for (const auto& a : addrs) ASSERT_TRUE(w->findAddress(a).has_value()) << a.toString();
    // Every address is reported exactly once, whether by notification or by the resync diff.
    for (const auto& a : addrs) {
      EXPECT_EQ(rec.countAddr(a.toString().c_str(), AddressChange::Added), 1) << a.toString();
    }
  });
}

}  // namespace
}  // namespace ctdb::net
