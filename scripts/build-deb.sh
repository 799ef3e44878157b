#!/bin/sh
# Builds the Debian package ctdb-ip (debian/, debhelper's cmake build
# system) from this checkout's working tree, installing its build
# dependencies first when they are missing (as root). Never installs the
# package itself.
#
# usage: build-deb.sh [OUTDIR]     (default: build-deb/ in the checkout)
#   Leaves OUTDIR/ctdb-ip_VERSION_ARCH.deb (with its .changes and
#   .buildinfo) and prints the .deb's path as the last line. The build runs
#   in a copy of the tree under OUTDIR/src (dpkg-buildpackage writes its
#   results next to the source directory), -j${JOBS:-2}.
#   Check it with: lintian OUTDIR/ctdb-ip_*.deb; ctest -L package.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The build dependencies are debian/control's (one list): apt-get build-dep
# reads them from the directory; dpkg-checkbuilddeps says whether any is
# missing. lintian is for checking the result.
if ! command -v dpkg-checkbuilddeps >/dev/null 2>&1 || ! command -v lintian >/dev/null 2>&1 ||
   ! (cd "$top" && dpkg-checkbuilddeps >/dev/null 2>&1); then
    if [ "$(id -u)" != 0 ]; then
        echo "build-deb.sh: build dependencies missing (dpkg-checkbuilddeps in $top); run as root to install them" >&2
        exit 1
    fi
    echo "build-deb.sh: installing the build dependencies of debian/control, dpkg-dev and lintian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends dpkg-dev lintian >/dev/null
    (cd "$top" && apt-get build-dep -y -qq --no-install-recommends ./ >/dev/null)
fi

version=$(cd "$top" && dpkg-parsechangelog -S Version)
src="$out/src/ctdb-ip-$version"
rm -rf "$out/src"
mkdir -p "$src"
# The working tree without build directories and git metadata.
tar -C "$top" --exclude=./.git --exclude='./build*' --exclude='./obj-*' \
    --exclude=./debian/ctdb-ip --exclude=./debian/.debhelper --exclude=./debian/tmp \
    -cf - . | tar -C "$src" -xf -

(cd "$src" && DEB_BUILD_OPTIONS="parallel=${JOBS:-2} ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
    tail -n 40 "$out/build.log" >&2
    echo "build-deb.sh: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
    exit 1
}
rm -f "$out"/ctdb-ip_*.deb "$out"/ctdb-ip_*.changes "$out"/ctdb-ip_*.buildinfo
mv "$out"/src/ctdb-ip_* "$out"/
rm -rf "$out/src"
deb=$(ls "$out"/ctdb-ip_"$version"_*.deb)
echo "build-deb.sh: built (log: $out/build.log)"
echo "$deb"
