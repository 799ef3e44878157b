#!/bin/bash
# The issue's "Done when": 500 public IPs on one node through the REAL
# ip_events.d/10.interface (helper, bounded pool, batching): every address
# ends up in the kernel and one ipreallocated run sees exactly the 500
# takeip lines. Prints the time from ctdbd start to both being true.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
cluster_create 1
N=${EVENT_SCALE_N:-500}
D=$(node_dir 0)
mkdir -p "$D/probe"
addrs=()
for i in $(seq 0 $((N - 1))); do addrs+=("198.19.$((10 + i / 250)).$((1 + i % 250))/16 eth0"); done
node_public_addresses 0 "${addrs[@]}"
node_script 0 events.d 99.probe "
if [ \"\$1\" = ipreallocated ]; then
	n=\$(ls $D/probe | wc -l)
	f=\$(printf '%s/probe/ipr.%04d' $D \$n)
	cp \"\$CTDB_IP_CHANGES_FILE\" \$f.tmp && mv \$f.tmp \$f
fi
exit 0"

count_kernel() { node_exec 0 ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.'; }
one_run_with_all() {
    local f
    for f in "$D"/probe/ipr.*; do
        [ -f "$f" ] && [ "$(grep -c '^takeip eth0 ' "$f")" = "$N" ] && [ "$(wc -l < "$f")" = "$N" ] && return 0
    done
    return 1
}
t0=$(date +%s%N)
node_start 0
check "all $N IPs in the kernel" wait_until 60 sh -c "[ \$(ip netns exec $(ns_name 0) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.') = $N ]"
t1=$(date +%s%N)
check "one ipreallocated saw exactly $N takeip lines" wait_until 20 one_run_with_all
t2=$(date +%s%N)
check "no line delivered twice" test "$(cat "$D"/probe/ipr.* | grep -c '^takeip ')" = "$N"
check "ctdb ip: $N on node 0" test "$(node_ctdb 0 ip | tail -n +2 | grep -c ' 0$')" = "$N"
cpu=$(ps -o cputime= -p "$(node_pid 0)" | tr -d ' ')
cluster_log "RESULT: $N IPs through ip_events.d: all in the kernel $(( (t1 - t0) / 1000000 )) ms after start, ipreallocated delivered at $(( (t2 - t0) / 1000000 )) ms, ctdbd CPU time $cpu"
node_stop 0
check "all released at shutdown" test "$(count_kernel)" = 0
