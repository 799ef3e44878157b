// Integration: AddressOps against the real kernel, each test in its own
// network namespace (see netns_fixture.h).
#include "net/address_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <linux/if_addr.h>
#include <unistd.h>

#include "net/sysctl.h"
#include "netns_fixture.h"
#include "util/local_address.h"

namespace ctdb::net {
namespace {

using test::kIface;
using test::runInNetns;

std::unique_ptr<AddressOps> makeOps() {
  auto ops = AddressOps::create();
  EXPECT_TRUE(ops.ok()) << ops.error().message();
  return ops.ok() ? std::move(*ops) : nullptr;
}

IpPrefix pfx(const char* text) { return *IpPrefix::parse(text); }
IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::optional<InterfaceAddress> inDump(AddressOps& ops, const IpAddress& a) {
  auto dump = ops.dumpAddresses();
  EXPECT_TRUE(dump.ok()) << dump.error().message();
  if (!dump.ok()) return std::nullopt;
  for (const auto& e : *dump) {
    if (e.prefix.addr == a) return e;
  }
  return std::nullopt;
}

size_t countInSubnet(AddressOps& ops, const char* prefix_text) {
  auto net = pfx(prefix_text);
  auto dump = ops.dumpAddresses();
  EXPECT_TRUE(dump.ok());
  if (!dump.ok()) return 0;
  return std::count_if(dump->begin(), dump->end(), [&](const InterfaceAddress& e) {
    return e.prefix.addr.isV4() && e.prefix.prefix == net.prefix &&
           std::equal(e.prefix.addr.bytes.begin(), e.prefix.addr.bytes.begin() + 3,
                      net.addr.bytes.begin());
  });
}

TEST(AddressOpsKernel, AddShowsInDumpAndBindCheck) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    EXPECT_FALSE(inDump(*ops, ip("198.18.0.10")).has_value());
    EXPECT_FALSE(*haveLocalAddress(ip("198.18.0.10")));
    auto st = ops->addAddress(kIface, pfx("198.18.0.10/24"));
    ASSERT_TRUE(st.ok()) << st.error().message();
    auto found = inDump(*ops, ip("198.18.0.10"));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->iface, kIface);
    EXPECT_EQ(found->prefix.prefix, 24u);
    EXPECT_FALSE(found->is_secondary);
    auto have = haveLocalAddress(ip("198.18.0.10"));
    ASSERT_TRUE(have.ok());
    EXPECT_TRUE(*have);
  });
}

TEST(AddressOpsKernel, AddTwiceIsSuccess) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    ASSERT_TRUE(ops->addAddress(kIface, pfx("198.18.0.11/24")).ok());
    auto st = ops->addAddress(kIface, pfx("198.18.0.11/24"));
    EXPECT_TRUE(st.ok()) << st.error().message();
    EXPECT_EQ(countInSubnet(*ops, "198.18.0.0/24"), 1u);
  });
}

TEST(AddressOpsKernel, DeleteRemoves) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    ASSERT_TRUE(ops->addAddress(kIface, pfx("198.18.0.12/24")).ok());
    auto st = ops->deleteAddress(kIface, pfx("198.18.0.12/24"));
    ASSERT_TRUE(st.ok()) << st.error().message();
    EXPECT_FALSE(inDump(*ops, ip("198.18.0.12")).has_value());
    EXPECT_FALSE(*haveLocalAddress(ip("198.18.0.12")));
  });
}

TEST(AddressOpsKernel, DeleteIgnoresIpv4MaskLikeReleaseip) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    ASSERT_TRUE(ops->addAddress(kIface, pfx("198.18.0.13/24")).ok());
    ASSERT_TRUE(ops->deleteAddress(kIface, pfx("198.18.0.13/28")).ok());
    EXPECT_FALSE(inDump(*ops, ip("198.18.0.13")).has_value());
  });
}

TEST(AddressOpsKernel, DeleteAbsentIsSuccess) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    auto st = ops->deleteAddress(kIface, pfx("198.18.0.14/24"));
    EXPECT_TRUE(st.ok()) << st.error().message();
    auto st6 = ops->deleteAddress(kIface, pfx("fd00::14/64"));
    EXPECT_TRUE(st6.ok()) << st6.error().message();
  });
}

TEST(AddressOpsKernel, AddOnMissingInterfaceNamesIt) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    auto st = ops->addAddress("nosuch0", pfx("198.18.0.15/24"));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().errnoValue(), ENODEV);
    EXPECT_NE(st.error().message().find("'nosuch0'"), std::string::npos) << st.error().message();
    EXPECT_NE(st.error().message().find("198.18.0.15/24"), std::string::npos);
    auto del = ops->deleteAddress("nosuch0", pfx("198.18.0.15/24"));
    ASSERT_FALSE(del.ok());
    EXPECT_EQ(del.error().errnoValue(), ENODEV);
  });
}

TEST(AddressOpsKernel, SecondaryAddressIsHeld) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    ASSERT_TRUE(ops->addAddress(kIface, pfx("198.18.1.1/24")).ok());
    ASSERT_TRUE(ops->addAddress(kIface, pfx("198.18.1.2/24")).ok());
    auto second = inDump(*ops, ip("198.18.1.2"));
    ASSERT_TRUE(second.has_value());
    EXPECT_TRUE(second->is_secondary);
    EXPECT_TRUE(*haveLocalAddress(ip("198.18.1.2")));
  });
}

TEST(AddressOpsKernel, Ipv6AddFindDelete) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    ASSERT_TRUE(ops->addAddress(kIface, pfx("fd00::20/64"), AddOptions{.skip_dad = true, .lifetime = std::nullopt}).ok());
    auto found = inDump(*ops, ip("fd00::20"));
    ASSERT_TRUE(found.has_value());
    EXPECT_FALSE(found->is_tentative);
    EXPECT_TRUE(*haveLocalAddress(ip("fd00::20")));
    ASSERT_TRUE(ops->deleteAddress(kIface, pfx("fd00::20/64")).ok());
    EXPECT_FALSE(inDump(*ops, ip("fd00::20")).has_value());
  });
}

TEST(AddressOpsKernel, Ipv6WithDadStartsTentative) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    ASSERT_TRUE(ops->addAddress(kIface, pfx("fd00::21/64")).ok());
    auto found = inDump(*ops, ip("fd00::21"));
    ASSERT_TRUE(found.has_value());
    EXPECT_TRUE(found->is_tentative);
    EXPECT_FALSE(*haveLocalAddress(ip("fd00::21")));  // not usable yet, as for ctdbd
  });
}

TEST(AddressOpsKernel, GetLinkExistingAndMissing) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    auto link = ops->getLink(kIface);
    ASSERT_TRUE(link.ok()) << link.error().message();
    ASSERT_TRUE(link->has_value());
    EXPECT_EQ((*link)->name, kIface);
    EXPECT_GT((*link)->index, 0);
    EXPECT_TRUE((*link)->is_admin_up);
    auto missing = ops->getLink("nosuch0");
    ASSERT_TRUE(missing.ok()) << missing.error().message();
    EXPECT_FALSE(missing->has_value());
    ASSERT_TRUE(ops->setLinkAdminState(kIface, LinkAdminState::Down).ok());
    EXPECT_FALSE((*ops->getLink(kIface))->is_admin_up);
  });
}

TEST(AddressOpsKernel, FiveHundredAddressesInOneDump) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    constexpr int kCount = 500;
    std::vector<IpPrefix> added;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCount; ++i) {
      // 198.18.4.1 .. 198.18.5.244, one /22 subnet.
      IpPrefix p{IpAddress::v4((198u << 24) | (18u << 16) | (4u << 8) | static_cast<uint32_t>(i + 1)), 22};
      auto st = ops->addAddress(kIface, p);
      ASSERT_TRUE(st.ok()) << st.error().message();
      added.push_back(p);
    }
    auto t1 = std::chrono::steady_clock::now();
    auto dump = ops->dumpAddresses();
    auto t2 = std::chrono::steady_clock::now();
    ASSERT_TRUE(dump.ok()) << dump.error().message();
    std::unordered_map<IpAddress, std::string, IpAddressHash> seen;
    for (const auto& e : *dump) seen.emplace(e.prefix.addr, e.iface);
    for (const auto& p : added) {
      auto it = seen.find(p.addr);
      ASSERT_NE(it, seen.end()) << p.toString();
      EXPECT_EQ(it->second, kIface);
    }
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    printf("[ timing ] %d adds: %.1f ms (%.3f ms/add); one dump of %zu addresses: %.2f ms\n",
           kCount, ms(t1 - t0), ms(t1 - t0) / kCount, dump->size(), ms(t2 - t1));
  });
}

TEST(AddressOpsKernel, PromoteSecondariesKeepsSecondariesWhenPrimaryGoes) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    ASSERT_TRUE(setPromoteSecondaries(kIface, Setting::On).ok());
    EXPECT_EQ(*getPromoteSecondaries(kIface), Setting::On);
    for (const char* p : {"198.18.2.1/24", "198.18.2.2/24", "198.18.2.3/24"}) {
      ASSERT_TRUE(ops->addAddress(kIface, pfx(p)).ok());
    }
    ASSERT_EQ(countInSubnet(*ops, "198.18.2.0/24"), 3u);
    ASSERT_TRUE(ops->deleteAddress(kIface, pfx("198.18.2.1/24")).ok());
    EXPECT_EQ(countInSubnet(*ops, "198.18.2.0/24"), 2u);
    auto promoted = inDump(*ops, ip("198.18.2.2"));
    ASSERT_TRUE(promoted.has_value());
    EXPECT_FALSE(promoted->is_secondary);
  });
}

TEST(AddressOpsKernel, WithoutPromoteSecondariesKernelDropsThem) {
  // The contrast case: shows the previous test measures the sysctl's effect.
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    ASSERT_TRUE(setPromoteSecondaries(kIface, Setting::Off).ok());
    EXPECT_EQ(*getPromoteSecondaries(kIface), Setting::Off);
    for (const char* p : {"198.18.2.1/24", "198.18.2.2/24", "198.18.2.3/24"}) {
      ASSERT_TRUE(ops->addAddress(kIface, pfx(p)).ok());
    }
    ASSERT_TRUE(ops->deleteAddress(kIface, pfx("198.18.2.1/24")).ok());
    EXPECT_EQ(countInSubnet(*ops, "198.18.2.0/24"), 0u);
  });
}

TEST(AddressOpsKernel, SysctlOnMissingInterfaceIsEnoent) {
  runInNetns([] {
    auto st = setPromoteSecondaries("nosuch0", Setting::On);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().errnoValue(), ENOENT);
    EXPECT_NE(st.error().message().find("nosuch0"), std::string::npos);
    EXPECT_TRUE(setArpFilter(kIface, Setting::On).ok());
  });
}


/* ---- lifetimes (issue 10) ------------------------------------------- */

TEST(AddressOpsKernel, AddWithLifetimeSetsCacheinfo) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    AddOptions o;
    o.lifetime = 30;
    ASSERT_TRUE(ops->addAddress(kIface, pfx("198.18.0.20/24"), o).ok());
    auto f = inDump(*ops, ip("198.18.0.20"));
    ASSERT_TRUE(f.has_value());
    EXPECT_GE(f->valid_lft, 28u);
    EXPECT_LE(f->valid_lft, 30u);
    EXPECT_GE(f->preferred_lft, 28u);
    EXPECT_LE(f->preferred_lft, 30u);
    ASSERT_TRUE(ops->addAddress(kIface, pfx("198.18.0.21/24")).ok());
    EXPECT_EQ(inDump(*ops, ip("198.18.0.21"))->valid_lft, kInfiniteLifetime);
  });
}

TEST(AddressOpsKernel, RenewReplacesLifetimeAndKeepsIpv6Nodad) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    AddOptions o;
    o.lifetime = 10;
    ASSERT_TRUE(ops->addAddress(kIface, pfx("198.18.0.30/24"), o).ok());
    o.skip_dad = true;
    ASSERT_TRUE(ops->addAddress(kIface, pfx("fd00::30/64"), o).ok());
    for (const char* a : {"198.18.0.30", "fd00::30"}) {
      auto f = inDump(*ops, ip(a));
      ASSERT_TRUE(f.has_value()) << a;
      ASSERT_LE(f->valid_lft, 10u) << a;
      auto st = ops->renewAddress(*f, 100);
      ASSERT_TRUE(st.ok()) << st.error().message();
      auto g = inDump(*ops, ip(a));
      ASSERT_TRUE(g.has_value()) << a;
      EXPECT_GE(g->valid_lft, 98u) << a;
      EXPECT_GE(g->preferred_lft, 98u) << a;
      EXPECT_EQ(g->prefix, f->prefix) << a;
      if (!f->prefix.addr.isV4()) {
        EXPECT_NE(g->flags & IFA_F_NODAD, 0u) << a;
      }
      EXPECT_FALSE(g->is_tentative) << a;
    }
  });
}

/* Why renewals must come from the cache: the kernel re-creates an address
 * that no longer exists on a RTM_NEWADDR/NLM_F_REPLACE. */
TEST(AddressOpsKernel, RenewOfVanishedIpv4AddressRecreatesIt) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    AddOptions o;
    o.lifetime = 10;
    ASSERT_TRUE(ops->addAddress(kIface, pfx("198.18.0.40/24"), o).ok());
    auto f = inDump(*ops, ip("198.18.0.40"));
    ASSERT_TRUE(f.has_value());
    ASSERT_TRUE(ops->deleteAddress(kIface, f->prefix).ok());
    ASSERT_FALSE(inDump(*ops, ip("198.18.0.40")).has_value());
    (void)ops->renewAddress(*f, 10);
    EXPECT_TRUE(inDump(*ops, ip("198.18.0.40")).has_value());
  });
}

/* Kernel expiry: an unrenewed IPv4 address disappears about valid_lft
 * seconds after it was added (check_lifetime runs on a rounded timer). */
TEST(AddressOpsKernel, UnrenewedAddressExpires) {
  runInNetns([] {
    auto ops = makeOps();
    ASSERT_TRUE(ops);
    AddOptions o;
    o.lifetime = 2;
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(ops->addAddress(kIface, pfx("198.18.0.50/24"), o).ok());
    bool gone = false;
    while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(6)) {
      if (!inDump(*ops, ip("198.18.0.50"))) {
        gone = true;
        break;
      }
      ::usleep(20000);
    }
    ASSERT_TRUE(gone);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - t0).count();
    std::printf("expired after %lld ms (valid_lft 2 s)\n", static_cast<long long>(ms));
    EXPECT_GE(ms, 1900);
  });
}

}  // namespace
}  // namespace ctdb::net
