#!/bin/sh
# Installs what the build, the demonstration and the tests need on a Debian 12
# machine (as root), only when something is missing. Safe to run repeatedly.
#
# usage: setup.sh [demo|all]   (default: all)
#   demo  what building the programs and running scripts/demo-cluster.sh need
#   all   that plus what the test suite needs (GoogleTest, the stock CTDB 4.17
#         tools used as oracles, and what CTDB 4.17's own event scripts call
#         when the benchmarks run stock ctdbd nodes)
set -eu

mode=${1:-all}

# Building the programs, and the demonstration cluster (network namespaces,
# a bridge, our ctdbd/ctdb; ps/kill/fuser in the harness).
DEMO_PKGS="build-essential cmake pkg-config libtalloc-dev libtevent-dev \
libnl-3-dev libnl-route-3-dev iproute2 procps psmisc"

# The test suite on top of that:
#   googletest libgtest-dev  the unit tests
#   ctdb                     Debian's CTDB 4.17 (stock ctdb tool, ctdbd and
#                            event scripts as oracles and in the benchmarks)
#   ethtool                  CTDB 4.17's own 10.interface monitor calls it;
#                            without it stock nodes see "No link" (bench_smoke)
#   python3 strace iputils-ping  protocol fuzz/fixtures, the vfork check, pings
#   mount                    bench/run.sh (and bench_smoke) run each stock
#                            ctdbd in a private mount namespace with its
#                            directories bind-mounted on /etc/ctdb, /run/ctdb
#                            and /var/lib/ctdb; a minimal Debian root has no
#                            mount(8)
#   etcd-server python3-etcd samba-common-bin
#                            the fence tests run a real etcd 3.4 (v2 API) as
#                            the cluster lock through Debian's unchanged
#                            /usr/libexec/ctdb/ctdb_etcd_lock, which also
#                            calls testparm(1) for the lock's name
TEST_PKGS="googletest libgtest-dev ctdb ethtool python3 strace iputils-ping mount \
etcd-server python3-etcd samba-common-bin systemd libsystemd-dev dpkg-dev lintian"

case $mode in
demo) PKGS=$DEMO_PKGS ;;
all) PKGS="$DEMO_PKGS $TEST_PKGS" ;;
*) echo "usage: setup.sh [demo|all]" >&2; exit 2 ;;
esac

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
    # binaries as oracles. The same holds for etcd-server (the tests start
    # their own etcd).
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
