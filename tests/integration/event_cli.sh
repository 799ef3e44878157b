#!/bin/bash
# `ctdb event` (CTDB 4.17's ctdb-event commands on our two trees) against a
# real node started the way the README says (ctdbd -i, CTDB_BASE unset, so
# it is the parent of --event-script-dir), with the stock scripts plus a
# probe in events.d:
#  - script list events|ip_events (and both), in the helper's order, "*"
#    for executable scripts; --json;
#  - script disable/enable clear and set the execute bits (the next run
#    shows the script DISABLED), twice in a row is fine as in 4.17;
#  - run TIMEOUT TREE EVENT [ARGS]: through the daemon's runner and the real
#    helper (the probe sees the event, `event status` shows the run); a
#    failing script exits 8 ("Event E in events failed"), a hung one 110
#    after TIMEOUT ("timed out"); takeip/releaseip in ip_events really
#    add/remove the address in the node's namespace;
#  - status TREE EVENT in 4.17's layout, exit status = the failed script's;
#  - the same runs through Debian's 4.17 ctdb-eventd (when installed)
#    print the same lines and exit the same;
#  - errors: unknown tree, unknown script, invalid script, bad timeout,
#    unknown event, event of the other tree, wrong argument count: one line
#    on stderr, nothing on stdout, non-zero exit.
. "$(dirname "$0")/lib/cluster.sh"
cluster_require_root
cluster_create 1
D=$(node_dir 0)
node_public_addresses 0 "198.19.5.1/16 eth0"

# The probe: logs its argv, then fails, hangs or succeeds as $D/probe.mode says.
cat > "$D/events.d/90.probe" <<EOF
#!/bin/sh
echo "\$*" >> "$D/probe.log"
case "\$1" in startrecovery|recovered) ;; *) exit 0 ;; esac
case "\$(cat "$D/probe.mode" 2>/dev/null)" in
fail) echo "probe is failing on purpose" >&2; exit 3 ;;
hang) sleep 30 ;;
esac
exit 0
EOF
chmod 755 "$D/events.d/90.probe"

timeout -s KILL 120 ip netns exec "$(ns_name 0)" env -u CTDB_BASE "$CLUSTER_BIN/ctdbd" -i \
    --nlist="$D/nodes" --public-addresses="$D/public_addresses" \
    --event-script-dir="$D/events.d" --socket="$D/run/ctdbd.socket" \
    --dbdir-state="$D/state" --listen=198.18.0.1 --logging="file:$D/log.ctdbd" \
    </dev/null >>"$D/ctdbd.out" 2>&1 &
echo $! > "$D/ctdbd.pid"
export CTDB_SOCKET=$D/run/ctdbd.socket
CTDB=$CLUSTER_BIN/ctdb
check "node comes up" wait_until 20 node_alive 0
check "node reaches RUNNING" wait_until 20 sh -c "[ \"\$($CTDB runstate)\" = RUNNING ]"

# run CMD...: stdout in $D/out, stderr in $D/err, exit status in $rc
run() { "$@" > "$D/out" 2> "$D/err"; rc=$?; }
# fails_with RC LINE CMD...: exit RC, nothing on stdout, exactly LINE on stderr
fails_with() {
    local want=$1 line=$2; shift 2
    run "$@"
    [ "$rc" = "$want" ] || { cluster_log "exit $rc, want $want: $*"; cat "$D/err" >&2; return 1; }
    [ ! -s "$D/out" ] || { cluster_log "stdout not empty: $*"; return 1; }
    [ "$(cat "$D/err")" = "$line" ] || { cluster_log "stderr: $(cat "$D/err")"; return 1; }
}
# expected list of a tree, from the directory itself
expect_list() {
    local f
    for f in $(cd "$1" && ls | LC_ALL=C sort); do
        case $f in [0-9][0-9].*) ;; *) continue ;; esac
        if [ -x "$1/$f" ]; then echo "* $f"; else echo "  $f"; fi
    done
}

# --- script list
run "$CTDB" event script list events
check "script list events exits 0" test "$rc" = 0
expect_list "$D/events.d" > "$D/want"
check "script list events: every NN.name script, '*' = executable" diff "$D/want" "$D/out"
check "functions is not listed" sh -c "! grep -q functions '$D/out'"
run "$CTDB" event script list ip_events
check "script list ip_events" test "$rc" = 0 -a "$(cat "$D/out")" = "* 10.interface"
run "$CTDB" event script list
{ expect_list "$D/events.d"; echo; expect_list "$D/ip_events.d"; } > "$D/want"
check "script list without a tree: events, a blank line, ip_events" diff "$D/want" "$D/out"
run "$CTDB" --json event script list ip_events
check "--json script list" test "$rc" = 0 -a \
    "$(cat "$D/out")" = '{"pnn":0,"trees":[{"tree":"ip_events","scripts":[{"name":"10.interface","enabled":true}]}]}'

# --- disable / enable
run "$CTDB" event script disable events 90.probe
check "disable exits 0 silently" test "$rc" = 0 -a ! -s "$D/out" -a ! -s "$D/err"
check "disable cleared every execute bit" test "$(stat -c %a "$D/events.d/90.probe")" = 644
check "the list shows it disabled" sh -c "$CTDB event script list events | grep -qx '  90.probe'"
run "$CTDB" event script disable events 90.probe
check "disabling a disabled script is fine (4.17)" test "$rc" = 0 -a ! -s "$D/err"
run "$CTDB" event run 10 events startrecovery
check "run with the probe disabled exits 0" test "$rc" = 0
run "$CTDB" event status events startrecovery
check "status shows the probe DISABLED" grep -qx '90.probe             DISABLED  ' "$D/out"
check "a disabled script did not run" sh -c "! grep -q startrecovery '$D/probe.log' 2>/dev/null"
run "$CTDB" event script enable events 90.probe
check "enable exits 0 silently" test "$rc" = 0 -a ! -s "$D/out" -a ! -s "$D/err"
check "enable set the execute bits" test "$(stat -c %a "$D/events.d/90.probe")" = 755

# --- run and status
run "$CTDB" event run 10 events startrecovery
check "run startrecovery exits 0, prints nothing" test "$rc" = 0 -a ! -s "$D/out" -a ! -s "$D/err"
check "the probe ran with the event" grep -qx startrecovery "$D/probe.log"
run "$CTDB" event status events startrecovery
check "status exits 0" test "$rc" = 0
check "status: 4.17 layout, OK with duration and date" \
    grep -Eq '^90\.probe +OK +[0-9]+\.[0-9]{3} [A-Z][a-z]{2} [A-Z][a-z]{2} ' "$D/out"
check "status: every events.d script of the run is listed" \
    test "$(wc -l < "$D/out")" = "$(expect_list "$D/events.d" | wc -l)"
run "$CTDB" event status legacy startrecovery
check "status legacy EVENT still works" grep -q '^90\.probe  *OK' "$D/out"
run "$CTDB" event status ip_events startrecovery
check "status of an event the tree never runs: 'has never run', 22" \
    test "$rc" = 22 -a "$(cat "$D/err")" = "Event startrecovery has never run in ip_events"

echo fail > "$D/probe.mode"
fails_with 8 "Event recovered in events failed" "$CTDB" event run 10 events recovered
check "run: failing script exits 8 with one line" true
run "$CTDB" event status events recovered
check "status of the failed run exits with the script's status (3)" test "$rc" = 3
check "status shows ERROR and the output" \
    sh -c "grep -q '^90\.probe  *ERROR' '$D/out' && grep -qx '  OUTPUT: probe is failing on purpose' '$D/out'"
run "$CTDB" --json event run 10 events recovered
check "--json run of a failing event: JSON with result 8, exit 8" \
    python3 -c "
import json,sys
d=json.load(open('$D/out'))
assert $rc == 8, $rc
assert d['tree']=='events' and d['event']=='recovered' and d['result']==8, d
assert d['scripts'][-1]['name']=='90.probe' and d['scripts'][-1]['code']==3, d
"

echo hang > "$D/probe.mode"
t0=$(date +%s)
fails_with 110 "Event recovered in events timed out" "$CTDB" event run 1 events recovered
check "run: hung script times out after the given 1 s (exit 110)" test $(( $(date +%s) - t0 )) -lt 10
run "$CTDB" event status events recovered
check "status after the timeout: TIMEDOUT, exit 110" \
    sh -c "[ $rc = 110 ] && grep -q '^90\.probe  *TIMEDOUT' '$D/out'"
rm -f "$D/probe.mode"

# ip_events: the real 10.interface adds and removes the address
run "$CTDB" event run 10 ip_events takeip eth0 198.19.9.9 16
check "run takeip in ip_events exits 0" test "$rc" = 0
check "the address is in the node's kernel" node_has_addr 0 198.19.9.9 eth0
run "$CTDB" event status ip_events takeip
check "status ip_events takeip: 10.interface OK" grep -q '^10\.interface  *OK' "$D/out"
run "$CTDB" event run 10 legacy releaseip eth0 198.19.9.9 16
check "run legacy releaseip (the event picks ip_events)" test "$rc" = 0
check "the address is gone" node_lacks_addr 0 198.19.9.9 eth0

# --- the same runs through Debian's CTDB 4.17 ctdb-eventd (test mode, its
# own scratch CTDB_BASE) on a copy of our events.d: `ctdb-event run` and
# `status` must print what ours prints (times aside) and exit the same.
EVENTD=/usr/libexec/ctdb/ctdb-eventd
if [ -x "$EVENTD" ] && [ -x /usr/libexec/ctdb/ctdb-event ]; then
    O=$CLUSTER_WORK/oracle
    mkdir -p "$O/events/legacy" "$O/share/events/legacy" "$O/run" "$O/var"
    printf '#!/bin/sh\nexit 0\n' > "$D/events.d/05.off"; chmod 644 "$D/events.d/05.off"
    for f in "$D"/events.d/[0-9][0-9].*; do
        n=${f##*/}
        case $n in 05.off|90.probe) ;; *) "$CTDB" event script disable events "$n" ;; esac
    done
    for f in "$D"/events.d/[0-9][0-9].*; do cp -p "$f" "$O/events/legacy/${f##*/}.script"; done
    CTDB_TEST_MODE=1 CTDB_BASE=$O "$EVENTD" -P $$ > "$O/eventd.log" 2>&1 &
    eventd=$!
    check "4.17's ctdb-eventd is up" wait_until 10 test -S "$O/run/eventd.socket"
    stock() { CTDB_TEST_MODE=1 CTDB_BASE=$O /usr/libexec/ctdb/ctdb-event "$@"; }
    norm() { sed -E 's/ [0-9]+\.[0-9]{3} [A-Z][a-z]{2} [A-Z][a-z]{2} .*$/ DUR DATE/; s/(TIMEDOUT   ).*$/\1DATE/'; }
    for mode in ok fail hang; do
        echo "$mode" > "$D/probe.mode"
        t=10; [ "$mode" = hang ] && t=1
        "$CTDB" event run $t events recovered > "$D/ours.run" 2>&1; ours_rc=$?
        stock run $t legacy recovered > "$O/stock.run" 2>&1; stock_rc=$?
        check "run ($mode): same exit status as 4.17 ($stock_rc)" test "$ours_rc" = "$stock_rc"
        check "run ($mode): same message as 4.17" \
            test "$(sed 's/ in events / in legacy /' "$D/ours.run")" = "$(cat "$O/stock.run")"
        "$CTDB" event status events recovered > "$D/ours.st" 2>&1; ours_rc=$?
        stock status legacy recovered > "$O/stock.st" 2>&1; stock_rc=$?
        check "status ($mode): same exit status as 4.17 ($stock_rc)" test "$ours_rc" = "$stock_rc"
        norm < "$D/ours.st" > "$D/ours.norm"; norm < "$O/stock.st" > "$O/stock.norm"
        check "status ($mode): same lines as 4.17" diff "$O/stock.norm" "$D/ours.norm"
    done
    rm -f "$D/probe.mode"
    kill "$eventd" 2>/dev/null
    "$CTDB" event script list events > "$D/ours.list"
    stock script list legacy > "$O/stock.list"
    check "script list: same lines as 4.17's" diff "$O/stock.list" "$D/ours.list"
else
    cluster_log "skipped the comparison with CTDB 4.17's ctdb-eventd: not installed"
fi

# --- errors: one line, nothing on stdout, non-zero
check "unknown tree (run)" fails_with 2 "Event dir for foo does not exist" "$CTDB" event run 10 foo monitor
check "unknown tree (status)" fails_with 2 "Event dir for foo does not exist" "$CTDB" event status foo monitor
check "unknown tree (script list)" fails_with 2 "Event dir for foo does not exist" "$CTDB" event script list foo
check "unknown tree (enable)" fails_with 2 "Event dir for foo does not exist" "$CTDB" event script enable foo 10.interface
check "unknown script (enable)" fails_with 2 "Script 99.nosuch does not exist in events" "$CTDB" event script enable events 99.nosuch
check "unknown script (disable)" fails_with 2 "Script 99.nosuch does not exist in ip_events" "$CTDB" event script disable ip_events 99.nosuch
check "invalid script (functions)" fails_with 22 "Script functions is invalid in events" "$CTDB" event script disable events functions
check "invalid script (a path)" fails_with 2 "Script ../events.d/90.probe does not exist in events" "$CTDB" event script disable events ../events.d/90.probe
check "functions keeps its mode" test "$(stat -c %a "$D/events.d/functions")" = "$(stat -c %a "$CLUSTER_TOP/events.d/functions")"
check "bad timeout '-5' (taken for an option, as 4.17's popt does)" \
    fails_with 1 "Invalid option -5: unknown option" "$CTDB" event run -5 events monitor
for t in abc 0 3601 1.5 ''; do
    check "bad timeout '$t'" fails_with 22 "Invalid timeout $t: the timeout is 1 to 3600 seconds" "$CTDB" event run "$t" events monitor
done
check "unknown event" fails_with 22 "Unknown event name bogus" "$CTDB" event run 10 events bogus
check "event of the other tree" fails_with 22 "Event takeip runs in ip_events, not in events" "$CTDB" event run 10 events takeip eth0 198.19.9.9 16
check "wrong argument count" fails_with 22 "Event takeip takes 3 arguments, got 1" "$CTDB" event run 10 ip_events takeip eth0
run "$CTDB" event
check "event without a command: usage on stdout, exit 1" sh -c "[ $rc = 1 ] && grep -q '^  run <timeout> <tree> <event> <args>' '$D/out'"
check "the node is still RUNNING" test "$($CTDB runstate)" = RUNNING
