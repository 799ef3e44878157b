#!/bin/sh
# ip_events.d/10.interface batch events (takeipbatch / releaseipbatch,
# "IFACE IP BITS" lines on stdin) with stub commands: the commands issued,
# the kernel state, failures in the middle of a batch and the per-address
# fallback the helper runs after them, and the fork budget.
. "$(dirname "$0")/lib.sh"
S=10.interface

# runb TREE SCRIPT EVENT <<EOF : run with stdin from the here-document
runb ()
{
	_tree="$1" ; _script="$2" ; shift 2
	: >"$T/log"
	sh "$SRC/$_tree/$_script" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

begin "the script declares batch support"
grep -qx '# ctdb-ip-events: batch' "$SRC/ip_events.d/$S" || fail "marker line missing"
[ "$(head -c 1024 "$SRC/ip_events.d/$S" | grep -c '^# ctdb-ip-events: batch$')" = 1 ] || \
	fail "marker not in the first KiB"

begin "takeipbatch: one ip run for every address, interfaces set up once"
link eth0 up
link eth1 down
runb ip_events.d $S takeipbatch <<X
eth0 198.19.0.1 16
eth0 198.19.0.2 16
eth1 2001:db8::5 64
eth0 198.19.0.3 16
X
expect_rc 0
expect_actions <<X
ip link set dev eth0 up
sysctl -q -w net/ipv4/conf/eth0/promote_secondaries=1
ip link set dev eth1 up
ip -force -batch -
ip address add 198.19.0.1/16 brd + dev eth0
ip address add 198.19.0.2/16 brd + dev eth0
ip address add 2001:db8::5/64 dev eth1 nodad
ip address add 198.19.0.3/16 brd + dev eth0
X
expect_state addrs <<X
eth0 198.19.0.1/16
eth0 198.19.0.2/16
eth1 2001:db8::5/64
eth0 198.19.0.3/16
X

begin "takeipbatch: addresses already there are success"
link eth0 up
addr eth0 198.19.0.2/16
runb ip_events.d $S takeipbatch <<X
eth0 198.19.0.1 16
eth0 198.19.0.2 16
X
expect_rc 0
expect_state addrs <<X
eth0 198.19.0.2/16
eth0 198.19.0.1/16
X

begin "takeipbatch: an add the kernel refuses in the middle fails the batch, the rest is added"
link eth0 up
echo 198.19.0.2/16 >"$T/state/fail_add"
runb ip_events.d $S takeipbatch <<X
eth0 198.19.0.1 16
eth0 198.19.0.2 16
eth0 198.19.0.3 16
X
expect_rc 1
expect_err 'failed to add 198.19.0.2'
expect_err 'Permission denied'
expect_state addrs <<X
eth0 198.19.0.1/16
eth0 198.19.0.3/16
X
# The helper's per-address fallback: only 198.19.0.2 fails.
run ip_events.d $S takeip eth0 198.19.0.1 16
expect_rc 0
run ip_events.d $S takeip eth0 198.19.0.2 16
expect_rc 1
run ip_events.d $S takeip eth0 198.19.0.3 16
expect_rc 0

begin "takeipbatch: a missing interface in the middle; the per-address fallback finds it"
link eth0 up
runb ip_events.d $S takeipbatch <<X
eth0 198.19.0.1 16
eth9 198.19.0.2 16
eth0 198.19.0.3 16
X
expect_rc 1
expect_err 'interface eth9 does not exist'
expect_count 0 'add 198.19.0.2/16'
expect_state addrs <<X
eth0 198.19.0.1/16
eth0 198.19.0.3/16
X
# What the helper does next: the classic event per address.
run ip_events.d $S takeip eth0 198.19.0.1 16
expect_rc 0
run ip_events.d $S takeip eth9 198.19.0.2 16
expect_rc 1
expect_err 'interface eth9 does not exist'
run ip_events.d $S takeip eth0 198.19.0.3 16
expect_rc 0
expect_state addrs <<X
eth0 198.19.0.1/16
eth0 198.19.0.3/16
X

begin "takeipbatch: no promote_secondaries, no adds on that interface"
link eth0 up
link eth1 up
echo 2 >"$T/state/rc.sysctl"
runb ip_events.d $S takeipbatch <<X
eth0 198.19.0.1 16
eth1 2001:db8::5 64
X
expect_rc 1
expect_err 'promote_secondaries'
expect_state addrs <<X
eth1 2001:db8::5/64
X

begin "takeipbatch: empty input does nothing"
runb ip_events.d $S takeipbatch </dev/null
expect_rc 0
expect_actions <<X
X

begin "releaseipbatch: real interfaces, newest first, one ip run, one ss for all"
link eth0 up
link eth1 up
addr eth0 198.19.0.1/16
addr eth1 198.19.0.7/24
addr eth0 2001:db8::5/64
runb ip_events.d $S releaseipbatch <<X
eth0 198.19.0.1 16
__none__ 198.19.0.7 16
eth0 198.19.0.9 16
eth0 2001:db8::5 64
X
expect_rc 0
expect_actions <<X
sysctl -q -w net/ipv4/conf/eth0/promote_secondaries=1
sysctl -q -w net/ipv4/conf/eth1/promote_secondaries=1
ip -force -batch -
ip address del 2001:db8::5/64 dev eth0
ip address del 198.19.0.7/24 dev eth1
ip address del 198.19.0.1/16 dev eth0
ss -K -t -n state connected ( src [2001:db8::5] or src 198.19.0.7 or src 198.19.0.1 )
X
expect_state addrs <<X
X

begin "releaseipbatch: an address on another interface is released there"
link eth0 up
link eth1 up
addr eth1 198.19.0.1/16
runb ip_events.d $S releaseipbatch <<X
eth0 198.19.0.1 16
eth0 198.19.0.2 16
X
expect_rc 0
expect_err '198.19.0.1 is on eth1, not eth0'
expect_state addrs <<X
X

begin "releaseipbatch: a missing named interface fails the batch, the rest is released"
link eth0 up
addr eth0 198.19.0.1/16
addr eth0 198.19.0.3/16
runb ip_events.d $S releaseipbatch <<X
eth0 198.19.0.1 16
eth9 198.19.0.2 16
eth0 198.19.0.3 16
X
expect_rc 1
expect_err 'interface eth9 does not exist'
expect_state addrs <<X
X
run ip_events.d $S releaseip eth0 198.19.0.1 16
expect_rc 0
run ip_events.d $S releaseip eth9 198.19.0.2 16
expect_rc 1

begin "releaseipbatch: ss without SOCK_DESTROY is logged, not fatal"
link eth0 up
addr eth0 198.19.0.1/16
echo 1 >"$T/state/rc.ss"
runb ip_events.d $S releaseipbatch <<X
eth0 198.19.0.1 16
X
expect_rc 0
expect_err 'could not reset connections'

begin "a batch of 150 costs a fixed number of commands"
link eth0 up
i=1
while [ $i -le 150 ] ; do
	echo "eth0 198.19.1.$i 16"
	i=$((i + 1))
done >"$T/batch"
runb ip_events.d $S takeipbatch <"$T/batch"
expect_rc 0
expect_count 150 '^ip address add'
n=$(grep -vc '^ip address ' "$T/log")
[ "$n" -le 4 ] || fail "takeipbatch issued $n commands besides the adds"
[ "$(wc -l <"$T/state/addrs")" -eq 150 ] || fail "not all 150 added"
runb ip_events.d $S releaseipbatch <"$T/batch"
expect_rc 0
expect_count 150 '^ip address del'
expect_count 1 '^ss -K'
n=$(grep -vc '^ip address ' "$T/log")
[ "$n" -le 5 ] || fail "releaseipbatch issued $n commands besides the deletes"
[ ! -s "$T/state/addrs" ] || fail "not all released"

begin "with the procfs files: no sysctl and no ip link show"
link eth0 up
mkdir -p "$T/proc/sys/net/ipv4/conf/eth0"
echo 0 >"$T/proc/sys/net/ipv4/conf/eth0/promote_secondaries"
run ip_events.d $S takeip eth0 198.19.0.1 16
expect_rc 0
expect_count 0 '^sysctl'
expect_count 0 '^ip link show'
[ "$(cat "$T/proc/sys/net/ipv4/conf/eth0/promote_secondaries")" = 1 ] || \
	fail "promote_secondaries not written"
runb ip_events.d $S takeipbatch <<X
eth0 198.19.0.2 16
X
expect_rc 0
expect_count 0 '^sysctl'
expect_count 0 '^ip link show'

finish
