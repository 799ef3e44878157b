#!/bin/sh
# The README's main job: installs what is missing, builds, and runs the
# demonstration cluster (scripts/demo-cluster.sh) as root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/setup.sh
sh scripts/build.sh
exec bash scripts/demo-cluster.sh "$@"
