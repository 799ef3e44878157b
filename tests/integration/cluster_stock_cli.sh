#!/bin/bash
# Debian's stock ctdb 4.17 against a 3-node cluster of ours, for the node and
# IP commands of the "Cluster" issue: status, ip all, -n PNN forms, disable,
# enable, stop, continue, ban, unban, ipreallocate, moveip, leader. Each must
# exit 0 and have its effect (node flags in our node maps, IPs in the
# kernels, every IP hosted exactly once afterwards); status/ip all output
# must equal our own tool's (modulo the generation number).
. "$(dirname "$0")/cluster_common.sh"
[ -x "$STOCK_CTDB" ] || { echo "SKIP: no stock ctdb at $STOCK_CTDB"; exit 77; }
cc_setup 3 9

stock() {  # stock K ARGS...: the stock tool against node K, bounded
    timeout 90 env CTDB_SOCKET="$(node_socket "$1")" CTDB_BASE="$(node_dir "$1")" \
        "$STOCK_CTDB" "${@:2}"
}
flag_of() {  # flag_of FROM PNN COLUMN(Disconnected=1 Banned=3 Disabled=4 Stopped=6)
    node_ctdb "$1" -X status | awk -F'|' -v p="$2" -v c="$3" '$2 == p { print $(c + 3) }'
}
nogen() { grep -v '^Generation:'; }

all_connected() {  # every node sees every other one connected
    local k
    for k in 0 1 2; do
        [ "$(node_ctdb "$k" -X status | awk -F'|' 'NR > 1 && $4 != 0' | wc -l)" = 0 ] || return 1
    done
}
check "every node sees all three connected" wait_until 30 all_connected

# same K ARGS...: stock and ours against node K both exit 0, same stdout
same() {
    local k=$1; shift
    stock "$k" "$@" > "$CLUSTER_WORK/o.stock" || return 1
    node_ctdb "$k" "$@" > "$CLUSTER_WORK/o.ours" || return 1
    diff <(nogen < "$CLUSTER_WORK/o.stock") <(nogen < "$CLUSTER_WORK/o.ours")
}
check "stock status = ours (but the generation)" same 0 status
check "stock -X status = ours" same 0 -X status
check "stock ip all = ours" same 1 ip all
check "stock -n 2 ip -v = ours" same 0 -n 2 ip -v
check "stock -n 1 ifaces = ours" same 0 -n 1 ifaces
check "stock -n 2 ipinfo = ours" same 0 -n 2 ipinfo "$(cc_ip 2)"
leader=$(stock 0 leader)
check "stock leader agrees with ours on every node" \
    sh -c "[ '$leader' = \"\$(CTDB_SOCKET=$(node_socket 1) $CLUSTER_BIN/ctdb leader)\" ] &&
           [ '$leader' = \"\$(CTDB_SOCKET=$(node_socket 2) $CLUSTER_BIN/ctdb leader)\" ]"

check "stock -n 1 disable exits 0" stock 0 -n 1 disable
check "node 1 DISABLED in node 2's map" test "$(flag_of 2 1 4)" = 1
check "node 1 holds no public IP" test "$(cc_count 1)" = 0
cc_wait_once 20 "all hosted once after disable"
check "stock -n 1 enable exits 0" stock 0 -n 1 enable
check "node 1 enabled in node 0's map" test "$(flag_of 0 1 4)" = 0
check "rebalanced after enable" wait_until 20 cc_balanced

check "stock -n 2 stop exits 0" stock 0 -n 2 stop
check "node 2 STOPPED in node 0's map" test "$(flag_of 0 2 6)" = 1
check "stopped node 2 holds no public IP" wait_until 10 sh -c "[ \$(ip netns exec $(ns_name 2) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.') = 0 ]"
check "stock -n 2 continue exits 0" stock 0 -n 2 continue
check "node 2 not stopped" test "$(flag_of 0 2 6)" = 0
check "rebalanced after continue" wait_until 20 cc_balanced

check "stock -n 1 ban 60 exits 0" stock 0 -n 1 ban 60
check "node 1 BANNED in node 0's map" test "$(flag_of 0 1 3)" = 1
check "banned node 1 holds no public IP" wait_until 10 sh -c "[ \$(ip netns exec $(ns_name 1) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.') = 0 ]"
cc_wait_once 20 "all hosted once while node 1 is banned"
check "stock -n 1 unban exits 0" stock 0 -n 1 unban
check "node 1 not banned" test "$(flag_of 0 1 3)" = 0
check "rebalanced after unban" wait_until 20 cc_balanced

ip1=$(cc_ip 1)
from=$(hosts_of "$ip1")
to=$(( (from + 1) % 3 ))
check "stock moveip $ip1 $to exits 0" stock 0 moveip "$ip1" "$to"
check "$ip1 now on node $to only" test "$(hosts_of "$ip1")" = "$to"
check "stock ipreallocate exits 0" stock 2 ipreallocate
cc_wait_once 20 "all hosted once at the end"
cluster_log "cluster_stock_cli: ok"
