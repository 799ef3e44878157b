#!/bin/bash
# One owner per address, always (issue 10; doc/cluster.md "Quorum and
# fencing"): a fault scenario on a namespace cluster of our ctdbd, with a
# 0.1 s sampler of every node's kernel (lib/addr_sampler.py). Every
# scenario asserts that
#   - no public IP is ever seen on two nodes (overlap 0.0 s), the faulty
#     node's kernel included (its stale addresses count);
#   - the nodes that may run host every IP exactly once within BOUND s
#     (max(KeepaliveInterval x KeepaliveLimit, FenceTimeout + FenceMargin)
#     + 5 s; the lock-only splits also wait out the etcd lock's TTL);
#   - after the fault ends, every IP is on exactly one node and the nodes
#     are balanced within HEAL s.
#
# usage: fence_scenario.sh SCENARIO
#   partition_nonleader  3 nodes, fcntl lock: a non-leader's bridge port
#                        out (link up), then back
#   partition_leader     3 nodes, etcd lock reachable only from the
#                        majority: the leader's port out, then back
#   partition_leader_fcntl  the same with the fcntl file lock
#   split2_lock          2 nodes, etcd lock: the leader on one side, etcd
#                        and the other node on the other
#   split4_lock          4 nodes 2/2, etcd with the side without the leader
#   split4_nolock        4 nodes 2/2, no lock: neither side may host
#   sigkill              3 nodes: SIGKILL a non-leader's ctdbd (its kernel
#                        and link stay up), then start it again
#   sigstop              3 nodes: SIGSTOP a non-leader's ctdbd for longer
#                        than the detection time, then SIGCONT
# Figures go to stderr as "MEASURED ..." lines.
. "$(dirname "$0")/cluster_common.sh"

scenario=${1:-}
KI=1 KL=5 FT=3 FM=2
DETECT=$((KI * KL))
HOLD=$((FT + FM))
BOUND=$(( (DETECT > HOLD ? DETECT : HOLD) + 5 ))
HEAL=10
LOCK_TTL=4
case $scenario in
partition_nonleader) N=3 NIP=60 LOCK=fcntl ;;
partition_leader) N=3 NIP=60 LOCK=etcd ;;
partition_leader_fcntl) N=3 NIP=60 LOCK=fcntl ;;
split2_lock) N=2 NIP=20 LOCK=etcd ;;
split4_lock) N=4 NIP=40 LOCK=etcd ;;
split4_nolock) N=4 NIP=40 LOCK=none ;;
sigkill) N=3 NIP=60 LOCK=fcntl ;;
sigstop) N=3 NIP=60 LOCK=fcntl ;;
*) echo "usage: fence_scenario.sh partition_nonleader|partition_leader|partition_leader_fcntl|split2_lock|split4_lock|split4_nolock|sigkill|sigstop" >&2
   exit 2 ;;
esac
[ $LOCK = etcd ] && etcd_require
# The new leader of a lock-only side first waits for the old holder's etcd
# key to expire.
[ $LOCK = etcd ] && BOUND=$((BOUND + LOCK_TTL))

cc_prepare $N $NIP KeepaliveInterval=$KI KeepaliveLimit=$KL \
    FenceTimeout=$FT FenceMargin=$FM ElectionTimeout=1
case $LOCK in
etcd) etcd_start $LOCK_TTL 1; CC_RECLOCK_ARG=$(etcd_reclock_arg) ;;
none) CC_RECLOCK_ARG="" ;;
fcntl) ;;
esac
all=$(seq -s ' ' 0 $((N - 1)))
cc_start_all
cc_wait_once 30 "bring-up: every IP on exactly one node"
# shellcheck disable=SC2086
check "bring-up balanced" wait_until 15 cc_balanced $all
leader=""
wait_leader() { leader=$(cc_leader_is 0); }
wait_until 15 wait_leader || cluster_fail "no leader after bring-up"
nonleader=$(( (leader + 1) % N ))
cluster_log "leader is node $leader; scenario $scenario"
printf '%s\n' "${CC_IPS[@]}" >"$CLUSTER_WORK/expected"
fence_sampler_start 0.1

others() { local k; for k in $all; do case " $* " in *" $k "*) ;; *) printf '%s ' "$k" ;; esac; done; }

# the kernels right now, judged the same way
maj_hosts_all() {
    local k m=""
    for k in $MAJ; do m="$m$(cc_kaddrs "$k")"$'\n'; done
    [ "$(echo "$m" | grep -c .)" = "$NIP" ] && [ -z "$(echo "$m" | grep . | sort | uniq -d)" ]
}
min_empty() { local k; for k in $MIN; do [ "$(cc_count "$k")" = 0 ] || return 1; done; }
none_hosted() { local k; for k in $all; do [ "$(cc_count "$k")" = 0 ] || return 1; done; }
all_once_balanced() {
    cc_live_set "$all"
    # shellcheck disable=SC2086
    cc_exactly_once && cc_balanced $all
}

fault_start=0
fault() { fence_mark fault; fault_start=$(ms); }
case $scenario in
partition_nonleader) MIN=$nonleader; MAJ=$(others $MIN); fault; node_partition $MIN ;;
partition_leader | partition_leader_fcntl) MIN=$leader; MAJ=$(others $MIN); fault; node_partition $MIN ;;
split2_lock | split4_lock)
    # The leader, and for 4 nodes one more, on br1 without etcd.
    MIN=$leader; [ $N = 4 ] && MIN="$leader $nonleader"
    MAJ=$(others $MIN); fault; cluster_split "$MAJ" "$MIN" ;;
split4_nolock) MIN="$leader $nonleader"; MAJ=$(others $MIN); fault; cluster_split "$MAJ" "$MIN" ;;
sigkill) MIN=$nonleader; MAJ=$(others $MIN); fault; node_kill $MIN ;;
sigstop) MIN=$nonleader; MAJ=$(others $MIN); stopped_pid=$(node_pid $MIN)
    held=$(cc_kaddrs $MIN)
    node_script $MIN events.d 99.probe '
[ "$1" = ipreallocated ] || exit 0
cat "$CTDB_IP_CHANGES_FILE" >> "$CTDB_BASE/ipr.log"
exit 0'
    fault; node_sigstop $MIN
    cont_on_exit() { local rc=$?; kill -CONT "$stopped_pid" 2>/dev/null; (exit $rc); cluster_on_exit; }
    trap cont_on_exit EXIT ;;
esac

if [ $scenario = split4_nolock ]; then
    # Neither half is quorate without a lock: every node drops everything
    # within FenceTimeout (+ the release events), and nobody takes over.
    check "no node hosts any IP within FenceTimeout + 3 s" wait_until $((FT + 3)) none_hosted
    cluster_log "MEASURED none hosted after $(( $(ms) - fault_start )) ms"
    # Nothing comes back while the split lasts (bounded: the detection
    # time and the hold twice over).
    t_end=$(( $(ms) + 2 * (DETECT + HOLD) * 1000 ))
    while [ "$(ms)" -lt $t_end ]; do
        none_hosted || cluster_fail "an IP was hosted during a 2/2 split without a lock: $(cc_counts)"
        sleep 0.2
    done
    cluster_log "ok: nothing hosted during the split"
else
    check "the majority {$MAJ} hosts every IP within $((BOUND + 10)) s" \
        wait_until $((BOUND + 10)) maj_hosts_all
    cluster_log "MEASURED majority hosts everything after $(( $(ms) - fault_start )) ms"
    check "the cut-off/failed node(s) {$MIN} hold none" wait_until 15 min_empty
fi

# End the fault.
heal_start=$(ms)
case $scenario in
partition_*) fence_mark heal; node_heal $MIN ;;
split*) fence_mark heal; cluster_heal_all ;;
sigkill) fence_mark heal; cc_start $MIN ;;
sigstop) fence_mark heal; node_sigcont $MIN
    held_by() { node_ctdb $MIN ip 2>/dev/null | awk -v k=$MIN 'NR > 1 && $2 == k' | grep -q .; }
    check "after SIGCONT, ctdb ip on node $MIN shows none held by it until it is given some" \
        wait_until 10 eval '! held_by' ;;
esac
check "healed: every IP exactly once and balanced within $HEAL s" wait_until $HEAL all_once_balanced
cluster_log "MEASURED healed after $(( $(ms) - heal_start )) ms"
# ten more samples (a second at the 0.1 s period) of the healed state
fence_mark healed
check "the sampler recorded ten samples after the heal" wait_until 10 fence_samples_since healed 10
fence_sampler_stop

rep=$(fence_report --expected "$CLUSTER_WORK/expected" --since fault \
          --majority "$MAJ" --minority "$MIN" --heal heal --balance "$all")
echo "$rep" | sed 's/^/MEASURED /' >&2
val() { echo "$rep" | awk -F= -v k="$1" '$1 == k {print $2}'; }
[ "$(val max_gap_s | cut -d. -f1)" -lt 1 ] || cluster_fail "the sampler missed its period (max gap $(val max_gap_s) s)"
[ "$(val overlap_ips)" = 0 ] ||
    cluster_fail "$(val overlap_ips) IPs were on two nodes (overlap $(val overlap_s) s, first at $(val overlap_first) s)"
cluster_log "ok: no IP on two nodes in $(val samples) samples"
if [ $scenario != split4_nolock ]; then
    at=$(val majority_at)
    awk -v a="$at" -v b=$BOUND 'BEGIN { exit !(a >= 0 && a <= b) }' ||
        cluster_fail "the majority hosted everything after $at s, bound $BOUND s"
    cluster_log "ok: majority hosted everything after $at s (bound $BOUND s)"
fi
if [ $scenario = sigstop ]; then
    saw_releases() {
        local a
        for a in $held; do
            grep -qE "^releaseip [^ ]+ ${a%/*} " "$(node_dir $MIN)/ipr.log" 2>/dev/null || return 1
        done
    }
    check "node $MIN's ipreallocated saw a releaseip line for each address it lost" \
        wait_until 20 saw_releases
fi
cluster_log "PASS"
