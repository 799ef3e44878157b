#!/bin/bash
# Issue #7, "Integration tests": reloadips at scale on a 3-node cluster of
# our ctdbd with 300 public IPs (198.19.0.1 - 198.19.1.50, cc_ip 1..300).
#
# `ctdb reloadips all` adds 100 IPs (cc_ip 301..400) and removes 100
# (cc_ip 1..100) while `ctdb disable` / `ctdb enable` of node 1 is in
# progress. Afterwards:
#   - every configured IP is in exactly one live node's kernel, no removed
#     IP is in any kernel, no other public IP is in any kernel, and every
#     node's table (`ctdb ip`) is exactly the new set; a background sampler
#     never saw an IP on two nodes at once;
#   - the changes file seen by ipreallocated on each node lists exactly
#     that node's moves: a probe in ip_events.d (99.iprecord, runs after
#     10.interface, batch-capable like it, doc/event-scripts.md 2a) logs
#     every takeip/releaseip that really ran on the node (ground truth); a probe in events.d (99.probe) keeps a copy of every
#     $CTDB_IP_CHANGES_FILE that ipreallocated saw. Per node, the lines
#     delivered to ipreallocated are the logged moves: the same multiset of
#     lines (so no line lost, none invented, none delivered twice) and, per
#     IP, the same order; replaying the delivered lines from the node's
#     kernel set before the reload (takeip only of an IP not held, releaseip
#     only of an IP held) gives its kernel set afterwards; every removed IP
#     that a node held ends with a releaseip on that node.
# Then --json of `event status` (ipreallocated, monitor, a never-run event)
# is parsed and checked against `ctdb -X scriptstatus`, and --json of
# `stop`, `continue`, `unban` (on a banned and on a non-banned node) is
# parsed and checked against the node flags of `ctdb -X status`.
. "$(dirname "$0")/cluster_common.sh"

cluster_require_root
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }

NIP=300
cc_setup 3 "$NIP"
cc_sampler_start
t0=$(ms)
cc_wait_once 90 "bring-up with $NIP IPs: every IP on exactly one node"
check "bring-up balanced" wait_until 30 cc_balanced 0 1 2
cluster_log "bring-up: $(cc_counts) after $(( $(ms) - t0 )) ms"

# --- probes (recording starts when $(node_dir K)/probe exists)
for k in 0 1 2; do
    node_script "$k" events.d 99.probe '
[ "$1" = ipreallocated ] || exit 0
P="$CTDB_BASE/probe"
[ -d "$P" ] || exit 0
n=$(ls "$P" | grep -c "^ipr\.[0-9]*$")
f=$(printf "%s/ipr.%05d" "$P" "$n")
cp "$CTDB_IP_CHANGES_FILE" "$f.tmp" && mv "$f.tmp" "$f"'
    node_script "$k" ip_events.d 99.iprecord '
# ctdb-ip-events: batch
L=/dev/null
[ -d "$CTDB_BASE/probe" ] && L="$CTDB_BASE/iplog"
# the gate: while $CTDB_BASE/gate exists, a release waits (at most 3 s)
# for gate.open, so the takeover run of `ctdb disable` is still running
# when reloadips and enable start
case "$1" in releaseip|releaseipbatch)
	if [ -e "$CTDB_BASE/gate" ]; then
		touch "$CTDB_BASE/gate.reached"
		n=0
		while [ ! -e "$CTDB_BASE/gate.open" ] && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
	fi ;;
esac
case "$1" in
takeip|releaseip|updateip) echo "$*" >> "$L" ;;
takeipbatch|releaseipbatch)
	ev=${1%batch}
	while read -r i a m; do echo "$ev $i $a $m"; done >> "$L" ;;
esac
exit 0'
done

kset() { cc_kaddrs "$1" | sort; }
snapshot() {  # snapshot NAME: every node's kernel set into $CLUSTER_WORK/NAME.K
    local k
    for k in 0 1 2; do kset "$k" > "$CLUSTER_WORK/$1.$k"; done
}
same_snapshots() {
    local k
    for k in 0 1 2; do cmp -s "$CLUSTER_WORK/$1.$k" "$CLUSTER_WORK/$2.$k" || return 1; done
}

# Baseline: a quiet cluster (a run has just finished and nothing moved
# while the probes were switched on). "Nothing moved" is judged across one
# more complete takeover run (ipreallocate returns after it, and then no
# node has a run in progress): whatever was still pending would have moved
# in it.
for k in 0 1 2; do mkdir -p "$(node_dir "$k")/probe"; : > "$(node_dir "$k")/iplog"; done
quiet=0
for attempt in 1 2 3 4 5; do
    node_ctdb 0 ipreallocate >/dev/null 2>&1 || cluster_fail "ipreallocate before the baseline failed"
    wait_until 10 cc_runs_idle || cluster_fail "a takeover run still in progress after ipreallocate"
    snapshot before
    for k in 0 1 2; do
        ls "$(node_dir "$k")/probe" | grep -c '^ipr\.[0-9]*$' > "$CLUSTER_WORK/base_files.$k"
        wc -l < "$(node_dir "$k")/iplog" > "$CLUSTER_WORK/base_lines.$k"
    done
    node_ctdb 0 ipreallocate >/dev/null 2>&1 || cluster_fail "ipreallocate of the baseline check failed"
    wait_until 10 cc_runs_idle || cluster_fail "a takeover run still in progress after ipreallocate"
    snapshot before2
    if same_snapshots before before2; then
        same=1
        for k in 0 1 2; do
            [ "$(wc -l < "$(node_dir "$k")/iplog")" = "$(cat "$CLUSTER_WORK/base_lines.$k")" ] || same=0
        done
        [ $same = 1 ] && { quiet=1; break; }
    fi
    cluster_log "cluster not quiet yet (attempt $attempt)"
done
[ $quiet = 1 ] || cluster_fail "the cluster did not become quiet for the baseline"
check "baseline: every IP once" cc_exactly_once
cluster_log "baseline: $(cc_counts)"

# --- the new configuration: remove cc_ip 1..100, add cc_ip 301..400
lines=()
for i in $(seq 101 400); do lines+=("$(cc_ip "$i")/16 eth0"); done
all_public_addresses "${lines[@]}"
REMOVED=()
for i in $(seq 1 100); do REMOVED+=("$(cc_ip "$i")"); done
CC_IPS=()
for i in $(seq 101 400); do CC_IPS+=("$(cc_ip "$i")"); done
printf '%s\n' "${REMOVED[@]}" > "$CLUSTER_WORK/removed"
printf '%s\n' "${CC_IPS[@]}" | sort > "$CLUSTER_WORK/newset"

node1_disabled() { [ "$(cc_flags 0 1 | cut -c3)" = 1 ]; }
node1_enabled() { [ "$(cc_flags 0 1 | cut -c3)" = 0 ]; }

# --- disable node 1, reloadips all while that runs, enable node 1 while
# the reload runs. Node 1's releases wait at the gate (opened after ~1 s,
# well within TakeoverTimeout=5), so the disable's takeover run is in
# progress when the reload starts (its DISABLE_TAKEOVER_RUNS waits for that
# run, CTDB bug 13924) and the reload is in progress when enable starts.
W=$CLUSTER_WORK
G=$(node_dir 1)
rm -f "$G/gate.reached" "$G/gate.open"
touch "$G/gate"
ts() { date +%s.%N | cut -c1-14; }
t_start=$(ms)
{ echo "start $(ts)"; node_ctdb 2 -n 1 disable > "$W/disable.out" 2>&1; echo "rc $?"; echo "end $(ts)"; } > "$W/disable.log" &
dis=$!
wait_until 10 node1_disabled || cluster_fail "node 1 not DISABLED within 10 s of ctdb disable"
wait_until 10 test -e "$G/gate.reached" || cluster_fail "the disable's run did not reach node 1's releases"
dis_running=0; kill -0 "$dis" 2>/dev/null && dis_running=1
# The reload is under way once the leader logs that its disable of
# takeover runs waits for the disable's run; the enable once node 0 sees
# node 1's DISABLED flag cleared. Only then is the gate opened.
waits0=$(cat "$(node_dir 0)/log.ctdbd" "$(node_dir 1)/log.ctdbd" "$(node_dir 2)/log.ctdbd" | grep -c 'disable of takeover runs from node 0 waits for the run in progress')
reload_waits() {
    [ "$(cat "$(node_dir 0)/log.ctdbd" "$(node_dir 1)/log.ctdbd" "$(node_dir 2)/log.ctdbd" |
         grep -c 'disable of takeover runs from node 0 waits for the run in progress')" -gt "$waits0" ]
}
{ echo "start $(ts)"; node_ctdb 0 reloadips all > "$W/reload.out" 2>&1; echo "rc $?"; echo "end $(ts)"; } > "$W/reload.log" &
rl=$!
wait_until 10 reload_waits || cluster_fail "reloadips' DISABLE_TAKEOVER_RUNS did not reach the leader during the disable's run"
rl_running=0; kill -0 "$rl" 2>/dev/null && rl_running=1
{ echo "start $(ts)"; node_ctdb 1 enable > "$W/enable.out" 2>&1; echo "rc $?"; echo "end $(ts)"; } > "$W/enable.log" &
en=$!
wait_until 10 node1_enabled || cluster_fail "node 1 not enabled within 10 s of ctdb enable"
touch "$G/gate.open"
for p in $dis $rl $en; do
    # bounded: each command has its own time limits; this only guards a hang
    for _ in $(seq 1 600); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && cluster_fail "a disable/reloadips/enable command did not finish within 60 s"
    wait "$p"
done
for c in disable reload enable; do
    cluster_log "$c: $(tr '\n' ' ' < "$W/$c.log") output: $(head -c 300 "$W/$c.out" | tr '\n' ' ')"
    check "ctdb $c exited 0" grep -qx 'rc 0' "$W/$c.log"
done
check "reloadips printed nothing (no node failed)" test ! -s "$W/reload.out"
rm -f "$G/gate"
check "the disable was still running when the reload started" test $dis_running = 1
check "the reload was still running when the enable started" test $rl_running = 1
cluster_log "disable + reloadips + enable took $(( $(ms) - t_start )) ms"

# --- the end state
check "node 1 enabled again" wait_until 10 node1_enabled
cc_wait_once 60 "after reloadips all during disable/enable: every new IP on exactly one node"
no_removed_anywhere() {
    local k
    for k in 0 1 2; do
        if kset "$k" | grep -qxFf "$W/removed"; then
            CC_WHY="node $k still has $(kset "$k" | grep -xFf "$W/removed" | head -3 | tr '\n' ' ')"
            return 1
        fi
    done
}
check "no removed IP in any kernel" wait_until 20 no_removed_anywhere
only_new_set() { [ "$(cat "$W"/now.* | sort | uniq -c | awk '$1 != 1' | wc -l)" = 0 ] &&
                 [ "$(cat "$W"/now.* | sort)" = "$(cat "$W/newset")" ]; }
snapshot now
check "the kernels together hold exactly the 300 new IPs, each once" only_new_set
for k in 0 1 2; do
    check "node $k's table is exactly the new set" \
        test "$(node_ctdb "$k" ip 2>/dev/null | awk 'NR > 1 {print $1}' | sort)" = "$(cat "$W/newset")"
done
cc_sampler_check
cluster_log "after: $(cc_counts)"

# Flush: one more run, so every node's ipreallocated has seen every move;
# then the kernels must not have changed (the run found nothing to do).
check "final ipreallocate" node_ctdb 0 ipreallocate
snapshot after
check "nothing moved in the final run" same_snapshots now after

# --- what ipreallocated saw vs what really happened, per node
for k in 0 1 2; do
    files=()
    base=$(cat "$W/base_files.$k")
    for f in "$(node_dir "$k")"/probe/ipr.[0-9]*; do
        [ -f "$f" ] || continue
        n=${f##*.}; n=$((10#$n))
        [ "$n" -ge "$base" ] && files+=("$f")
    done
    tail -n +"$(( $(cat "$W/base_lines.$k") + 1 ))" "$(node_dir "$k")/iplog" > "$W/moves.$k"
    cat /dev/null "${files[@]}" > "$W/delivered.$k"
    cluster_log "node $k: ${#files[@]} ipreallocated runs saw $(wc -l < "$W/delivered.$k") lines;" \
        "$(wc -l < "$W/moves.$k") IP events ran ($(grep -c '^takeip ' "$W/moves.$k") takeip," \
        "$(grep -c '^releaseip ' "$W/moves.$k") releaseip)"
done
python3 - "$W" <<'PY' || cluster_fail "the changes seen by ipreallocated do not match the nodes' moves"
import collections, sys
w = sys.argv[1]
def lines(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip()]
removed = set(lines(f"{w}/removed"))
newset = set(lines(f"{w}/newset"))
bad = []
total_moves = 0
for k in range(3):
    before = set(lines(f"{w}/before.{k}"))
    after = set(lines(f"{w}/after.{k}"))
    moves = lines(f"{w}/moves.{k}")
    got = lines(f"{w}/delivered.{k}")
    total_moves += len(moves)
    # 1. same lines, each as often: nothing lost, invented or delivered twice
    cm, cg = collections.Counter(moves), collections.Counter(got)
    if cm != cg:
        missing = list((cm - cg).elements())[:5]
        extra = list((cg - cm).elements())[:5]
        bad.append(f"node {k}: delivered lines differ from the IP events that ran: "
                   f"never delivered {missing}, delivered but not run (or twice) {extra}")
    # 2. per IP, in the order the events ran
    def per_ip(seq):
        d = collections.defaultdict(list)
        for l in seq:
            p = l.split()
            d[p[2] if len(p) >= 4 else l].append(p[0])
        return d
    pm, pg = per_ip(moves), per_ip(got)
    for ip in pm:
        if pm[ip] != pg.get(ip):
            bad.append(f"node {k}: {ip}: events ran {pm[ip]}, delivered {pg.get(ip)}")
            break
    # 3. replaying the delivered lines from the kernel set before gives the
    #    kernel set after; takeip only of an IP not held, releaseip only of
    #    a held one
    held = set(before)
    last = {}
    for l in got:
        p = l.split()
        if len(p) != 4 or p[0] not in ("takeip", "releaseip") or p[1] != "eth0" or p[3] != "16":
            bad.append(f"node {k}: unexpected line {l!r}")
            continue
        ip = p[2]
        if p[0] == "takeip":
            if ip in held:
                bad.append(f"node {k}: takeip of {ip}, already held")
            held.add(ip)
        else:
            if ip not in held:
                bad.append(f"node {k}: releaseip of {ip}, not held")
            held.discard(ip)
        last[ip] = p[0]
    if held != after:
        bad.append(f"node {k}: replay gives {len(held)} IPs, kernel has {len(after)}; "
                   f"only in replay {sorted(held - after)[:5]}, only in kernel {sorted(after - held)[:5]}")
    # 4. every removed IP this node held ends with a releaseip here
    for ip in sorted(removed):
        if ip in before or ip in last:
            if last.get(ip) != "releaseip":
                bad.append(f"node {k}: removed {ip} (held before: {ip in before}) "
                           f"ends with {last.get(ip)}, not releaseip")
                break
    if after - newset:
        bad.append(f"node {k}: holds IPs outside the new set: {sorted(after - newset)[:5]}")
# every removed IP was held somewhere before, so there were real moves
held_removed = sum(1 for k in range(3) for ip in lines(f"{w}/before.{k}") if ip in removed)
if held_removed != len(removed):
    bad.append(f"only {held_removed} of the {len(removed)} removed IPs were hosted before the reload")
if total_moves < 200:
    bad.append(f"only {total_moves} IP events ran: expected at least 100 releases and 100 takes")
for b in bad[:20]:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
cluster_log "ok: per node, ipreallocated saw exactly the node's takeip/releaseip events, once each, consistent with its kernel"

# --- --json event status, checked against ctdb -X scriptstatus (both read
# the daemon's record of the last run; retried in case a run ends between
# the two reads)
evs_match() {
    local k=$1 j x
    j=$(node_ctdb "$k" --json event status ipreallocated) || { cluster_log "node $k: --json event status ipreallocated failed"; return 1; }
    x=$(node_ctdb "$k" -X scriptstatus ipreallocated) || { cluster_log "node $k: -X scriptstatus ipreallocated failed"; return 1; }
    python3 -c '
import json, sys
j = json.loads(sys.argv[1]); k = int(sys.argv[3])
rows = [r.split("|") for r in sys.argv[2].splitlines()[1:]]
x = {r[2]: r for r in rows}
assert j["pnn"] == k, j
assert len(j["events"]) == 1, j
e = j["events"][0]
assert e["event"] == "ipreallocated" and e["ran"] is True, e
names = [s["name"] for s in e["scripts"]]
assert names == sorted(x), (names, sorted(x))
assert "99.probe" in names, names
for s in e["scripts"]:
    r = x[s["name"]]
    assert s["code"] == int(r[3]) and s["status"] == r[4], (s, r)
    assert abs(s["start"] - float(r[5])) < 1e-5 and abs(s["end"] - float(r[6])) < 1e-5, (s, r)
    assert abs(s["duration"] - (s["end"] - s["start"])) < 1e-5, s
p = [s for s in e["scripts"] if s["name"] == "99.probe"][0]
assert p["status"] == "OK" and p["code"] == 0 and p["output"] == "", p
' "$j" "$x" "$k"
}
for k in 0 1 2; do
    check "node $k: --json event status ipreallocated matches -X scriptstatus" wait_until 5 evs_match "$k"
done
j=$(node_ctdb 2 --json event status monitor) || cluster_fail "--json event status monitor failed"
check "--json event status monitor: ran, every script OK (the node is healthy)" \
    python3 -c '
import json, sys
e = json.loads(sys.argv[1])["events"][0]
assert e["event"] == "monitor" and e["ran"] is True and e["scripts"], e
assert all(s["status"] in ("OK", "DISABLED") for s in e["scripts"]), e
' "$j"
j=$(node_ctdb 0 --json event status shutdown); rc=$?
# 4.17's ctdb-event exits EINVAL (22) for an event that never ran
check "--json event status of a never-run event exits 22" test "$rc" = 22
check "--json event status of a never-run event: ran false, scripts null" \
    python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["pnn"] == 0 and d["events"] == [{"event": "shutdown", "ran": False, "scripts": None}], d
' "$j"

# --- --json stop / continue / unban, checked against the node flags
flag_of() {  # flag_of VIEW_NODE PNN COLUMN(1..5: disc banned disabled unhealthy stopped)
    cc_flags "$1" "$2" | cut -c"$3"
}
json_check() {  # json_check JSON PNN CHANGED LEADER_NULL(0|1)
    python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["pnn"] == int(sys.argv[2]), d
assert d["changed"] is (sys.argv[3] == "true"), d
if sys.argv[4] == "1":
    assert d["leader"] is None, d
else:
    assert isinstance(d["leader"], int) and 0 <= d["leader"] <= 2, d
' "$@"
}
j=$(node_ctdb 0 --json -n 2 stop) || cluster_fail "--json stop failed"
check "--json stop: pnn 2, changed, a leader answered" json_check "$j" 2 true 0
check "node 2 STOPPED in node 0's view" test "$(flag_of 0 2 5)" = 1
check "node 2 STOPPED in its own view" test "$(flag_of 2 2 5)" = 1
j=$(node_ctdb 0 --json -n 2 stop 2> "$W/stop2.err") || cluster_fail "--json stop of a stopped node failed"
check "--json stop of a stopped node: changed false, leader null" json_check "$j" 2 false 1
check "... and 4.17's message on stderr" grep -qx 'Node 2 is already stopped' "$W/stop2.err"
j=$(node_ctdb 2 --json continue) || cluster_fail "--json continue failed"
check "--json continue: pnn 2, changed" json_check "$j" 2 true 0
node2_running() { [ "$(flag_of 0 2 5)" = 0 ]; }
check "node 2 no longer STOPPED" wait_until 10 node2_running
j=$(node_ctdb 1 --json unban 2> "$W/unban.err") || cluster_fail "--json unban of a node not banned failed"
check "--json unban of a node not banned: changed false, leader null" json_check "$j" 1 false 1
check "... and 4.17's message on stderr" grep -qx 'Node 1 is not banned' "$W/unban.err"
check "ban node 1 for 60 s" node_ctdb 1 ban 60
node1_banned() { cc_is_banned 0 1; }
check "node 1 BANNED in node 0's view" wait_until 10 node1_banned
j=$(node_ctdb 0 --json -n 1 unban) || cluster_fail "--json unban failed"
check "--json unban: pnn 1, changed" json_check "$j" 1 true 0
node1_unbanned() { ! cc_is_banned 0 1; }
check "node 1 no longer BANNED" wait_until 10 node1_unbanned
cc_wait_once 30 "after stop/continue/ban/unban: every IP once"
cc_sampler_check
cc_sampler_stop
cluster_log "PASS ($(( $(ms) - t0 )) ms after bring-up started)"
