#!/bin/bash
# Health across nodes: node 1's monitor fails -> node 1 is UNHEALTHY in
# both nodes' `ctdb status` (flag pushed by the transport), its IPs move to
# node 0 through the takeover run the change requests; fixed -> healthy
# everywhere and IPs are shared again. Stock scripts on both nodes.
# Then `ctdb -n 1 event ...` from node 0 works on node 1's trees.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
cluster_create 2
T0=$(date +%s%N)
all_public_addresses "198.19.4.1/16 eth0" "198.19.4.2/16 eth0" "198.19.4.3/16 eth0" "198.19.4.4/16 eth0"
for k in 0 1; do
    d=$(node_dir "$k")
    echo "MonitorInterval=1" > "$d/tunables"
    node_script "$k" events.d 98.health "
if [ \"\$1\" = monitor ] && [ -e $d/sick ]; then echo 'sick on purpose'; exit 1; fi
exit 0"
done
node_start 0 --tunables-file="$(node_dir 0)/tunables"
node_start 1 --tunables-file="$(node_dir 1)/tunables"

count_on() { node_addrs "$1" eth0 | grep -c '^198\.19\.4\.'; }
status_of() { node_ctdb "$1" status 2>/dev/null | grep "^pnn:$2 "; }
check "both nodes host IPs" wait_until 30 sh -c "[ \$(ip netns exec $(ns_name 0) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.4\.') = 2 ] && [ \$(ip netns exec $(ns_name 1) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.4\.') = 2 ]"

touch "$(node_dir 1)/sick"
check "node 1 UNHEALTHY as seen by node 1" wait_until 10 sh -c "CTDB_SOCKET=$(node_socket 1) $CLUSTER_BIN/ctdb status | grep -q '^pnn:1 .*UNHEALTHY'"
check "node 1 UNHEALTHY as seen by node 0" wait_until 5 sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb status | grep -q '^pnn:1 .*UNHEALTHY'"
check "all 4 IPs moved to node 0" wait_until 15 sh -c "[ \$(ip netns exec $(ns_name 0) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.4\.') = 4 ]"
check "node 1 holds none" test "$(count_on 1)" = 0
check "each IP held once" test "$(hosts_of 198.19.4.3)" = 0

rm -f "$(node_dir 1)/sick"
check "node 1 healthy again as seen by node 0" wait_until 10 sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb status | grep -q '^pnn:1 .* OK'"
check "IPs shared again" wait_until 15 sh -c "[ \$(ip netns exec $(ns_name 1) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.4\.') = 2 ]"
check "node 0 back to 2" test "$(count_on 0)" = 2

# `ctdb -n 1 event ...` from node 0: the control goes to node 1's daemon,
# which answers for and runs its own trees
check "-n 1 event script list: node 1's tree" \
    test "$(node_ctdb 0 -n 1 event script list events | grep -c '98.health')" = 1
check "-n 1 event script disable: node 1's script loses its x bits, node 0's keeps them" \
    sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb -n 1 event script disable events 98.health && [ ! -x $(node_dir 1)/events.d/98.health ] && [ -x $(node_dir 0)/events.d/98.health ]"
node_ctdb 0 -n 1 event script enable events 98.health
check "-n 1 event run runs on node 1" node_ctdb_quiet 0 -n 1 event run 10 events startrecovery
check "node 1 has the run's status" node_ctdb_quiet 1 event status events startrecovery
node_ctdb 0 event status events startrecovery >/dev/null 2>&1; rc=$?
check "node 0 never ran it (exit 22)" test "$rc" = 22
cluster_log "event_health_cluster: $(( ($(date +%s%N) - T0) / 1000000 )) ms"
