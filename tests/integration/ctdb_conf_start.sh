#!/bin/bash
# ctdbd started the way ctdb.conf(5) and ctdbd(8) say: a populated
# CTDB_BASE (ctdb.conf, nodes, public_addresses, events.d/, ip_events.d/)
# and `ctdbd -i`, nothing else on the command line. CTDB_BASE is exported
# because this test's directory is not the built-in default, CTDB_SOCKET so
# that no socket of the host's /run/ctdb is touched (both as a user would).
#  1. a 4.17-style ctdb.conf (state dir, deprecated recovery lock, a 4.17
#     key this daemon ignores): the node comes up from CTDB_BASE alone,
#     reaches RUNNING, hosts its public IPs, and says on stderr what it did
#     with the file;
#  2. [cluster] node address picks the node when two nodes-file addresses
#     are local (PNN 1, no --listen);
#  3. [legacy] start as disabled: the node is DISABLED and hosts nothing;
#     [failover] disabled: the node is OK and hosts nothing; without -i
#     ctdbd forks and logs to [logging] location;
#  4. a bad key and a bad value: ctdbd -i exits 1 with one line on stderr
#     naming ctdb.conf:LINE, and never opens its socket.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
cluster_create 1
D=$(node_dir 0)
SOCK=$(node_socket 0)
node_public_addresses 0 "198.19.5.1/16 eth0" "198.19.5.2/16 eth0"

# `ctdbd -i` in node 0's namespace (stdout+stderr to $D/log.ctdbd), bounded
# by timeout(1), which passes node_stop's SIGTERM on to ctdbd.
START=(ip netns exec "$(ns_name 0)" env CTDB_BASE="$D" CTDB_SOCKET="$SOCK" "$CLUSTER_BIN/ctdbd" -i)
start_bg() {
    : > "$D/log.ctdbd"
    timeout -s KILL "$1" "${START[@]}" </dev/null >>"$D/log.ctdbd" 2>&1 &
    echo $! > "$D/ctdbd.pid"
}
start_fg() {
    : > "$D/log.ctdbd"
    timeout -s KILL "$1" "${START[@]}" </dev/null >>"$D/log.ctdbd" 2>&1
}
runstate_is() { [ "$(node_ctdb 0 runstate 2>/dev/null)" = "$1" ]; }
out_has() { grep -qF -- "$1" "$D/log.ctdbd"; }

# 1. ------------------------------------------------------------------
cat > "$D/ctdb.conf" <<EOF
# ctdb.conf as a CTDB 4.17 administrator writes it (see ctdb.conf(5))
[logging]
	location = syslog
	log level = NOTICE

[cluster]
	recovery lock = $D/reclock

[database]
	volatile database directory = $D/volatile
	state database directory = $D/state
EOF
start_bg 90
check "ctdbd -i with CTDB_BASE only comes up" wait_until 20 node_alive 0
check "it reaches RUNNING" wait_until 30 runstate_is RUNNING
check "it hosts its public IPs from CTDB_BASE/public_addresses" \
    wait_until 30 sh -c "ip -n $(ns_name 0) -o addr show dev eth0 | grep -q 198.19.5.1/16 &&
                         ip -n $(ns_name 0) -o addr show dev eth0 | grep -q 198.19.5.2/16"
check "stderr names the file it read" out_has "read configuration file $D/ctdb.conf"
check "-i logs to stderr, not to syslog" \
    out_has "$D/ctdb.conf:3: [logging] location overridden by the command line (-i logs to stderr)"
check "recovery lock is accepted as deprecated" \
    out_has "$D/ctdb.conf:7: [cluster] recovery lock is deprecated, use [cluster] cluster lock"
check "a 4.17 key this daemon does not use is logged and ignored" \
    out_has "$D/ctdb.conf:10: [database] volatile database directory is a CTDB 4.17 key this daemon does not use; ignored"
check "the state database directory is the state dir (changes file there)" \
    wait_until 10 sh -c "ls '$D/state' | grep -q ."
check "the cluster lock of ctdb.conf is used" wait_until 20 test -e "$D/reclock"
node_stop 0 || cluster_fail "node did not stop"
check "no IP left after SIGTERM" node_lacks_addr 0 198.19.5.1 eth0

# 2. ------------------------------------------------------------------
ip -n "$(ns_name 0)" addr add 198.18.0.9/24 dev eth0
printf '198.18.0.1\n198.18.0.9\n' > "$D/nodes"
cat > "$D/ctdb.conf" <<EOF
[cluster]
	node address = 198.18.0.9
	cluster lock = $D/reclock
[database]
	state database directory = $D/state
EOF
start_bg 60
check "comes up with node address" wait_until 20 node_alive 0
check "[cluster] node address chose PNN 1" sh -c "[ \"\$(CTDB_SOCKET=$SOCK $CLUSTER_BIN/ctdb pnn)\" = 1 ]"
node_stop 0 || cluster_fail "node did not stop"
ip -n "$(ns_name 0)" addr del 198.18.0.9/24 dev eth0
echo 198.18.0.1 > "$D/nodes"

# 3. ------------------------------------------------------------------
cat > "$D/ctdb.conf" <<EOF
[database]
	state database directory = $D/state
[legacy]
	start as disabled = true
EOF
start_bg 60
check "comes up with start as disabled" wait_until 20 node_alive 0
check "it reaches RUNNING" wait_until 30 runstate_is RUNNING
check "the node is DISABLED" wait_until 10 sh -c "CTDB_SOCKET=$SOCK $CLUSTER_BIN/ctdb status | grep -q 'pnn:0 .*DISABLED'"
# Hosting nothing is checked against a positive: a takeover run completed
# (it would have placed the IPs), so their absence is the run's answer.
check "a takeover run completed" wait_until 30 out_has "takeover run completed"
check "a disabled node hosts no public IP" node_lacks_addr 0 198.19.5.1 eth0
node_stop 0 || cluster_fail "node did not stop"

# 3b. [failover] disabled: 4.17's takeover runs return at once, so the node
# hosts nothing although it is healthy and RUNNING.
cat > "$D/ctdb.conf" <<EOF
[database]
	state database directory = $D/state
[failover]
	disabled = true
EOF
start_bg 60
check "comes up with failover disabled" wait_until 20 node_alive 0
check "it reaches RUNNING" wait_until 30 runstate_is RUNNING
check "the node is OK (first monitor passed)" \
    wait_until 30 sh -c "CTDB_SOCKET=$SOCK $CLUSTER_BIN/ctdb status | grep -q 'pnn:0 .*OK'"
check "a takeover run completed" wait_until 30 out_has "takeover run completed"
check "failover disabled: no public IP hosted" node_lacks_addr 0 198.19.5.1 eth0
node_stop 0 || cluster_fail "node did not stop"

# 3c. without -i: ctdbd forks and logs where [logging] location says.
cat > "$D/ctdb.conf" <<EOF
[logging]
	location = file:$D/log.ctdb
	log level = INFO
[database]
	state database directory = $D/state
EOF
: > "$D/log.ctdbd"
timeout -s KILL 30 ip netns exec "$(ns_name 0)" env CTDB_BASE="$D" CTDB_SOCKET="$SOCK" \
    "$CLUSTER_BIN/ctdbd" </dev/null >>"$D/log.ctdbd" 2>&1; rc=$?
check "without -i the starting process exits 0" test "$rc" = 0
check "the forked daemon answers" wait_until 20 node_alive 0
node_ctdb 0 getpid > "$D/ctdbd.pid"
check "it logs to [logging] location" wait_until 10 grep -qF "read configuration file $D/ctdb.conf" "$D/log.ctdb"
check "and hosts its public IPs" wait_until 30 node_has_addr 0 198.19.5.1 eth0
node_stop 0 || cluster_fail "node did not stop"

# 4. ------------------------------------------------------------------
printf '[logging]\n\tlog level = NOTICE\n[cluster]\n\tnode adress = 198.18.0.1\n' > "$D/ctdb.conf"
start_fg 30; rc=$?
check "bad key: ctdbd exits 1" test "$rc" = 1
check "bad key: one line naming ctdb.conf:4" \
    test "$(cat "$D/log.ctdbd")" = "ctdbd: $D/ctdb.conf:4: unknown key 'node adress' in [cluster]: Invalid argument"
check "bad key: no socket was opened" test ! -e "$SOCK"

printf '[legacy]\n\tstart as disabled = maybe\n' > "$D/ctdb.conf"
start_fg 30; rc=$?
check "bad value: ctdbd exits 1" test "$rc" = 1
check "bad value: one line naming ctdb.conf:2" \
    test "$(cat "$D/log.ctdbd")" = "ctdbd: $D/ctdb.conf:2: invalid value 'maybe' for [legacy] start as disabled (expected true, false, yes or no): Invalid argument"

printf '[nfs]\n\tnfs server = yes\n' > "$D/ctdb.conf"
start_fg 30; rc=$?
check "unknown section: ctdbd exits 1 naming ctdb.conf:1" \
    sh -c "[ $rc = 1 ] && grep -qF '$D/ctdb.conf:1: unknown section [nfs]' '$D/log.ctdbd'"
cluster_log "PASS"
