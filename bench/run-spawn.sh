#!/bin/bash
# bench/run-spawn.sh -- builds bench/spawn_bench.c with a standalone
# compile (not part of the CMake build) and runs it: 1000 spawns each of
# fork+exec, vfork+exec and posix_spawn, from a process with no heap and
# with a 2 GiB touched heap, of /bin/true and (when built) of our
# ctdb_event_helper running one event over an empty script directory.
# Results in doc/performance.md.
#
# Usage: bench/run-spawn.sh [-n COUNT] [-m "0 2048"] [-H]
set -u -o pipefail
COUNT=1000
HEAPS="0 2048"
HUGE=""
while getopts "n:m:Hh" opt; do
    case $opt in
    n) COUNT=$OPTARG ;;
    m) HEAPS=$OPTARG ;;
    H) HUGE=-H ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
bin=${CLUSTER_BIN:-$top/build/bin}
tmp=$(mktemp -d /tmp/spawn-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

cc -O2 -Wall -o "$tmp/spawn_bench" "$here/spawn_bench.c" || exit 1
mkdir "$tmp/empty.d"
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), THP $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
rc=0
for heap in $HEAPS; do
    "$tmp/spawn_bench" -n "$COUNT" -m "$heap" $HUGE || rc=1
    if [ -x "$bin/ctdb_event_helper" ]; then
        # one job, event "monitor", empty script directory, results to stdout (/dev/null)
        "$tmp/spawn_bench" -n "$COUNT" -m "$heap" $HUGE -- \
            "$bin/ctdb_event_helper" 1 0 "$tmp/empty.d" 1 monitor || rc=1
    fi
done
exit $rc
