#!/bin/bash
# The package on a fresh machine: builds the .deb (scripts/build-deb.sh),
# installs it with apt, and runs a 3-node cluster (network namespaces)
# from the installed paths alone -- /usr/sbin/ctdbd, /usr/bin/ctdb,
# /etc/ctdb's scripts, /etc/default/ctdb's options, the packaged examples
# -- with the project tree moved out of reach. Checks failover (disable a
# node: its IPs move), the unit's stop path (ctdb shutdown returns with
# every public IP released) and its post-crash clean-up (ExecStopPost).
#
# Only in a throw-away root, as root; it replaces Debian's ctdb:
#   ../shared/tools/fresh-debian.sh ./tests/package/fresh_root_install.sh
# (fresh-debian.sh clones the committed HEAD). Refuses to run elsewhere
# unless CTDB_IP_FRESH_ROOT_OK=1.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root"
if [ "${CTDB_IP_FRESH_ROOT_OK:-}" != 1 ] && [ "$top" != /project ]; then
    fail "run me through fresh-debian.sh (I install a package that replaces ctdb)"
fi

t0=$(date +%s)
log "building the package"
deb=$("$top/scripts/build-deb.sh" /var/tmp/ctdb-ip-deb | tail -n 1)
log "built $deb in $(( $(date +%s) - t0 )) s"
lintian --info --display-info "$deb" 2>&1 | sed 's/^/  lintian: /'
echo "  lintian: exit status ${PIPESTATUS[0]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$deb" >/dev/null || fail "apt-get install $deb"
log "installed: $(dpkg-query -W -f='${Package} ${Version} ${Status}' ctdb-ip)"
dpkg-query -W -f='${Conffiles}\n' ctdb-ip | awk 'NF {print "  conffile " $1}'

# No build tree from here on.
mv "$top" "$top.away"
trap 'mv "$top.away" "$top" 2>/dev/null || true' EXIT
cd /

for f in /usr/sbin/ctdbd /usr/bin/ctdb /usr/bin/ctdb_ipalloc /usr/libexec/ctdb/ctdb_event_helper \
         /etc/ctdb/functions /etc/ctdb/events.d/10.interface /etc/ctdb/ip_events.d/10.interface \
         /lib/systemd/system/ctdb.service /etc/logrotate.d/ctdb /etc/default/ctdb; do
    [ -e "$f" ] || fail "$f not installed"
done
[ ! -e /etc/ctdb/nodes ] || fail "/etc/ctdb/nodes must not be shipped"
man -w ctdbd >/dev/null 2>&1 || [ -e /usr/share/man/man8/ctdbd.8.gz ] || fail "no ctdbd(8)"

# The administrator's set-up: the examples, with six public IPs.
ex=/usr/share/doc/ctdb-ip/examples
cp "$ex/nodes" /etc/ctdb/nodes
cp "$ex/public_addresses" /etc/ctdb/public_addresses
for i in 4 5 6; do echo "198.19.0.$i/16 eth0" >> /etc/ctdb/public_addresses; done
N=6
. /etc/default/ctdb
log "CTDBD_OPTIONS from /etc/default/ctdb: $CTDBD_OPTIONS"

P="pk$$"
cleanup() {
    local k pid
    for k in 0 1 2; do
        pid=$(cat "/run/ctdb/node$k.pid" 2>/dev/null) || continue
        kill -TERM "$pid" 2>/dev/null || true
    done
    for k in $(seq 1 50); do
        pgrep -x ctdbd >/dev/null || break
        sleep 0.1
    done
    pkill -KILL -x ctdbd 2>/dev/null || true
    for k in 0 1 2; do ip netns del "${P}n$k" 2>/dev/null || true; done
    ip netns del "${P}sw" 2>/dev/null || true
    mv "$top.away" "$top" 2>/dev/null || true
}
on_exit() {
    local rc=$?
    if [ $rc != 0 ]; then
        for f in /var/log/ctdb/node*.log; do
            [ -f "$f" ] && { echo "---- $f"; tail -n 30 "$f"; }
        done
    fi
    cleanup
    exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM

ip netns add "${P}sw"
ip -n "${P}sw" link add br0 type bridge
ip -n "${P}sw" link set br0 up
for k in 0 1 2; do
    ip netns add "${P}n$k"
    ip -n "${P}n$k" link set lo up
    ip -n "${P}sw" link add "s$k" type veth peer name eth0 netns "${P}n$k"
    ip -n "${P}sw" link set "s$k" master br0 up
    ip -n "${P}n$k" link set eth0 up
    ip -n "${P}n$k" addr add "198.18.0.$((k + 1))/24" dev eth0
done

sock() { echo "/run/ctdb/node$1.socket"; }
# ctdb as an administrator on node K types it (the socket is the only
# per-node thing, as three nodes share this root).
ctdb_on() { local k=$1; shift; CTDB_SOCKET=$(sock "$k") /usr/bin/ctdb "$@"; }
addrs() { ip -n "${P}n$1" -o -4 addr show dev eth0 | awk '{split($4,a,"/"); print a[1]}' | grep '^198\.19\.' || true; }
count() { addrs "$1" | wc -l; }
wait_until() {
    local t=$1; shift
    local end=$(( $(date +%s) + t ))
    until "$@"; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.2
    done
}
hosted_once() {   # every public IP on exactly one of the listed nodes
    local i k c
    for i in $(seq 1 $N); do
        c=0
        for k in "$@"; do addrs "$k" | grep -qx "198.19.0.$i" && c=$((c + 1)); done
        [ $c = 1 ] || return 1
    done
}
all_running() { local k; for k in 0 1 2; do ctdb_on "$k" runstate running >/dev/null 2>&1 || return 1; done; }
show() { local k; for k in 0 1 2; do echo "  node $k kernel: $(addrs "$k" | sort -t. -k4 -n | tr '\n' ' ')"; done; }

# ctdbd as ctdbd(8) and the unit start it: the options of /etc/default/ctdb,
# daemonized, plus what must differ per node in one root.
# /run is empty after boot: systemd's RuntimeDirectory=ctdb makes
# /run/ctdb for the unit; by hand the administrator does (doc/packaging.md).
mkdir -p /run/ctdb
start_node() {
    # shellcheck disable=SC2086
    ip netns exec "${P}n$1" /usr/sbin/ctdbd $CTDBD_OPTIONS \
        --socket="$(sock "$1")" --pidfile="/run/ctdb/node$1.pid" \
        --dbdir-state="/var/lib/ctdb/node$1" --logging="file:/var/log/ctdb/node$1.log" \
        --reclock=/var/lib/ctdb/reclock || fail "ctdbd on node $1 did not start"
}
for k in 0 1 2; do start_node "$k"; done
grep -h "CTDB_BASE=" /var/log/ctdb/node0.log | head -n 1
grep -q "CTDB_BASE=/etc/ctdb (built-in default)" /var/log/ctdb/node0.log || fail "CTDB_BASE is not /etc/ctdb"
wait_until 90 all_running || fail "the nodes did not all reach RUNNING"
wait_until 60 hosted_once 0 1 2 || fail "public IPs not hosted exactly once"
log "cluster RUNNING, every public IP hosted once"
ctdb_on 0 status
ctdb_on 0 ip all
show

log "ctdb -n 1 disable: node 1's IPs move"
ctdb_on 0 -n 1 disable
wait_until 30 sh -c "[ \$(ip -n ${P}n1 -o -4 addr show dev eth0 | grep -c ' 198\.19\.') = 0 ]" ||
    fail "node 1 still holds public IPs"
wait_until 30 hosted_once 0 2 || fail "node 1's IPs were not taken over by nodes 0 and 2"
show
ctdb_on 0 -n 1 enable
wait_until 30 sh -c "[ \$(ip -n ${P}n1 -o -4 addr show dev eth0 | grep -c ' 198\.19\.') -gt 0 ]" ||
    fail "node 1 got no IPs back after enable"
wait_until 30 hosted_once 0 1 2 || fail "not hosted once after enable"
log "ok: failover on disable, rebalance on enable"
show

log "ExecStop on node 2: ctdb shutdown returns once its IPs are released"
held=$(count 2)
[ "$held" -gt 0 ] || fail "node 2 holds nothing to release"
pid2=$(cat /run/ctdb/node2.pid)
ctdb_on 2 shutdown || fail "ctdb shutdown failed"
[ "$(count 2)" = 0 ] || fail "ctdb shutdown returned with $(count 2) public IPs still in node 2's kernel"
wait_until 10 sh -c "! kill -0 $pid2 2>/dev/null" || fail "node 2's ctdbd did not exit"
grep -q "Released $held public IPs" /var/log/ctdb/node2.log || fail "node 2's log does not say it released $held IPs"
wait_until 30 hosted_once 0 1 || fail "node 2's IPs were not taken over"
log "ok: node 2 released its $held IPs through releaseip before ctdb shutdown returned"
show

log "node 2 starts again and rejoins"
start_node 2
wait_until 60 sh -c "CTDB_SOCKET=$(sock 2) /usr/bin/ctdb runstate running >/dev/null 2>&1" ||
    fail "node 2 did not reach RUNNING again"
wait_until 60 hosted_once 0 1 2 || fail "not hosted once after node 2 rejoined"
show

log "a crash on node 0 (SIGKILL), then the unit's ExecStopPost"
held=$(count 0)
kill -KILL "$(cat /run/ctdb/node0.pid)"
[ "$(count 0)" = "$held" ] || fail "expected the crashed node's $held IPs to stay in its kernel"
post=$(sed -n 's/^ExecStopPost=-\{0,1\}//p' /lib/systemd/system/ctdb.service)
[ -n "$post" ] || fail "no ExecStopPost in ctdb.service"
# shellcheck disable=SC2086
ip netns exec "${P}n0" $post
[ "$(count 0)" = 0 ] || fail "ExecStopPost ($post) left $(count 0) public IPs on node 0"
wait_until 60 hosted_once 1 2 || fail "nodes 1 and 2 did not take over every IP"
log "ok: ExecStopPost ($post) removed node 0's $held IPs; nodes 1 and 2 host all $N"
show
log "PASS (total $(( $(date +%s) - t0 )) s)"
