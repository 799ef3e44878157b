#!/bin/bash
# CTDB_BASE when nobody exports it (contract section 2), started the way
# the README and ctdbd(8) say, on a machine that may have Debian's ctdb and
# its /etc/ctdb/functions:
#  - --event-script-dir pointing at a tree of ours: CTDB_BASE is its parent,
#    the scripts source our functions, the node reaches RUNNING and hosts
#    its IP;
#  - a CTDB_BASE whose functions is CTDB 4.17's (Debian's /etc/ctdb/functions
#    when installed, else a stand-in without our marker): the init event
#    fails with one line naming the file and ctdbd exits 1.
# Unlike lib/cluster.sh's node_start, nothing here sets CTDB_BASE.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
cluster_create 1
D=$(node_dir 0)
node_public_addresses 0 "198.19.4.1/16 eth0"

# start_plain SECONDS [args]: ctdbd -i in node 0's namespace, CTDB_BASE unset
start_plain() {
    local t=$1; shift
    timeout -s KILL "$t" ip netns exec "$(ns_name 0)" env -u CTDB_BASE "$CLUSTER_BIN/ctdbd" -i \
        --socket="$D/run/ctdbd.socket" --dbdir-state="$D/state" \
        --public-addresses="$D/public_addresses" --listen=198.18.0.1 \
        --logging="file:$D/log.ctdbd" --pidfile="$D/run/ctdbd.pidfile" "$@" \
        </dev/null >>"$D/ctdbd.out" 2>&1
}

# 1. our tree via --event-script-dir, no --nlist either: both from CTDB_BASE
start_plain 60 --event-script-dir="$D/events.d" &
echo $! > "$D/ctdbd.pid"
check "node comes up" wait_until 20 node_alive 0
check "CTDB_BASE is the parent of --event-script-dir" \
    grep -q "CTDB_BASE=$D (parent of --event-script-dir)" "$D/log.ctdbd"
check "node reaches RUNNING" wait_until 20 sh -c "[ \"\$(CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb runstate)\" = RUNNING ]"
check "node hosts its public IP" wait_until 20 node_has_addr 0 198.19.4.1 eth0
node_stop 0 || cluster_fail "node did not stop"

# 2. a foreign functions in the CTDB_BASE the daemon derives
F=$D/foreign
mkdir -p "$F/events.d"
cp -p "$CLUSTER_TOP"/events.d/[0-9]* "$F/events.d/"
cp "$D/nodes" "$F/nodes"
if [ -r /etc/ctdb/functions ]; then
    cp /etc/ctdb/functions "$F/functions"          # Debian's CTDB 4.17
else
    printf '# CTDB 4.17 functions stand-in\nctdb_state_dir\n' > "$F/functions"
fi
: > "$D/log.ctdbd"
start_plain 30 --event-script-dir="$F/events.d"; rc=$?
check "foreign functions: ctdbd exits 1" test "$rc" = 1
check "the log names the file in one line" \
    grep -q "10.interface: $F/functions is not ctdb-ip's functions file (CTDB_BASE=$F); refusing to run" "$D/log.ctdbd"
check "no IP was taken" node_lacks_addr 0 198.19.4.1 eth0
