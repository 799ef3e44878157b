#!/bin/bash
# Demonstration cluster: three nodes, each in a network namespace of its own
# on one bridge, each running this project's ctdbd with 9 public IPs
# (198.19.0.1-9/16 on eth0). Shows the allocation, disables node 1, shows
# its IPs moving to the others (checked in the kernels), re-enables it and
# shows the rebalance. Everything is torn down at exit, also on Ctrl-C.
# Only 198.18.0.0/15 addresses, only namespaces created here.
#
# Options: -n N  number of public IPs (default 9)
#          -p    pause for Enter between steps
set -u
N=9
PAUSE=0
while getopts "n:ph" opt; do
    case $opt in
    n) N=$OPTARG ;;
    p) PAUSE=1 ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
    esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
CLUSTER_TOP=$top
CLUSTER_BIN=${CLUSTER_BIN:-$top/build/bin}
. "$top/tests/integration/lib/cluster.sh"
cluster_require_root

step() {
    printf '\n\033[1m== %s\033[0m\n' "$*"
    if [ $PAUSE = 1 ]; then read -r -p "(Enter to continue) " _; fi
}
show_kernel() {
    local k
    for k in 0 1 2; do
        printf 'node %d kernel (eth0): %s\n' "$k" \
            "$(node_addrs "$k" eth0 | grep '^198\.19\.' | sort -t. -k4 -n | tr '\n' ' ')"
    done
}
count_on() { node_addrs "$1" eth0 | grep -c '^198\.19\.'; }
all_hosted_once() {
    local i h
    for i in $(seq 1 "$N"); do
        h=$(hosts_of "198.19.0.$i")
        [ -n "$h" ] && [ "${h#* }" = "$h" ] || return 1
    done
}
balanced() {
    local a b c
    a=$(count_on 0); b=$(count_on 1); c=$(count_on 2)
    local max=$a min=$a x
    for x in $b $c; do
        [ "$x" -gt "$max" ] && max=$x
        [ "$x" -lt "$min" ] && min=$x
    done
    [ $((max - min)) -le 1 ]
}

step "Creating 3 nodes in network namespaces (198.18.0.1-3) with $N public IPs"
cluster_create 3
addrs=()
for i in $(seq 1 "$N"); do addrs+=("198.19.0.$i/16 eth0"); done
all_public_addresses "${addrs[@]}"
for k in 0 1 2; do
    node_start "$k" --reclock="$CLUSTER_WORK/reclock"
done

step "Waiting until every public IP is hosted exactly once, balanced"
# The leader is RUNNING a moment before the others and hosts everything at
# first; the others' first takeover run request spreads the IPs.
wait_until 60 all_hosted_once || cluster_fail "public IPs were not all hosted"
wait_until 30 balanced || cluster_fail "public IPs were not balanced"
wait_until 30 all_hosted_once || cluster_fail "public IPs not hosted once after balancing"
node_ctdb 0 status
echo
node_ctdb 0 ip all
show_kernel

step "ctdb -n 1 disable: node 1's IPs move to nodes 0 and 2"
t0=$(date +%s.%N)
node_ctdb 0 -n 1 disable
wait_until 30 sh -c "[ \$(ip netns exec $(ns_name 1) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.') = 0 ]" \
    || cluster_fail "node 1 still holds public IPs"
wait_until 30 all_hosted_once || cluster_fail "IPs not re-hosted"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "failover took %.2f s (kernel-verified)\n", b - a }' 
node_ctdb 0 status
echo
node_ctdb 0 ip all
show_kernel

step "ctdb -n 1 enable: the cluster rebalances"
node_ctdb 0 -n 1 enable
wait_until 30 balanced || cluster_fail "cluster did not rebalance"
wait_until 30 all_hosted_once || cluster_fail "IPs not hosted once"
node_ctdb 0 ip all
show_kernel

step "Done: tearing down (daemons, namespaces, work directory)"
