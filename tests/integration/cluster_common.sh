# shellcheck shell=bash
# Shared by the cluster_*.sh tests (sourced, not a test itself): a 3-node
# cluster of our ctdbd with N public IPs 198.19.X.Y/16 on eth0, small
# tunables (fast keepalive and election), a shared reclock file, and the
# kernel-side checks: every public IP on exactly one live node, never on two
# live nodes (a background sampler), balance.
#
#   . "$(dirname "$0")/cluster_common.sh"
#   cc_setup 3 12 [extra tunable lines...]   # creates and starts the nodes
#   (or cc_prepare 3 12 ...; something; cc_start_all; CC_RECLOCK_ARG: lock)
#   cc_live_set "0 1 2"                       # nodes whose kernels count
#   cc_sampler_start / cc_sampler_check       # "never on two nodes"
. "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

CC_IPS=()          # the public IPs (addresses only)
CC_NIP=0

cc_ip() {  # cc_ip I (1-based) -> 198.19.x.y
    local i=$1
    echo "198.19.$(( (i - 1) / 250 )).$(( (i - 1) % 250 + 1 ))"
}

# cc_setup NODES NIPS [tunable lines...] = cc_prepare + cc_start_all
cc_setup() { cc_prepare "$@"; cc_start_all; }

# cc_prepare NODES NIPS [tunable lines...]: the cluster, its public
# addresses ($CLUSTER_WORK/expected lists them) and tunables, not started.
# Later tunable lines override the defaults.
cc_prepare() {
    local n=$1 nip=$2; shift 2
    cluster_require_root
    cluster_create "$n"
    CC_NIP=$nip
    CC_IPS=()
    local lines=() i k
    for i in $(seq 1 "$nip"); do
        CC_IPS+=("$(cc_ip "$i")")
        lines+=("$(cc_ip "$i")/16 eth0")
    done
    all_public_addresses "${lines[@]}"
    printf '%s\n' "${CC_IPS[@]}" >"$CLUSTER_WORK/expected"
    for k in $(seq 0 $((n - 1))); do
        {
            printf 'KeepaliveInterval=1\nKeepaliveLimit=3\nElectionTimeout=1\n'
            printf 'FenceTimeout=2\nFenceMargin=2\n'
            printf 'TakeoverTimeout=5\nMonitorInterval=1\n'
            for l in "$@"; do echo "$l"; done
        } > "$(node_dir "$k")/tunables"
    done
    cc_live_set ""
}
# cc_start_all: every node started, then each waited for (a node alone of
# several has no quorum and stays in FIRST_RECOVERY until a majority is up,
# doc/cluster.md "Quorum")
cc_start_all() {
    local k
    for k in $(seq 0 $((CLUSTER_N - 1))); do cc_launch "$k"; done
    for k in $(seq 0 $((CLUSTER_N - 1))); do cc_await_running "$k"; done
}

# The cluster lock every node gets: CC_RECLOCK_ARG unset = the fcntl file
# $CLUSTER_WORK/reclock; set = that one ctdbd argument; empty = no lock.
cc_launch() {  # cc_launch K [extra ctdbd args]: start, do not wait
    local k=$1; shift
    local lock=()
    if [ -z "${CC_RECLOCK_ARG+set}" ]; then
        lock=(--reclock="$CLUSTER_WORK/reclock")
    elif [ -n "$CC_RECLOCK_ARG" ]; then
        lock=("$CC_RECLOCK_ARG")
    fi
    node_start "$k" --tunables-file="$(node_dir "$k")/tunables" "${lock[@]}" "$@"
}
cc_await_running() {
    wait_until 30 cc_is_running "$1" || cluster_fail "node $1 not RUNNING"
    cc_live_add "$1"
}
cc_start() {  # cc_start K [extra ctdbd args]: start and wait until RUNNING
    cc_launch "$@"
    cc_await_running "$1"
}
cc_is_running() { [ "$(node_ctdb "$1" runstate 2>/dev/null)" = RUNNING ]; }

# The live set: nodes whose kernel addresses count for the checks. A node
# is removed BEFORE it is killed (its stale addresses stay in its namespace
# until it restarts) and added back once it is RUNNING again.
cc_live_set() { echo "$1" > "$CLUSTER_WORK/live"; }
cc_live() { cat "$CLUSTER_WORK/live"; }
cc_live_add() { cc_live_set "$(echo $(cc_live) "$1" | tr ' ' '\n' | sort -n | uniq | tr '\n' ' ')"; }
cc_live_del() { cc_live_set "$(cc_live | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')"; }

cc_kill() {  # SIGKILL node K's ctdbd (its kernel addresses stay)
    cc_live_del "$1"
    node_kill "$1"
}

# public IPs in node K's kernel, one a line
cc_kaddrs() { node_addrs "$1" eth0 | grep '^198\.19\.'; }
# "IP NODE" lines for every public IP in a live node's kernel
cc_kmap() {
    local k
    for k in $(cc_live); do cc_kaddrs "$k" | sed "s/\$/ $k/"; done
}
cc_count() { cc_kaddrs "$1" | wc -l; }
# cc_count_is K N: node K's kernel holds exactly N public IPs (re-read on
# every call, so it can be polled: wait_until T cc_count_is K N)
cc_count_is() { [ "$(cc_count "$1")" = "$2" ]; }

# every public IP on exactly one live node (prints what is wrong)
cc_exactly_once() {
    local map; map=$(cc_kmap)
    local dups missing
    dups=$(echo "$map" | awk 'NF {print $1}' | sort | uniq -d | head -5)
    missing=$(comm -23 <(printf '%s\n' "${CC_IPS[@]}" | sort) \
                       <(echo "$map" | awk 'NF {print $1}' | sort -u) | head -5)
    [ -z "$dups" ] && [ -z "$missing" ] && return 0
    CC_WHY="duplicates: $(echo $dups) missing: $(echo $missing)"
    return 1
}
cc_wait_once() {  # cc_wait_once SECS DESC
    CC_WHY=""
    wait_until "$1" cc_exactly_once || cluster_fail "$2: not every IP on exactly one node ($CC_WHY)"
    cluster_log "ok: $2"
}

# counts on the given nodes differ by at most one
cc_balanced() {
    local k c max=-1 min=999999
    for k in "$@"; do
        c=$(cc_count "$k")
        [ "$c" -gt "$max" ] && max=$c
        [ "$c" -lt "$min" ] && min=$c
    done
    [ $((max - min)) -le 1 ]
}
cc_counts() { local k; for k in $(seq 0 $((CLUSTER_N - 1))); do printf '%s:%s ' "$k" "$(cc_count "$k")"; done; }

# node flags from node K's view: "disconnected banned disabled unhealthy stopped"
cc_flags() { node_ctdb "$1" -X status 2>/dev/null | awk -F'|' -v p="$2" '$2 == p {print $4 $6 $7 $8 $9}'; }
cc_is_banned() { [ "$(cc_flags "$1" "$2" | cut -c2)" = 1 ]; }
cc_is_unhealthy() { [ "$(cc_flags "$1" "$2" | cut -c4)" = 1 ]; }
cc_leader() { timeout 5 env CTDB_SOCKET="$(node_socket "$1")" "$CLUSTER_BIN/ctdb" leader 2>/dev/null; }
cc_leader_is() {  # cc_leader_is FROM_NODE -> prints leader if known
    local l; l=$(cc_leader "$1")
    [ -n "$l" ] && [ "$l" != 4294967295 ] && [ "$l" != -1 ] && { echo "$l"; return 0; }
    return 1
}

ms() { echo $(( $(date +%s%N) / 1000000 )); }

# --- takeover runs, read from the daemons' logs: the positive events that
# "nothing moved" checks wait for instead of a fixed sleep. A node's
# IpService logs "Takeover run starting" and then exactly one of "Takeover
# run completed successfully" / "Takeover run unsuccessful" (only shutdown
# abandons a run), and a run completes only after every connected node
# answered its IPREALLOCATED, i.e. ran its ipreallocated event.
CC_RUN_RE='Takeover run (starting|completed successfully|unsuccessful)'
cc_runs_ok() {  # cc_runs_ok K: how many runs node K completed successfully
    local n; n=$(grep -c 'Takeover run completed successfully' "$(node_dir "$1")/log.ctdbd" 2>/dev/null)
    echo "${n:-0}"
}
cc_run_idle() {  # cc_run_idle K: node K has no takeover run in progress
    case $(grep -E "$CC_RUN_RE" "$(node_dir "$1")/log.ctdbd" 2>/dev/null | tail -n 1) in
    *"Takeover run starting"*) return 1 ;;
    esac
    return 0
}
cc_runs_idle() {  # no live node has a takeover run in progress
    local k
    for k in $(cc_live); do cc_run_idle "$k" || return 1; done
}
# cc_runs_settled K N: node K completed more than N runs and no live node
# has one in progress (pollable: re-reads the logs on every call)
cc_runs_settled() { [ "$(cc_runs_ok "$1")" -gt "$2" ] && cc_runs_idle; }

# --- background sampler: never one public IP on two live nodes
# Reading the namespaces one after the other is not atomic, so a move from
# node 0 to node 2 between the two reads would look like a duplicate. Each
# sample therefore reads every live node twice (pass 1, then pass 2): an
# IP present in both reads of node A and both reads of node B was on both
# at every instant between the end of pass 1 and the start of pass 2.
cc_dups_now() {
    local a b
    a=$(cc_kmap | sort); b=$(cc_kmap | sort)
    comm -12 <(echo "$a") <(echo "$b") | awk 'NF {print $1}' | sort | uniq -d
}
cc_sampler_start() {
    : > "$CLUSTER_WORK/dups"
    (
        while [ -f "$CLUSTER_WORK/live" ]; do
            d=$(cc_dups_now 2>/dev/null)
            [ -n "$d" ] && echo "$(date +%T.%N) $(echo $d | cut -c1-200) live=$(cc_live)" >> "$CLUSTER_WORK/dups"
            sleep 0.2
        done
    ) 2>/dev/null &
    CC_SAMPLER=$!
}
cc_sampler_check() {
    if [ -s "$CLUSTER_WORK/dups" ]; then
        head -5 "$CLUSTER_WORK/dups" >&2
        cluster_fail "an IP was on two live nodes at once"
    fi
    cluster_log "ok: sampler saw no IP on two live nodes"
}
cc_sampler_stop() {
    [ -n "${CC_SAMPLER:-}" ] && kill "$CC_SAMPLER" 2>/dev/null && wait "$CC_SAMPLER" 2>/dev/null
    CC_SAMPLER=""
}

# cc_setvar_raw K NAME VALUE: SET_TUNABLE straight over node K's socket.
# For the internal 4.5 tunables (DisableIPFailover, ...) that the 4.17 tool
# refuses because LIST_TUNABLES does not list them. Prints the status.
cc_setvar_raw() {
    python3 - "$(node_socket "$1")" "$2" "$3" <<'PY'
import socket, struct, sys
path, name, value = sys.argv[1], sys.argv[2].encode() + b"\0", int(sys.argv[3])
data = struct.pack("<II", value, len(name)) + name
body = struct.pack("<IIQIII", 48, 0, 0, 0, 0, len(data)) + data   # SET_TUNABLE
hdr_len = 32 + len(body)
pad = (-hdr_len) % 8
pkt = struct.pack("<IIIIIIII", hdr_len + pad, 0x43544442, 1, 0, 7,
                  0xF0000001, 0, 1) + body + b"\0" * pad
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(path)
s.sendall(pkt)
buf = b""
while len(buf) < 36:
    chunk = s.recv(4096)
    if not chunk:
        break
    buf += chunk
status = struct.unpack_from("<i", buf, 32)[0]
print(status)
sys.exit(0 if status == 0 else 1)
PY
}

# cc_runs_enable K: DISABLE_TAKEOVER_RUNS {timeout 0} to node K, i.e. end a
# hold on takeover runs (e.g. the 2 x timelimit one of `ctdb moveip`'s
# DISABLE_IP_CHECK, which 4.17 applies to takeover runs).
cc_runs_enable() {
    python3 - "$(node_socket "$1")" <<'PY'
import socket, struct, sys
data = struct.pack("<IIQII", 0, 0, 0, 0, 0)        # ctdb_disable_message, timeout 0
body = struct.pack("<QI", 0xFB03000000000000, len(data)) + data
n = 32 + len(body)
pad = (-n) % 8
pkt = struct.pack("<IIIIIIII", n + pad, 0x43544442, 1, 0, 5, 0xF0000001, 0, 0) + body + b"\0" * pad
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(pkt)
s.close()
PY
}
