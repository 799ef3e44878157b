#!/bin/bash
# The event subsystem wired into ctdbd, on one node with the REAL stock
# scripts (events.d/ and ip_events.d/10.interface) copied in by the harness:
#  - 50 public IPs are taken through ip_events.d and are all in the kernel;
#    one ipreallocated run sees exactly the 50 takeip lines; the script
#    environment carries CTDB_BASE, CTDB_PUBLIC_ADDRESSES, CTDB_SOCKET;
#    `ctdb scriptstatus ipreallocated` shows that run;
#  - a takeip script failing for one IP: that IP is not hosted, the others
#    are; a takeip that "succeeds" without the address in the kernel fails;
#  - a failing monitor makes the node UNHEALTHY (IPs released), fixing it
#    makes it healthy again (IPs back);
#  - SIGKILL in the middle of ipreallocated: after the restart the
#    undelivered lines reach the next ipreallocated, before the new ones.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
cluster_create 1
T0=$(date +%s%N)

D=$(node_dir 0)
mkdir -p "$D/probe"
# EnableBans=0: the failing-takeip case below must show that the other IPs
# stay hosted; with bans on, this single node would (as in CTDB) collect ban
# credits from the failed takeover runs, ban itself and release everything.
# Banning on failed takeips is tested in cluster_takeover.sh.
printf 'MonitorInterval=1\nEnableBans=0\n' > "$D/tunables"
addrs=()
for i in $(seq 1 50); do addrs+=("198.19.1.$i/16 eth0"); done
node_public_addresses 0 "${addrs[@]}"

# Probe: keeps a copy of every changes file ipreallocated sees, in order.
node_script 0 events.d 99.probe "
P=$D/probe
case \"\$1\" in
ipreallocated)
	n=\$(ls \$P | wc -l)
	f=\$(printf '%s/ipr.%04d' \$P \$n)
	cp \"\$CTDB_IP_CHANGES_FILE\" \$f.tmp && mv \$f.tmp \$f
	env > $D/env.ipreallocated
	if [ -e $D/slow ] && grep -q '^releaseip ' \$f; then echo \$f > $D/in_slow; sleep 30; fi ;;
esac
exit 0"
# Health switch for the monitor event.
node_script 0 events.d 98.health "
if [ \"\$1\" = monitor ] && [ -e $D/sick ]; then echo 'service is sick'; exit 1; fi
exit 0"

ctdb0() { node_ctdb 0 "$@"; }
n_kernel() { node_addrs 0 eth0 | grep -c '^198\.19\.1\.'; }
# probe_with N EVENT: some ipreallocated copy has exactly N lines, all EVENT
probe_with() {
    local f
    for f in "$D"/probe/ipr.*; do
        [ -f "$f" ] || continue
        [ "$(wc -l < "$f")" = "$1" ] && [ "$(grep -c "^$2 " "$f")" = "$1" ] && return 0
    done
    return 1
}

node_start 0 --tunables-file="$D/tunables"
check "log: IP events by scripts" grep -q "IP events by scripts" "$D/log.ctdbd"
check "all 50 IPs in the kernel" wait_until 20 sh -c "[ \$(ip netns exec $(ns_name 0) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.1\.') = 50 ]"
check "one ipreallocated saw exactly the 50 takeip lines" wait_until 10 probe_with 50 takeip
check "no takeip line delivered twice" test "$(cat "$D"/probe/ipr.* | grep -c '^takeip ')" = 50
check "takeip lines name eth0 and /16" test "$(cat "$D"/probe/ipr.* | grep -c '^takeip eth0 198\.19\.1\.[0-9]* 16$')" = 50
check "script env: CTDB_BASE" grep -qx "CTDB_BASE=$D" "$D/env.ipreallocated"
check "script env: CTDB_PUBLIC_ADDRESSES" grep -qx "CTDB_PUBLIC_ADDRESSES=$D/public_addresses" "$D/env.ipreallocated"
check "script env: CTDB_SOCKET" grep -qx "CTDB_SOCKET=$(node_socket 0)" "$D/env.ipreallocated"
check "script env: changes snapshot" grep -qx "CTDB_IP_CHANGES_FILE=$D/state/ip_changes.delivering" "$D/env.ipreallocated"
check "script env: PATH has /usr/sbin" grep -q '^PATH=.*/usr/sbin' "$D/env.ipreallocated"
out=$(ctdb0 scriptstatus ipreallocated)
echo "$out" | sed 's/^/    /' >&2
check "scriptstatus ipreallocated lists 99.probe OK" sh -c "echo '$out' | grep -q '^99.probe *Status:OK *Duration:'"
check "scriptstatus ipreallocated header" sh -c "echo '$out' | grep -q 'scripts were executed last ipreallocated cycle'"
# --json scriptstatus, parsed: the documented schema (doc/json.md) and the
# same scripts/codes as -X scriptstatus
CTDB_SOCKET=$(node_socket 0) "$CLUSTER_BIN/ctdb" --json scriptstatus ipreallocated > "$D/ss.json" \
    || cluster_fail "ctdb --json scriptstatus ipreallocated failed"
CTDB_SOCKET=$(node_socket 0) "$CLUSTER_BIN/ctdb" -X scriptstatus ipreallocated > "$D/ss.x" \
    || cluster_fail "ctdb -X scriptstatus ipreallocated failed"
check "scriptstatus --json parses and matches -X scriptstatus" python3 - "$D/ss.json" "$D/ss.x" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["pnn"] == 0, doc
evs = doc["events"]
assert [e["event"] for e in evs] == ["ipreallocated"], evs
ev = evs[0]
assert ev["ran"] is True, ev
# -X prints a script's output raw (it may span lines): rows start with |EVENT|
rows = [l.strip("|\n").split("|") for l in open(sys.argv[2]) if l.startswith("|ipreallocated|")]
want = [(r[1], int(r[2]), r[3]) for r in rows]
got = [(s["name"], s["code"], s["status"]) for s in ev["scripts"]]
assert got == want, (got, want)
assert ("99.probe", 0, "OK") in got, got
for s in ev["scripts"]:
    assert isinstance(s["start"], (int, float)) and isinstance(s["end"], (int, float)), s
    assert s["end"] >= s["start"] and abs(s["duration"] - (s["end"] - s["start"])) < 0.01, s
    assert isinstance(s["output"], str), s
PY
check "scriptstatus -X: header and one line per script" sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb -X scriptstatus ipreallocated > $D/x.out && head -1 $D/x.out | grep -q '^|Type|Name|Code|Status|Start|End|Error Output|$' && grep -q '^|ipreallocated|99.probe|0|OK|' $D/x.out"
check "scriptstatus all covers init" sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb scriptstatus all | grep -q 'scripts were executed last init cycle'"
check "scriptstatus of an unknown event fails" sh -c "! CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb scriptstatus nosuch > $D/u.out 2>&1 && grep -q 'Unknown event name nosuch' $D/u.out"
check "event status legacy ipreallocated exits 0" sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb event status legacy ipreallocated | grep -q '^99.probe *OK'"
check "event status takeip shows 10.interface OK" sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb event status takeip | grep -q '^10.interface *OK'"
check "monitor ran (scriptstatus default)" wait_until 5 sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb scriptstatus | grep -q '^10.interface *Status:OK'"
check "node healthy" sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb status | grep -q 'pnn:0 .* OK (THIS NODE)'"

# A takeip script that fails for one IP, and one that deletes the address
# again (the scripts "succeed", the kernel says no).
node_script 0 ip_events.d 05.failone "
if [ \"\$1\" = takeip ] && [ \"\$3\" = 198.19.1.51 ]; then echo \"refusing \$3\"; exit 3; fi
exit 0"
node_script 0 ip_events.d 20.undo "
if [ \"\$1\" = takeip ] && [ \"\$3\" = 198.19.1.52 ]; then ip addr del \"\$3/\$4\" dev \"\$2\"; fi
exit 0"
check "addip 198.19.1.51" ctdb0 addip 198.19.1.51/16 eth0
check "addip 198.19.1.52" ctdb0 addip 198.19.1.52/16 eth0
ctdb0 ipreallocate >/dev/null 2>&1
check "failing takeip script reported" wait_until 5 grep -q "takeip eth0 198.19.1.51 16 failed: script 05.failone ERROR (status 3)" "$D/log.ctdbd"
check "the TAKEOVER_IP control for 198.19.1.51 failed" wait_until 5 grep -q "TAKEOVER_IP 198.19.1.51 to node 0 failed" "$D/log.ctdbd"
check "198.19.1.51 not in the kernel" node_lacks_addr 0 198.19.1.51
check "kernel check: takeip of 198.19.1.52 failed" wait_until 5 grep -q "takeip 198.19.1.52/16 on eth0: the scripts succeeded but the kernel has it on no interface" "$D/log.ctdbd"
check "198.19.1.52 not in the kernel" node_lacks_addr 0 198.19.1.52
check "the other 50 still hosted" test "$(n_kernel)" = 50
check "ctdb ip: .51 not on node 0" sh -c "! CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb ip | grep -q '^198.19.1.51 0$'"
rm -f "$D/ip_events.d/05.failone" "$D/ip_events.d/20.undo"
check "ipreallocate after the fix" ctdb0 ipreallocate
check "198.19.1.51 and .52 hosted after the fix" wait_until 10 sh -c "[ \$(ip netns exec $(ns_name 0) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.1\.') = 52 ]"

# Monitor failure -> UNHEALTHY -> IPs released; fixed -> healthy, IPs back.
touch "$D/sick"
check "node UNHEALTHY after a failing monitor" wait_until 10 sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb status | grep -q 'pnn:0 .*UNHEALTHY'"
check "scriptstatus shows the monitor failure" sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb scriptstatus | grep -q 'OUTPUT:service is sick'"
check "event status: failed monitor exits 1 with the output" sh -c "! CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb event status > $D/ev.out && grep -q '^98.health *ERROR' $D/ev.out && grep -q '^  OUTPUT: service is sick' $D/ev.out"
check "unhealthy node released its IPs" wait_until 10 sh -c "[ \$(ip netns exec $(ns_name 0) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.1\.') = 0 ]"
rm -f "$D/sick"
check "node healthy again" wait_until 10 sh -c "CTDB_SOCKET=$(node_socket 0) $CLUSTER_BIN/ctdb status | grep -q 'pnn:0 .* OK (THIS NODE)'"
check "IPs back" wait_until 15 sh -c "[ \$(ip netns exec $(ns_name 0) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.1\.') = 52 ]"
check "ipreallocated saw the 52 releaseip lines" wait_until 5 probe_with 52 releaseip

# Crash: SIGKILL while ipreallocated holds the snapshot of 52 releaseips.
touch "$D/slow"
# (disable waits for the takeover run, which waits for ipreallocated)
node_ctdb 0 disable >/dev/null 2>&1 &
check "ipreallocated is running (slow)" wait_until 15 test -e "$D/in_slow"
check "snapshot of 52 releaseip lines being delivered" test "$(grep -c '^releaseip ' "$D/state/ip_changes.delivering")" = 52
node_kill 0
for pid in $(ip netns pids "$(ns_name 0)"); do kill -KILL "$pid" 2>/dev/null; done
rm -f "$D/slow"
node_start 0 --tunables-file="$D/tunables"
# (.51 and .52 came from addip: gone after a restart; the file has 50)
check "the 50 IPs hosted after the restart" wait_until 20 sh -c "[ \$(ip netns exec $(ns_name 0) ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.1\.') = 50 ]"
slow_copy=$(cat "$D/in_slow")
rm -f "$D/in_slow"
# Everything ipreallocated saw after the interrupted delivery, in order.
after_crash() {
    local f
    for f in "$D"/probe/ipr.*; do [[ "$f" > "$slow_copy" ]] && cat "$f"; done
}
crash_delivery() {
    local all; all=$(after_crash)
    [ "$(echo "$all" | grep -c .)" = 102 ] &&
        [ "$(echo "$all" | head -n 52 | grep -c '^releaseip ')" = 52 ] &&
        [ "$(echo "$all" | tail -n 50 | grep -c '^takeip ')" = 50 ]
}
check "after the crash: the 52 undelivered releaseips reach ipreallocated once, before the 50 new takeips" wait_until 10 crash_delivery
check "no snapshot left" test ! -e "$D/state/ip_changes.delivering"

# SIGTERM: IPs released, then the shutdown event.
node_script 0 events.d 97.shutdown "[ \"\$1\" = shutdown ] && ip -o -4 addr show dev eth0 | grep -c ' 198\.19\.1\.' > $D/at_shutdown; exit 0"
node_stop 0
check "shutdown event ran after all IPs were released" test "$(cat "$D/at_shutdown")" = 0
cluster_log "event_wiring: $(( ($(date +%s%N) - T0) / 1000000 )) ms"
