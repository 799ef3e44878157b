#!/bin/bash
# A node that restarts into a running cluster gets its share of the public
# IPs back: it reaches RUNNING before it has heard the first LEADER message,
# and its request for a takeover run must not be lost (it was: the node
# stayed empty until some unrelated run). Three kill/restart rounds of a
# non-leader, each checked in the kernels: balanced within one, every IP once.
. "$(dirname "$0")/cluster_common.sh"
cc_setup 3 30
check "balanced after bring-up" wait_until 20 cc_balanced 0 1 2
leader=$(cc_leader 0)
victim=$(( (leader + 1) % 3 ))
for round in 1 2 3; do
    cc_kill "$victim"
    cc_wait_once 20 "round $round: IPs of node $victim hosted elsewhere"
    cc_start "$victim"
    wait_until 15 cc_balanced 0 1 2
    check "round $round: node $victim gets IPs back, balanced ($(cc_counts))" cc_balanced 0 1 2
    cc_wait_once 20 "round $round: every IP once after the rejoin"
done
cluster_log "cluster_rejoin: ok ($(cc_counts))"
