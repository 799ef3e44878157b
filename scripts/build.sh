#!/bin/sh
# Configures and builds into ./build (warnings are errors). Programs land in
# build/bin/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cmake -S . -B build -DCTDB_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
