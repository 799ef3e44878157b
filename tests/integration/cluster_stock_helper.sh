#!/bin/bash
# Cross-check of our takeover run against Debian's ctdb_takeover_helper
# (samba 4.17), run as the 4.17 leader runs it:
#   ctdb_takeover_helper WRITE_FD LEADER_SOCKET [PNN,...]
# against the leader of a 3-node cluster of our ctdbd (12 public IPs).
#
# Our own runs are switched off with DisableIPFailover=1 on every node: our
# run then only sends IPREALLOCATED (as 4.17's helper with
# CTDB_DISABLE_IP_FAILOVER), while the stock helper ignores that tunable
# (4.17 reads CTDB_DISABLE_IP_FAILOVER from its environment only). For each
# starting state S:
#   1. put the cluster into S (moveip, disable/enable), snapshot it;
#   2. run the stock helper: exit 0, the int written to WRITE_FD is 0;
#      result A = `ctdb ip all` + the kernels;
#   3. put the cluster back into S exactly (moveip to S's owners), set
#      DisableIPFailover=0 and run ours with `ctdb ipreallocate`: result B;
#   4. A == B, every IP on exactly one node.
# States: (a) IPs skewed by moveip and node 1 disabled; (b) node 1 enabled
# again holding nothing (LCP2 failback); (c) IPAllocAlgorithm=0
# (deterministic, home nodes) from (b)'s result. Plus: the helper with
# CTDB_DISABLE_IP_FAILOVER set changes nothing.
. "$(dirname "$0")/cluster_common.sh"

HELPER=${CTDB_TAKEOVER_HELPER:-/usr/libexec/ctdb/ctdb_takeover_helper}
# The helper logs where CTDB_LOGGING says (4.17 has no default outside ctdbd).
helper_env() { env CTDB_LOGGING="file:$CLUSTER_WORK/helper.log" CTDB_DEBUGLEVEL=NOTICE "$@"; }
if [ ! -x "$HELPER" ]; then
    echo "SKIP: no stock ctdb_takeover_helper at $HELPER"
    exit 77
fi

cc_setup 3 12
cc_sampler_start
cc_wait_once 30 "bring-up: every public IP on exactly one node"
check "bring-up balanced" wait_until 10 cc_balanced 0 1 2
leader=$(cc_leader_is 0) || cluster_fail "no leader"
cluster_log "leader is node $leader"

set_all() { local k; for k in 0 1 2; do cc_setvar_raw "$k" "$1" "$2" >/dev/null || cluster_fail "set $1 on node $k"; done; }
# "IP PNN" lines, sorted, from the leader's ctdb ip all
ip_all() { node_ctdb "$leader" -X ip all | awk -F'|' 'NR > 1 && $2 != "" {print $2, $3}' | sort; }
# "IP NODE" from the kernels (all nodes live here)
kernel_map() { cc_kmap | sort; }
# consistent: every IP on exactly one node and ctdb ip all agrees with the kernels
consistent() { cc_exactly_once && [ "$(ip_all)" = "$(kernel_map)" ]; }

# apply_owners FILE: moveip every IP whose kernel owner differs from FILE's
apply_owners() {
    local ip pnn cur
    while read -r ip pnn; do
        cur=$(kernel_map | awk -v i="$ip" '$1 == i {print $2}')
        [ "$cur" = "$pnn" ] && continue
        node_ctdb "$leader" moveip "$ip" "$pnn" || cluster_fail "moveip $ip $pnn"
    done < "$1"
    cc_runs_enable "$leader"   # moveip held takeover runs for 2 x timelimit
    local want; want=$(cat "$1")
    wait_until 10 eval '[ "$(kernel_map)" = "$want" ]' || {
        diff <(echo "$want") <(kernel_map) >&2
        cluster_fail "could not restore the allocation of $1"
    }
}

run_stock() {  # run_stock [force-rebalance list] -> A in $CLUSTER_WORK/stock.*
    local rc
    rm -f "$CLUSTER_WORK/helper.out"
    (exec 3>"$CLUSTER_WORK/helper.out"; helper_env timeout 60 "$HELPER" 3 "$(node_socket "$leader")" "$@") \
        2> "$CLUSTER_WORK/helper.err"
    rc=$?
    [ $rc = 0 ] || { cat "$CLUSTER_WORK/helper.err" "$CLUSTER_WORK/helper.log" >&2; cluster_fail "stock helper exited $rc"; }
    local written; written=$(od -An -t d4 "$CLUSTER_WORK/helper.out" | tr -d ' ')
    [ "$written" = 0 ] || cluster_fail "stock helper wrote '$written' to its fd, expected 0"
    cluster_log "ok: stock helper exited 0 and wrote int 0"
}

set_all DisableIPFailover 1

# ---- state (a): skewed by moveip, node 1 disabled
node_ctdb "$leader" moveip "$(cc_ip 1)" 0 >/dev/null 2>&1
node_ctdb "$leader" moveip "$(cc_ip 2)" 0 >/dev/null 2>&1
for i in 3 4 5; do node_ctdb "$leader" moveip "$(cc_ip "$i")" 0 >/dev/null || cluster_fail "moveip"; done
node_ctdb "$leader" moveip "$(cc_ip 6)" 2 >/dev/null || cluster_fail "moveip"
wait_until 5 consistent || cluster_fail "not consistent after moveip"
cc_runs_enable "$leader"
kernel_map > "$CLUSTER_WORK/state_a"
runs0=$(cc_runs_ok "$leader")
node_ctdb 0 -n 1 disable || cluster_fail "disable"
# disable returns after a takeover run; the leader's log shows it completed
# and no node has one in progress: its moves (none) are all done.
check "the disable's takeover run completed" wait_until 10 cc_runs_settled "$leader" "$runs0"
check "DisableIPFailover=1: our run moved nothing on disable" test "$(kernel_map)" = "$(cat "$CLUSTER_WORK/state_a")"
cluster_log "state (a): $(cc_counts) node 1 disabled"

# The helper with CTDB_DISABLE_IP_FAILOVER only runs ipreallocated: the
# disabled node 1 keeps its IPs (a full run would empty it, see below).
(exec 3>"$CLUSTER_WORK/helper.out"; export CTDB_DISABLE_IP_FAILOVER=1; helper_env timeout 60 "$HELPER" 3 "$(node_socket "$leader")") \
    || cluster_fail "stock helper with CTDB_DISABLE_IP_FAILOVER failed"
# The helper has exited: its run, IPREALLOCATED to every node included, is
# over; and none of ours is in progress.
check "no takeover run in progress after the stock helper" wait_until 10 cc_runs_idle
check "stock helper with CTDB_DISABLE_IP_FAILOVER moved nothing" test "$(kernel_map)" = "$(cat "$CLUSTER_WORK/state_a")"

run_stock
check "stock helper: consistent result" wait_until 5 consistent
kernel_map > "$CLUSTER_WORK/stock_a"
check "stock helper emptied the disabled node 1" test "$(cc_count 1)" = 0
cluster_log "stock result (a): $(cc_counts)"

node_ctdb 0 -n 1 enable || cluster_fail "enable"
apply_owners "$CLUSTER_WORK/state_a"
node_ctdb 0 -n 1 disable || cluster_fail "disable"
check "state (a) re-created" test "$(kernel_map)" = "$(cat "$CLUSTER_WORK/state_a")"
set_all DisableIPFailover 0
node_ctdb 0 ipreallocate || cluster_fail "ipreallocate"
check "our run: consistent result" wait_until 5 consistent
kernel_map > "$CLUSTER_WORK/ours_a"
cluster_log "our result (a): $(cc_counts)"
diff "$CLUSTER_WORK/stock_a" "$CLUSTER_WORK/ours_a" >&2 \
    || cluster_fail "state (a): the stock helper and our run allocate differently"
cluster_log "ok: state (a): stock helper and our takeover run give the same allocation"

# ---- state (b): node 1 enabled, holding nothing -> failback onto it
set_all DisableIPFailover 1
runs0=$(cc_runs_ok "$leader")
node_ctdb 0 -n 1 enable || cluster_fail "enable"
check "the enable's takeover run completed" wait_until 10 cc_runs_settled "$leader" "$runs0"
check "DisableIPFailover=1: nothing moved on enable" test "$(cc_count 1)" = 0
kernel_map > "$CLUSTER_WORK/state_b"
run_stock
check "stock helper (b): consistent result" wait_until 5 consistent
kernel_map > "$CLUSTER_WORK/stock_b"
check "stock helper (b) gave node 1 IPs (balanced)" cc_balanced 0 1 2
cluster_log "stock result (b): $(cc_counts)"
apply_owners "$CLUSTER_WORK/state_b"
set_all DisableIPFailover 0
node_ctdb 0 ipreallocate || cluster_fail "ipreallocate"
check "our run (b): consistent result" wait_until 5 consistent
kernel_map > "$CLUSTER_WORK/ours_b"
diff "$CLUSTER_WORK/stock_b" "$CLUSTER_WORK/ours_b" >&2 \
    || cluster_fail "state (b): the stock helper and our run allocate differently"
cluster_log "ok: state (b): stock helper and our takeover run give the same allocation"

# ---- state (c): the deterministic algorithm (IPAllocAlgorithm=0), read by
# both from the leader's GET_ALL_TUNABLES: every IP goes to its "home" node
set_all DisableIPFailover 1
for k in 0 1 2; do node_ctdb "$k" setvar IPAllocAlgorithm 0 >/dev/null || cluster_fail "setvar"; done
kernel_map > "$CLUSTER_WORK/state_c"
run_stock
check "stock helper (c): consistent result" wait_until 5 consistent
kernel_map > "$CLUSTER_WORK/stock_c"
check "stock helper (c) moved IPs to their home nodes" \
    test "$(cat "$CLUSTER_WORK/stock_c")" != "$(cat "$CLUSTER_WORK/state_c")"
apply_owners "$CLUSTER_WORK/state_c"
set_all DisableIPFailover 0
node_ctdb 0 ipreallocate || cluster_fail "ipreallocate"
check "our run (c): consistent result" wait_until 5 consistent
kernel_map > "$CLUSTER_WORK/ours_c"
diff "$CLUSTER_WORK/stock_c" "$CLUSTER_WORK/ours_c" >&2 \
    || cluster_fail "state (c): the stock helper and our run allocate differently"
cluster_log "ok: state (c) deterministic: stock helper and our takeover run give the same allocation"

cc_sampler_stop
cc_sampler_check
cluster_log "PASS"
