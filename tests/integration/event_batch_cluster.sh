#!/bin/bash
# IP event batching on a 3-node cluster of our ctdbd (600 public IPs, the
# stock scripts plus two probes): a batch-capable ip_events.d probe records
# every run it gets (takeipbatch/releaseipbatch with their stdin size, or a
# classic event), an events.d probe counts ipreallocated per node.
#   - ctdb disable of node 1 moves its ~200 IPs with a few batch runs per
#     node (not one script run per IP), all in the kernels within seconds;
#   - every node runs ipreallocated exactly once per takeover run of the
#     disable (and of the enable);
#   - node 1's release batches covered its IPs;
#   - ctdb scriptstatus takeip shows the batch-capable scripts OK.
. "$(dirname "$0")/cluster_common.sh"

N=600
cluster_require_root
cluster_create 3
CC_NIP=$N
CC_IPS=()
lines=()
for i in $(seq 1 "$N"); do
    CC_IPS+=("$(cc_ip "$i")")
    lines+=("$(cc_ip "$i")/16 eth0")
done
all_public_addresses "${lines[@]}"
for k in 0 1 2; do
    d=$(node_dir "$k")
    printf 'KeepaliveInterval=1\nKeepaliveLimit=3\nElectionTimeout=1\nTakeoverTimeout=10\nMonitorInterval=5\nFenceTimeout=2\nFenceMargin=2\n' \
        > "$d/tunables"
    node_script "$k" ip_events.d 90.probe "# ctdb-ip-events: batch
case \"\$1\" in
*batch) echo \"\$1 \$(wc -l)\" >> $d/probe.ip ;;
*) echo \"\$1 1\" >> $d/probe.ip ;;
esac
exit 0"
    node_script "$k" events.d 99.probe "[ \"\$1\" = ipreallocated ] || exit 0
echo \"ipreallocated \$(wc -l < \"\$CTDB_IP_CHANGES_FILE\")\" >> $d/probe.ipr
exit 0"
done
cc_live_set ""
for k in 0 1 2; do cc_launch "$k"; done
for k in 0 1 2; do cc_await_running "$k"; done
cc_wait_once 60 "bring-up: every public IP on exactly one node"
check "bring-up balanced" wait_until 30 cc_balanced 0 1 2
# The baseline of each phase is taken with no takeover run in progress (a
# run completes only after every node's ipreallocated).
check "bring-up: no takeover run in progress" wait_until 30 cc_runs_idle

runs() { cat "$(node_dir 0)/log.ctdbd" "$(node_dir 1)/log.ctdbd" "$(node_dir 2)/log.ctdbd" | \
             grep -c 'Takeover run completed successfully'; }
iprs() { cat "$(node_dir "$1")/probe.ipr" 2>/dev/null | wc -l; }
probe_lines() { cat "$(node_dir "$1")/probe.ip" 2>/dev/null | wc -l; }

# phase NAME COMMAND... : run the command, wait for the kernel state, then
# compare takeover runs with ipreallocated runs per node and count batches
phase() {
    local name=$1; shift
    local runs0 lruns0 leader k t0 moved
    runs0=$(runs)
    leader=$(cc_leader_is 0) || cluster_fail "$name: no leader"
    lruns0=$(cc_runs_ok "$leader")
    declare -A ipr0 pl0
    for k in 0 1 2; do ipr0[$k]=$(iprs "$k"); pl0[$k]=$(probe_lines "$k"); done
    t0=$(ms)
    "$@" || cluster_fail "$name: command failed"
    "phase_wait_$name"
    cluster_log "MEASURED $name: $(( $(ms) - t0 )) ms (command to kernel state)"
    # Runs end with IPREALLOCATED to every node: wait until the command's
    # runs (the tool's own and any the flag change triggered) have all
    # completed, so every ipreallocated they caused has run.
    check "$name: a takeover run completed and none is in progress" \
        wait_until 20 cc_runs_settled "$leader" "${lruns0}"
    local nruns=$(( $(runs) - runs0 ))
    [ "$nruns" -ge 1 ] || cluster_fail "$name: no takeover run"
    local events batches singles
    for k in 0 1 2; do
        check "$name: node $k ran ipreallocated once per takeover run ($nruns)" \
            test "$(( $(iprs "$k") - ${ipr0[$k]} ))" -eq "$nruns"
        events=$(tail -n +"$(( ${pl0[$k]} + 1 ))" "$(node_dir "$k")/probe.ip")
        batches=$(echo "$events" | grep -c 'batch' || true)
        singles=$(echo "$events" | grep -c '^\(takeip\|releaseip\) ' || true)
        moved=$(echo "$events" | awk 'NF == 2 { n += $2 } END { print n + 0 }')
        cluster_log "$name: node $k: $batches batch runs, $singles single events, $moved IP events"
        check "$name: node $k used at most 6 batch runs" test "$batches" -le 6
        check "$name: node $k ran at most 3 single IP events" test "$singles" -le 3
    done
}
count_is() { test "$(cc_count "$1")" = "$2"; }
phase_wait_disable() {
    check "disabled node 1 holds no public IP" wait_until 20 count_is 1 0
    cc_wait_once 20 "after disable: every IP on exactly one of nodes 0, 2"
}
phase_wait_enable() {
    check "enable: rebalanced" wait_until 20 cc_balanced 0 1 2
    cc_wait_once 20 "after enable: every IP on exactly one node"
}

phase disable node_ctdb 0 -n 1 disable
moved_release=$(tail -n 20 "$(node_dir 1)/probe.ip" | awk '$1 ~ /^releaseip/ { n += $2 } END { print n + 0 }')
check "disable: node 1's release batches covered its IPs" test "$moved_release" -ge $(( N / 3 - 10 ))
phase enable node_ctdb 0 -n 1 enable

# scriptstatus of takeip on a node that took IPs: the batch runs recorded
# as the takeip event's scripts, all OK
ss_ok() {
    local out; out=$(node_ctdb 1 scriptstatus takeip) || return 1
    echo "$out" | grep -q '^10\.interface *Status:OK' && echo "$out" | grep -q '^90\.probe *Status:OK'
}
check "scriptstatus takeip on node 1: 10.interface and 90.probe OK" ss_ok
cluster_log "$(node_ctdb 1 scriptstatus takeip | head -4 | tr '\n' '|')"

cluster_log "PASS: IP event batching on 3 nodes x $N IPs"
