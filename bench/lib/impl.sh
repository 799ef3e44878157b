# shellcheck shell=bash
# bench/lib/impl.sh -- the two implementations behind one interface, on a
# cluster built by tests/integration/lib/cluster.sh (cluster_create):
#
#   impl_configure K        write node K's configuration (IMPL, IFACES)
#   impl_write_pubs FIRST COUNT   public_addresses of every node
#   impl_start K            start node K's daemon inside its cgroups
#   impl_pid K              pid of node K's main daemon
#   impl_cli K ARGS...      the ctdb tool against node K (bounded)
#   impl_kill K             SIGKILL of node K's main daemon
#   impl_log K              node K's daemon log
#   impl_stop_all           orderly stop, then SIGKILL what is left
#
# IMPL=ctdb: Debian's CTDB 4.17 (/usr/sbin/ctdbd), run as the reference
#   script /work/shared/tools/ctdb417-bench.sh does: not in test mode, each
#   ctdbd in a private mount namespace where the node's directories are
#   bind-mounted on /etc/ctdb, /run/ctdb and /var/lib/ctdb; event scripts
#   00.ctdb and 10.interface enabled.
# IMPL=ours: build/bin/ctdbd started with the harness's node_start (exactly
#   as the integration tests start it) plus --reclock=<work>/reclock and
#   --tunables-file=<node>/tunables; the repository's events.d/ and
#   ip_events.d/ scripts are copied into each node's script directories.
#   CLUSTER_BIN points at a directory of symlinks whose ctdbd is a
#   two-line wrapper that joins the node's cgroups (through fds opened
#   before "ip netns exec", which remounts /sys) and execs the real ctdbd
#   (same pid, so node_kill/node_stop work unchanged).

SAFE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# public IP number I (0-based) of the layout, with prefix and interface
pub_line() {
    local i=$1 j
    if [ "$LAYOUT" = multi ]; then
        j=$((i / 4))
        case $((i % 4)) in
        0) echo "198.19.$((j / 200)).$((j % 200 + 1))/17 eth0" ;;
        1) echo "198.19.$((128 + j / 200)).$((j % 200 + 1))/17 eth1" ;;
        2) echo "198.18.$((128 + j / 200)).$((j % 200 + 1))/18 eth2" ;;
        3) echo "198.18.$((192 + j / 200)).$((j % 200 + 1))/18 eth3" ;;
        esac
    else
        echo "198.19.$((i / 200)).$((i % 200 + 1))/16 eth0"
    fi
}
pub_list() { # first count -> "IP/BITS IFACE" lines
    local i
    for ((i = $1; i < $1 + $2; i++)); do pub_line "$i"; done
}

impl_configure() {
    local k=$1 d; d=$(node_dir "$1")
    if [ "$IMPL" = ctdb ]; then
        mkdir -p "$d/etc" "$d/var/volatile" "$d/var/persistent" "$d/var/state"
        cp -a /etc/ctdb/. "$d/etc/"
        cat >"$d/etc/ctdb.conf" <<EOF
[logging]
	location = file:$d/log.ctdb
	log level = NOTICE
[cluster]
	node address = 198.18.0.$((k + 1))
[legacy]
	realtime scheduling = false
EOF
        cp "$d/nodes" "$d/etc/nodes"
        mkdir -p "$d/etc/events/legacy"
        local s
        for s in 00.ctdb 10.interface; do
            ln -sf "/usr/share/ctdb/events/legacy/$s.script" "$d/etc/events/legacy/$s.script"
        done
        : >"$d/log.ctdb"
    else
        [ -d "$CLUSTER_TOP/events.d" ] && cp -a "$CLUSTER_TOP/events.d/." "$d/events.d/"
        [ -d "$CLUSTER_TOP/ip_events.d" ] && cp -a "$CLUSTER_TOP/ip_events.d/." "$d/ip_events.d/"
        if [ -n "$TUNABLES" ]; then
            tr ' ' '\n' <<<"$TUNABLES" | grep . >"$d/tunables"
        else
            : >"$d/tunables"
        fi
        : >"$d/log.ctdbd"
    fi
}

impl_write_pubs() {
    local k d
    for k in $(seq 0 $((NODES - 1))); do
        d=$(node_dir "$k")
        if [ "$IMPL" = ctdb ]; then
            pub_list "$1" "$2" >"$d/etc/public_addresses"
        else
            pub_list "$1" "$2" >"$d/public_addresses"
        fi
    done
}

impl_log() {
    if [ "$IMPL" = ctdb ]; then echo "$(node_dir "$1")/log.ctdb"; else echo "$(node_dir "$1")/log.ctdbd"; fi
}

make_wrapbin() {
    WRAPBIN=$OUT/wrapbin
    mkdir -p "$WRAPBIN"
    local f
    for f in "$REAL_BIN"/*; do
        [ "${f##*/}" = ctdbd ] && continue
        ln -sf "$f" "$WRAPBIN/${f##*/}"
    done
    cat >"$WRAPBIN/ctdbd" <<'EOF'
#!/bin/sh
# bench wrapper: join the node's cgroups, then become the real ctdbd
# (ip netns exec remounts /sys, so the groups come as inherited open fds)
for fd in $BENCH_CG_FDS; do echo $$ >&"$fd"; eval "exec $fd>&-"; done
exec "$BENCH_REAL_CTDBD" "$@"
EOF
    chmod 755 "$WRAPBIN/ctdbd"
}

# start node K; returns nonzero if it did not come up
impl_start() {
    local k=$1 d; d=$(node_dir "$1")
    if [ "$IMPL" = ctdb ]; then
        rm -f "$d/run/ctdbd.pid"
        (
            cg_join "$k" "$BASHPID"
            exec env -i PATH=$SAFE_PATH LC_ALL=C TZ=UTC \
                ip netns exec "$(ns_name "$k")" unshare --mount --propagation private \
                sh -c 'mount --bind "$1/etc" /etc/ctdb &&
                       mount --bind "$1/run" /run/ctdb &&
                       mount --bind "$1/var" /var/lib/ctdb &&
                       exec /usr/sbin/ctdbd' sh "$d"
        ) >>"$d/ctdbd.stdout" 2>&1
    else
        # node_start exits (cluster_fail) if the daemon does not answer in
        # 20 s: contain that in a subshell
        (
            fd=6 BENCH_CG_FDS=""  # dash: single-digit fds only
            for f in $(cg_join_files "$k"); do
                eval "exec $fd>\"\$f\"" && BENCH_CG_FDS="$BENCH_CG_FDS $fd"
                fd=$((fd + 1))
            done
            BENCH_REAL_CTDBD=$REAL_BIN/ctdbd
            CLUSTER_BIN=$WRAPBIN
            export BENCH_CG_FDS BENCH_REAL_CTDBD
            node_start "$k" --reclock="$CLUSTER_WORK/reclock" \
                --tunables-file="$d/tunables" $OURS_ARGS
        ) >>"$OUT/driver.log" 2>&1
    fi
}

impl_pid() {
    if [ "$IMPL" = ctdb ]; then
        cat "$(node_dir "$1")/run/ctdbd.pid" 2>/dev/null
    else
        node_pid "$1"
    fi
}

impl_cli() {
    local k=$1; shift
    if [ "$IMPL" = ctdb ]; then
        CTDB_SOCKET=$(node_dir "$k")/run/ctdbd.socket timeout "$PT" /usr/bin/ctdb "$@"
    else
        CTDB_SOCKET=$(node_socket "$k") CTDB_BASE=$(node_dir "$k") timeout "$PT" "$REAL_BIN/ctdb" "$@"
    fi
}

impl_kill() {
    if [ "$IMPL" = ctdb ]; then
        local p; p=$(impl_pid "$1")
        [ -n "$p" ] && kill -9 "$p" 2>/dev/null
    else
        node_kill "$1" 2>/dev/null
    fi
}

impl_stop_all() {
    local k
    if [ "$IMPL" = ctdb ]; then
        for k in $(seq 0 $((NODES - 1))); do
            [ -S "$(node_dir "$k")/run/ctdbd.socket" ] &&
                CTDB_SOCKET=$(node_dir "$k")/run/ctdbd.socket timeout 20 /usr/bin/ctdb shutdown >/dev/null 2>&1 &
        done
        wait_bg
    else
        for k in $(seq 0 $((NODES - 1))); do node_stop "$k" >/dev/null 2>&1 & done
        wait_bg
    fi
    for k in $(seq 0 $((NODES - 1))); do cg_kill_node "$k"; done
}

# wait for background jobs except the address monitors and perf
wait_bg() {
    local j
    for j in $(jobs -p); do
        case " $MON_PIDS $PERF_PID " in *" $j "*) continue ;; esac
        wait "$j" 2>/dev/null
    done
}
