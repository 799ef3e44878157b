#!/bin/sh
# events.d/13.per_ip_routing with stub commands.
. "$(dirname "$0")/lib.sh"
S=13.per_ip_routing

configure ()
{
	printf '%s\n' "# IP DEST [GW]" \
		"198.19.0.1 198.20.0.0/16 198.19.0.254" \
		"198.19.0.1 198.18.5.0/24" \
		"198.19.0.2 198.20.0.0/16 198.19.0.254" \
		"198.19.0.3 0.0.0.0/0 198.19.0.254" >"$T/routing.conf"
	export CTDB_PER_IP_ROUTING_CONF="$T/routing.conf"
	export CTDB_PER_IP_ROUTING_RULE_PREF=100
	export CTDB_PER_IP_ROUTING_TABLE_ID_LOW=1000
	export CTDB_PER_IP_ROUTING_TABLE_ID_HIGH=1009
	link eth0 up
	link eth1 up
}

begin "not configured: exit 0, no commands"
changes "takeip eth0 198.19.0.1 16"
addr eth0 198.19.0.1/16
run events.d $S ipreallocated
expect_rc 0
expect_actions <<X
X

begin "options file configures it"
configure
cp "$T/routing.conf" "$T/rc2"
unset CTDB_PER_IP_ROUTING_CONF
echo "CTDB_PER_IP_ROUTING_CONF=$T/rc2" >"$T/base/script.options"
addr eth0 198.19.0.1/16
changes "takeip eth0 198.19.0.1 16"
run events.d $S ipreallocated
expect_rc 0
expect_count 1 '^ip rule add from 198.19.0.1 lookup 1000 pref 100$'

begin "taken IP: one rule and its routes, on the kernel's interface"
configure
addr eth1 198.19.0.1/16
changes "takeip eth0 198.19.0.1 16"
run events.d $S ipreallocated
expect_rc 0
expect_actions <<X
ip rule add from 198.19.0.1 lookup 1000 pref 100
ip route add 198.20.0.0/16 via 198.19.0.254 dev eth1 table 1000
ip route add 198.18.5.0/24 dev eth1 table 1000
X

begin "empty changes file: nothing at all"
configure
addr eth0 198.19.0.1/16
run events.d $S ipreallocated
expect_rc 0
: >"$T/expected"
cmp -s "$T/expected" "$T/log" || fail "commands issued: $(cat "$T/log")"

begin "only changed IPs are touched; release removes exactly ours"
configure
addr eth0 198.19.0.1/16
addr eth0 198.19.0.2/16
changes "takeip eth0 198.19.0.1 16" "takeip eth0 198.19.0.2 16"
run events.d $S ipreallocated
expect_rc 0
# the daemon would now clear the changes file; IP .2 moves away
sed '/198.19.0.2/d' "$T/state/addrs" >"$T/state/a" && mv "$T/state/a" "$T/state/addrs"
changes "releaseip eth0 198.19.0.2 16"
run events.d $S ipreallocated
expect_rc 0
expect_actions <<X
ip route del 198.20.0.0/16 via 198.19.0.254 dev eth0 table 1001
ip rule del from 198.19.0.2 lookup 1001 pref 100
X
expect_state rules <<X
from 198.19.0.1 lookup 1000 pref 100
X

begin "Oops: foreign routes and rules in our tables survive"
configure
# Someone else's route in the table we will use, for one of our
# destinations and for another one, plus a foreign rule with our pref and
# one identical to ours.
echo "1000 198.20.0.0/16 via 198.19.0.253 dev eth0 table 1000" >>"$T/state/routes"
echo "1000 198.21.0.0/16 dev eth0 table 1000" >>"$T/state/routes"
echo "from 198.19.0.9 lookup 1000 pref 100" >>"$T/state/rules"
echo "from 198.19.0.1 lookup 1000 pref 100" >>"$T/state/rules"
addr eth0 198.19.0.1/16
changes "takeip eth0 198.19.0.1 16"
run events.d $S ipreallocated
expect_rc 0
expect_err 'exists already and is not ours'
sed '/198.19.0.1\//d' "$T/state/addrs" >"$T/state/a" && mv "$T/state/a" "$T/state/addrs"
changes "releaseip eth0 198.19.0.1 16"
run events.d $S ipreallocated
expect_rc 0
expect_actions <<X
ip route del 198.18.5.0/24 dev eth0 table 1000
X
expect_state routes <<X
1000 198.20.0.0/16 via 198.19.0.253 dev eth0 table 1000
1000 198.21.0.0/16 dev eth0 table 1000
X
expect_state rules <<X
from 198.19.0.9 lookup 1000 pref 100
from 198.19.0.1 lookup 1000 pref 100
X

begin "updateip rebuilds on the new interface"
configure
addr eth0 198.19.0.3/16
changes "takeip eth0 198.19.0.3 16"
run events.d $S ipreallocated
sed 's/^eth0 198.19.0.3/eth1 198.19.0.3/' "$T/state/addrs" >"$T/state/a" && mv "$T/state/a" "$T/state/addrs"
changes "updateip eth0 eth1 198.19.0.3 16"
run events.d $S ipreallocated
expect_rc 0
expect_actions <<X
ip route del 0.0.0.0/0 via 198.19.0.254 dev eth0 table 1000
ip rule del from 198.19.0.3 lookup 1000 pref 100
ip rule add from 198.19.0.3 lookup 1000 pref 100
ip route add 0.0.0.0/0 via 198.19.0.254 dev eth1 table 1000
X

begin "changes are hints: a takeip whose IP is gone adds nothing"
configure
changes "takeip eth0 198.19.0.1 16"
run events.d $S ipreallocated
expect_rc 0
expect_actions <<X
X

begin "unconfigured IPs and IPv6 are skipped"
configure
addr eth0 198.19.0.77/16
addr eth0 2001:db8::1/64
changes "takeip eth0 198.19.0.77 16" "takeip eth0 2001:db8::1 64"
run events.d $S ipreallocated
expect_rc 0
expect_actions <<X
X

begin "a route that cannot be added fails the event"
configure
addr eth0 198.19.0.1/16
printf '%s\n' "198.19.0.1 bogus" >"$T/routing.conf"
rm -f "$T/bin/ip"
cat >"$T/bin/ip" <<'Y'
#!/bin/sh
case "$*" in "route add bogus"*) echo "Error: invalid prefix" >&2 ; exit 1 ;; esac
exec "$STUBS_DIR/ip" "$@"
Y
chmod +x "$T/bin/ip"
export STUBS_DIR="$STUBS"
changes "takeip eth0 198.19.0.1 16"
run events.d $S ipreallocated
expect_rc 1
expect_err 'failed to add route'

begin "table ids run out: failure with a message"
configure
export CTDB_PER_IP_ROUTING_TABLE_ID_HIGH=1001
addr eth0 198.19.0.1/16
addr eth0 198.19.0.2/16
addr eth0 198.19.0.3/16
changes "takeip eth0 198.19.0.1 16" "takeip eth0 198.19.0.2 16" "takeip eth0 198.19.0.3 16"
run events.d $S ipreallocated
expect_rc 1
expect_err 'no free table id'

begin "bad configuration fails clearly"
configure
export CTDB_PER_IP_ROUTING_TABLE_ID_LOW=250 CTDB_PER_IP_ROUTING_TABLE_ID_HIGH=260
run events.d $S ipreallocated
expect_rc 1
expect_err 'must not include 253-255'
configure
unset CTDB_PER_IP_ROUTING_RULE_PREF
run events.d $S ipreallocated
expect_rc 1
expect_err 'CTDB_PER_IP_ROUTING_RULE_PREF'

begin "init removes only what was recorded"
configure
echo "1000 198.21.0.0/16 dev eth0 table 1000" >>"$T/state/routes"
addr eth0 198.19.0.1/16
changes "takeip eth0 198.19.0.1 16"
run events.d $S ipreallocated
run events.d $S init
expect_rc 0
expect_actions <<X
ip route del 198.18.5.0/24 dev eth0 table 1000
ip route del 198.20.0.0/16 via 198.19.0.254 dev eth0 table 1000
ip rule del from 198.19.0.1 lookup 1000 pref 100
X
expect_state routes <<X
1000 198.21.0.0/16 dev eth0 table 1000
X
[ -z "$(ls "$T/var/per_ip_routing")" ] || fail "state left: $(ls "$T/var/per_ip_routing")"

finish
