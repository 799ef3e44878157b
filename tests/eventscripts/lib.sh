# Helpers for the event script unit tests (sourced, POSIX sh).
#
# Each test file is one ctest test holding several cases.  A case starts
# with `begin NAME`, which builds a fresh sandbox:
#   $T/bin    symlinks to the stubs (first on PATH; real ip/ss are hidden)
#   $T/base   CTDB_BASE, holding a link to events.d/functions
#   $T/state  the stubs' emulated kernel state ($STUB_STATE)
#   $T/log    every stub call, one line each ($STUB_LOG)
#   $T/changes  CTDB_IP_CHANGES_FILE
# and clears every CTDB_* configuration variable.  `run TREE SCRIPT ARGS...`
# runs a script with sh and records $RC, $T/out and $T/err.  Assertions
# count failures; `finish` exits 1 when any failed.

SRC=$(cd "$(dirname "$0")/../.." && pwd)
STUBS="$SRC/tests/eventscripts/stubs"
ORIG_PATH="$PATH"
FAILED=0
CASE=""
T=""

cleanup_case ()
{
	[ -n "$T" ] && [ -d "$T" ] && rm -rf "$T"
	T=""
}
trap cleanup_case EXIT INT TERM

begin ()
{
	cleanup_case
	CASE="$1"
	T=$(mktemp -d "${TMPDIR:-/tmp}/ctdb-es.XXXXXX")
	mkdir "$T/bin" "$T/base" "$T/state" "$T/var"
	for _s in "$STUBS"/* ; do
		[ "${_s##*/}" = generic ] && continue
		ln -s "$_s" "$T/bin/${_s##*/}"
	done
	ln -s "$SRC/events.d/functions" "$T/base/functions"
	: >"$T/log"
	for _v in $(env | sed -n 's/^\(CTDB_[A-Za-z0-9_]*\)=.*/\1/p') ; do
		unset "$_v"
	done
	export PATH="$T/bin:/usr/bin:/bin"
	export CTDB_BASE="$T/base" STUB_LOG="$T/log" STUB_STATE="$T/state"
	export CTDB_SCRIPT_VARDIR="$T/var" CTDB_IP_CHANGES_FILE="$T/changes"
	export CTDB=ctdb
	# Never let a test write the host's /proc/sys (sysctl fallback).
	export CTDB_PROCFS="$T/proc"
	: >"$T/changes"
}

# without CMD : hide a stub for this case
without () { rm -f "$T/bin/$1" ; }

# link IFACE up|down|nocarrier ; addr IFACE IP/BITS : emulated kernel state
link () { echo "$1 $2" >>"$T/state/links" ; }
addr () { echo "$1 $2" >>"$T/state/addrs" ; }

# changes LINE... : write the changes file
changes () { printf '%s\n' "$@" >"$T/changes" ; }

# run TREE SCRIPT ARGS... : run a script, log cleared first
run ()
{
	_tree="$1" ; _script="$2" ; shift 2
	: >"$T/log"
	[ "$CTDB_PROCFS" = "$T/proc" ] || { echo "CTDB_PROCFS not sandboxed" ; exit 1 ; }
	sh "$SRC/$_tree/$_script" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

fail ()
{
	echo "FAIL [$CASE]: $*"
	echo "  --- stderr of script:" ; sed 's/^/  /' "$T/err"
	FAILED=$((FAILED + 1))
}

expect_rc ()
{
	[ "$RC" -eq "$1" ] || fail "exit status $RC, expected $1"
}

# actions : the stub log without read-only queries ("ip ... show")
actions () { grep -v '^ip .*\(show\|list\)\b' "$T/log" ; }

# expect_actions <<EOF : the state-changing commands, exactly, in order
expect_actions ()
{
	cat >"$T/expected"
	actions >"$T/actual"
	if ! cmp -s "$T/expected" "$T/actual" ; then
		fail "commands differ (expected vs actual):"
		diff -u "$T/expected" "$T/actual" | sed 's/^/  /'
	fi
}

# expect_count N PATTERN : N log lines match the (grep basic) PATTERN
expect_count ()
{
	_n=$(grep -c -- "$2" "$T/log")
	[ "$_n" -eq "$1" ] || fail "$_n log lines match '$2', expected $1"
}

# expect_err PATTERN : stderr of the script matches
expect_err ()
{
	grep -q -- "$1" "$T/err" || fail "stderr lacks '$1'"
}

# expect_state FILE <<EOF : emulated kernel state file, exactly
expect_state ()
{
	cat >"$T/expected"
	if ! cmp -s "$T/expected" "$T/state/$1" ; then
		fail "state $1 differs (expected vs actual):"
		diff -u "$T/expected" "$T/state/$1" | sed 's/^/  /'
	fi
}

finish ()
{
	cleanup_case
	if [ "$FAILED" -ne 0 ] ; then
		echo "$FAILED assertion(s) failed"
		exit 1
	fi
	echo "all cases passed"
	exit 0
}
