#!/bin/bash
# Leader election with a cluster lock, 3 nodes in namespaces sharing a
# reclock file in the work directory:
#   leader_election.sh file    --reclock=FILE (in-process fcntl lock)
#   leader_election.sh helper  --reclock='!ctdb_mutex_fcntl_helper FILE'
# Exactly one leader, every node (our ctdb and the stock one, `leader` and
# the status "Leader:" line) agrees, the leader holds the lock; SIGKILL of the
# leader -> a new leader agreed by the survivors, holding the lock; the
# killed node rejoins and follows the new leader.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root

MODE=${1:-file}
HELPER=/usr/libexec/ctdb/ctdb_mutex_fcntl_helper
if [ "$MODE" = helper ] && [ ! -x "$HELPER" ]; then
    echo "SKIP: $HELPER not installed"
    exit 77
fi

cluster_create 3
LOCK="$CLUSTER_WORK/reclock"
if [ "$MODE" = helper ]; then
    RECLOCK="--reclock=!$HELPER $LOCK"
else
    RECLOCK="--reclock=$LOCK"
fi
ALIVE="0 1 2"

# agreed_leader: prints the leader if every live node names the same one.
agreed_leader() {
    local k l first=""
    for k in $ALIVE; do
        l=$(node_ctdb "$k" leader 2>/dev/null) || return 1
        case "$l" in ''|*[!0-9]*) return 1 ;; esac
        [ -z "$first" ] && first=$l
        [ "$l" = "$first" ] || return 1
    done
    echo "$first"
}
has_agreed_leader() { agreed_leader >/dev/null; }
has_new_leader() { local l; l=$(agreed_leader) && [ "$l" != "$1" ]; }

# The pids whose locks cover the lock file: ctdbd itself (file mode, OFD
# lock in its fdinfo) or the ctdbd whose helper child holds it.
lock_holder_ctdbd() {
    local k pid fd
    for k in $ALIVE; do
        pid=$(node_pid "$k")
        [ -n "$pid" ] || continue
        if [ "$MODE" = helper ]; then
            for c in $(pgrep -P "$pid" -f ctdb_mutex_fcntl_helper); do
                for fd in /proc/"$c"/fd/*; do
                    [ "$(readlink "$fd")" = "$LOCK" ] && grep -q '^lock:.*WRITE' /proc/"$c"/fdinfo/"${fd##*/}" && echo "$k"
                done
            done
        else
            for fd in /proc/"$pid"/fd/*; do
                [ "$(readlink "$fd")" = "$LOCK" ] && grep -q '^lock:.*WRITE' /proc/"$pid"/fdinfo/"${fd##*/}" && echo "$k"
            done
        fi
    done | sort -u
}
holds_lock() { [ "$(lock_holder_ctdbd)" = "$1" ]; }
# A third party (the stock helper, or an fcntl attempt via it) is refused.
lock_contended() {
    local c
    if [ -x "$HELPER" ]; then
        c=$(timeout 3 "$HELPER" "$LOCK" | head -c1)
        [ "$c" = 1 ]
    else
        return 0
    fi
}

for k in 0 1 2; do node_start "$k" "$RECLOCK"; done

check "one leader agreed by all three nodes" wait_until 30 has_agreed_leader
L=$(agreed_leader)
cluster_log "leader is node $L ($MODE lock)"
check "only node $L holds the cluster lock" wait_until 10 holds_lock "$L"
check "a third party cannot take the lock" lock_contended
if [ -x "$STOCK_CTDB" ]; then
    for k in 0 1 2; do
        check "stock ctdb leader on node $k says $L" \
            test "$(node_stock_ctdb "$k" leader)" = "$L"
    done
    check "stock ctdb status shows Leader:$L" \
        sh -c "CTDB_SOCKET='$(node_socket 1)' '$STOCK_CTDB' status | grep -qx 'Leader:$L'"
fi
check "our ctdb status shows Leader:$L" sh -c "'$CLUSTER_BIN/ctdb' --socket='$(node_socket 2)' status | grep -qx 'Leader:$L'"

# Crash the leader.
node_kill "$L"
ALIVE=$(for k in 0 1 2; do [ "$k" != "$L" ] && echo "$k"; done | xargs)
check "a new leader agreed by the survivors ($ALIVE)" wait_until 30 has_new_leader "$L"
N=$(agreed_leader)
cluster_log "new leader is node $N"
check "the new leader $N holds the lock" wait_until 10 holds_lock "$N"

# The old leader comes back and follows (it has run shortest, so it loses).
node_start "$L" "$RECLOCK"
ALIVE="0 1 2"
check "the restarted node agrees on leader $N" wait_until 30 sh -c "[ \"\$(CTDB_SOCKET='$(node_socket "$L")' '$CLUSTER_BIN/ctdb' leader)\" = $N ]"
check "still exactly one agreed leader ($N)" test "$(agreed_leader)" = "$N"
check "only node $N holds the lock" holds_lock "$N"
