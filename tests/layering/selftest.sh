#!/bin/sh
# Self-test of check_layers.py: it passes on a copy of the tree, and fails,
# naming the file and line, on the same copy with an upward include, with a
# cycle in the table and with a module that has no row.
# usage: selftest.sh PYTHON check_layers.py TOP
set -u
py=$1 chk=$2 top=$3
tmp=$(mktemp -d /tmp/layering.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
fresh() {
    rm -rf "$tmp/t" && mkdir -p "$tmp/t/doc" &&
        cp -r "$top/src" "$top/helper" "$tmp/t/" && cp "$top/doc/architecture.md" "$tmp/t/doc/"
}

fresh
"$py" "$chk" "$tmp/t" >"$tmp/out" || { cat "$tmp/out"; fail "the unchanged tree does not pass"; }

# the allocation library including the client library (takeover is pure)
fresh
printf '#include "client/connection.h"\n' >>"$tmp/t/src/takeover/ipalloc.cc"
n=$(wc -l <"$tmp/t/src/takeover/ipalloc.cc")
"$py" "$chk" "$tmp/t" >"$tmp/out"; rc=$?
[ $rc = 1 ] || fail "an upward include exits $rc, not 1"
grep -q "^src/takeover/ipalloc.cc:$n: takeover includes client/connection.h" "$tmp/out" ||
    { cat "$tmp/out"; fail "the upward include is not named with file and line"; }

# the event subsystem including the daemon (the include this check was made for)
fresh
printf '#include "server/daemon/daemon.h"\n' >>"$tmp/t/src/event/event_runner.h"
"$py" "$chk" "$tmp/t" >"$tmp/out" && fail "event including server/daemon passes"
grep -q "^src/event/event_runner.h:[0-9]*: event includes server/daemon/daemon.h" "$tmp/out" ||
    { cat "$tmp/out"; fail "event -> server/daemon not named"; }

# a cycle in the table: util building on the daemon core
fresh
sed -i 's/^\(| [0-9]* | `src\/util` |\)[^|]*|/\1 src\/server\/core |/' "$tmp/t/doc/architecture.md"
"$py" "$chk" "$tmp/t" >"$tmp/out" 2>&1 && fail "a cyclic table passes"
grep -q "cycle" "$tmp/out" || { cat "$tmp/out"; fail "the cycle is not reported"; }

# a new module without a row
fresh
mkdir -p "$tmp/t/src/newmod" && printf 'int x;\n' >"$tmp/t/src/newmod/x.cc"
"$py" "$chk" "$tmp/t" >"$tmp/out" && fail "a module without a row passes"
grep -q "^src/newmod/x.cc:1: module newmod has no row" "$tmp/out" || { cat "$tmp/out"; fail "missing row not named"; }

echo "layering selftest: ok"
