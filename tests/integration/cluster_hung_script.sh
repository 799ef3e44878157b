#!/bin/bash
# A hung IP script bans its node (CTDB 4.5's ctdb_ban_self on an event
# timeout), so the cluster hosts its IPs elsewhere instead of waiting on it:
#   - a takeip that runs past EventScriptTimeout on node 1 -> node 1 logs
#     that it bans itself, is BANNED, holds no IP; node 0 hosts all;
#   - after unban (script fixed) -> rebalanced;
#   - an ipreallocated that runs past EventScriptTimeout on node 1 -> the
#     same self-ban.
# 2 nodes, 6 IPs, EventScriptTimeout=2, RecoveryBanPeriod=600.
. "$(dirname "$0")/cluster_common.sh"

cc_setup 2 6 EventScriptTimeout=2 RecoveryBanPeriod=600
cc_wait_once 30 "bring-up: every IP on exactly one node"
check "bring-up balanced" wait_until 15 cc_balanced 0 1
self_ban_logged() { grep -qE "bans itself for 600 seconds: $1" "$(node_dir 1)/log.ctdbd"; }

# --- hung takeip
node_script 1 ip_events.d 05.hang "[ \"\$1\" = takeip ] && [ -e $CLUSTER_WORK/hang-take ] && sleep 60
exit 0"
node_ctdb 0 -n 1 disable || cluster_fail "disable node 1"
check "disabled node 1 empty" wait_until 15 cc_count_is 1 0
touch "$CLUSTER_WORK/hang-take"
t0=$(ms)
node_ctdb 0 -n 1 enable >/dev/null 2>&1 || cluster_log "(enable reported the failed takeover run: expected)"
check "node 1 banned itself after its takeip timed out" wait_until 30 self_ban_logged "IP event timed out: takeip"
check "node 1 is BANNED" wait_until 10 cc_is_banned 0 1
cluster_log "MEASURED hung takeip -> self-ban: $(( $(ms) - t0 )) ms"
check "banned node 1 holds nothing" wait_until 15 cc_count_is 1 0
cc_live_set "0"
cc_wait_once 20 "node 1 banned: every IP on node 0"
grep -q "takeip.*TIMEDOUT" "$(node_dir 1)/log.ctdbd" || cluster_fail "node 1's log does not name the timed-out takeip"

# --- fixed: unban -> rebalanced
rm -f "$CLUSTER_WORK/hang-take"
node_ctdb 0 -n 1 unban || cluster_fail "unban node 1"
cc_live_set "0 1"
check "unbanned node 1 rebalanced" wait_until 20 cc_balanced 0 1
cc_wait_once 10 "after unban: every IP on exactly one node"

# --- hung ipreallocated
node_script 1 events.d 99.hang "[ \"\$1\" = ipreallocated ] && [ -e $CLUSTER_WORK/hang-ipr ] && sleep 60
exit 0"
touch "$CLUSTER_WORK/hang-ipr"
node_ctdb 0 ipreallocate >/dev/null 2>&1 || cluster_log "(ipreallocate reported the failed run: expected)"
check "node 1 banned itself after ipreallocated timed out" wait_until 30 self_ban_logged ".*ipreallocated"
check "node 1 is BANNED again" wait_until 10 cc_is_banned 0 1
rm -f "$CLUSTER_WORK/hang-ipr"
cc_live_set "0"
cc_wait_once 20 "node 1 banned again: every IP on node 0"
cluster_log "PASS"
