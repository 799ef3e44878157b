#!/bin/bash
# ctest package_check: the Debian package as built by scripts/build-deb.sh.
# Never installs it (on a developer's machine it would replace Debian's
# ctdb, the other tests' oracle): it inspects the .deb and an extraction of
# it in a scratch directory.
#
# usage: check_package.sh TOP WORKDIR
#   Builds the package into WORKDIR (or checks $CTDB_IP_DEB, an existing
#   .deb), then checks: lintian (no error or warning; the remaining tags
#   are listed), the file list (dpkg-deb -c) against what the package must
#   and must not hold, the conffiles (every file below /etc, the event
#   scripts and functions among them), the relations to Debian's ctdb,
#   libsystemd linked, the default CTDB_BASE of the packaged ctdbd, and
#   systemd-analyze verify of the packaged unit in the extracted tree.
# Exit 77 (ctest: skipped) when a tool is missing and cannot be installed.
set -u
top=$1
work=$2
skip() { echo "SKIP: $*"; exit 77; }
bad=0
fail() { echo "FAIL: $*"; bad=1; }
ok() { echo "ok: $*"; }

for t in dpkg-deb systemd-analyze; do
    command -v "$t" >/dev/null || skip "$t not installed"
done
mkdir -p "$work"
if [ -n "${CTDB_IP_DEB:-}" ]; then
    deb=$CTDB_IP_DEB
else
    if [ "$(id -u)" != 0 ] && ! command -v dpkg-buildpackage >/dev/null; then
        skip "dpkg-buildpackage not installed (run scripts/build-deb.sh as root once)"
    fi
    deb=$("$top/scripts/build-deb.sh" "$work/deb" | tail -n 1) || { echo "FAIL: build-deb.sh"; exit 1; }
fi
[ -f "$deb" ] || { echo "FAIL: no package at '$deb'"; exit 1; }
command -v lintian >/dev/null || skip "lintian not installed"
echo "package: $deb"

# -- lintian: errors and warnings fail; informational tags are shown.
tags=$(lintian --info --display-info "$deb" 2>&1)
echo "$tags" | grep -E '^[EWIPX]: ' | sed 's/^/  lintian /'
if echo "$tags" | grep -qE '^[EW]: '; then
    fail "lintian reports errors or warnings"
else
    ok "lintian: no error, no warning ($(echo "$tags" | grep -cE '^I: ') informational)"
fi

# -- the file list
list=$(dpkg-deb -c "$deb" | awk '{print $1, $NF}' | sed 's| -> .*||')
paths=$(echo "$list" | awk '{print $2}' | sed 's|^\./|/|')
want() {   # want PATH [MODE-PREFIX]
    local line
    line=$(echo "$list" | awk -v p="./${1#/}" '$2 == p')
    if [ -z "$line" ]; then fail "missing $1"; return; fi
    if [ -n "${2:-}" ] && [ "${line%% *}" != "$2" ]; then fail "$1 is ${line%% *}, want $2"; fi
}
for p in /usr/sbin/ctdbd /usr/bin/ctdb /usr/bin/ctdb_ipalloc /usr/libexec/ctdb/ctdb_event_helper; do
    want "$p" -rwxr-xr-x
done
want /etc/ctdb/functions -rw-r--r--
for d in events.d ip_events.d; do
    for s in "$top"/$d/[0-9]*; do want "/etc/ctdb/$d/${s##*/}" -rwxr-xr-x; done
done
for m in "$top"/doc/man/*.[0-9]; do
    b=${m##*/}; want "/usr/share/man/man${b##*.}/$b.gz"
done
want /lib/systemd/system/ctdb.service -rw-r--r--
want /etc/logrotate.d/ctdb -rw-r--r--
want /etc/default/ctdb -rw-r--r--
for e in nodes public_addresses; do want "/usr/share/doc/ctdb-ip/examples/$e"; done
# ctdbd started by hand (ctdbd(8), /etc/default/ctdb's options) needs the
# parents of its default state directory and of the packaged log file.
want /var/lib/ctdb/ drwxr-xr-x
want /var/log/ctdb/ drwxr-xr-x
for p in /etc/ctdb/nodes /etc/ctdb/public_addresses; do
    echo "$paths" | grep -qx "$p" && fail "$p is shipped: a live file would start a cluster from an example"
done
if echo "$paths" | grep -E 'README|/obj-|/build/|\.a$|/include/|renew_bench|_test$' | grep -v '^/usr/share/doc/'; then
    fail "build-tree files in the package (above)"
fi
[ $bad = 0 ] && ok "file list: $(echo "$paths" | grep -cv '/$') files, programs, scripts, man pages, unit, logrotate, examples"

# -- conffiles: exactly the files below /etc
x=$(mktemp -d "$work/x.XXXXXX")
trap 'rm -rf "$x"' EXIT
dpkg-deb -e "$deb" "$x/DEBIAN"
dpkg-deb -x "$deb" "$x/root"
etc=$(cd "$x/root" && find etc -type f | sed 's|^|/|' | sort)
conf=$(sort "$x/DEBIAN/conffiles" 2>/dev/null)
if [ "$etc" = "$conf" ]; then
    ok "conffiles: all $(echo "$conf" | wc -l) files below /etc"
else
    fail "conffiles differ from the files below /etc:"
    diff <(echo "$etc") <(echo "$conf") | sed 's/^/  /'
fi
for c in /etc/ctdb/functions /etc/ctdb/events.d/10.interface /etc/ctdb/ip_events.d/10.interface; do
    echo "$conf" | grep -qx "$c" || fail "$c is not a conffile"
done

# -- relations to Debian's ctdb (same program names)
for f in Conflicts Replaces; do
    v=$(dpkg-deb -f "$deb" "$f")
    echo "$v" | grep -qw ctdb && ok "$f: $v" || fail "$f does not name ctdb ('$v')"
done

# -- the packaged ctdbd: Type=notify needs libsystemd; CTDB_BASE /etc/ctdb
if readelf -d "$x/root/usr/sbin/ctdbd" 2>/dev/null | grep -q 'NEEDED.*libsystemd'; then
    ok "ctdbd links libsystemd (sd_notify)"
else
    fail "ctdbd does not link libsystemd: ctdb.service (Type=notify) would never become ready"
fi
base=$("$x/root/usr/sbin/ctdbd" -i --logging=stderr --nlist="$x/nonexistent" 2>&1 | grep -o 'CTDB_BASE=[^ ]* ([^)]*)' | head -n 1)
[ "$base" = "CTDB_BASE=/etc/ctdb (built-in default)" ] && ok "packaged ctdbd: $base" ||
    fail "packaged ctdbd's default is '$base', want CTDB_BASE=/etc/ctdb"

# -- systemd-analyze verify, in the extracted tree (the unit's programs are
# the package's); the host's units give it the targets it refers to.
cp -rn /lib/systemd/system/. "$x/root/lib/systemd/system/" 2>/dev/null
v=$(systemd-analyze verify --man=no --root="$x/root" ctdb.service 2>&1)
rc=$?
if [ $rc = 0 ] && [ -z "$v" ]; then
    ok "systemd-analyze verify ctdb.service: accepted, no warning"
else
    fail "systemd-analyze verify (rc $rc):"; echo "$v" | sed 's/^/  /'
fi
unit="$x/root/lib/systemd/system/ctdb.service"
for k in Type=notify Restart=on-failure ExecStop=/usr/bin/ctdb\ shutdown KillMode=mixed \
         RuntimeDirectory=ctdb StateDirectory=ctdb ProtectSystem=full; do
    grep -qx "$k" "$unit" || fail "ctdb.service lacks $k"
done
grep -q '^CapabilityBoundingSet=.*CAP_NET_ADMIN' "$unit" && grep -q '^CapabilityBoundingSet=.*CAP_NET_RAW' "$unit" ||
    fail "ctdb.service's capability bounding set lacks CAP_NET_ADMIN or CAP_NET_RAW"
# The unit's documentation exists in the package.
for m in $(sed -n 's/^Documentation=//p' "$unit"); do
    case $m in
    man:*) n=${m#man:}; sec=${n##*(}; sec=${sec%)}; n=${n%(*}
           [ -f "$x/root/usr/share/man/man$sec/$n.$sec.gz" ] || fail "Documentation $m not in the package" ;;
    file:*) [ -f "$x/root${m#file:}" ] || fail "Documentation $m not in the package" ;;
    esac
done

[ $bad = 0 ] && echo "PASS" || echo "FAILED"
exit $bad
