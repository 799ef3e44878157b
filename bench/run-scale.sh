#!/bin/bash
# bench/run-scale.sh -- the CPU-bound steps at scale, as figures (no time
# budget, never fails on a time): build/bench/scale_bench (LCP2 allocation
# at 16 nodes x 1024..8192 IPs and 3 x 2048, public_addresses parsing at
# 2048 and 131072 entries, a nodes file of 4096) and the time lines two unit
# tests print: the takeover run of 4096 IPs against the fake ctdbd
# (takeover_run_scale_test) and the IP table at 4096 IPs (ip_table_test).
# What these inputs must give is checked by the unit tests; results in
# doc/performance.md "Allocation and parsing at scale".
#
# Usage: bench/run-scale.sh [RUNS]   (scale_bench's best of RUNS, default 3)
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$(cd "$here/.." && pwd)/build}
runs=${1:-3}
[ -x "$build/bench/scale_bench" ] || { echo "run-scale.sh: $build/bench/scale_bench not built" >&2; exit 1; }
"$build/bench/scale_bench" "$runs" || exit 1
# figure TEST PATTERN [GTEST FILTER]: the line of a unit test's output
figure() {
    if [ ! -x "$build/tests/$1" ]; then
        echo "$1: not built (configure with tests)"
        return 0
    fi
    "$build/tests/$1" ${3:+--gtest_filter="$3"} 2>&1 | grep -E "$2" ||
        { echo "run-scale.sh: $1 printed no figure (did it fail?)" >&2; return 1; }
}
figure takeover_run_scale_test '^takeover run of [0-9]+ IPs' || exit 1
figure ip_table_test '^ip table: ' 'IpTable.ScalesTo4096Ips' || exit 1
