/*
 * Scale regression test of the takeover run (src/server/cluster/takeover_run.cc):
 * 4096 public IPs known on 3 nodes (a fake ctdbd, tests/client), none
 * hosted, so one run sends 8192 RELEASE_IP, 4096 TAKEOVER_IP and 3
 * IPREALLOCATED controls over one client::Connection.
 *
 * The benchmark (doc/performance.md) measured ctdbd's peak RSS at 769 MB
 * for 1024 IPs and 3.0 GB for 2048: every control's completion callback
 * held its own copy of the phase's whole request list (O(N^2) memory). This
 * test counts the bytes live on the heap of the whole process (global
 * operator new/delete of this binary) and asserts that the run's peak stays
 * below a bound linear in N. The quadratic version would need ~13 GB here:
 * the counter gives up (message + abort) at kHardCapBytes instead of
 * letting the machine swap, so the test fails quickly either way. The
 * run's wall time is printed (bench/run-scale.sh collects it), not bounded.
 */
#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "client/connection.h"
#include "fake_daemon.h"
#include "protocol/types.h"
#include "server/cluster/takeover_run.h"
#include "util/event_loop.h"

namespace {

std::atomic<long long> g_live{0};
std::atomic<long long> g_peak{0};
constexpr long long kHardCapBytes = 1LL << 30;  // 1 GiB

void* countedAlloc(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (!p) throw std::bad_alloc();
  long long now = g_live.fetch_add(static_cast<long long>(malloc_usable_size(p))) +
                  static_cast<long long>(malloc_usable_size(p));
  long long peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
  if (now > kHardCapBytes) {
    std::fprintf(stderr, "takeover_run_scale_test: %lld bytes live on the heap, giving up\n", now);
    std::abort();
  }
  return p;
}

void countedFree(void* p) noexcept {
  if (!p) return;
  g_live.fetch_sub(static_cast<long long>(malloc_usable_size(p)));
  std::free(p);
}

}  // namespace

void* operator new(size_t n) { return countedAlloc(n); }
void* operator new[](size_t n) { return countedAlloc(n); }
void operator delete(void* p) noexcept { countedFree(p); }
void operator delete[](void* p) noexcept { countedFree(p); }
void operator delete(void* p, size_t) noexcept { countedFree(p); }
void operator delete[](void* p, size_t) noexcept { countedFree(p); }

namespace ctdb {
namespace {

using protocol::Opcode;

protocol::PublicIpList makeIps(size_t n) {
  protocol::PublicIpList l;
  l.ips.reserve(n);
  for (size_t i = 0; i < n; i++) {
    protocol::PublicIp ip;
    ip.pnn = protocol::kUnknownPnn;
    ip.addr.ip = *IpAddress::parse("198.19." + std::to_string((i + 1) / 256) + "." +
                                   std::to_string((i + 1) % 256));
    l.ips.push_back(ip);
  }
  return l;
}

TEST(TakeoverRunScaleTest, FourThousandIpsThreeNodesBoundedHeap) {
  // CTDB_SCALE_IPS overrides N for measurements (the bound scales with it).
  const char* env = std::getenv("CTDB_SCALE_IPS");
  const size_t kIps = env ? std::strtoul(env, nullptr, 10) : 4096;
  testing::FakeDaemon fake;
  auto list = makeIps(kIps);
  for (uint32_t pnn = 0; pnn < 3; pnn++) fake.setPublicIps(pnn, list);
  list.ips.clear();
  list.ips.shrink_to_fit();
  std::atomic<int> ipreallocated{0};
  fake.setControlHook([&](const protocol::ReqControl& c, testing::FakeDaemon::Session& s) {
    if (c.opcode != static_cast<uint32_t>(Opcode::Ipreallocated)) return false;
    ipreallocated++;
    s.send(testing::FakeDaemon::reply(c, 0));
    return true;
  });
  fake.start();

  auto loop_r = EventLoop::create();
  ASSERT_TRUE(loop_r);
  EventLoop& loop = **loop_r;
  auto conn = client::Connection::connect(loop, fake.socketPath());
  ASSERT_TRUE(conn) << conn.error().message();
  (*conn)->setPnn(0);

  takeover::TakeoverRunOptions opts;
  opts.fetch_tunables = false;
  opts.timeout = std::chrono::seconds(60);
  const long long base = g_live.load();
  g_peak.store(base);

  std::optional<Result<takeover::TakeoverRunReport>> result;
  auto t0 = std::chrono::steady_clock::now();
  auto op = takeover::startTakeoverRun(loop, **conn, opts, [&](auto r) { result = std::move(r); });
  loop.runUntil([&] { return result.has_value(); }, std::chrono::seconds(120));
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long long peak = g_peak.load() - base;

  ASSERT_TRUE(result.has_value()) << "takeover run did not finish in 120 s";
  ASSERT_TRUE(*result) << result->error().message();
  EXPECT_EQ((*result)->known_ips, 3 * kIps);
  EXPECT_EQ((*result)->releases_sent, 2 * kIps);
  EXPECT_EQ((*result)->takeovers_sent, kIps);
  EXPECT_EQ((*result)->ipreallocated_sent, 3u);
  EXPECT_EQ(ipreallocated.load(), 3);
  EXPECT_EQ((*conn)->invalidReqidCount(), 0u);

  // Every IP hosted exactly once, by one of the three nodes, balanced.
  std::map<uint32_t, size_t> per_node;
  for (const auto& ip : fake.publicIps(0).ips) per_node[ip.pnn]++;
  EXPECT_EQ(per_node.count(protocol::kUnknownPnn), 0u);
  for (uint32_t pnn = 0; pnn < 3; pnn++) {
    EXPECT_GE(per_node[pnn], kIps / 3) << "node " << pnn;
    EXPECT_LE(per_node[pnn], kIps / 3 + 1) << "node " << pnn;
  }

  // Linear bound, 16 KiB per IP (64 MiB at 4096): ~3 controls per IP in
  // flight, each a few hundred bytes (request, error text, timer, pending
  // entry, the fake daemon's record of the packet). The O(N^2) version
  // needed ~13 GB at N=4096.
  std::printf("takeover run of %zu IPs: %.2f s, heap peak %.1f MB above the start\n", kIps, secs,
              static_cast<double>(peak) / (1 << 20));
  EXPECT_LT(peak, static_cast<long long>(kIps) * (16 << 10)) << "heap peak during the run: " << peak << " bytes";
  // The time is a figure, not a bound: bench/run-scale.sh prints it
  // (doc/performance.md "Allocation and parsing at scale").
}

}  // namespace
}  // namespace ctdb
