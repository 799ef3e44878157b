#!/bin/sh
# Installs what the build and the tests need on a Debian 12 machine (as root),
# only when something is missing. Safe to run repeatedly.
set -eu

PKGS="build-essential cmake pkg-config libtalloc-dev libtevent-dev \
libnl-3-dev libnl-route-3-dev googletest libgtest-dev iproute2 procps \
psmisc python3 strace iputils-ping ctdb"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup.sh: missing packages:$missing; run as root to install them" >&2
        exit 1
    fi
    echo "setup.sh: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # The Debian ctdb package would start a real ctdbd at install time on a
    # systemd machine; policy-rc.d keeps it from starting. We only use its
    # binaries as oracles.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
