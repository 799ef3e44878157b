#!/bin/sh
# ip_events.d/10.interface with stub commands: exactly which commands each
# IP event issues.
. "$(dirname "$0")/lib.sh"
S=10.interface

begin "takeip ipv4: promote_secondaries, then add with brd +"
link eth0 up
run ip_events.d $S takeip eth0 198.19.0.1 16
expect_rc 0
expect_actions <<X
ip link set dev eth0 up
sysctl -q -w net/ipv4/conf/eth0/promote_secondaries=1
ip addr add 198.19.0.1/16 brd + dev eth0
X
expect_state addrs <<X
eth0 198.19.0.1/16
X

begin "takeip without sysctl writes the procfs file"
link eth0 up
without sysctl
mkdir -p "$T/proc/sys/net/ipv4/conf/eth0"
echo 0 >"$T/proc/sys/net/ipv4/conf/eth0/promote_secondaries"
run ip_events.d $S takeip eth0 198.19.0.1 16
expect_rc 0
[ "$(cat "$T/proc/sys/net/ipv4/conf/eth0/promote_secondaries")" = 1 ] || \
	fail "promote_secondaries not written"

begin "takeip twice is idempotent"
link eth0 up
addr eth0 198.19.0.1/16
run ip_events.d $S takeip eth0 198.19.0.1 16
expect_rc 0
expect_count 1 '^ip addr add 198.19.0.1/16 brd + dev eth0$'
expect_state addrs <<X
eth0 198.19.0.1/16
X

begin "takeip ipv6: nodad, no promote_secondaries"
link eth0 up
run ip_events.d $S takeip eth0 2001:db8::5 64
expect_rc 0
expect_actions <<X
ip link set dev eth0 up
ip addr add 2001:db8::5/64 dev eth0 nodad
X

begin "takeip on a missing interface fails with a clear message"
link eth0 up
run ip_events.d $S takeip eth9 198.19.0.1 16
expect_rc 1
expect_err 'interface eth9 does not exist'
expect_count 0 '^ip addr add'

begin "takeip with a wrong argument count fails"
link eth0 up
run ip_events.d $S takeip eth0 198.19.0.1
expect_rc 1
expect_err 'expected 3 arguments'
expect_count 0 '^ip addr add'

begin "takeip fails when the address cannot be added elsewhere"
link eth0 up
link eth1 up
addr eth1 198.19.0.1/16
echo 2 >"$T/state/rc.sysctl"
run ip_events.d $S takeip eth0 198.19.0.1 16
expect_rc 1
expect_err 'promote_secondaries'
expect_count 0 '^ip addr add'

begin "releaseip: promote_secondaries, delete, then reset connections"
link eth0 up
addr eth0 198.19.0.1/16
run ip_events.d $S releaseip eth0 198.19.0.1 16
expect_rc 0
expect_actions <<X
sysctl -q -w net/ipv4/conf/eth0/promote_secondaries=1
ip addr del 198.19.0.1/16 dev eth0
ss -K -t -n state connected src 198.19.0.1
X
expect_state addrs <<X
X

begin "releaseip __none__ finds the real interface and mask"
link eth0 up
link eth1 up
addr eth1 198.19.0.7/24
run ip_events.d $S releaseip __none__ 198.19.0.7 16
expect_rc 0
expect_actions <<X
sysctl -q -w net/ipv4/conf/eth1/promote_secondaries=1
ip addr del 198.19.0.7/24 dev eth1
ss -K -t -n state connected src 198.19.0.7
X

begin "releaseip ipv6 uses [addr] in the ss filter"
link eth0 up
addr eth0 2001:db8::5/64
run ip_events.d $S releaseip eth0 2001:db8::5 64
expect_rc 0
expect_actions <<X
ip addr del 2001:db8::5/64 dev eth0
ss -K -t -n state connected src [2001:db8::5]
X

begin "releaseip tolerates ss without SOCK_DESTROY"
link eth0 up
addr eth0 198.19.0.1/16
echo 1 >"$T/state/rc.ss"
run ip_events.d $S releaseip eth0 198.19.0.1 16
expect_rc 0
expect_err 'could not reset connections'

begin "releaseip of an absent address succeeds without deleting"
link eth0 up
run ip_events.d $S releaseip eth0 198.19.0.1 16
expect_rc 0
expect_count 0 '^ip addr del'
expect_count 0 '^ss'

begin "releaseip: address removed by someone else during the delete counts as released"
link eth0 up
addr eth0 198.19.0.1/16
echo 198.19.0.1/16 >"$T/state/vanish_on_del"
run ip_events.d $S releaseip eth0 198.19.0.1 16
expect_rc 0
expect_err 'removed from eth0 by someone else'
expect_state addrs <<X
X

begin "releaseip: a delete the kernel refuses (address still there) fails"
link eth0 up
addr eth0 198.19.0.1/16
echo 198.19.0.1/16 >"$T/state/fail_del"
run ip_events.d $S releaseip eth0 198.19.0.1 16
expect_rc 1
expect_err 'failed to delete 198.19.0.1/16 from eth0'
expect_state addrs <<X
eth0 198.19.0.1/16
X

begin "releaseip on a missing interface fails"
link eth0 up
run ip_events.d $S releaseip eth9 198.19.0.1 16
expect_rc 1
expect_err 'interface eth9 does not exist'

begin "updateip moves the address: add on new, delete from old"
link eth0 up
link eth1 up
addr eth0 198.19.0.1/16
run ip_events.d $S updateip eth0 eth1 198.19.0.1 16
expect_rc 0
expect_actions <<X
ip link set dev eth1 up
sysctl -q -w net/ipv4/conf/eth1/promote_secondaries=1
ip addr add 198.19.0.1/16 brd + dev eth1
sysctl -q -w net/ipv4/conf/eth0/promote_secondaries=1
ip addr del 198.19.0.1/16 dev eth0
X
expect_state addrs <<X
eth1 198.19.0.1/16
X

begin "updateip to the interface already holding it is a no-op"
link eth0 up
link eth1 up
addr eth1 198.19.0.1/16
run ip_events.d $S updateip eth0 eth1 198.19.0.1 16
expect_rc 0
expect_actions <<X
X

begin "updateip to a missing interface fails"
link eth0 up
addr eth0 198.19.0.1/16
run ip_events.d $S updateip eth0 eth9 198.19.0.1 16
expect_rc 1
expect_err 'interface eth9 does not exist'
expect_state addrs <<X
eth0 198.19.0.1/16
X

begin "other events are ignored"
run ip_events.d $S monitor
expect_rc 0
expect_actions <<X
X

finish
