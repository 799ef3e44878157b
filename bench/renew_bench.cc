/*
 * renew_bench: cost of one address-lifetime renewal cycle (issue 10,
 * doc/performance.md "Address lifetimes"). Run as root inside a network
 * namespace it does not leave: `unshare -n build/bench/renew_bench N`
 * (bench/run-renew.sh does). Creates veth bench0 <-> bench0p, adds N
 * addresses of 198.18.0.0/16 with valid_lft 60, then times one renewal
 * exactly as IpService does it (drain the LinkWatcher, then one
 * NLM_F_REPLACE round-trip per cached address) and the drain of the N
 * RTM_NEWADDR notifications that the renewal itself causes.
 * Prints one line: N, wall ms, CPU ms (user+sys), netlink messages.
 */
#include <arpa/inet.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "net/address_ops.h"
#include "net/link_watcher.h"

using namespace ctdb;
using namespace ctdb::net;

namespace {
double cpuMs() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}
double nowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}
void drain(LinkWatcher& w) {
  for (int i = 0; i < 10000; ++i) {
    size_t before = w.notificationsSeen();
    (void)w.process();
    if (w.notificationsSeen() == before) break;
  }
}
}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  if (n <= 0 || n > 60000) {
    std::fprintf(stderr, "renew_bench: N must be 1..60000\n");
    return 2;
  }
  if (std::system("ip link add bench0 type veth peer name bench0p && ip link set bench0 up && "
                  "ip link set bench0p up && sysctl -qw net.ipv4.conf.bench0.promote_secondaries=1") != 0) {
    std::fprintf(stderr, "renew_bench: cannot create veth (run inside unshare -n as root)\n");
    return 1;
  }
  auto ops = AddressOps::create();
  if (!ops) return 1;
  AddOptions o;
  o.lifetime = 60;
  for (int i = 0; i < n; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "198.18.%d.%d/16", (i + 1) / 250, (i + 1) % 250 + 1);
    if (auto st = (*ops)->addAddress("bench0", *IpPrefix::parse(buf), o); !st) {
      std::fprintf(stderr, "add %s: %s\n", buf, st.error().message().c_str());
      return 1;
    }
  }
  auto w = LinkWatcher::create({});
  if (!w) return 1;
  drain(**w);
  const auto snap = (*w)->addresses().snapshot();
  double c0 = cpuMs(), t0 = nowMs();
  size_t renewed = 0;
  drain(**w);
  double chunk_start = nowMs(), chunk_max = 0;
  size_t in_chunk = 0;
  for (const auto& ia : snap) {
    if (!ia.prefix.addr.isV4() || ia.iface != "bench0") continue;
    if ((*ops)->renewAddress(ia, 60)) renewed++;
    if (++in_chunk == 256) {  // IpService::kRenewChunk: one loop iteration
      chunk_max = std::max(chunk_max, nowMs() - chunk_start);
      chunk_start = nowMs();
      in_chunk = 0;
    }
  }
  if (in_chunk) chunk_max = std::max(chunk_max, nowMs() - chunk_start);
  double t1 = nowMs(), c1 = cpuMs();
  const size_t seen0 = (*w)->notificationsSeen();
  drain(**w);
  double t2 = nowMs(), c2 = cpuMs();
  const size_t notes = (*w)->notificationsSeen() - seen0;
  std::printf("N=%d renewed=%zu renew_wall_ms=%.1f renew_cpu_ms=%.1f drain_wall_ms=%.1f "
              "drain_cpu_ms=%.1f max_chunk256_ms=%.1f netlink_msgs=%zu (requests %zu, acks %zu, notifications %zu)\n",
              n, renewed, t1 - t0, c1 - c0, t2 - t1, c2 - c1, chunk_max, renewed * 2 + notes, renewed,
              renewed, notes);
  return renewed == static_cast<size_t>(n) ? 0 : 1;
}
