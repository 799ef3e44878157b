#!/bin/bash
# RELOAD_PUBLIC_IPS on one node (stock 4.17 `ctdb reloadips`): added IPs are
# hosted, removed ones released and gone, unchanged ones untouched; a file
# with an error leaves table and kernel unchanged and the error names
# FILE:LINE in the daemon's log.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
[ -x "$STOCK_CTDB" ] || { echo "SKIP: no stock ctdb at $STOCK_CTDB"; exit 77; }
cluster_create 1 "eth0 eth1"
pa=$(node_dir 0)/public_addresses
node_public_addresses 0 "198.19.0.1/16 eth0" "198.19.0.2/16 eth0" "198.19.0.3/16 eth1"
node_start 0
ctdb0() { node_stock_ctdb 0 "$@"; }
listed() { ctdb0 ip | tail -n +2 | awk '{print $1}' | tr '\n' ' '; }
for ip in 198.19.0.1 198.19.0.2 198.19.0.3; do
    check "$ip hosted at start" wait_until 10 node_has_addr 0 $ip
done
log=$(node_dir 0)/log.ctdbd
takeips_before=$(grep -c "takeip 198.19.0.1/" "$log")

node_public_addresses 0 "198.19.0.1/16 eth0" "198.19.0.3/16 eth1" "198.19.0.4/16 eth1"
check "reloadips" ctdb0 reloadips
check "added 198.19.0.4 hosted on eth1" wait_until 10 node_has_addr 0 198.19.0.4 eth1
check "removed 198.19.0.2 released" wait_until 10 node_lacks_addr 0 198.19.0.2
check "ctdb ip lists exactly .1 .3 .4" test "$(listed)" = "198.19.0.1 198.19.0.3 198.19.0.4 "
check "unchanged 198.19.0.1 still on eth0" node_has_addr 0 198.19.0.1 eth0
check "unchanged 198.19.0.1 not re-taken" test "$(grep -c "takeip 198.19.0.1/" "$log")" = "$takeips_before"

# Changed interface list of an existing IP (beyond CTDB): moved.
node_public_addresses 0 "198.19.0.1/16 eth1" "198.19.0.3/16 eth1" "198.19.0.4/16 eth1"
check "reloadips with a changed interface" ctdb0 reloadips
check "198.19.0.1 now on eth1" wait_until 10 node_has_addr 0 198.19.0.1 eth1
check "198.19.0.1 gone from eth0" node_lacks_addr 0 198.19.0.1 eth0

# A file with an error: nothing changes.
printf '198.19.0.1/16 eth1\n198.19.0.5/16 eth0\n198.19.0.6/99 eth0\n' > "$pa"
# (4.17's tool reports a node's RELOAD_PUBLIC_IPS failure on stderr)
out=$(ctdb0 reloadips 2>&1)
check "reloadips with a bad file reports the failure" sh -c "echo '$out' | grep -qi 'fail'"
check "error names file:line" grep -q "$pa:3" "$log"
check "table unchanged" test "$(listed)" = "198.19.0.1 198.19.0.3 198.19.0.4 "
check "198.19.0.5 not hosted" node_lacks_addr 0 198.19.0.5
check "198.19.0.3 still hosted" node_has_addr 0 198.19.0.3 eth1
