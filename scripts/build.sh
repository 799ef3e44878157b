#!/bin/sh
# Configures and builds into ./build (warnings are errors). Programs land in
# build/bin/.
#
# usage: build.sh [--no-tests]
#   --no-tests  build only the programs (-DCTDB_BUILD_TESTS=OFF): no
#               GoogleTest needed, no test binaries compiled. Without it the
#               test suite is built too (and switched back on in a build
#               directory configured with --no-tests before).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tests=ON
case ${1:-} in
--no-tests) tests=OFF ;;
"") ;;
*) echo "usage: build.sh [--no-tests]" >&2; exit 2 ;;
esac
cmake -S . -B build -DCTDB_WERROR=ON -DCTDB_BUILD_TESTS=$tests >/dev/null
cmake --build build -j"$(nproc)"
