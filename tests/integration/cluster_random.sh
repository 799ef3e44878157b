#!/bin/bash
# The "done when" of the cluster takeover issue: a 3-node cluster of our
# ctdbd with 300 public IPs survives random disable / enable / SIGKILL /
# restart steps (seeded; the seed is printed; CLUSTER_SEED=N replays a run,
# CLUSTER_STEPS=N changes the count, default 20), and after every step,
# within a bounded wait, every public IP is in exactly one live node's
# kernel and no disabled node holds any. A background sampler checks that
# no IP is ever on two live nodes at once. At least two nodes stay alive
# and at least one live node stays enabled.
. "$(dirname "$0")/cluster_common.sh"

SEED=${CLUSTER_SEED:-$(( $(date +%s) % 32768 ))}
STEPS=${CLUSTER_STEPS:-20}
NIP=${CLUSTER_NIP:-300}
RANDOM=$SEED
cluster_log "random steps: seed $SEED ($STEPS steps, $NIP IPs; replay with CLUSTER_SEED=$SEED)"

cc_setup 3 "$NIP"
cc_sampler_start
t0=$(ms)
cc_wait_once 60 "bring-up with $NIP IPs: every IP on exactly one node"
check "bring-up balanced" wait_until 20 cc_balanced 0 1 2
cluster_log "bring-up: $(cc_counts) after $(( $(ms) - t0 )) ms"

declare -A state   # k -> up | disabled | dead
for k in 0 1 2; do state[$k]=up; done
nodes_in() { local k out=""; for k in 0 1 2; do [ "${state[$k]}" = "$1" ] && out="$out $k"; done; echo $out; }
count_in() { echo $(nodes_in "$1") | wc -w; }
# pick WORDS... -> $P (no command substitution: a subshell would draw from
# a reseeded RANDOM and the run would not be reproducible from the seed)
pick() { local a=($@); P=${a[$((RANDOM % ${#a[@]}))]}; }

disabled_empty() {
    local k c
    for k in $(nodes_in disabled); do
        c=$(cc_count "$k")
        [ "$c" = 0 ] || { CC_WHY="disabled node $k holds $c IPs"; return 1; }
    done
}
settled() { CC_WHY=""; cc_exactly_once && disabled_empty; }

worst=0
for step in $(seq 1 "$STEPS"); do
    live=$(( $(count_in up) + $(count_in disabled) ))
    actions=()
    [ "$(count_in up)" -ge 2 ] && actions+=(disable)
    [ "$(count_in disabled)" -ge 1 ] && actions+=(enable)
    [ "$live" -ge 3 ] && [ "$(count_in up)" -ge 2 ] && actions+=(kill kill)
    [ "$(count_in dead)" -ge 1 ] && actions+=(restart restart)
    pick "${actions[@]}"; act=$P
    case $act in
    disable) pick $(nodes_in up); k=$P; pick $(nodes_in up) $(nodes_in disabled); via=$P
             out=$(node_ctdb "$via" -n "$k" disable 2>&1) || cluster_log "(disable via node $via reported an error: $(echo $out | cut -c1-300))"
             state[$k]=disabled ;;
    enable)  pick $(nodes_in disabled); k=$P; pick $(nodes_in up) $(nodes_in disabled); via=$P
             out=$(node_ctdb "$via" -n "$k" enable 2>&1) || cluster_log "(enable via node $via reported an error: $(echo $out | cut -c1-300))"
             state[$k]=up ;;
    kill)    pick $(nodes_in up) $(nodes_in disabled); k=$P
             cc_kill "$k"; state[$k]=dead ;;
    restart) pick $(nodes_in dead); k=$P; cc_start "$k"; state[$k]=up ;;
    esac
    t=$(ms)
    CC_WHY=""
    wait_until 60 settled || cluster_fail "step $step ($act node $k): not settled within 60 s: $CC_WHY; counts $(cc_counts)"
    d=$(( $(ms) - t ))
    [ $d -gt $worst ] && worst=$d
    cluster_log "step $step: $act node $k -> settled in $d ms; counts $(cc_counts); states ${state[0]} ${state[1]} ${state[2]}"
done
cluster_log "MEASURED worst settle time over $STEPS steps: $worst ms ($NIP IPs)"

cc_sampler_stop
cc_sampler_check
cluster_log "PASS (seed $SEED)"
