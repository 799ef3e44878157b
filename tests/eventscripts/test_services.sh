#!/bin/sh
# events.d/49.winbind, 60.nfs, 60.ganesha with stub commands.
. "$(dirname "$0")/lib.sh"

CH3="releaseip eth0 198.19.0.1 16"
CH="takeip eth0 198.19.0.2 16"

for s in 49.winbind 60.nfs 60.ganesha ; do
	begin "$s: not configured => exit 0, nothing done"
	changes "$CH3" "$CH" "releaseip eth0 198.19.0.3 16"
	run events.d $s ipreallocated
	expect_rc 0
	expect_actions <<X
X
	[ -z "$(ls "$T/var")" ] || fail "state created: $(ls -R "$T/var")"
	for ev in init startup monitor takeip releaseip shutdown ; do
		export CTDB_WINBIND_IP_DROPPED=yes CTDB_MANAGES_NFS=yes CTDB_MANAGES_GANESHA=yes
		run events.d $s $ev
		expect_rc 0
		expect_actions <<X
X
	done
done

begin "49.winbind: each released IP once, in order"
export CTDB_WINBIND_IP_DROPPED=yes
changes "releaseip eth0 198.19.0.1 16" "takeip eth0 198.19.0.2 16" \
	"releaseip __none__ 198.19.0.3 16" "takeip eth1 198.19.0.1 16" \
	"releaseip eth1 198.19.0.1 16" "updateip eth0 eth1 198.19.0.4 16"
run events.d 49.winbind ipreallocated
expect_rc 0
expect_actions <<X
smbcontrol winbindd ip-dropped 198.19.0.1
smbcontrol winbindd ip-dropped 198.19.0.3
X

begin "49.winbind: CTDB_MANAGES_WINBIND also enables it; empty file => nothing"
export CTDB_MANAGES_WINBIND=yes
run events.d 49.winbind ipreallocated
expect_rc 0
expect_actions <<X
X
changes "$CH3"
run events.d 49.winbind ipreallocated
expect_count 1 '^smbcontrol winbindd ip-dropped 198.19.0.1$'

begin "49.winbind: winbindd not running is not fatal; no smbcontrol => skip"
export CTDB_WINBIND_IP_DROPPED=yes
changes "$CH3"
echo 1 >"$T/state/rc.smbcontrol"
run events.d 49.winbind ipreallocated
expect_rc 0
expect_err 'ip-dropped 198.19.0.1 failed'
without smbcontrol
run events.d 49.winbind ipreallocated
expect_rc 0
expect_err 'smbcontrol not found'

begin "60.nfs: marker files for taken IPs, removed for released"
export CTDB_MANAGES_NFS=yes
changes "takeip eth0 198.19.0.1 16" "takeip eth0 198.19.0.2 16" \
	"updateip eth0 eth1 198.19.0.4 16"
run events.d 60.nfs ipreallocated
expect_rc 0
[ "$(ls "$T/var/nfs/notify" | tr '\n' ' ')" = "198.19.0.1 198.19.0.2 198.19.0.4 " ] || \
	fail "markers: $(ls "$T/var/nfs/notify")"
changes "releaseip eth0 198.19.0.2 16"
run events.d 60.nfs ipreallocated
expect_rc 0
[ "$(ls "$T/var/nfs/notify" | tr '\n' ' ')" = "198.19.0.1 198.19.0.4 " ] || \
	fail "markers after release: $(ls "$T/var/nfs/notify")"

begin "60.nfs: callout once with every taken IP; failure fails"
export CTDB_MANAGES_NFS=yes CTDB_NFS_CALLOUT=sm-notify
changes "takeip eth0 198.19.0.1 16" "releaseip eth0 198.19.0.9 16" \
	"takeip eth0 198.19.0.2 16"
run events.d 60.nfs ipreallocated
expect_rc 0
expect_actions <<X
sm-notify notify 198.19.0.1 198.19.0.2
X
echo 3 >"$T/state/rc.sm-notify"
run events.d 60.nfs ipreallocated
expect_rc 1
expect_err 'notify failed'
changes "releaseip eth0 198.19.0.9 16"
run events.d 60.nfs ipreallocated
expect_rc 0
expect_actions <<X
X

begin "60.ganesha: markers and ONE grace for many taken IPs"
export CTDB_MANAGES_GANESHA=yes
changes "takeip eth0 198.19.0.1 16" "takeip eth0 198.19.0.2 16" \
	"takeip eth0 198.19.0.3 16" "releaseip eth0 198.19.0.3 16"
run events.d 60.ganesha ipreallocated
expect_rc 0
expect_actions <<X
ganesha_mgr grace
X
[ "$(ls "$T/var/ganesha/grace" | tr '\n' ' ')" = "198.19.0.1 198.19.0.2 " ] || \
	fail "markers: $(ls "$T/var/ganesha/grace")"

begin "60.ganesha: CTDB_GANESHA_GRACE_CMD gets the IPs; failure fails; none => markers only"
export CTDB_MANAGES_GANESHA=yes CTDB_GANESHA_GRACE_CMD="ctdb grace-now"
changes "takeip eth0 198.19.0.1 16" "takeip eth0 198.19.0.2 16"
run events.d 60.ganesha ipreallocated
expect_rc 0
expect_actions <<X
ctdb grace-now 198.19.0.1 198.19.0.2
X
echo 1 >"$T/state/rc.ctdb"
run events.d 60.ganesha ipreallocated
expect_rc 1
unset CTDB_GANESHA_GRACE_CMD
without ganesha_mgr
run events.d 60.ganesha ipreallocated
expect_rc 0
expect_err 'markers only'

begin "60.ganesha: only releases => no grace"
export CTDB_MANAGES_GANESHA=yes
changes "$CH3"
run events.d 60.ganesha ipreallocated
expect_rc 0
expect_actions <<X
X

finish
