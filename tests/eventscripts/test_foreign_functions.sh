#!/bin/sh
# Every script of ours refuses, with one line naming the file, a functions
# file that is not ours (CTDB 4.17's /etc/ctdb/functions defines none of our
# helpers), and runs none of its code; ours is still accepted.
. "$(dirname "$0")/lib.sh"

SCRIPTS=$(cd "$SRC" && ls events.d/[0-9]* ip_events.d/[0-9]*)

for f in $SCRIPTS ; do
	tree=${f%%/*} ; s=${f#*/}
	begin "$f: a foreign functions => one line, exit 1, nothing run"
	rm "$T/base/functions"
	# Looks like CTDB 4.17's: no marker line; sourcing it would leave a trace.
	printf '# This file contains shell functions used by the scripts.\ntouch "%s/sourced"\n' "$T" >"$T/base/functions"
	run "$tree" "$s" init
	expect_rc 1
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "stderr has $(wc -l <"$T/err") lines, expected 1"
	expect_err "^$s: $T/base/functions is not ctdb-ip's functions file (CTDB_BASE=$T/base); refusing to run\$"
	[ ! -e "$T/sourced" ] || fail "the foreign functions was sourced"

	begin "$f: the foreign file in events.d/ (no functions in CTDB_BASE) is refused too"
	rm "$T/base/functions"
	mkdir "$T/base/events.d"
	printf '# other\n' >"$T/base/events.d/functions"
	run "$tree" "$s" init
	expect_rc 1
	expect_err "$T/base/events.d/functions is not ctdb-ip's functions file"

	begin "$f: our functions is accepted"
	run "$tree" "$s" init
	grep -q "refusing to run" "$T/err" && fail "ours refused"
	grep -q "CTDB_IP_FUNCTIONS" "$SRC/events.d/functions" || fail "no marker variable"
done

begin "if the real CTDB 4.17 functions is installed, our scripts refuse it"
if [ -r /etc/ctdb/functions ] && ! head -n 1 /etc/ctdb/functions | grep -q '^# ctdb-ip functions' ; then
	export CTDB_BASE=/etc/ctdb
	run events.d 10.interface monitor
	expect_rc 1
	expect_err "^10.interface: /etc/ctdb/functions is not ctdb-ip's functions file"
fi

finish
