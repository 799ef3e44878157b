#!/bin/bash
# The cluster harness itself: two namespaces reach each other over the
# bridge, a ctdbd starts in each and answers our tool and the stock one, and
# teardown leaves no namespace behind.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
cluster_create 2

check "node 0 reaches node 1 over the bridge" node_exec 0 ping -c1 -W2 198.18.0.2 >/dev/null
node_start 0
node_start 1
check "node 0 answers pnn 0" test "$(node_ctdb 0 pnn)" = 0
check "node 1 answers pnn 1" test "$(node_ctdb 1 pnn)" = 1
if [ -x "$STOCK_CTDB" ]; then
    check "stock ctdb talks to node 1" test "$(node_stock_ctdb 1 pnn)" = 1
fi
prefix=$CLUSTER_PREFIX
pid1=$(node_pid 1)
check "node 1 runs as a real process" kill -0 "$pid1"
check "node 1 exits on SIGTERM (not killed)" node_stop 1
check "node 1's process is gone" sh -c "! kill -0 $pid1 2>/dev/null"
cluster_destroy
check "no namespace left behind" sh -c "! ip netns list | grep -q '^$prefix'"
