#!/bin/sh
# Differential test of ctdb_ipalloc against CTDB 4.17's own allocation driver
# (the oracle), built from a Samba git repository by
# build-ctdb-alloc-oracle.sh. Skips (exit 77, with a visible message) when
# the repository or the build script is not available, e.g. in CI.
#
#   oracle_diff.sh PROG CASES_PY [SEED COUNT]
# Environment: SAMBA_REPO (required for the test to run),
#   CTDB_ALLOC_ORACLE_BUILDER (default /work/shared/tools/build-ctdb-alloc-oracle.sh)
set -u
PROG="$1"
CASES_PY="$2"
SEED="${3:-4170}"
COUNT="${4:-400}"
BUILDER="${CTDB_ALLOC_ORACLE_BUILDER:-/work/shared/tools/build-ctdb-alloc-oracle.sh}"
TAG=samba-4.17.12

if [ -z "${SAMBA_REPO:-}" ] || [ ! -d "${SAMBA_REPO:-}" ]; then
    echo "SKIP: oracle diff not run: set SAMBA_REPO to a Samba git repository to build CTDB's driver"
    exit 77
fi
if [ ! -x "$BUILDER" ]; then
    echo "SKIP: oracle diff not run: oracle build script $BUILDER not found (set CTDB_ALLOC_ORACLE_BUILDER)"
    exit 77
fi
BIN=$(SAMBA_REPO="$SAMBA_REPO" "$BUILDER" "$TAG" | tail -n 1)
if [ $? -ne 0 ] || [ ! -x "$BIN" ]; then
    echo "SKIP: oracle diff not run: building CTDB's driver failed (see the builder's log)"
    exit 77
fi
DIR=$(dirname "$BIN")
[ -x "$DIR/ctdb_takeover_tests_failback" ] || {
    echo "SKIP: oracle diff not run: $DIR has no NoIPFailback variant"; exit 77; }

rc=0
python3 "$CASES_PY" fuzz "$PROG" "$DIR" "$SEED" "$COUNT" || rc=1
python3 "$CASES_PY" upstream "$PROG" "$DIR" "$SAMBA_REPO" "$TAG" || rc=1
exit $rc
