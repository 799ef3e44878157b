#!/bin/sh
# Integration: the real events.d/13.per_ip_routing against a real kernel in a
# private network namespace (root; exit 77 = skipped).  A foreign route in
# the table the script uses and a foreign rule at its preference must
# survive take and release.  Only 198.18.0.0/15, only in this namespace.

SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ] ; then echo "SKIP: needs root" ; exit 77 ; fi
NS="ctdb-es-r$$"
ip netns del "$NS" 2>/dev/null  # left over from a killed run with our PID
ip netns add "$NS" 2>/dev/null || { echo "SKIP: cannot create a network namespace" ; exit 77 ; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ctdb-es-int.XXXXXX")
trap 'ip netns del "$NS" 2>/dev/null ; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

FAILED=0
fail () { echo "FAIL: $*" ; FAILED=$((FAILED + 1)) ; }
nsx () { ip netns exec "$NS" "$@" ; }
echo "198.19.0.1 198.20.0.0/16 198.19.0.254" >"$TMP/conf"
echo "198.19.0.1 198.18.5.0/24" >>"$TMP/conf"
ipre () { nsx env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CTDB_BASE="$SRC" \
	CTDB_SCRIPT_VARDIR="$TMP/var" CTDB_IP_CHANGES_FILE="$TMP/changes" \
	CTDB_PER_IP_ROUTING_CONF="$TMP/conf" CTDB_PER_IP_ROUTING_RULE_PREF=100 \
	CTDB_PER_IP_ROUTING_TABLE_ID_LOW=1000 CTDB_PER_IP_ROUTING_TABLE_ID_HIGH=1009 \
	sh "$SRC/events.d/13.per_ip_routing" ipreallocated ; }

nsx ip link add v0 type veth peer name v1 || { echo "SKIP: no veth" ; exit 77 ; }
nsx ip link set v0 up ; nsx ip link set v1 up
# the node keeps an address of its own: removing the last one would make
# the kernel drop every route through v0, ours and foreign alike
nsx ip addr add 198.19.0.100/16 dev v0
nsx ip addr add 198.19.0.1/16 dev v0
nsx ip route add 198.21.0.0/16 dev v0 table 1000          # foreign
nsx ip rule add from 198.19.0.9 lookup 1000 pref 100      # foreign

echo "takeip v0 198.19.0.1 16" >"$TMP/changes"
ipre || fail "ipreallocated after takeip"
nsx ip rule show | grep -q "from 198.19.0.1 lookup 1000" || fail "rule not added"
nsx ip route show table 1000 | grep -q "198.20.0.0/16 via 198.19.0.254" || fail "route not added"
nsx ip route show table 1000 | grep -q "198.18.5.0/24" || fail "route 2 not added"

nsx ip addr del 198.19.0.1/16 dev v0
echo "releaseip v0 198.19.0.1 16" >"$TMP/changes"
ipre || fail "ipreallocated after releaseip"
nsx ip rule show | grep -q "from 198.19.0.1 " && fail "our rule left behind"
nsx ip route show table 1000 | grep -q "198.20.0.0/16" && fail "our route left behind"
nsx ip route show table 1000 | grep -q "198.21.0.0/16 dev v0" || fail "foreign route was removed"
nsx ip rule show | grep -q "from 198.19.0.9 lookup 1000" || fail "foreign rule was removed"

if [ "$FAILED" -ne 0 ] ; then
	nsx ip rule show ; nsx ip route show table 1000
	echo "$FAILED failure(s)" ; exit 1
fi
echo "all integration checks passed"
