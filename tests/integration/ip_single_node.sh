#!/bin/bash
# Public-IP core on one node, driven with the stock 4.17 ctdb tool (which
# proves wire compatibility) and checked in the kernel: stale addresses are
# removed at start-up, the first takeover run puts every address on the
# right interface, delip/addip only take effect at the next takeover run,
# bad input is refused, a link going down moves or releases addresses, and
# SIGTERM releases everything.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
[ -x "$STOCK_CTDB" ] || { echo "SKIP: no stock ctdb at $STOCK_CTDB"; exit 77; }
cluster_create 1 "eth0 eth1"

node_public_addresses 0 \
    "198.19.0.1/16 eth0" \
    "198.19.0.2/16 eth1" \
    "198.19.0.3/16 eth1,eth0"
# A leftover of a killed daemon, on the wrong interface.
node_exec 0 ip addr add 198.19.0.1/16 dev eth1
check "stale address present before start" node_has_addr 0 198.19.0.1 eth1

node_start 0
ctdb0() { node_stock_ctdb 0 "$@"; }
check "first takeover run hosts 198.19.0.1 on eth0" wait_until 10 node_has_addr 0 198.19.0.1 eth0
check "stale copy on eth1 removed" node_lacks_addr 0 198.19.0.1 eth1
check "198.19.0.2 on eth1" wait_until 10 node_has_addr 0 198.19.0.2 eth1
check "198.19.0.3 hosted" wait_until 10 sh -c "ip netns exec $(ns_name 0) ip -o -4 addr | grep -q ' 198.19.0.3/16'"
check "runstate RUNNING" test "$(ctdb0 runstate)" = RUNNING
out=$(ctdb0 ip)
check "ctdb ip lists the three IPs on node 0" test "$(echo "$out" | tail -n +2 | grep -c ' 0$')" = 3
check "ctdb ip sorted, first 198.19.0.1" sh -c "echo '$out' | sed -n 2p | grep -q '^198.19.0.1 0'"
check "ctdb ifaces lists eth0 and eth1" sh -c "CTDB_SOCKET=$(node_socket 0) $STOCK_CTDB ifaces | grep -q 'name:eth1 link:up'"
check "ipinfo names the active interface" sh -c "CTDB_SOCKET=$(node_socket 0) $STOCK_CTDB ipinfo 198.19.0.2 | grep -q 'Name:eth1 Link:up References:[0-9]* (active)'"

# delip of a held IP: kept until the next takeover run releases it.
check "delip 198.19.0.2" ctdb0 delip 198.19.0.2
check "198.19.0.2 still in ctdb ip" sh -c "CTDB_SOCKET=$(node_socket 0) $STOCK_CTDB ip | grep -q '^198.19.0.2 '"
check "198.19.0.2 still in the kernel" node_has_addr 0 198.19.0.2 eth1
check "ipreallocate" ctdb0 ipreallocate
check "198.19.0.2 gone from the kernel" wait_until 5 node_lacks_addr 0 198.19.0.2
check "198.19.0.2 gone from ctdb ip" sh -c "! CTDB_SOCKET=$(node_socket 0) $STOCK_CTDB ip | grep -q '^198.19.0.2 '"

# addip: known at once; the tool's REBALANCE_NODE makes the leader run a
# takeover run, so it is hosted without ipreallocate (as observed with 4.17).
check "addip 198.19.0.9/16 eth1" ctdb0 addip 198.19.0.9/16 eth1
check "198.19.0.9 in ctdb ip" sh -c "CTDB_SOCKET=$(node_socket 0) $STOCK_CTDB ip | grep -q '^198.19.0.9 '"
check "198.19.0.9 hosted on eth1 without ipreallocate" wait_until 5 node_has_addr 0 198.19.0.9 eth1

# Bad input. (The stock tool retries a failing ADD_PUBLIC_IP 5 times, 3 s apart.)
check "addip on a missing interface fails" sh -c "! CTDB_SOCKET=$(node_socket 0) $STOCK_CTDB addip 198.19.0.10/16 nosuch0 2>/dev/null"
check "addip malformed fails" sh -c "! CTDB_SOCKET=$(node_socket 0) $STOCK_CTDB addip 198.19.0.300/16 eth0 2>/dev/null"
# (4.17's tool checks GET_PUBLIC_IPS first: message, exit 0, no control)
check "delip of an unknown IP is refused" sh -c "CTDB_SOCKET=$(node_socket 0) $STOCK_CTDB delip 198.19.7.7 2>&1 | grep -q 'does not know'"
check "the table is unchanged" test "$(CTDB_SOCKET=$(node_socket 0) $STOCK_CTDB ip | tail -n +2 | wc -l)" = 3

# Link down (kernel): eth1-only 198.19.0.9 is released, 198.19.0.3 ends on eth0.
node_exec 0 ip link set eth1 down
check "198.19.0.9 released when eth1 goes down" wait_until 10 node_lacks_addr 0 198.19.0.9
check "ifaces shows eth1 down" wait_until 5 sh -c "CTDB_SOCKET=$(node_socket 0) $STOCK_CTDB ifaces | grep -q 'name:eth1 link:down'"
check "198.19.0.3 on eth0" wait_until 10 node_has_addr 0 198.19.0.3 eth0
node_exec 0 ip link set eth1 up
check "198.19.0.9 back after link up" wait_until 10 node_has_addr 0 198.19.0.9 eth1

# setifacelink (the script path) does the same.
check "setifacelink eth1 down" ctdb0 setifacelink eth1 down
check "198.19.0.9 released after setifacelink down" wait_until 10 node_lacks_addr 0 198.19.0.9
check "setifacelink eth1 up" ctdb0 setifacelink eth1 up
check "198.19.0.9 hosted after setifacelink up" wait_until 10 node_has_addr 0 198.19.0.9 eth1

# SIGTERM releases everything.
# (signal ctdbd itself: its --pidfile, not the harness's background job pid)
ctdbd_pid=$(cat "$(node_dir 0)/run/ctdbd.pidfile")
check "ctdbd pid known" test -n "$ctdbd_pid"
kill -TERM "$ctdbd_pid"
check "ctdbd exits after SIGTERM" wait_until 10 sh -c "! kill -0 $ctdbd_pid 2>/dev/null"
check "shutdown released the IPs" grep -q "Released 3 public IPs" "$(node_dir 0)/log.ctdbd"
check "no public IP left in the kernel" sh -c "! ip netns exec $(ns_name 0) ip -o -4 addr | grep -q ' 198.19.'"
