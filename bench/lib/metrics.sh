# shellcheck shell=bash
# bench/lib/metrics.sh -- accounting for bench/run.sh: cgroup CPU and task
# accounting per node, fork counting with perf, kernel address checks and
# ip-monitor analysis. Sourced by bench/run.sh; uses its globals OUT, RDIR,
# PHASE, NODES, POLL, PT, DEADLINE_US.
#
# Per node k of the cluster being measured:
#   cgroup v1 cpuacct  $CG_CPU/node$k           CPU time (cpuacct.usage)
#   cgroup v1 pids     $CG_PIDS/p<seq>/node$k    peak tasks per phase (pids.peak)
#   cgroup v2          $CG_V2/node$k            perf -G: sched_process_fork count
# (on a pure cgroup-v2 machine the v2 group gives CPU and pids.peak too).
# The driver (this script, its pollers and CLI calls) is in .../driver.

CG_MODE=none
CG_CPU="" CG_PIDS="" CG_V2="" CG_V2REL=""
PHASE_SEQ=0
PERF_PID=""
HAVE_PERF=0

cg_setup() { # name
    local name=$1 v2root=""
    if [ -d /sys/fs/cgroup/cpuacct ] && [ -f /sys/fs/cgroup/pids/cgroup.procs ]; then
        CG_CPU=/sys/fs/cgroup/cpuacct/$name
        CG_PIDS=/sys/fs/cgroup/pids/$name
        mkdir -p "$CG_CPU/driver" "$CG_PIDS" 2>/dev/null && CG_MODE=v1
        [ -f /sys/fs/cgroup/unified/cgroup.procs ] && v2root=/sys/fs/cgroup/unified
    elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        v2root=/sys/fs/cgroup
        echo "+pids +cpu" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
        CG_MODE=v2
    fi
    if [ -n "$v2root" ]; then
        CG_V2=$v2root/$name
        CG_V2REL=$name
        mkdir -p "$CG_V2/driver" 2>/dev/null || { CG_V2=""; [ $CG_MODE = v2 ] && CG_MODE=none; }
    fi
    case "$CG_MODE" in
    v1) echo $$ >"$CG_CPU/driver/cgroup.procs" ;;
    esac
    [ -n "$CG_V2" ] && echo $$ >"$CG_V2/driver/cgroup.procs" 2>/dev/null
    if command -v perf >/dev/null && [ -n "$CG_V2" ] &&
       perf stat -a -x, -e sched:sched_process_fork -G "$CG_V2REL/driver" -o /dev/null true 2>/dev/null; then
        HAVE_PERF=1
    fi
    blog "accounting: cgroup $CG_MODE, v2 group ${CG_V2:-none}, perf fork counting $HAVE_PERF"
}

cg_cpu_ns() { # group -> ns of CPU used so far
    case "$CG_MODE" in
    v1) cat "$CG_CPU/$1/cpuacct.usage" 2>/dev/null || echo 0 ;;
    v2) awk '$1=="usage_usec"{print $2*1000}' "$CG_V2/$1/cpu.stat" 2>/dev/null || echo 0 ;;
    *) echo 0 ;;
    esac
}
cg_pids_dir() {
    case "$CG_MODE" in
    v1) echo "$CG_PIDS/p$PHASE_SEQ/node$1" ;;
    v2) echo "$CG_V2/node$1" ;;
    esac
}
cg_node_procs() {
    case "$CG_MODE" in
    v1) cat "$CG_CPU/node$1/cgroup.procs" 2>/dev/null ;;
    v2) cat "$CG_V2/node$1/cgroup.procs" 2>/dev/null ;;
    *)
        # No cgroups (a root without /sys/fs/cgroup, as fresh-debian.sh's):
        # the processes in the node's network namespace, except the
        # driver's own address monitors and sampler. Without this a killed
        # stock ctdbd's children (ctdb-eventd, its scripts) outlive it and
        # the restarted daemon does not release its stale addresses.
        local p
        for p in $(ip netns pids "$(ns_name "$1")" 2>/dev/null); do
            case " $MON_PIDS ${FENCE_SAMPLER_PID:-} $$ " in *" $p "*) continue ;; esac
            echo "$p"
        done
        ;;
    esac
}
cg_node_create() {
    case "$CG_MODE" in
    v1) mkdir -p "$CG_CPU/node$1" "$(cg_pids_dir "$1")" ;;
    esac
    [ -n "$CG_V2" ] && mkdir -p "$CG_V2/node$1"
}
# files a process must write its pid to, to join node k's groups
cg_join_files() {
    case "$CG_MODE" in
    v1) echo "$CG_CPU/node$1/cgroup.procs $(cg_pids_dir "$1")/cgroup.procs" ;;
    esac
    [ -n "$CG_V2" ] && echo "$CG_V2/node$1/cgroup.procs"
}
cg_join() { # k pid
    local f
    for f in $(cg_join_files "$1"); do echo "$2" >"$f" 2>/dev/null; done
}
# v1: a new pids group per phase, so that pids.peak restarts
cg_new_phase() {
    [ "$CG_MODE" = v1 ] || return 0
    local old=$PHASE_SEQ k p
    PHASE_SEQ=$((PHASE_SEQ + 1))
    for k in $(seq 0 $((NODES - 1))); do
        mkdir -p "$CG_PIDS/p$PHASE_SEQ/node$k"
        for _ in 1 2; do
            for p in $(cat "$CG_PIDS/p$old/node$k/cgroup.procs" 2>/dev/null); do
                echo "$p" >"$CG_PIDS/p$PHASE_SEQ/node$k/cgroup.procs" 2>/dev/null
            done
        done
    done
}
cg_peak() {
    cat "$(cg_pids_dir "$1")/pids.peak" 2>/dev/null || echo na
}
# kill (SIGKILL, by pid) every process left in node k's groups: all of them
# were started by this script
cg_kill_node() {
    local p
    for _ in 1 2 3; do
        for p in $(cg_node_procs "$1"); do kill -9 "$p" 2>/dev/null; done
        [ -z "$(cg_node_procs "$1")" ] && return 0
        sleep 0.2
    done
}
# remove the node groups (after a cluster is gone); keeps driver groups
cg_remove_nodes() {
    local d
    for d in "$CG_CPU" "$CG_PIDS" "$CG_V2"; do
        [ -n "$d" ] && [ -d "$d" ] || continue
        find "$d" -depth -mindepth 1 -type d ! -name driver -exec rmdir {} \; 2>/dev/null
    done
}
cg_remove_all() {
    [ "$CG_MODE" = v1 ] && echo $$ >/sys/fs/cgroup/cpuacct/cgroup.procs 2>/dev/null
    [ "$CG_MODE" = v1 ] && echo $$ >/sys/fs/cgroup/pids/cgroup.procs 2>/dev/null
    [ -n "$CG_V2" ] && echo $$ >"${CG_V2%/*}/cgroup.procs" 2>/dev/null
    local d
    for d in "$CG_CPU" "$CG_PIDS" "$CG_V2"; do
        [ -n "$d" ] && [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
}

# perf: count sched_process_fork (fork, vfork, clone incl. threads) per node
perf_start() { # file
    PERF_PID=""
    [ $HAVE_PERF = 1 ] || return 0
    local args=() k
    for k in $(seq 0 $((NODES - 1))); do
        args+=(-e sched:sched_process_fork -G "$CG_V2REL/node$k")
    done
    perf stat -a -x, "${args[@]}" -o "$1" >/dev/null 2>&1 &
    PERF_PID=$!
}
perf_stop() { # file -> prints total forks (or na)
    if [ -z "$PERF_PID" ]; then echo na; return; fi
    kill -INT "$PERF_PID" 2>/dev/null
    local i
    for i in $(seq 1 50); do kill -0 "$PERF_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PERF_PID" 2>/dev/null
    wait "$PERF_PID" 2>/dev/null
    PERF_PID=""
    awk -F, '$3 ~ /sched_process_fork/ { n++
                if ($1 ~ /^[0-9]+$/) s += $1
                else if ($1 !~ /not counted/) bad = 1 }   # not counted: group never ran
             END { if (n == 0 || bad) print "na"; else print s }' "$1" 2>/dev/null || echo na
}

# ---------------------------------------------------------------- kernel
# check.awk: input 1 = expected public IPs, input 2 = "@k" markers each
# followed by "ip -o -4 addr" of node k. Public IPs are all 198.18.0.0/15
# addresses except the node addresses 198.18.0.0/24.
write_check_awk() {
    CHECK_AWK=$OUT/check.awk
    cat >"$CHECK_AWK" <<'EOF'
FNR == NR { want[$1] = 1; next }
/^@/ { node = substr($1, 2) + 0; next }
{
	for (i = 1; i < NF; i++) if ($i == "inet") break
	split($(i + 1), a, "/"); ip = a[1]
	if (ip !~ /^198\.1[89]\./ || ip ~ /^198\.18\.0\./) next
	if (node == excl) { stale++; next }
	cnt[ip]++; per[node]++
}
END {
	miss = 0; dup = 0; extra = 0
	for (ip in want) { if (!(ip in cnt)) miss++; else if (cnt[ip] > 1) dup++ }
	for (ip in cnt) if (!(ip in want)) extra++
	ok = (miss == 0 && dup == 0 && extra == 0)
	if (absent >= 0 && per[absent] + 0 > 0) ok = 0
	if (mode == "balanced") {
		mn = 1e9; mx = -1
		for (k = 0; k < nodes; k++) {
			if (k == excl) continue
			c = per[k] + 0; if (c < mn) mn = c; if (c > mx) mx = c
		}
		if (mx - mn > tol) ok = 0
	}
	printf "ok=%d miss=%d dup=%d extra=%d c0=%d c1=%d c2=%d stale=%d\n",
	       ok, miss, dup, extra, per[0], per[1], per[2], stale + 0
}
EOF
}

# kstate MODE EXCL ABSENT -> ST; 0 when the condition holds. One
# "ip -o addr" dump per namespace per call.
kstate() {
    ST=$({
        for k in $(seq 0 $((NODES - 1))); do
            echo "@$k"
            ip -n "$(ns_name "$k")" -4 -o addr show 2>/dev/null
        done
    } | awk -v mode="$1" -v excl="$2" -v absent="$3" -v nodes="$NODES" -v tol="$BAL_TOL" \
        -f "$CHECK_AWK" "$EXPECTED" -)
    [[ $ST == ok=1* ]]
}
node_pub_count() {
    ip -n "$(ns_name "$1")" -4 -o addr show 2>/dev/null |
        awk '{for (i = 1; i < NF; i++) if ($i == "inet") break; split($(i+1), a, "/")
              if (a[1] ~ /^198\.1[89]\./ && a[1] !~ /^198\.18\.0\./) n++} END {print n + 0}'
}

now_us() { echo "${EPOCHREALTIME/./}"; }
fmt_s() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }'; }
left_us() {
    local n=${EPOCHREALTIME/./} l
    l=$((DEADLINE_US - n))
    [ $l -gt $((PT * 1000000)) ] && l=$((PT * 1000000))
    [ $l -lt 5000000 ] && l=5000000
    echo $l
}

# wait_kernel T0_US MODE EXCL ABSENT -> WAIT_US; returns 0 ok, 1 timeout,
# 2 when the phase's background CLI failed with an "unknown/unsupported
# command" answer (the implementation cannot do it yet).
WAIT_US=0
wait_kernel() {
    local t0=$1 mode=$2 excl=$3 absent=$4 lim n
    lim=$(left_us)
    while :; do
        if kstate "$mode" "$excl" "$absent"; then
            WAIT_US=$(($(now_us) - t0))
            return 0
        fi
        n=$(now_us)
        if cli_unsupported; then WAIT_US=$((n - t0)); return 2; fi
        if [ $((n - t0)) -gt "$lim" ]; then
            WAIT_US=$((n - t0))
            return 1
        fi
        sleep "$POLL"
    done
}

# ---------------------------------------------------------------- ip monitor
MON_PIDS=""
mon_start() { # dir
    local k
    MON_PIDS=""
    for k in $(seq 0 $((NODES - 1))); do
        ip -n "$(ns_name "$k")" -ts -o monitor address >"$1/addrmon.node$k.log" 2>&1 &
        MON_PIDS="$MON_PIDS $!"
    done
}
mon_stop() {
    local p
    for p in $MON_PIDS; do kill "$p" 2>/dev/null; done
    for p in $MON_PIDS; do wait "$p" 2>/dev/null; done
    MON_PIDS=""
}
# kernel address adds/deletes of public IPs in [t0, t1] (epoch seconds)
mon_count() { # t0 t1 -> "adds dels"
    awk -v t0="$1" -v t1="$2" '
    function ts2s(ts,   y, m, d, H, M, S, era, yoe, doy, doe) {
        y = substr(ts, 1, 4) + 0; m = substr(ts, 6, 2) + 0; d = substr(ts, 9, 2) + 0
        H = substr(ts, 12, 2) + 0; M = substr(ts, 15, 2) + 0; S = substr(ts, 18) + 0
        if (m <= 2) y--
        era = int(y / 400); yoe = y - era * 400
        doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
        doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
        return (era * 146097 + doe - 719468) * 86400 + H * 3600 + M * 60 + S
    }
    {
        for (i = 2; i < NF; i++) if ($i == "inet") break
        if (i >= NF) next
        split($(i + 1), a, "/")
        if (a[1] !~ /^198\.1[89]\./ || a[1] ~ /^198\.18\.0\./) next
        # a secondary promoted to primary is reported as a new address:
        # count an add only when the address was not there (per node)
        k = FILENAME SUBSEP a[1]
        if ($2 == "Deleted") { ev = "del"; delete have[k] }
        else { if (k in have) next; ev = "add"; have[k] = 1 }
        t = ts2s(substr($1, 2, length($1) - 2))
        if (t < t0 || t > t1) next
        if (ev == "add") adds++; else dels++
    }
    END { print adds + 0, dels + 0 }' "$RDIR"/addrmon.node*.log 2>/dev/null
}

# peak RSS (VmHWM, kB) of a process, or na
vm_hwm() {
    [ -n "$1" ] || { echo na; return; }
    awk '$1 == "VmHWM:" { print $2; f = 1 } END { if (!f) print "na" }' "/proc/$1/status" 2>/dev/null || echo na
}
