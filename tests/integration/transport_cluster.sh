#!/bin/bash
# Node transport across three namespaces: all nodes connect, controls are
# forwarded to other nodes (our ctdb and the stock 4.17 one), flag changes
# of a node show in every node's map, a killed node is DISCONNECTED at once
# and comes back when restarted, a frozen (SIGSTOP) node is declared dead by
# keepalive within KeepaliveInterval x KeepaliveLimit and its outstanding
# forwarded control fails then, and a connection from a non-node address is
# refused and logged.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
cluster_create 3

for k in 0 1 2; do
    printf 'KeepaliveInterval=1\nKeepaliveLimit=3\n' > "$(node_dir "$k")/tunables"
done
start() { node_start "$1" --tunables-file="$(node_dir "$1")/tunables"; }

# flags K PNN -- node PNN's line of node K's machine-readable status:
# disconnected banned disabled unhealthy stopped (0|1 each)
flags() { node_ctdb "$1" -X status 2>/dev/null | awk -F'|' -v p="$2" '$2 == p {print $4 $6 $7 $8 $9}'; }
is_ok() { [ "$(flags "$1" "$2")" = 00000 ]; }
is_disconnected() { [ "$(flags "$1" "$2" | cut -c1)" = 1 ]; }
is_disabled() { [ "$(flags "$1" "$2" | cut -c3)" = 1 ]; }
is_stopped() { [ "$(flags "$1" "$2" | cut -c5)" = 1 ]; }
all_ok_from() { is_ok "$1" 0 && is_ok "$1" 1 && is_ok "$1" 2; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# ctdbd's own pid (node_pid is the pid of the harness' background subshell)
daemon_pid() { cat "$(node_dir "$1")/run/ctdbd.pidfile"; }

start 0
start 1
start 2
check "node 0 sees all three nodes OK (connected)" wait_until 20 all_ok_from 0
check "node 1 sees all three nodes OK" wait_until 10 all_ok_from 1
check "node 2 sees all three nodes OK" wait_until 10 all_ok_from 2
node_ctdb 0 status >&2

# --- forwarded controls
check "ctdb -n 2 getpid on node 0 answers node 2's pid" \
    test "$(node_ctdb 0 -n 2 getpid)" = "$(node_ctdb 2 getpid)"
node_ctdb 1 setvar TakeoverTimeout 17 || cluster_fail "setvar on node 1"
check "ctdb -n 1 getvar on node 0 reads node 1's value" \
    test "$(node_ctdb 0 -n 1 getvar TakeoverTimeout | awk '{print $NF}')" = 17
check "node 0's own value is untouched" \
    test "$(node_ctdb 0 getvar TakeoverTimeout | awk '{print $NF}')" != 17

timeout 60 env CTDB_SOCKET="$(node_socket 0)" "$CLUSTER_BIN/ctdb" -n 1 disable
cluster_log "ctdb -n 1 disable exited $?"
check "node 0's map shows node 1 DISABLED" wait_until 10 is_disabled 0 1
check "node 2's map shows node 1 DISABLED" wait_until 10 is_disabled 2 1
timeout 60 env CTDB_SOCKET="$(node_socket 0)" "$CLUSTER_BIN/ctdb" -n 1 enable
cluster_log "ctdb -n 1 enable exited $?"
check "node 0's map shows node 1 OK again" wait_until 10 is_ok 0 1

if [ -x "$STOCK_CTDB" ]; then
    check "stock ctdb -n 2 getpid through node 0" \
        test "$(node_stock_ctdb 0 -n 2 getpid)" = "$(node_ctdb 2 getpid)"
    timeout 60 env CTDB_SOCKET="$(node_socket 0)" "$STOCK_CTDB" -n 1 stop
    cluster_log "stock ctdb -n 1 stop exited $?"
    check "node 0's map shows node 1 STOPPED" wait_until 10 is_stopped 0 1
    timeout 60 env CTDB_SOCKET="$(node_socket 0)" "$STOCK_CTDB" -n 1 continue
    cluster_log "stock ctdb -n 1 continue exited $?"
    check "node 0's map shows node 1 running again" wait_until 10 is_ok 0 1
else
    cluster_log "no stock ctdb at $STOCK_CTDB: stock checks skipped"
fi

# --- a crashed node
kill -KILL "$(daemon_pid 2)"
node_kill 2  # the harness' subshell
t0=$(ms)
check "node 0 marks the killed node 2 DISCONNECTED" wait_until 5 is_disconnected 0 2
check "node 1 marks the killed node 2 DISCONNECTED" wait_until 5 is_disconnected 1 2
cluster_log "detected after $(( $(ms) - t0 )) ms"
check "node 0 logged node 2's death" grep -q "node 198.18.0.3 is dead" "$(node_dir 0)/log.ctdbd"
t0=$(ms)
node_ctdb 0 -n 2 getpid >/dev/null 2>&1 && cluster_fail "control to a dead node succeeded"
check "control to the disconnected node failed promptly" test $(( $(ms) - t0 )) -lt 3000
start 2
check "node 0 sees node 2 again after restart" wait_until 15 is_ok 0 2
check "node 1 sees node 2 again after restart" wait_until 10 is_ok 1 2
check "forwarding to the restarted node works" \
    test "$(node_ctdb 0 -n 2 getpid)" = "$(daemon_pid 2)"

# --- a frozen node: only keepalives can tell
kill -STOP "$(daemon_pid 2)"
t0=$(ms)
( node_ctdb 0 -n 2 getpid >/dev/null 2>&1; echo $? > "$CLUSTER_WORK/fwd.rc" ) &
fwd=$!
check "node 0 marks the frozen node 2 DISCONNECTED by keepalive" wait_until 10 is_disconnected 0 2
dt=$(( $(ms) - t0 ))
cluster_log "keepalive detection after $dt ms (interval 1 s x limit 3)"
check "not before two silent intervals" test "$dt" -ge 2000
check "within interval x limit (+1 s slack)" test "$dt" -le 5000
check "node 1 marks the frozen node 2 DISCONNECTED" wait_until 5 is_disconnected 1 2
wait_until 3 test -s "$CLUSTER_WORK/fwd.rc"
wait "$fwd" 2>/dev/null
check "the control outstanding to the frozen node failed when it was declared dead" \
    test "$(cat "$CLUSTER_WORK/fwd.rc" 2>/dev/null)" != 0
check "node 0 logged the keepalive timeout" grep -q "nothing received from node 2 for" "$(node_dir 0)/log.ctdbd"
kill -CONT "$(daemon_pid 2)"
check "node 0 sees node 2 again once it runs" wait_until 15 is_ok 0 2

wait_until 10 all_ok_from 2 || cluster_fail "node 2 does not see everybody OK"

# --- a stranger
node_exec 0 ip addr add 198.18.0.99/24 dev eth0
out=$(node_exec 0 python3 - <<'EOF'
import socket
s = socket.socket()
s.settimeout(5)
s.bind(("198.18.0.99", 0))
s.connect(("198.18.0.2", 4379))
try:
    print("closed" if s.recv(100) == b"" else "data")
except ConnectionResetError:
    print("closed")
EOF
)
check "connection from 198.18.0.99 is closed by node 1" test "$out" = closed
check "node 1 logged the refusal" \
    wait_until 3 grep -q "connection from unknown address 198.18.0.99 refused" "$(node_dir 1)/log.ctdbd"
check "node 1 still sees everybody OK" all_ok_from 1
