#!/bin/sh
# The README's main job: installs what is missing, builds, and runs the
# demonstration cluster (scripts/demo-cluster.sh) as root. It installs and
# builds only what the demonstration needs (no GoogleTest, no test binaries).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/setup.sh demo
sh scripts/build.sh --no-tests
exec bash scripts/demo-cluster.sh "$@"
