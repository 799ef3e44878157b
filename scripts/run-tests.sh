#!/bin/sh
# The README's test command: installs what is missing, builds, and runs the
# whole test suite through ctest (unit, protocol fuzz, compatibility with the
# stock CTDB 4.17 tool, and the network-namespace integration tests, which
# need root).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/setup.sh all
sh scripts/build.sh
cd build
ctest --output-on-failure -j2 --timeout 600 "$@"
