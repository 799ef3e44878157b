#!/bin/sh
# Integration: the real ip_events.d/10.interface in a private network
# namespace (root).  Exit 77 = skipped.
#  1. 200 takeips on one veth; releasing the primary must delete exactly one
#     address (RTM_DELADDR) and re-add none, counted with `ip monitor`.
#     A control run with promote_secondaries=0 shows the counting detects
#     the loss of secondaries.
#  2. takeip/updateip/releaseip round trips checked with `ip -o addr`.
#  3. batch events: takeipbatch of 300 addresses (one repeated), then
#     releaseipbatch of all: 300 RTM_DELADDR and no promotion (secondaries
#     go before their primary); a missing interface in the middle of a
#     batch fails it while the other addresses are added.
# Only 198.18.0.0/15 addresses, only inside the namespace created here.

SRC=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT="$SRC/ip_events.d/10.interface"
N=200

if [ "$(id -u)" -ne 0 ] ; then
	echo "SKIP: needs root for network namespaces" ; exit 77
fi
NS="ctdb-es-$$"
ip netns del "$NS" 2>/dev/null  # left over from a killed run with our PID
ip netns add "$NS" 2>/dev/null || { echo "SKIP: cannot create a network namespace" ; exit 77 ; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ctdb-es-int.XXXXXX")
MON=""
teardown ()
{
	[ -n "$MON" ] && kill "$MON" 2>/dev/null && wait "$MON" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap teardown EXIT
trap 'exit 1' INT TERM

FAILED=0
fail () { echo "FAIL: $*" ; FAILED=$((FAILED + 1)) ; }
nsx () { ip netns exec "$NS" "$@" ; }
ev () { nsx env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CTDB_BASE="$SRC" \
	CTDB_SCRIPT_VARDIR="$TMP/var" sh "$SCRIPT" "$@" ; }
naddr () { nsx ip -o -4 addr show dev "$1" | grep -c " inet " ; }

nsx ip link set lo up
nsx ip link add v0 type veth peer name v1 || { echo "SKIP: no veth" ; exit 77 ; }
nsx ip link add v2 type veth peer name v3
for i in v0 v1 v2 v3 ; do nsx ip link set "$i" up ; done

# --- 1. promote_secondaries ------------------------------------------------
start=$(date +%s)
i=1
while [ $i -le $N ] ; do
	ev takeip v0 "198.19.$((i / 250)).$((i % 250 + 1))" 16 || fail "takeip #$i"
	i=$((i + 1))
done
echo "takeip x$N took $(( $(date +%s) - start ))s"
[ "$(naddr v0)" -eq $N ] || fail "expected $N addresses on v0, got $(naddr v0)"
[ "$(nsx cat /proc/sys/net/ipv4/conf/v0/promote_secondaries)" = 1 ] || \
	fail "promote_secondaries not set on v0"
primary=$(nsx ip -o -4 addr show dev v0 | grep -v secondary | awk '{ print $4 }')
[ "$primary" = "198.19.0.2/16" ] || fail "unexpected primary '$primary'"

# monitor_start FILE / monitor_sync FILE: start `ip monitor address` in the
# namespace; sync by adding/removing a marker on v3 and waiting (bounded)
# for the monitor to print it, so every earlier event has been printed.
monitor_start ()
{
	ip netns exec "$NS" ip -o monitor address >"$1" 2>&1 &
	MON=$!
	monitor_sync "$1"
}
SYNC=0
monitor_sync ()
{
	# a fresh marker address per call: an old one is already in the file
	SYNC=$((SYNC + 1))
	m="198.18.255.$SYNC"
	nsx ip addr add "$m/32" dev v3
	nsx ip addr del "$m/32" dev v3
	n=0
	while ! grep -a -q "Deleted.* $m/32" "$1" && [ $n -lt 100 ] ; do
		sleep 0.05 ; n=$((n + 1))
		# the monitor may not have subscribed yet: poke again
		[ $((n % 10)) -eq 0 ] && nsx ip addr add "$m/32" dev v3 && \
			nsx ip addr del "$m/32" dev v3
	done
	[ $n -lt 100 ] || fail "ip monitor did not report the marker $m"
}
monitor_stop () { kill "$MON" 2>/dev/null ; wait "$MON" 2>/dev/null ; MON="" ; }

monitor_start "$TMP/mon"
ev releaseip v0 198.19.0.2 16 || fail "releaseip of the primary"
monitor_sync "$TMP/mon"
monitor_stop
del=$(grep -a -c "^Deleted.* v0 .*inet 198\.19\." "$TMP/mon")
new=$(grep -a -v "^Deleted" "$TMP/mon" | grep -a -c " v0 .*inet 198\.19\.")
echo "primary release: RTM_DELADDR=$del RTM_NEWADDR=$new (promotion notice)"
[ "$del" -eq 1 ] || fail "$del addresses deleted, expected exactly 1"
[ "$del" -eq 1 ] && [ "$new" -le 1 ] || cat -v "$TMP/mon" | head -20
# The kernel announces the promoted address once; nothing is re-added.
[ "$new" -le 1 ] || fail "$new addresses (re-)added, expected at most 1"
[ "$(naddr v0)" -eq $((N - 1)) ] || fail "expected $((N - 1)) addresses left, got $(naddr v0)"

# Control: without promote_secondaries the same count must see the loss.
nsx sh -c 'echo 0 >/proc/sys/net/ipv4/conf/v2/promote_secondaries'
i=1
while [ $i -le 20 ] ; do
	nsx ip addr add "198.18.1.$i/24" brd + dev v2 ; i=$((i + 1))
done
monitor_start "$TMP/mon2"
nsx ip addr del 198.18.1.1/24 dev v2
monitor_sync "$TMP/mon2"
monitor_stop
del=$(grep -a -c "^Deleted.* v2 .*inet 198\.18\.1\." "$TMP/mon2")
echo "control without promote_secondaries: RTM_DELADDR=$del"
[ "$del" -eq 20 ] || fail "control: expected 20 deletions, counted $del"

# --- 2. round trips ----------------------------------------------------------
has () { nsx ip -o addr show dev "$1" | grep -q " inet $2 " ; }
ev takeip v1 198.18.7.7 24 || fail "takeip v1"
has v1 198.18.7.7/24 || fail "198.18.7.7/24 not on v1 after takeip"
ev takeip v1 198.18.7.7 24 || fail "repeated takeip not idempotent"
[ "$(nsx ip -o addr show to 198.18.7.7/32 | wc -l)" -eq 1 ] || fail "address duplicated"
ev updateip v1 v0 198.18.7.7 24 || fail "updateip v1 -> v0"
has v0 198.18.7.7/24 || fail "not on v0 after updateip"
has v1 198.18.7.7/24 && fail "still on v1 after updateip"
ev releaseip __none__ 198.18.7.7 24 || fail "releaseip __none__"
[ -z "$(nsx ip -o addr show to 198.18.7.7/32)" ] || fail "address left after releaseip"
ev releaseip v0 198.18.7.7 24 || fail "second releaseip should succeed"
if ev takeip nosuch0 198.18.7.8 24 2>"$TMP/err" ; then
	fail "takeip on a missing interface succeeded"
fi
grep -q "interface nosuch0 does not exist" "$TMP/err" || fail "no clear message: $(cat "$TMP/err")"

# --- 3. batch events ----------------------------------------------------------
B=300
i=1
while [ $i -le $B ] ; do
	echo "v1 198.18.$((64 + i / 250)).$((i % 250 + 1)) 18"
	i=$((i + 1))
done >"$TMP/batch"
evb () { ev "$1" <"$2" ; }
start=$(date +%s%N)
evb takeipbatch "$TMP/batch" || fail "takeipbatch of $B"
echo "takeipbatch x$B took $(( ($(date +%s%N) - start) / 1000000 )) ms"
n=$(nsx ip -o -4 addr show dev v1 | grep -c " inet 198\.18\.6[45]\.")
[ "$n" -eq $B ] || fail "expected $B batch addresses on v1, got $n"
evb takeipbatch "$TMP/batch" || fail "repeated takeipbatch not idempotent"
monitor_start "$TMP/mon3"
start=$(date +%s%N)
evb releaseipbatch "$TMP/batch" || fail "releaseipbatch of $B"
echo "releaseipbatch x$B took $(( ($(date +%s%N) - start) / 1000000 )) ms"
monitor_sync "$TMP/mon3"
monitor_stop
del=$(grep -a -c "^Deleted.* v1 .*inet 198\.18\.6[45]\." "$TMP/mon3")
new=$(grep -a -v "^Deleted" "$TMP/mon3" | grep -a -c " v1 .*inet 198\.18\.6[45]\.")
echo "releaseipbatch: RTM_DELADDR=$del RTM_NEWADDR=$new"
[ "$del" -eq $B ] || fail "releaseipbatch deleted $del addresses, expected $B"
[ "$new" -eq 0 ] || fail "releaseipbatch caused $new promotions, expected 0"
printf 'v1 198.18.66.1 18\nnosuch0 198.18.66.2 18\nv1 198.18.66.3 18\n' >"$TMP/bad"
if evb takeipbatch "$TMP/bad" 2>"$TMP/err" ; then
	fail "takeipbatch with a missing interface succeeded"
fi
grep -q "interface nosuch0 does not exist" "$TMP/err" || fail "no clear message: $(cat "$TMP/err")"
has v1 198.18.66.1/18 || fail "198.18.66.1 not added next to the failed one"
has v1 198.18.66.3/18 || fail "198.18.66.3 not added next to the failed one"

if [ "$FAILED" -ne 0 ] ; then echo "$FAILED failure(s)" ; exit 1 ; fi
echo "all integration checks passed"
exit 0
