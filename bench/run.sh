#!/bin/bash
# bench/run.sh -- public-IP performance of a 3-node cluster, CTDB 4.17 (the
# Debian package) and ours, measured the same way in the same run.
# Documented in doc/performance.md.
#
# For every N (number of public IPs), layout and implementation it builds a
# 3-node cluster in network namespaces (tests/integration/lib/cluster.sh)
# and times these phases, each verified in the kernels by polling one
# "ip -o addr" dump per namespace:
#   bringup    start 3 daemons -> every IP hosted exactly once
#   disable    ctdb disable (node 1) -> node 1 holds none, all hosted once
#   enable     ctdb enable (node 1) -> balanced again
#   kill       SIGKILL node 1's daemon -> all hosted once on nodes 0, 2
#   restart    start node 1 again -> balanced, no duplicates
#   reloadips  N/4 more IPs in public_addresses + ctdb reloadips all -> hosted
#   delip      ctdb delip of those N/4 on every node + ipreallocate -> gone
#   partition  a non-leader's bridge port out of the bridge (its link stays
#              up, packets stop) for -P seconds, then back -> secs = the
#              two others host every IP once; then healed and balanced
#   crash      node 1 (or 2 if node 1 leads) cut off as in partition AND
#              its daemon SIGKILLed, the node's kernel staying up, as a host
#              crash looks to the others; after -P seconds its port is back
#              and its daemon restarted -> balanced
#   partition and crash run a 0.1 s sampler of every kernel
#   (tests/integration/lib/addr_sampler.py) and note overlap_wall_s (seconds
#   during which some IP was on two nodes, the cut-off one included),
#   overlap_ip_s (the sum over IPs), the cut-off node's minority_empty_at
#   and heal_s; summary.txt has a table of them.
#
# Usage: bench/run.sh [-s "64 256 1024 2048"] [-i ctdb|ours|both]
#          [-l single|multi|both] [-t SECS] [-T SECS] [-p SECS] [-o DIR]
#          [-C PHASES] [-O PHASES] [-a "Name=Value ..."] [-P SECS] [-k]
#   -s  numbers of public IPs                         default "64 256 1024 2048"
#   -i  implementation(s)                             default both
#   -l  layout: single (eth0, one /16) or multi (eth0..eth3, 4 subnets)
#                                                     default single
#   -t  bound of every single wait, seconds           default 120
#   -T  total budget, seconds (no new run starts after it) default 7200
#   -p  kernel polling interval, seconds              default 0.05
#   -o  output directory                 default /tmp/ctdb-bench.<date>
#   -C / -O  comma-separated phases run for ctdb / ours (others: "n/a
#       (not selected)")                              default all
#   -a  tunables for our ctdbd (--tunables-file)      default none
#   -P  length of the partition/crash fault, seconds  default 60
#   -k  keep the cluster work directories
# Output: OUT/results.tsv (one line per phase), OUT/results.json,
# OUT/summary.txt (one table per phase), per-run logs under OUT/<impl>-<layout>-N<n>/.
# Exit status: 0 when the runs finished (phase failures are in the results),
# 2 on usage/set-up errors. Requires root. Only 198.18.0.0/15 addresses,
# only namespaces it creates; everything is torn down, also on Ctrl-C.

set -u -o pipefail
export LC_ALL=C TZ=UTC

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER_TOP=${CLUSTER_TOP:-$(cd "$BENCH_DIR/.." && pwd)}
REAL_BIN=${CLUSTER_BIN:-$CLUSTER_TOP/build/bin}
REAL_BIN=$(cd "$REAL_BIN" 2>/dev/null && pwd || echo "$REAL_BIN")

SIZES="64 256 1024 2048"
IMPLS=both
LAYOUTS=single
PT=120
BUDGET=7200
POLL=0.05
OUT=""
ALL_PHASES="bringup,disable,enable,kill,restart,reloadips,delip,partition,crash"
PH_ctdb=$ALL_PHASES
PH_ours=$ALL_PHASES
TUNABLES=""
OURS_ARGS=""
KEEP=0
FAULT_S=60
while getopts "s:i:l:t:T:p:o:C:O:a:P:kh" opt; do
    case "$opt" in
    s) SIZES=$OPTARG ;;
    i) IMPLS=$OPTARG ;;
    l) LAYOUTS=$OPTARG ;;
    t) PT=$OPTARG ;;
    T) BUDGET=$OPTARG ;;
    p) POLL=$OPTARG ;;
    o) OUT=$OPTARG ;;
    C) PH_ctdb=$OPTARG ;;
    O) PH_ours=$OPTARG ;;
    a) TUNABLES=$OPTARG ;;
    P) FAULT_S=$OPTARG ;;
    k) KEEP=1 ;;
    *) sed -n '2,52p' "$0"; exit 2 ;;
    esac
done
case "$IMPLS" in both) IMPLS="ctdb ours" ;; ctdb|ours) ;; *) echo "run.sh: -i ctdb|ours|both" >&2; exit 2 ;; esac
case "$LAYOUTS" in both) LAYOUTS="single multi" ;; single|multi) ;; *) echo "run.sh: -l single|multi|both" >&2; exit 2 ;; esac
[ "$PH_ctdb" = all ] && PH_ctdb=$ALL_PHASES
[ "$PH_ours" = all ] && PH_ours=$ALL_PHASES

if [ "$(id -u)" != 0 ]; then echo "run.sh: must run as root" >&2; exit 2; fi

[ -n "$OUT" ] || OUT=/tmp/ctdb-bench.$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT" || exit 2
OUT=$(cd "$OUT" && pwd)
RES=$OUT/results.tsv
DRVLOG=$OUT/driver.log
NODES=3
START_US=${EPOCHREALTIME/./}
DEADLINE_US=$((START_US + BUDGET * 1000000))

blog() { printf '%s %s\n' "$(date +%H:%M:%S.%3N)" "$*" | tee -a "$OUT/bench.log" >&2; }

# shellcheck source=../tests/integration/lib/cluster.sh
. "$CLUSTER_TOP/tests/integration/lib/cluster.sh"
# shellcheck source=lib/metrics.sh
. "$BENCH_DIR/lib/metrics.sh"
# shellcheck source=lib/impl.sh
. "$BENCH_DIR/lib/impl.sh"
[ -n "$KEEP" ] && [ "$KEEP" = 1 ] && export CLUSTER_KEEP=1

# ---------------------------------------------------------------- teardown
TORN=0
run_teardown() { # end of one cluster run (idempotent)
    perf_stop /dev/null >/dev/null 2>&1
    [ -n "$CLUSTER_PREFIX" ] || return 0
    impl_stop_all >/dev/null 2>&1
    mon_stop
    local k
    for k in $(seq 0 $((NODES - 1))); do
        cp "$(impl_log "$k")" "$RDIR/log.node$k" 2>/dev/null
    done
    cluster_destroy >/dev/null 2>&1
    cg_remove_nodes
}
final_teardown() {
    [ $TORN = 1 ] && return
    TORN=1
    run_teardown
    cg_remove_all
    rm -rf "$OUT/wrapbin"
}
set_traps() {
    trap 'final_teardown' EXIT
    trap 'blog "interrupted"; exit 130' INT TERM
}

# ---------------------------------------------------------------- phases
declare -A CPU0 LOGOFF RSSMAX
phase_selected() { [[ ",$(eval echo "\$PH_$IMPL")," == *",$1,"* ]]; }

phase_begin() { # name
    local k
    PHASE=$1
    cg_new_phase
    for k in $(seq 0 $((NODES - 1))); do
        CPU0[$k]=$(cg_cpu_ns "node$k")
        LOGOFF[$k]=$(wc -l <"$(impl_log "$k")" 2>/dev/null || echo 0)
    done
    rm -f "$RDIR/$PHASE.cli.rc" "$RDIR/$PHASE.cli.txt"
    CLI_PID="" CLI_RC=""
    perf_start "$RDIR/$PHASE.perf"
    PT0=$(now_us)
    PT0_S=$EPOCHREALTIME
    blog "$IMPL $LAYOUT N=$CUR_N $PHASE: start"
}

# record a phase that was not run
phase_na() { # name reason
    printf '%s\t%s\t%s\t%s\tn/a (%s)\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\n' \
        "$IMPL" "$LAYOUT" "$CUR_N" "$1" "$2" >>"$RES"
    blog "$IMPL $LAYOUT N=$CUR_N $1: n/a ($2)"
}

# record a phase that could not start because the cluster was not in the
# state it needs (a failure of the previous phases, not "cannot do yet")
phase_fail() { # name reason
    printf '%s\t%s\t%s\t%s\tFAIL (%s)\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\n' \
        "$IMPL" "$LAYOUT" "$CUR_N" "$1" "$2" >>"$RES"
    blog "$IMPL $LAYOUT N=$CUR_N $1: FAIL ($2)"
}

# phase_end STATUS SECS_US NOTE
phase_end() {
    local status=$1 secs_us=$2 note=${3:-}
    local t1_s=$EPOCHREALTIME k f cpu=0 c peak peaks="" rss rsss="" rmax=0 forks
    forks=$(perf_stop "$RDIR/$PHASE.perf")
    f=$RDIR/$PHASE.log.txt
    : >"$f"
    for k in $(seq 0 $((NODES - 1))); do
        tail -n +$((LOGOFF[$k] + 1)) "$(impl_log "$k")" 2>/dev/null | sed "s/^/node$k: /" >>"$f"
        c=$(cg_cpu_ns "node$k")
        cpu=$((cpu + c - CPU0[$k]))
        peak=$(cg_peak "$k")
        peaks="$peaks${peaks:+/}$peak"
        rss=$(vm_hwm "$(impl_pid "$k")")
        [ "$rss" = na ] && [ -n "${RSS_PRE:-}" ] && [ "$k" = 1 ] && rss=$RSS_PRE
        rsss="$rsss${rsss:+/}$rss"
        if [ "$rss" != na ]; then
            [ "$rss" -gt "$rmax" ] && rmax=$rss
            [ "$rss" -gt "${RSSMAX[$k]:-0}" ] && RSSMAX[$k]=$rss
        fi
    done
    RSS_PRE=""
    local tmo bans trfail tfail read ad
    tmo=$(grep -Eic "timed out" "$f")
    bans=$(grep -Eic "Banning node|Banning this node|banning ourself|node .* banned|is banned" "$f")
    trfail=$(grep -Eic "takeover run failed|Takeover run unsuccessful|ipreallocate.*fail" "$f")
    tfail=$(grep -Eic "Failed to takeover IP|Failed to release IP|releaseip event failed|takeip event failed|event .*fail" "$f")
    grep -Ei "timed out|timeout|ban|fail|error|unsuccessful" "$f" | grep -v "Resetting ban count" >"$RDIR/$PHASE.errors.txt"
    ad=$(mon_count "$PT0_S" "$t1_s")
    [ $status = ok ] || note="$note $ST"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$IMPL" "$LAYOUT" "$CUR_N" "$PHASE" "$status" "$(fmt_s "$secs_us")" \
        "$(fmt_s $((cpu / 1000)))" "$forks" "$peaks" "$tmo" "$bans" "$trfail" "$tfail" \
        "${ad% *}" "${ad#* }" "$rmax" "$rsss" "${CLI_RC:--}" "$note" >>"$RES"
    blog "$IMPL $LAYOUT N=$CUR_N $PHASE: $status $(fmt_s "$secs_us")s cpu=$(fmt_s $((cpu / 1000)))s forks=$forks peak=$peaks timeouts=$tmo bans=$bans trfail=$trfail evfail=$tfail kernel+/-=$ad rss=${rsss}kB cli=${CLI_RC:--} $note"
}

# background CLI with timing; its output decides "unsupported"
CLI_PID=""
CLI_RC=""
cli_bg() { # k args...
    local k=$1; shift
    (
        s=${EPOCHREALTIME/./}
        impl_cli "$k" "$@" >"$RDIR/$PHASE.cli.txt" 2>&1
        rc=$?
        e=${EPOCHREALTIME/./}
        echo "$rc $((e - s))" >"$RDIR/$PHASE.cli.rc"
    ) &
    CLI_PID=$!
}
UNSUP_RE='Unknown command|unknown control|not implemented|unsupported|Unsupported|Invalid control|control .* failed, ret=-1'
cli_unsupported() {
    [ -s "$RDIR/$PHASE.cli.rc" ] || return 1
    local rc; read -r rc _ <"$RDIR/$PHASE.cli.rc"
    [ "$rc" != 0 ] && grep -Eq "$UNSUP_RE" "$RDIR/$PHASE.cli.txt"
}
cli_reason() { grep -Em1 "$UNSUP_RE" "$RDIR/$PHASE.cli.txt" | tr '\t' ' ' | cut -c1-60; }
cli_result() {
    local i
    for ((i = 0; i < PT * 10 + 50; i++)); do
        [ -s "$RDIR/$PHASE.cli.rc" ] && break
        sleep 0.1
    done
    if [ -s "$RDIR/$PHASE.cli.rc" ]; then
        read -r CLI_RC _ <"$RDIR/$PHASE.cli.rc"
    else
        CLI_RC=hung
    fi
    [ -n "$CLI_PID" ] && wait "$CLI_PID" 2>/dev/null
    CLI_PID=""
}

# all nodes OK in node 0's view (ctdb -X status: flags fields 4..11)
cluster_ok() {
    impl_cli 0 -X status 2>/dev/null | awk -F'|' -v nodes="$NODES" '
        $2 ~ /^[0-9]+$/ { n++; for (i = 4; i <= 11; i++) if ($i != "0") bad++ }
        END { exit !(n == nodes && bad == 0) }'
}
# "stable": all nodes OK and IPs balanced, twice 2 s apart (bounded)
wait_stable() {
    local t0 lim
    t0=$(now_us)
    lim=$(left_us)
    while :; do
        if cluster_ok && kstate balanced -1 -1; then
            sleep 2
            cluster_ok && kstate balanced -1 -1 && return 0
        fi
        [ $(($(now_us) - t0)) -gt "$lim" ] && return 1
        sleep 0.5
    done
}
# ctdb ip all (node 0's view) agrees that every expected IP is assigned
cli_ip_view() {
    impl_cli 0 -X ip all 2>/dev/null | awk -F'|' -v want="$(wc -l <"$EXPECTED")" '
        NR > 1 && $2 ~ /^198\.1[89]\./ { n++; if ($3 == "-1" || $3 == "") un++ }
        END { if (n == want && un == 0) print "agrees"; else printf "n=%d/unassigned=%d\n", n, un }'
}

st_of() { case $1 in 0) echo ok ;; 1) echo TIMEOUT ;; 2) echo "n/a ($(cli_reason))" ;; esac; }

# ---------------------------------------------------------------- faults
# fault_phase partition|crash: see the header. The fault lasts FAULT_S
# seconds from its start (or until the majority took over, if later), so
# that a cut-off node that keeps its addresses shows up as overlap.
fault_phase() {
    local kind=$1 v l maj="" k rc secs t_heal hs rep
    l=$(impl_cli 0 leader 2>/dev/null)
    if [ "$kind" = crash ]; then v=1; else v=2; fi
    [ "$l" = "$v" ] && v=$((3 - v))   # a non-leader (1 <-> 2)
    for k in $(seq 0 $((NODES - 1))); do [ "$k" = "$v" ] || maj="$maj $k"; done
    phase_begin "$kind"
    rm -f "$CLUSTER_WORK/samples"
    fence_sampler_start 0.1
    fence_mark fault
    node_partition "$v" >>"$DRVLOG" 2>&1
    if [ "$kind" = crash ]; then
        RSS_PRE=$(vm_hwm "$(impl_pid "$v")")
        impl_kill "$v"
    fi
    wait_kernel "$PT0" hosted "$v" -1; rc=$?
    secs=$WAIT_US
    while [ $(($(now_us) - PT0)) -lt $((FAULT_S * 1000000)) ]; do sleep 0.2; done
    fence_mark heal
    t_heal=$(now_us)
    node_heal "$v" >>"$DRVLOG" 2>&1
    if [ "$kind" = crash ]; then
        cg_kill_node "$v"
        impl_start "$v"
    fi
    if wait_kernel "$t_heal" balanced -1 -1; then hs=$(fmt_s "$WAIT_US"); else hs=TIMEOUT; fi
    # a last second of samples: ten at the 0.1 s period, after the heal
    fence_mark healed
    wait_until 10 fence_samples_since healed 10 || echo "sampler: fewer than 10 samples after the heal" >>"$DRVLOG"
    fence_sampler_stop
    cp "$CLUSTER_WORK/samples" "$RDIR/$kind.samples" 2>/dev/null
    cp "$CLUSTER_WORK/marks" "$RDIR/$kind.marks" 2>/dev/null
    rep=$(python3 "$CLUSTER_TOP/tests/integration/lib/addr_sampler.py" report \
        "$CLUSTER_WORK/samples" --marks "$CLUSTER_WORK/marks" --expected "$EXPECTED" \
        --since fault --majority "${maj# }" --minority "$v" --heal heal 2>&1)
    echo "$rep" >"$RDIR/$kind.report"
    rv() { echo "$rep" | awk -F= -v k="$1" '$1 == k {print $2}'; }
    phase_end "$(st_of $rc)" "$secs" "victim=$v fault_s=$FAULT_S overlap_wall_s=$(rv overlap_wall_s) overlap_ip_s=$(rv overlap_s) overlap_ips=$(rv overlap_ips) minority_empty_at=$(rv minority_empty_at) heal_s=$hs sampler_max_gap_s=$(rv max_gap_s)"
}

# ---------------------------------------------------------------- one run
run_one() { # impl layout n
    IMPL=$1 LAYOUT=$2 CUR_N=$3
    local n=$3 k i rc st secs bal extra s1 pidk
    local ifaces=eth0
    [ "$LAYOUT" = multi ] && ifaces="eth0 eth1 eth2 eth3"
    BAL_TOL=1
    [ "$LAYOUT" = multi ] && BAL_TOL=4
    RDIR=$OUT/$IMPL-$LAYOUT-N$n
    mkdir -p "$RDIR"
    EXPECTED=$RDIR/expected.txt

    cluster_create $NODES "$ifaces" >>"$DRVLOG" 2>&1
    set_traps
    for k in $(seq 0 $((NODES - 1))); do
        impl_configure "$k"
        cg_node_create "$k"
    done
    impl_write_pubs 0 "$n"
    pub_list 0 "$n" | cut -d/ -f1 >"$EXPECTED"
    mon_start "$RDIR"
    local ok_bringup=0 ok_disable=0 did_kill=0 ok_reload=0

    # ---- bring-up
    if phase_selected bringup; then
        phase_begin bringup
        for k in $(seq 0 $((NODES - 1))); do impl_start "$k" & done
        wait_bg
        wait_kernel "$PT0" hosted -1 -1; rc=$?
        secs=$WAIT_US
        bal=-
        if [ $rc = 0 ]; then
            ok_bringup=1
            if wait_kernel "$PT0" balanced -1 -1; then bal=$(fmt_s "$WAIT_US"); else bal=TIMEOUT; fi
        fi
        local alive=0
        for k in $(seq 0 $((NODES - 1))); do kill -0 "$(impl_pid "$k")" 2>/dev/null && alive=$((alive + 1)); done
        phase_end "$(st_of $rc)" "$secs" "balanced_at=${bal}s daemons_alive=$alive ctdb_ip=$(cli_ip_view)"
    else
        phase_na bringup "not selected"
    fi
    impl_cli 0 listvars >"$RDIR/tunables.txt" 2>&1

    # ---- disable node 1
    if ! phase_selected disable; then phase_na disable "not selected"
    elif [ $ok_bringup = 0 ]; then phase_na disable "bring-up failed"
    elif ! wait_stable; then phase_fail disable "cluster not stable before the phase: $ST"
    else
        s1=$(node_pub_count 1)
        phase_begin disable
        cli_bg 1 disable
        wait_kernel "$PT0" hosted -1 1; rc=$?
        secs=$WAIT_US
        cli_result
        [ $rc = 0 ] && ok_disable=1
        phase_end "$(st_of $rc)" "$secs" "moved=$s1"
    fi

    # ---- enable node 1
    if ! phase_selected enable; then phase_na enable "not selected"
    elif [ $ok_disable = 0 ]; then phase_na enable "disable not done"
    else
        phase_begin enable
        cli_bg 1 enable
        wait_kernel "$PT0" balanced -1 -1; rc=$?
        secs=$WAIT_US
        cli_result
        phase_end "$(st_of $rc)" "$secs" "node1_now=$(node_pub_count 1)"
    fi

    # ---- SIGKILL node 1's daemon
    if ! phase_selected kill; then phase_na kill "not selected"
    elif [ $ok_bringup = 0 ]; then phase_na kill "bring-up failed"
    elif ! wait_stable; then phase_fail kill "cluster not stable before the phase: $ST"
    else
        s1=$(node_pub_count 1)
        RSS_PRE=$(vm_hwm "$(impl_pid 1)")
        phase_begin kill
        impl_kill 1
        did_kill=1
        wait_kernel "$PT0" hosted 1 -1; rc=$?
        secs=$WAIT_US
        cg_kill_node 1 # children of the dead daemon (event scripts, helpers)
        phase_end "$(st_of $rc)" "$secs" "moved=$s1 stale_on_node1=$(node_pub_count 1)"
    fi

    # ---- restart node 1
    if ! phase_selected restart; then phase_na restart "not selected"
    elif [ $did_kill = 0 ]; then phase_na restart "kill not done"
    else
        phase_begin restart
        impl_start 1
        wait_kernel "$PT0" balanced -1 -1; rc=$?
        secs=$WAIT_US
        phase_end "$(st_of $rc)" "$secs" "node1_now=$(node_pub_count 1)"
    fi

    # ---- reloadips with N/4 more
    extra=$((n / 4))
    if ! phase_selected reloadips; then phase_na reloadips "not selected"
    elif [ $ok_bringup = 0 ]; then phase_na reloadips "bring-up failed"
    elif ! wait_stable; then phase_fail reloadips "cluster not stable before the phase: $ST"
    else
        impl_write_pubs 0 $((n + extra))
        pub_list 0 $((n + extra)) | cut -d/ -f1 >"$EXPECTED"
        phase_begin reloadips
        cli_bg 0 reloadips all
        wait_kernel "$PT0" hosted -1 -1; rc=$?
        secs=$WAIT_US
        bal=-
        if [ $rc = 0 ]; then
            ok_reload=1
            if wait_kernel "$PT0" balanced -1 -1; then bal=$(fmt_s "$WAIT_US"); else bal=TIMEOUT; fi
        fi
        cli_result
        phase_end "$(st_of $rc)" "$secs" "added=$extra balanced_at=${bal}s"
    fi

    # ---- delip of those N/4 on every node, then ipreallocate
    if ! phase_selected delip; then phase_na delip "not selected"
    elif [ $ok_reload = 0 ]; then phase_na delip "reloadips not done"
    else
        wait_stable >/dev/null
        pub_list 0 "$n" | cut -d/ -f1 >"$EXPECTED"
        phase_begin delip
        local gone_ips; gone_ips=$(pub_list "$n" "$extra" | cut -d/ -f1)
        # first call decides "unsupported"; then one loop per node
        local first=${gone_ips%%$'\n'*}
        impl_cli 0 delip "$first" >"$RDIR/$PHASE.cli.txt" 2>&1
        echo "$? 0" >"$RDIR/$PHASE.cli.rc"
        if cli_unsupported; then
            CLI_RC=$(cut -d' ' -f1 "$RDIR/$PHASE.cli.rc")
            phase_end "n/a ($(cli_reason))" $(($(now_us) - PT0)) ""
        else
            for k in $(seq 0 $((NODES - 1))); do
                (
                    fails=0
                    for ip in $gone_ips; do
                        [ "$k" = 0 ] && [ "$ip" = "$first" ] && continue
                        impl_cli "$k" delip "$ip" >>"$RDIR/delip.node$k.txt" 2>&1 || fails=$((fails + 1))
                    done
                    echo "$fails" >"$RDIR/delip.node$k.fails"
                ) &
            done
            wait_bg
            rm -f "$RDIR/$PHASE.cli.rc"
            cli_bg 0 ipreallocate
            wait_kernel "$PT0" hosted -1 -1; rc=$?
            secs=$WAIT_US
            cli_result
            impl_write_pubs 0 "$n"
            phase_end "$(st_of $rc)" "$secs" "removed=$extra delip_fails=$(cat "$RDIR"/delip.node*.fails 2>/dev/null | paste -sd/)"
        fi
    fi

    # ---- partition of a non-leader, then crash (SIGKILL + port cut)
    local f
    for f in partition crash; do
        if ! phase_selected $f; then phase_na $f "not selected"
        elif [ $ok_bringup = 0 ]; then phase_na $f "bring-up failed"
        elif ! wait_stable; then phase_fail $f "cluster not stable before the phase: $ST"
        else fault_phase $f
        fi
    done

    run_teardown
    CLUSTER_PREFIX=""
}

# ---------------------------------------------------------------- report
write_reports() {
    local cols
    cols=$(head -1 "$RES")
    # JSON: one object per line of results.tsv
    awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; n = NF; print "["; next }
        { printf "%s  {", (NR > 2 ? ",\n" : "")
          for (i = 1; i <= n; i++) { v = $i; gsub(/\\/, "\\\\", v); gsub(/"/, "\\\"", v)
              printf "%s\"%s\": \"%s\"", (i > 1 ? ", " : ""), h[i], v }
          printf "}" }
        END { print "\n]" }' "$RES" >"$OUT/results.json"
    : "$cols"
    # one table per phase: rows layout+N, columns per implementation, ratio
    awk -F'\t' '
    NR == 1 { next }
    { key = $2 SUBSEP $3; ph = $4; im = $1
      if (!(ph in seenp)) { seenp[ph] = 1; phases[++np] = ph }
      if (!((ph, key) in seenk)) { seenk[ph, key] = 1; keys[ph, ++nk[ph]] = key }
      st[ph, key, im] = $5; sec[ph, key, im] = $6; cpu[ph, key, im] = $7
      frk[ph, key, im] = $8; tmo[ph, key, im] = $10; ban[ph, key, im] = $11; rss[ph, key, im] = $16 }
    function cell(ph, key, im) {
        if (!((ph, key, im) in st)) return sprintf("%-44s", "-")
        if (st[ph, key, im] != "ok" && st[ph, key, im] != "TIMEOUT")
            return sprintf("%-44s", substr(st[ph, key, im], 1, 44))
        return sprintf("%-8s %8s %7s %6s %4s %4s %s", (st[ph, key, im] == "ok" ? sec[ph, key, im] : "T/O>" sec[ph, key, im]),
            cpu[ph, key, im], frk[ph, key, im], rss[ph, key, im], tmo[ph, key, im], ban[ph, key, im], "")
    }
    function ratio(a, b) { return (a + 0 > 0 && b + 0 > 0) ? sprintf("%.1f", a / b) : "-" }
    END {
        for (p = 1; p <= np; p++) {
            ph = phases[p]
            printf "\n== phase %s  (secs = kernel-verified seconds, cpu = cluster CPU s, forks = tasks forked,\n   rss = max ctdbd VmHWM kB, tmo = timeout log lines, ban = ban log lines)\n", ph
            printf "%-7s %5s | %-44s | %-44s | %s\n", "layout", "N", "CTDB 4.17: secs cpu forks rss tmo ban", "ours: secs cpu forks rss tmo ban", "CTDB/ours secs cpu"
            for (i = 1; i <= nk[ph]; i++) {
                key = keys[ph, i]; split(key, kk, SUBSEP)
                rs = (st[ph, key, "ctdb"] == "ok" && st[ph, key, "ours"] == "ok") ? ratio(sec[ph, key, "ctdb"], sec[ph, key, "ours"]) : "-"
                rc = (st[ph, key, "ctdb"] == "ok" && st[ph, key, "ours"] == "ok") ? ratio(cpu[ph, key, "ctdb"], cpu[ph, key, "ours"]) : "-"
                printf "%-7s %5s | %s | %s | %s %s\n", kk[1], kk[2], cell(ph, key, "ctdb"), cell(ph, key, "ours"), rs, rc
            }
        }
    }' "$RES" >"$OUT/summary.txt"
    # partition/crash: the sampler's figures, from the notes
    awk -F'\t' '
    NR == 1 || ($4 != "partition" && $4 != "crash") { next }
    { n = split($19, kv, " "); delete v
      for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
      if (!hdr++) {
          printf "\n== faults  (majority = seconds until the others host every IP once; overlap = seconds\n"
          printf "   during which some IP was on two nodes / summed over IPs, 0.1 s sampler of every kernel;\n"
          printf "   empty = seconds until the cut-off node held none (-1: never); heal = seconds to balanced)\n"
          printf "%-9s %-5s %5s %-8s %-10s %-9s %-14s %-7s %-8s %s\n", "phase", "impl", "N", "layout", "majority", "fault_s", "overlap wall/ip", "empty", "heal", "status"
      }
      printf "%-9s %-5s %5s %-8s %-10s %-9s %-14s %-7s %-8s %s\n", $4, $1, $3, $2, ($5 == "ok" ? $6 : "-"), v["fault_s"],
          v["overlap_wall_s"] "/" v["overlap_ip_s"], v["minority_empty_at"], v["heal_s"], $5 }' "$RES" >>"$OUT/summary.txt"
    {
        echo "# RSS: peak VmHWM (kB) of each ctdbd over the whole run, per implementation/layout/N: see results.tsv column rss_max_kb"
        echo "# machine: $(nproc) CPUs, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
        echo "# ctdb package $(dpkg-query -W -f='${Version}' ctdb 2>/dev/null), ours: $REAL_BIN/ctdbd built $(date -u -r "$REAL_BIN/ctdbd" +%Y-%m-%dT%H:%MZ 2>/dev/null), tree at $(git -C "$CLUSTER_TOP" rev-parse --short HEAD 2>/dev/null)$(git -C "$CLUSTER_TOP" diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted src changes')"
        echo "# command: $CMDLINE"
    } >>"$OUT/summary.txt"
    cat "$OUT/summary.txt"
}

# ---------------------------------------------------------------- main
CMDLINE="bench/run.sh $*"
[ -n "${BENCH_ARGS:-}" ] && CMDLINE="bench/run.sh $BENCH_ARGS"
main() {
    if [[ " $IMPLS " == *" ctdb "* ]] && ! [ -x /usr/sbin/ctdbd -a -x /usr/bin/ctdb ]; then
        echo "run.sh: Debian's ctdb (4.17) is not installed: apt-get install ctdb, or use -i ours" >&2
        exit 2
    fi
    if [[ " $IMPLS " == *" ours "* ]] && ! [ -x "$REAL_BIN/ctdbd" ]; then
        echo "run.sh: $REAL_BIN/ctdbd not built (cmake --build build), or use -i ctdb" >&2
        exit 2
    fi
    [ -d /run/ctdb ] || mkdir -p /run/ctdb
    set_traps
    cg_setup "ctdbbench$$"
    write_check_awk
    make_wrapbin
    printf 'impl\tlayout\tN\tphase\tstatus\tsecs\tcpu_cluster_s\tforks\tpeak_tasks\ttimeouts\tbans\ttakeover_fails\tevent_fails\tkernel_adds\tkernel_dels\trss_max_kb\trss_kb_per_node\tcli_rc\tnote\n' >"$RES"
    blog "output in $OUT; sizes '$SIZES', impls '$IMPLS', layouts '$LAYOUTS', wait bound ${PT}s, poll ${POLL}s"
    local n layout impl
    for layout in $LAYOUTS; do
        for n in $SIZES; do
            for impl in $IMPLS; do
                if [ "$(now_us)" -gt "$DEADLINE_US" ]; then
                    IMPL=$impl LAYOUT=$layout CUR_N=$n
                    phase_na all "total budget exhausted"
                    continue
                fi
                run_one "$impl" "$layout" "$n"
            done
        done
    done
    write_reports
}
main
