# shellcheck shell=bash
# Fault injection and kernel sampling for the fencing tests (issue 10);
# sourced by lib/cluster.sh, so every cluster test (and bench/run.sh) has it.
#
# Network partitions, on the bridge in the switch namespace (the node's
# link stays up, its packets just stop arriving, as when a switch port or
# a cable further on fails):
#   node_partition K         node K's bridge ports out of the bridge
#   node_heal K              node K's ports back on br0
#   cluster_split "A.." "B.."  2-way split: the B nodes' ports go to a second
#                            bridge br1 (they still see each other); the A
#                            nodes and etcd stay on br0
#   cluster_heal_all         every node's ports (and etcd's) back on br0
# Signals to a node's ctdbd (node_kill, SIGKILL, is in cluster.sh):
#   node_sigstop K / node_sigcont K
# A real cluster lock: etcd 3.4 (Debian's etcd-server) with the v2 API, in
# a namespace of its own on br0 at 198.18.0.200, for Debian's unchanged
# /usr/libexec/ctdb/ctdb_etcd_lock (needs python3-etcd and testparm):
#   etcd_start               start it, wait until the v2 API answers
#   etcd_reclock_arg         prints --reclock='!ctdb_etcd_lock -c FILE'
#   etcd_partition / etcd_heal   etcd's port out of / back on br0
#   etcd_require             exit 77 unless etcd and the helper are installed
# A 0.1 s sampler of every node's kernel (lib/addr_sampler.py): it reads
# each node's IPv4 addresses twice per sample over netlink and logs, per
# node, the public addresses present in both reads (an address moving from
# node A to B between two reads is not counted on both).
#   fence_sampler_start [PERIOD]   log in $CLUSTER_WORK/samples
#   fence_mark NAME          record "now" as the time of event NAME
#   fence_report ARGS...     figures from the log (see addr_sampler.py)
#   fence_sampler_stop
# Everything is torn down by cluster_destroy (CLUSTER_CLEANUP_HOOKS).

FENCE_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ETCD_ADDR=198.18.0.200
ETCD_PORT=2379
ETCD_HELPER=/usr/libexec/ctdb/ctdb_etcd_lock
ETCD_PID=""
FENCE_SAMPLER_PID=""

ns_etcd() { echo "${CLUSTER_PREFIX}etcd"; }

cluster_add_cleanup() {
    case " $CLUSTER_CLEANUP_HOOKS " in *" $1 "*) ;; *) CLUSTER_CLEANUP_HOOKS="$CLUSTER_CLEANUP_HOOKS $1" ;; esac
}

# ---------------------------------------------------------------- partitions
fence_port_master() { # K BRIDGE|nomaster
    local k=$1 br=$2 ifc
    for ifc in $CLUSTER_IFACES; do
        if [ "$br" = nomaster ]; then
            ip -n "$(ns_switch)" link set "s${k}${ifc}" nomaster || return 1
        else
            ip -n "$(ns_switch)" link set "s${k}${ifc}" master "$br" || return 1
        fi
    done
}
fence_br1() {
    ip -n "$(ns_switch)" link show br1 >/dev/null 2>&1 && return 0
    ip -n "$(ns_switch)" link add br1 type bridge &&
        ip -n "$(ns_switch)" link set br1 up
}
node_partition() {
    fence_port_master "$1" nomaster || cluster_fail "cannot take node $1's port out of the bridge"
    cluster_log "node $1 cut off (bridge port out, link up)"
}
node_heal() {
    fence_port_master "$1" br0 || cluster_fail "cannot put node $1's port back"
    cluster_log "node $1 back on the bridge"
}
cluster_split() { # "A nodes" "B nodes"
    local k
    fence_br1 || cluster_fail "cannot create the second bridge"
    for k in $2; do fence_port_master "$k" br1 || cluster_fail "cannot move node $k to br1"; done
    cluster_log "cluster split: {$1} on br0 | {$2} on br1"
}
cluster_heal_all() {
    local k
    for k in $(seq 0 $((CLUSTER_N - 1))); do
        fence_port_master "$k" br0 || cluster_fail "cannot put node $k's port back"
    done
    [ -n "$ETCD_PID" ] && ip -n "$(ns_switch)" link set setcd master br0
    cluster_log "every port back on br0"
}

# ---------------------------------------------------------------- signals
node_sigstop() {
    local pid; pid=$(node_pid "$1")
    [ -n "$pid" ] && kill -STOP "$pid" || cluster_fail "cannot SIGSTOP node $1"
    cluster_log "node $1's ctdbd (pid $pid) SIGSTOPped"
}
node_sigcont() {
    local pid; pid=$(node_pid "$1")
    [ -n "$pid" ] && kill -CONT "$pid" || cluster_fail "cannot SIGCONT node $1"
    cluster_log "node $1's ctdbd (pid $pid) SIGCONTed"
}

# ---------------------------------------------------------------- etcd
etcd_require() {
    local p
    # ctdb_etcd_lock starts with "#!/usr/bin/env python3": make that (and
    # our own python3 calls) Debian's interpreter, which has python3-etcd,
    # not a python3 that an earlier PATH entry (pyenv, venv) provides.
    export PATH=/usr/bin:/bin:$PATH
    for p in etcd "$ETCD_HELPER" testparm; do
        command -v "$p" >/dev/null || { echo "SKIP: $p not installed (scripts/setup.sh)"; exit 77; }
    done
    /usr/bin/python3 -c 'import etcd' 2>/dev/null || { echo "SKIP: python3-etcd not installed (scripts/setup.sh)"; exit 77; }
}

# etcd_start [LOCK_TTL [REFRESH]] -- after cluster_create
etcd_start() {
    local ttl=${1:-5} refresh=${2:-1} ns; ns=$(ns_etcd)
    local url=http://$ETCD_ADDR
    ip netns add "$ns" || cluster_fail "cannot create the etcd namespace"
    cluster_add_cleanup etcd_stop
    ip -n "$ns" link set lo up
    ip -n "$(ns_switch)" link add setcd type veth peer name eth0 netns "$ns" ||
        cluster_fail "cannot create etcd's veth"
    ip -n "$(ns_switch)" link set setcd master br0 up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" addr add "$ETCD_ADDR/24" dev eth0
    mkdir -p "$CLUSTER_WORK/etcd"
    ip netns exec "$ns" etcd --name ctdbtest --data-dir "$CLUSTER_WORK/etcd/data" \
        --enable-v2=true \
        --listen-client-urls "$url:$ETCD_PORT" --advertise-client-urls "$url:$ETCD_PORT" \
        --listen-peer-urls "$url:2380" --initial-advertise-peer-urls "$url:2380" \
        --initial-cluster "ctdbtest=$url:2380" --initial-cluster-state new \
        </dev/null >"$CLUSTER_WORK/etcd/log" 2>&1 &
    ETCD_PID=$!
    disown "$ETCD_PID" 2>/dev/null
    # ctdb_etcd_lock's config: key = value lines, nothing else (it splits
    # every line on '='). read_timeout bounds each HTTP call, so that a
    # holder cut off from etcd gives up (prints 3 and exits) instead of
    # hanging for python-etcd's 60 s default.
    printf 'host = %s\nport = %s\nlock_ttl = %s\nlock_refresh = %s\nread_timeout = 2\n' \
        "$ETCD_ADDR" "$ETCD_PORT" "$ttl" "$refresh" >"$CLUSTER_WORK/etcd/ctdb_etcd.conf"
    wait_until 30 etcd_v2_ok || { tail -5 "$CLUSTER_WORK/etcd/log" >&2; cluster_fail "etcd did not come up"; }
    cluster_log "etcd up at $ETCD_ADDR:$ETCD_PORT (v2 API; lock ttl ${ttl}s, refresh ${refresh}s)"
}
etcd_v2_ok() {
    ip netns exec "$(ns_etcd)" timeout 5 /usr/bin/python3 -c '
import etcd, sys
c = etcd.Client(host=sys.argv[1], port=int(sys.argv[2]), read_timeout=2)
c.write("/ctdbtest-ready", "1")' "$ETCD_ADDR" "$ETCD_PORT" >/dev/null 2>&1
}
etcd_conf() { echo "$CLUSTER_WORK/etcd/ctdb_etcd.conf"; }
etcd_reclock_arg() { echo "--reclock=!$ETCD_HELPER -c $(etcd_conf)"; }
etcd_partition() { ip -n "$(ns_switch)" link set setcd nomaster && cluster_log "etcd cut off"; }
etcd_heal() { ip -n "$(ns_switch)" link set setcd master br0 && cluster_log "etcd back on br0"; }
# the lock holders' keys (v2 API), for diagnostics
etcd_locks() {
    ip netns exec "$(ns_etcd)" timeout 5 /usr/bin/python3 -c '
import etcd, sys
c = etcd.Client(host=sys.argv[1], port=int(sys.argv[2]), read_timeout=2)
try:
    for r in c.read("/_locks", recursive=True).leaves:
        if r.value: print(r.key, r.value, r.ttl)
except etcd.EtcdKeyNotFound:
    pass' "$ETCD_ADDR" "$ETCD_PORT" 2>&1
}
etcd_stop() {
    [ -n "$ETCD_PID" ] || return 0
    kill -TERM "$ETCD_PID" 2>/dev/null
    local i
    for i in $(seq 1 30); do kill -0 "$ETCD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$ETCD_PID" 2>/dev/null
    ETCD_PID=""
    ip netns del "$(ns_etcd)" 2>/dev/null
}

# ---------------------------------------------------------------- sampler
# fence_sampler_start [PERIOD] -- every node's kernel, public addresses
# (anything but 127/8 and the node network 198.18.0.0/24)
fence_sampler_start() {
    local period=${1:-0.1} k nss=()
    for k in $(seq 0 $((CLUSTER_N - 1))); do nss+=("$(ns_name "$k")"); done
    : >"$CLUSTER_WORK/marks"
    python3 "$FENCE_LIB_DIR/addr_sampler.py" record "$CLUSTER_WORK/samples" "$period" "${nss[@]}" \
        2>>"$CLUSTER_WORK/sampler.err" &
    FENCE_SAMPLER_PID=$!
    cluster_add_cleanup fence_sampler_stop
    wait_until 10 test -s "$CLUSTER_WORK/samples" || cluster_fail "the address sampler did not start"
}
fence_sampler_stop() {
    [ -n "$FENCE_SAMPLER_PID" ] || return 0
    kill -TERM "$FENCE_SAMPLER_PID" 2>/dev/null
    wait "$FENCE_SAMPLER_PID" 2>/dev/null
    FENCE_SAMPLER_PID=""
}
fence_mark() { echo "${EPOCHREALTIME} $1" >>"$CLUSTER_WORK/marks"; }
# fence_samples_since MARK N -- true once the sampler logged at least N
# complete samples taken after the (last) mark MARK; poll it to have N
# samples of a state instead of sleeping N periods:
#   wait_until 10 fence_samples_since healed 10
fence_samples_since() {
    awk -v mark="$1" -v want="$2" '
        FNR == NR { if ($2 == mark) t = $1; next }
        t != "" && $1 + 0 > t + 0 { n++ }
        END { exit !(t != "" && n >= want) }' "$CLUSTER_WORK/marks" "$CLUSTER_WORK/samples"
}
# fence_report [addr_sampler.py report options] -- key=value lines
fence_report() {
    python3 "$FENCE_LIB_DIR/addr_sampler.py" report "$CLUSTER_WORK/samples" \
        --marks "$CLUSTER_WORK/marks" "$@"
}
