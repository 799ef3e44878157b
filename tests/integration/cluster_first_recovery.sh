#!/bin/bash
# RUNNING means "part of a cluster with a leader": a node that cannot get a
# leader (the cluster lock is held elsewhere, e.g. by a leader it cannot
# reach) stays in FIRST_RECOVERY and hosts no public IP; once the lock is
# free it becomes leader, reaches RUNNING and hosts the IPs.
# 2-node cluster, only node 0 started, 4 IPs; the reclock file is held by
# a python process of the test (an fcntl lock, which conflicts with
# ctdbd's OFD lock). Node 1 is never heard from, so node 0 treats it as
# possibly hosting addresses in a partition until FenceTimeout +
# FenceMargin after node 0's start (doc/cluster.md "Quorum and fencing"),
# and only then takes its share (here that hold has passed while the lock
# was held, so it takes them at once).
. "$(dirname "$0")/cluster_common.sh"
cluster_require_root
cluster_create 2
all_public_addresses "198.19.0.1/16 eth0" "198.19.0.2/16 eth0" "198.19.0.3/16 eth0" "198.19.0.4/16 eth0"
printf 'KeepaliveInterval=1\nKeepaliveLimit=3\nElectionTimeout=1\nFenceTimeout=2\nFenceMargin=2\n' > "$(node_dir 0)/tunables"

touch "$CLUSTER_WORK/reclock"
python3 - "$CLUSTER_WORK/reclock" "$CLUSTER_WORK/lock.held" "$CLUSTER_WORK/lock.release" <<'PY' &
import fcntl, os, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
for _ in range(600):                      # bounded: at most 60 s
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.1)
PY
HOLDER=$!   # ends by itself after 60 s at most (the harness owns the EXIT trap)
wait_until 10 test -e "$CLUSTER_WORK/lock.held" || cluster_fail "test could not take the lock"

# --debug=INFO: the lock retries are logged at INFO.
node_start 0 --tunables-file="$(node_dir 0)/tunables" --reclock="$CLUSTER_WORK/reclock" --debug=INFO
# Election period 1 s, then lock contention retried every second. What
# must not have happened is asserted after the node failed to take the
# lock three times (the first failure and two retries, from its log).
lock_tried_thrice() { grep -q "leader election: cluster lock attempt 3:" "$(node_dir 0)/log.ctdbd"; }
check "node 0 tried the held cluster lock three times" wait_until 15 lock_tried_thrice
rs=$(node_ctdb 0 runstate 2>/dev/null)
check "without a leader node 0 stays in FIRST_RECOVERY (runstate: $rs)" test "$rs" = FIRST_RECOVERY
check "node 0 hosts no public IP without a leader" test "$(cc_count 0)" = 0
check "its log says it waits for a leader" grep -q "first recovery: waiting for a leader" "$(node_dir 0)/log.ctdbd"

touch "$CLUSTER_WORK/lock.release"
wait "$HOLDER" 2>/dev/null
check "lock free: node 0 reaches RUNNING" wait_until 15 cc_is_running 0
check "node 0 is the leader" test "$(cc_leader 0)" = 0
check "node 0 hosts all 4 IPs" wait_until 15 cc_count_is 0 4
cluster_log "PASS"
