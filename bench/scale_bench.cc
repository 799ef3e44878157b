/*
 * scale_bench: how long the pure, CPU-bound steps take at scale (issue 13:
 * the timings that used to be bounds in unit tests). Prints one line per
 * case, "CASE: best of R runs S s", and never fails on a time (exit 1 only
 * on a wrong result): the unit tests (tests/takeover/ipalloc_scale_test,
 * ipalloc_wrap_test, tests/config/public_addresses_test, nodes_file_test)
 * check what these inputs give; this prints how long it takes. Run:
 * build/bench/scale_bench [RUNS] (default 3), or bench/run-scale.sh, which
 * adds the figures printed by two unit tests (takeover run, IP table).
 *
 * Cases (the unit tests' inputs, from tests/takeover/ipalloc_scale_cases.h
 * and tests/config/config_scale_cases.h):
 *   LCP2, 16 nodes x 1024 .. 8192 IPs, one node fails;
 *   LCP2, 16 x 4096, the failed node returns (IPs fail back);
 *   LCP2, 16 x 4096, all unassigned (a fresh cluster);
 *   LCP2, 3 x 2048 all on node 0, 64-bit sums (the daemon's mode);
 *   public_addresses: 2048 entries; 131072 entries with a duplicate at the
 *   end (the duplicate check must not be pairwise);
 *   nodes file: 4096 nodes.
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "config/public_addresses.h"
#include "config/nodes_file.h"
#include "config_scale_cases.h"
#include "ipalloc_scale_cases.h"
#include "takeover/ipalloc.h"

using namespace ctdb;

namespace {

int g_runs = 3;
bool g_wrong = false;

/* Best wall time of g_runs calls of f; f returns false on a wrong result. */
void measure(const std::string& what, const std::function<bool()>& f) {
  double best = -1;
  for (int i = 0; i < g_runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    bool ok = f();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!ok) {
      std::printf("%s: WRONG RESULT\n", what.c_str());
      g_wrong = true;
      return;
    }
    if (best < 0 || s < best) best = s;
  }
  std::printf("%s: best of %d runs %.3f s\n", what.c_str(), g_runs, best);
  std::fflush(stdout);
}

bool allocates(const takeover::AllocInput& in) { return takeover::allocate(in).ok(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    g_runs = std::atoi(argv[1]);
    if (g_runs < 1) {
      std::fprintf(stderr, "usage: scale_bench [RUNS >= 1]\n");
      return 2;
    }
  }
  for (uint32_t ips : {1024u, 2048u, 4096u, 8192u}) {
    auto in = takeover::scale::bigCluster(16, ips, true);
    in.nodes[5].flags = takeover::NodeFlag::kUnhealthy;
    measure("LCP2 16 nodes x " + std::to_string(ips) + " IPs, one node fails",
            [&] { return allocates(in); });
  }
  {
    auto in = takeover::scale::bigCluster(16, 4096, true);
    takeover::scale::nodeReturns(in, 5);
    measure("LCP2 16 nodes x 4096 IPs, the failed node returns", [&] { return allocates(in); });
  }
  {
    auto in = takeover::scale::bigCluster(16, 4096, false);
    measure("LCP2 16 nodes x 4096 IPs, all unassigned", [&] { return allocates(in); });
  }
  {
    auto in = takeover::scale::allOnNodeZero(2048);
    if (!in) {
      std::printf("LCP2 3 nodes x 2048 IPs: %s\n", in.error().message().c_str());
      return 1;
    }
    in->exactCtdbArithmetic = false;
    measure("LCP2 3 nodes x 2048 IPs all on node 0, 64-bit sums", [&] { return allocates(*in); });
  }
  {
    auto text = config::cases::manyEntries(2048);
    measure("public_addresses: parse 2048 entries",
            [&] { return config::parsePublicAddresses(text, "pa").ok(); });
  }
  {
    auto text = config::cases::manyEntries(131072) + "198.18.0.0/15 eth1\n";
    measure("public_addresses: 131072 entries, duplicate found at the end",
            [&] { return !config::parsePublicAddresses(text, "pa").ok(); });
  }
  {
    auto text = config::cases::manyNodes(4096);
    measure("nodes file: parse 4096 nodes", [&] { return config::parseNodes(text, "nodes").ok(); });
  }
  return g_wrong ? 1 : 0;
}
