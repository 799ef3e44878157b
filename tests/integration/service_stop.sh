#!/bin/bash
# What ctdb.service relies on (doc/packaging.md): ctdbd tells systemd
# READY=1 only once the node is RUNNING and STOPPING=1 when it shuts down
# (sd_notify to $NOTIFY_SOCKET, here a datagram socket of this test), and
# `ctdb shutdown` (ExecStop) returns only after the node has released every
# public IP it hosted, through the releaseip scripts.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
cluster_create 3
all_public_addresses "198.19.0.1/16 eth0" "198.19.0.2/16 eth0" "198.19.0.3/16 eth0" "198.19.0.4/16 eth0"

# The stand-in for systemd: every datagram, one line per message field.
notify_sock=$CLUSTER_WORK/notify.sock
notify_log=$CLUSTER_WORK/notify.log
: > "$notify_log"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close()
while True:
    m = s.recv(4096).decode()
    with open(sys.argv[2], "a") as f:
        f.write(m.replace("\n", " | ") + "\n")
' "$notify_sock" "$notify_log" &
listener=$!
stop_listener() { kill "$listener" 2>/dev/null; }
CLUSTER_CLEANUP_HOOKS="stop_listener"
check "notify listener up" wait_until 10 test -e "$notify_sock.ready"

supported=1
if ! grep -q 'NEEDED.*libsystemd' <(readelf -d "$CLUSTER_BIN/ctdbd" 2>/dev/null); then
    cluster_log "ctdbd built without libsystemd (CTDB_SYSTEMD): the notify checks are skipped"
    supported=0
fi

# Node 0 alone of three has no quorum: it waits in
# FIRST_RECOVERY, and must not have said READY.
NOTIFY_SOCKET=$notify_sock node_start 0
check "node 0 waits in FIRST_RECOVERY" wait_until 20 sh -c "[ \"\$(CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb runstate)\" = FIRST_RECOVERY ]"
check "no READY=1 before RUNNING" sh -c "! grep -q 'READY=1' '$notify_log'"

node_start 1
node_start 2
check "node 0 RUNNING once the others are up" wait_until 30 sh -c "[ \"\$(CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb runstate)\" = RUNNING ]"
if [ $supported = 1 ]; then
    check "READY=1 sent once RUNNING" wait_until 10 grep -q '^READY=1 | STATUS=node 0 RUNNING$' "$notify_log"
    check "READY=1 sent once" test "$(grep -c 'READY=1' "$notify_log")" = 1
fi
check "node 0 hosts public IPs" wait_until 30 sh -c "[ \$(ip netns exec $(ns_name 0) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.') -gt 0 ]"
once() {
    local i h
    for i in 1 2 3 4; do h=$(hosts_of "198.19.0.$i"); [ -n "$h" ] && [ "${h#* }" = "$h" ] || return 1; done
}
check "every IP hosted exactly once (takeover runs settled)" wait_until 30 once
held=$(node_addrs 0 eth0 | grep -c '^198\.19\.')
check "node 0 still hosts some" test "$held" -gt 0
pid=$(node_pid 0)

# ExecStop: returns with every address released, through releaseip.
check "ctdb shutdown succeeds" node_ctdb 0 shutdown
check "no public IP left in node 0's kernel when ctdb shutdown returned" \
    test "$(node_addrs 0 eth0 | grep -c '^198\.19\.')" = 0
check "node 0's log: released the $held IPs" grep -q "Released $held public IPs" "$(node_dir 0)/log.ctdbd"
check "released through the releaseip event" grep -q "releaseip" "$(node_dir 0)/log.ctdbd"
check "ctdbd exited" wait_until 10 sh -c "! kill -0 $pid 2>/dev/null"
if [ $supported = 1 ]; then
    check "STOPPING=1 sent" grep -q '^STOPPING=1 | STATUS=' "$notify_log"
fi
taken() {
    local i h
    for i in 1 2 3 4; do h=$(hosts_of "198.19.0.$i"); [ "$h" = 1 ] || [ "$h" = 2 ] || return 1; done
}
check "nodes 1 and 2 took every IP over" wait_until 30 taken
rm -f "$(node_dir 0)/ctdbd.pid"
cat "$notify_log" >&2
echo "PASS"
