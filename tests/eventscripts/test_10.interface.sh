#!/bin/sh
# events.d/10.interface with stub commands.
. "$(dirname "$0")/lib.sh"
S=10.interface

pubaddrs ()
{
	printf '%s\n' "# public addresses" "198.19.0.1/16 eth0" \
		"198.19.1.1/16 eth0,eth1" "2001:db8::5/64 eth1" \
		>"$T/base/public_addresses"
}

begin "ipreallocated with an empty changes file does nothing"
link eth0 up
run events.d $S ipreallocated
expect_rc 0
expect_actions <<X
X

begin "ipreallocated without a changes file does nothing"
rm -f "$T/changes"
run events.d $S ipreallocated
expect_rc 0
expect_actions <<X
X

begin "ipreallocated with 3 changes: one flush, one GARP per taken IP"
link eth0 up
link eth1 up
addr eth0 198.19.0.1/16
addr eth1 198.19.0.2/16
changes "takeip eth0 198.19.0.1 16" "releaseip eth0 198.19.0.3 16" \
	"updateip eth0 eth1 198.19.0.2 16"
run events.d $S ipreallocated
expect_rc 0
expect_count 1 '^ip route flush cache$'
expect_count 2 '^arping'
expect_count 1 '^arping -q -U -c 1 -w 1 -I eth0 198.19.0.1$'
expect_count 1 '^arping -q -U -c 1 -w 1 -I eth1 198.19.0.2$'
expect_count 0 '198.19.0.3'

begin "ipreallocated: an IP taken then released gets no GARP"
link eth0 up
changes "takeip eth0 198.19.0.1 16" "releaseip eth0 198.19.0.1 16"
run events.d $S ipreallocated
expect_rc 0
expect_count 1 '^ip route flush cache$'
expect_count 0 '^arping'

begin "ipreallocated: 100 takeips still mean one flush"
link eth0 up
i=0
: >"$T/changes"
while [ $i -lt 100 ] ; do
	echo "takeip eth0 198.19.2.$i 16" >>"$T/changes"
	i=$((i + 1))
done
run events.d $S ipreallocated
expect_rc 0
expect_count 1 '^ip route flush cache$'

begin "ipreallocated without arping skips GARP, still flushes"
link eth0 up
addr eth0 198.19.0.1/16
without arping
changes "takeip eth0 198.19.0.1 16"
run events.d $S ipreallocated
expect_rc 0
expect_actions <<X
ip route flush cache
X
expect_err 'arping not found'

begin "ipreallocated tolerates a kernel without a route cache"
link eth0 up
touch "$T/state/no_flush_cache"
changes "releaseip eth0 198.19.0.1 16"
run events.d $S ipreallocated
expect_rc 0

begin "init drops leftover public addresses only"
pubaddrs
link eth0 up
link eth1 up
addr eth0 198.19.0.1/16
addr eth0 198.19.9.9/16
addr eth1 2001:db8::5/64
run events.d $S init
expect_rc 0
expect_actions <<X
sysctl -q -w net/ipv4/conf/eth0/promote_secondaries=1
ip -force -batch -
ip address del 2001:db8::5/64 dev eth1
ip address del 198.19.0.1/16 dev eth0
X
expect_state addrs <<X
eth0 198.19.9.9/16
X

begin "monitor reports each link once, then only changes"
pubaddrs
link eth0 up
link eth1 up
run events.d $S monitor
expect_rc 0
expect_actions <<X
ctdb setifacelink eth0 up
ctdb setifacelink eth1 up
X
run events.d $S monitor
expect_rc 0
expect_actions <<X
X
sed 's/^eth1 up/eth1 nocarrier/' "$T/state/links" >"$T/state/l" && mv "$T/state/l" "$T/state/links"
run events.d $S monitor
expect_rc 1
expect_err 'interface eth1 is down'
expect_actions <<X
ctdb setifacelink eth1 down
X
run events.d $S monitor
expect_rc 1
expect_actions <<X
X

begin "monitor: partially online allowed by CTDB_PARTIALLY_ONLINE_INTERFACES"
pubaddrs
link eth0 up
link eth1 down
export CTDB_PARTIALLY_ONLINE_INTERFACES=yes
run events.d $S startup
expect_rc 0
expect_count 1 '^ctdb setifacelink eth1 down$'

begin "monitor: a missing interface is down; a failed report is retried"
pubaddrs
link eth0 up
echo 1 >"$T/state/rc.ctdb"
run events.d $S monitor
expect_rc 1
expect_count 1 '^ctdb setifacelink eth1 down$'
rm "$T/state/rc.ctdb"
run events.d $S monitor
expect_count 1 '^ctdb setifacelink eth1 down$'

begin "monitor honours CTDB_PUBLIC_ADDRESSES and \$CTDB"
printf '198.19.0.1/16 eth7\n' >"$T/pa"
export CTDB_PUBLIC_ADDRESSES="$T/pa" CTDB=smbcontrol
link eth7 up
run events.d $S monitor
expect_rc 0
expect_actions <<X
smbcontrol setifacelink eth7 up
X

begin "no public addresses file: monitor succeeds quietly"
run events.d $S monitor
expect_rc 0
expect_actions <<X
X

finish
