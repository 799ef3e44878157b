# shellcheck shell=bash
# Test cluster harness: builds N ctdb nodes, each in a network namespace of
# its own, joined by a bridge in a switch namespace, and runs our ctdbd in
# each. Source it from a bash test script:
#
#   . "$(dirname "$0")/lib/cluster.sh"
#   cluster_create 3              # namespaces + bridge + node addresses
#   node_public_addresses 0 "198.19.0.1/16 eth0" "198.19.0.2/16 eth0"
#   node_start 0                   # ctdbd -i in node 0's namespace
#   wait_until 10 node_has_addr 0 198.19.0.1
#   node_ctdb 0 ip all             # our ctdb against node 0
#   node_stock_ctdb 0 status       # Debian's ctdb 4.17 against node 0
#
# Everything (daemons, namespaces, the work directory) is removed by an EXIT
# trap, also on failure or Ctrl-C. Addresses: node k has 198.18.0.(k+1)/24 on
# eth0; public IPs should come from 198.19.0.0/16. Extra interfaces:
# cluster_create N "eth0 eth1" gives every node one veth per listed
# interface, all on the same bridge (eth1.. carry no node address).
#
# Event scripts: every node gets a copy of the repository's stock events.d/
# (with functions) and ip_events.d/ in $(node_dir K), which is its CTDB_BASE,
# so public IPs go through ip_events.d/10.interface as in production. Set
# CLUSTER_STOCK_SCRIPTS=0 before cluster_create for empty script dirs, or
# remove a node's ip_events.d to run ctdbd's built-in IP actions.
# node_script K TREE NAME BODY installs an executable test script.
#
# Variables after cluster_create: CLUSTER_WORK (work dir), CLUSTER_N,
# CLUSTER_PREFIX (namespace prefix, unique per test run).
# CLUSTER_CTDBD_ARGS (bash array, default empty): extra ctdbd arguments that
# node_start and node_run_fg pass to every node, before the per-call ones.
#
# Partitions, SIGSTOP/SIGCONT, an etcd cluster lock and a 0.1 s kernel
# address sampler: lib/fence.sh (sourced below).
#
# Requires root; call cluster_require_root first to skip (exit 77) otherwise.

set -u

CLUSTER_TOP=${CLUSTER_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
CLUSTER_BIN=${CLUSTER_BIN:-$CLUSTER_TOP/build/bin}
CLUSTER_N=0
CLUSTER_WORK=""
CLUSTER_PREFIX=""
CLUSTER_IFACES="eth0"
STOCK_CTDB=${STOCK_CTDB:-/usr/bin/ctdb}
CLUSTER_STOCK_SCRIPTS=${CLUSTER_STOCK_SCRIPTS:-1}
CLUSTER_CTDBD_ARGS=()
CLUSTER_CLEANUP_HOOKS=""   # functions cluster_destroy runs first (lib/fence.sh)

cluster_log() { printf '[%s] %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$*" >&2; }
cluster_fail() { cluster_log "FAIL: $*"; exit 1; }

cluster_require_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root for network namespaces"
        exit 77
    fi
    if ! command -v ip >/dev/null; then
        echo "SKIP: iproute2 (ip) not installed"
        exit 77
    fi
}

ns_name() { echo "${CLUSTER_PREFIX}n$1"; }
ns_switch() { echo "${CLUSTER_PREFIX}sw"; }

cluster_destroy() {
    local k pid pids="" i
    [ -n "$CLUSTER_PREFIX" ] || return 0
    for i in $CLUSTER_CLEANUP_HOOKS; do "$i"; done
    CLUSTER_CLEANUP_HOOKS=""
    # SIGTERM first (the daemons release their IPs and exit), SIGKILL after
    # a bounded wait.
    for k in $(seq 0 $((CLUSTER_N - 1))); do
        pid=$(node_pid "$k")
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && pids="$pids $pid"
        [ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null   # a SIGSTOPped one
    done
    for i in $(seq 1 30); do
        local alive=0
        for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done
    for k in $(seq 0 $((CLUSTER_N - 1))); do
        # anything else still running in the namespace (scripts, monitors)
        for pid in $(ip netns pids "$(ns_name "$k")" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null
        done
        ip netns del "$(ns_name "$k")" 2>/dev/null
    done
    ip netns del "$(ns_switch)" 2>/dev/null
    if [ -n "$CLUSTER_WORK" ] && [ -d "$CLUSTER_WORK" ]; then
        if [ -n "${CLUSTER_KEEP:-}" ]; then
            cluster_log "keeping $CLUSTER_WORK"
        else
            rm -rf "$CLUSTER_WORK"
        fi
    fi
    CLUSTER_PREFIX=""
}

cluster_on_exit() {
    local rc=$?
    if [ $rc != 0 ] && [ $rc != 77 ] && [ -n "$CLUSTER_WORK" ]; then
        local f k
        # What each live daemon thinks of the cluster, then its log without
        # the one-line-per-IP noise (hundreds of takeip/releaseip lines
        # would push the cause out of the CI excerpt).
        for k in $(seq 0 $((${CLUSTER_N:-0} - 1))); do
            node_alive "$k" 2>/dev/null || continue
            echo "---- node $k: ctdb status / leader" >&2
            timeout 5 env CTDB_SOCKET="$(node_socket "$k")" "$CLUSTER_BIN/ctdb" status 2>&1 | head -12 >&2
            timeout 5 env CTDB_SOCKET="$(node_socket "$k")" "$CLUSTER_BIN/ctdb" leader 2>&1 >&2
        done
        for f in "$CLUSTER_WORK"/node*/log.ctdbd; do
            [ -f "$f" ] || continue
            echo "---- last lines of $f ($(grep -cE ': (takeip|releaseip) [0-9a-f.:]+/[0-9]+ (on|from) ' "$f") per-IP lines left out)" >&2
            grep -vE ': (takeip|releaseip) [0-9a-f.:]+/[0-9]+ (on|from) ' "$f" | tail -n 40 >&2
        done
    fi
    cluster_destroy
    exit $rc
}

# cluster_create N [IFACES]
cluster_create() {
    local n=$1 k ifc
    CLUSTER_IFACES=${2:-eth0}
    CLUSTER_N=$n
    CLUSTER_PREFIX="ct$$x"
    CLUSTER_WORK=$(mktemp -d /tmp/ctdb-cluster.XXXXXX)
    chmod 755 "$CLUSTER_WORK"
    trap cluster_on_exit EXIT
    trap 'exit 130' INT TERM

    # Namespaces with our prefix can only be left over from a dead run whose
    # PID we now have (a test killed by ctest's timeout never ran its trap):
    # without this, PID reuse made "cannot create namespace" a rare flake.
    local stale
    for stale in $(ip netns list | awk '{print $1}' | grep "^${CLUSTER_PREFIX}"); do
        ip netns pids "$stale" | xargs -r kill -9 2>/dev/null
        ip netns del "$stale" 2>/dev/null
    done
    ip netns add "$(ns_switch)" || cluster_fail "cannot create namespace"
    ip -n "$(ns_switch)" link set lo up
    ip -n "$(ns_switch)" link add br0 type bridge
    ip -n "$(ns_switch)" link set br0 up
    : > "$CLUSTER_WORK/nodes"
    for k in $(seq 0 $((n - 1))); do
        ip netns add "$(ns_name "$k")" || cluster_fail "cannot create namespace"
        ip -n "$(ns_name "$k")" link set lo up
        for ifc in $CLUSTER_IFACES; do
            ip -n "$(ns_switch)" link add "s${k}${ifc}" type veth peer name "$ifc" \
                netns "$(ns_name "$k")" || cluster_fail "cannot create veth"
            ip -n "$(ns_switch)" link set "s${k}${ifc}" master br0 up
            ip -n "$(ns_name "$k")" link set "$ifc" up
        done
        ip -n "$(ns_name "$k")" addr add "198.18.0.$((k + 1))/24" dev eth0
        echo "198.18.0.$((k + 1))" >> "$CLUSTER_WORK/nodes"
        mkdir -p "$CLUSTER_WORK/node$k/run" "$CLUSTER_WORK/node$k/state" \
                 "$CLUSTER_WORK/node$k/events.d" "$CLUSTER_WORK/node$k/ip_events.d"
        chmod 700 "$CLUSTER_WORK/node$k/run"
        if [ "$CLUSTER_STOCK_SCRIPTS" = 1 ]; then
            cp -p "$CLUSTER_TOP"/events.d/* "$CLUSTER_WORK/node$k/events.d/"
            cp -p "$CLUSTER_TOP"/ip_events.d/* "$CLUSTER_WORK/node$k/ip_events.d/"
        fi
        : > "$CLUSTER_WORK/node$k/public_addresses"
        cp "$CLUSTER_WORK/nodes" "$CLUSTER_WORK/node$k/nodes" 2>/dev/null
    done
    for k in $(seq 0 $((n - 1))); do
        cp "$CLUSTER_WORK/nodes" "$CLUSTER_WORK/node$k/nodes"
    done
}

node_dir() { echo "$CLUSTER_WORK/node$1"; }
node_socket() { echo "$CLUSTER_WORK/node$1/run/ctdbd.socket"; }
node_exec() { local k=$1; shift; ip netns exec "$(ns_name "$k")" "$@"; }

# node_script K events.d|ip_events.d NAME BODY  -- BODY is the script text
# after "#!/bin/sh"; the script is made executable.
node_script() {
    local k=$1 tree=$2 name=$3 body=$4
    local f; f="$(node_dir "$k")/$tree/$name"
    printf '#!/bin/sh\n%s\n' "$body" > "$f"
    chmod 755 "$f"
}

# node_public_addresses K "IP/BITS IFACES" ...   (replaces the file)
node_public_addresses() {
    local k=$1; shift
    : > "$(node_dir "$k")/public_addresses"
    local l
    for l in "$@"; do echo "$l" >> "$(node_dir "$k")/public_addresses"; done
}

# all_public_addresses "IP/BITS IFACES" ...      (same file on every node)
all_public_addresses() {
    local k
    for k in $(seq 0 $((CLUSTER_N - 1))); do node_public_addresses "$k" "$@"; done
}

# node_ctdbd_cmd K -- NODE_CTDBD_CMD (array): the command that runs node
# K's ctdbd in its namespace, with the harness's arguments and
# CLUSTER_CTDBD_ARGS (node_start and node_run_fg append their own).
node_ctdbd_cmd() {
    local k=$1 d; d=$(node_dir "$1")
    NODE_CTDBD_CMD=(ip netns exec "$(ns_name "$k")" env CTDB_BASE="$d" "$CLUSTER_BIN/ctdbd" -i
        --nlist="$d/nodes"
        --public-addresses="$d/public_addresses"
        --socket="$d/run/ctdbd.socket"
        --event-script-dir="$d/events.d"
        --ip-event-script-dir="$d/ip_events.d"
        --dbdir-state="$d/state"
        --listen="198.18.0.$((k + 1))"
        --logging="file:$d/log.ctdbd"
        --pidfile="$d/run/ctdbd.pidfile"
        "${CLUSTER_CTDBD_ARGS[@]}")
}

# node_start K [extra ctdbd args]
node_start() {
    local k=$1; shift
    local d; d=$(node_dir "$k")
    # Run ip(8) directly, not through the node_exec function: a backgrounded
    # function would be a subshell and $! its pid, not the daemon's.
    node_ctdbd_cmd "$k"
    "${NODE_CTDBD_CMD[@]}" "$@" </dev/null >>"$d/ctdbd.out" 2>&1 &
    echo $! > "$d/ctdbd.pid"
    disown $! 2>/dev/null   # no "Killed" job notices when a test kills it
    wait_until 20 node_alive "$k" || cluster_fail "ctdbd on node $k did not come up"
}

# node_run_fg K SECONDS [extra ctdbd args] -- run node K's ctdbd in the
# foreground (bounded by SECONDS) and return its exit status; for start-up
# failures that must end the daemon.
node_run_fg() {
    local k=$1 t=$2; shift 2
    local d; d=$(node_dir "$k")
    node_ctdbd_cmd "$k"
    timeout -s KILL "$t" "${NODE_CTDBD_CMD[@]}" "$@" </dev/null >>"$d/ctdbd.out" 2>&1
}

node_alive() { [ -S "$(node_socket "$1")" ] && node_ctdb_quiet "$1" pnn; }
# The daemon's pid: ip netns exec and env both exec, so $! of node_start is
# ctdbd itself; the pidfile confirms it.
node_pid() {
    local d; d=$(node_dir "$1")
    [ -f "$d/ctdbd.pid" ] || return 0
    if [ -s "$d/run/ctdbd.pidfile" ]; then cat "$d/run/ctdbd.pidfile"; else cat "$d/ctdbd.pid"; fi
}

# node_stop K  -- SIGTERM and wait (bounded) for exit
node_stop() {
    local k=$1 pid; pid=$(node_pid "$k")
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    local i
    for i in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$(node_dir "$k")/ctdbd.pid"; return 0; }
        sleep 0.1
    done
    cluster_log "node $k did not exit after SIGTERM; killing"
    kill -KILL "$pid" 2>/dev/null
    rm -f "$(node_dir "$k")/ctdbd.pid"
    return 1
}

# node_kill K  -- SIGKILL (simulated crash)
node_kill() {
    local k=$1 pid; pid=$(node_pid "$k")
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    local i
    for i in $(seq 1 100); do
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    rm -f "$(node_dir "$k")/ctdbd.pid"
}

node_ctdb() {
    local k=$1; shift
    CTDB_SOCKET=$(node_socket "$k") CTDB_BASE=$(node_dir "$k") "$CLUSTER_BIN/ctdb" "$@"
}
node_ctdb_quiet() { node_ctdb "$@" >/dev/null 2>&1; }
node_stock_ctdb() {
    local k=$1; shift
    CTDB_SOCKET=$(node_socket "$k") CTDB_BASE=$(node_dir "$k") "$STOCK_CTDB" "$@"
}

# node_addrs K [IFACE] -- the IPv4 addresses in node K's namespace, one a line
node_addrs() {
    local k=$1 ifc=${2:-}
    if [ -n "$ifc" ]; then
        node_exec "$k" ip -o -4 addr show dev "$ifc" | awk '{split($4,a,"/"); print a[1]}'
    else
        node_exec "$k" ip -o -4 addr show | awk '$2 != "lo" {split($4,a,"/"); print a[1]}'
    fi
}
node_has_addr() { node_addrs "$1" "${3:-}" | grep -qx "$2"; }
node_lacks_addr() { ! node_has_addr "$@"; }

# node_monitor_sync K FILE -- adds and deletes a marker address on node K's
# lo (198.18.255.0/24, never a public IP); true once the `ip -o monitor
# address` writing FILE has reported the deletion of a marker, i.e. it is
# listening. Each call pokes again, so poll it (the monitor may not have
# subscribed at the first poke):  wait_until 5 node_monitor_sync K FILE
NODE_MONITOR_SYNC=0
node_monitor_sync() {
    local k=$1 f=$2 m
    NODE_MONITOR_SYNC=$(( NODE_MONITOR_SYNC % 250 + 1 ))
    m="198.18.255.$NODE_MONITOR_SYNC"
    node_exec "$k" ip addr add "$m/32" dev lo 2>/dev/null
    node_exec "$k" ip addr del "$m/32" dev lo 2>/dev/null
    grep -a -q -E 'Deleted.* 198\.18\.255\.[0-9]+/32' "$f" 2>/dev/null
}

# hosts_of IP -- the nodes whose kernel holds IP (space separated)
hosts_of() {
    local ip=$1 k out=""
    for k in $(seq 0 $((CLUSTER_N - 1))); do
        node_has_addr "$k" "$ip" && out="$out $k"
    done
    echo "${out# }"
}
# hosts_are IP "NODES": exactly those nodes' kernels hold IP (pollable)
hosts_are() { [ "$(hosts_of "$1")" = "$2" ]; }

# wait_until SECONDS CMD...  -- polls CMD every 0.1 s, bounded
wait_until() {
    local t=$1; shift
    local end=$(( $(date +%s%N) / 1000000 + t * 1000 ))
    while :; do
        "$@" && return 0
        [ $(( $(date +%s%N) / 1000000 )) -ge $end ] && return 1
        sleep 0.1
    done
}

# check CONDITION-DESCRIPTION CMD...  -- fail the test unless CMD succeeds
check() {
    local what=$1; shift
    "$@" || cluster_fail "$what"
    cluster_log "ok: $what"
}

# shellcheck source=fence.sh
. "$(dirname "${BASH_SOURCE[0]}")/fence.sh"
