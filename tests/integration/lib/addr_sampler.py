#!/usr/bin/env python3
"""Kernel address sampler and its checker, for the fencing tests (issue 10).

  addr_sampler.py record LOG PERIOD NETNS...
      Opens one NETLINK_ROUTE socket inside each named network namespace
      (/run/netns/NAME) and, every PERIOD seconds, dumps the IPv4 addresses
      of every namespace twice (pass 1 over all, then pass 2 over all).
      An address counts for a node in this sample only if both passes saw
      it there: an address that moves from node A to node B between the two
      reads of one pass is then never on both. Loopback and the node network
      198.18.0.0/24 are left out. One line per sample:
          TIME <tab> node0 addrs <tab> node1 addrs ...
      (TIME = epoch seconds between the passes; addrs space separated).
      Stops on SIGTERM/SIGINT or when its parent goes away.

  addr_sampler.py report LOG [--marks FILE] [--expected FILE] [--since MARK]
                  [--majority "K..."] [--minority "K..."] [--heal MARK]
                  [--balance "K..."] [--until MARK]
      Prints key=value lines:
        samples, max_gap_s            how well the sampler kept its period
        overlap_s                     sum over addresses of the seconds each
                                      was on two or more nodes
        overlap_ips, overlap_max_s    how many addresses, the worst one
        overlap_wall_s                seconds during which at least one
                                      address was on two nodes
        overlap_first, overlap_last   seconds after --since of the first
                                      and last sample with an overlap
        majority_at                   seconds after --since until every
                                      expected address is on exactly one
                                      --majority node (-1: never)
        minority_empty_at             seconds after --since until the
                                      --minority nodes hold none (-1: never)
        none_at                       seconds after --since until no node
                                      holds any address (-1: never)
        heal_at                       seconds after --heal until every
                                      expected address is on exactly one node
                                      and --balance nodes (default all)
                                      differ by at most one (-1: never)
      A sample's overlap lasts until the next sample (at most 1 s).
      --until MARK ignores samples after that mark.
"""
import ctypes
import os
import signal
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
RTM_NEWADDR, RTM_GETADDR = 20, 22
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
IFA_ADDRESS, IFA_LOCAL = 1, 2


def open_sockets(names):
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    socks = []
    try:
        for name in names:
            fd = os.open("/run/netns/" + name, os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns " + name)
                s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
                s.bind((0, 0))
                socks.append(s)
            finally:
                os.close(fd)
    finally:
        libc.setns(own, CLONE_NEWNET)
        os.close(own)
    return socks


def public(ip):
    return not ip.startswith("127.") and not ip.startswith("198.18.0.")


def dump(sock, seq):
    req = struct.pack("=LHHLL", 16 + 8, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
    req += struct.pack("=BBBBL", socket.AF_INET, 0, 0, 0, 0)
    sock.send(req)
    out = set()
    while True:
        data = sock.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            mlen, mtype, _flags, mseq, _pid = struct.unpack_from("=LHHLL", data, off)
            if mlen < 16:
                return out
            if mseq == seq:
                if mtype == NLMSG_DONE:
                    return out
                if mtype == NLMSG_ERROR:
                    return out
                if mtype == RTM_NEWADDR:
                    a = off + 16 + 8
                    end = off + mlen
                    local = address = None
                    while a + 4 <= end:
                        alen, atype = struct.unpack_from("=HH", data, a)
                        if alen < 4:
                            break
                        if atype in (IFA_LOCAL, IFA_ADDRESS) and alen == 8:
                            ip = socket.inet_ntoa(data[a + 4:a + 8])
                            if atype == IFA_LOCAL:
                                local = ip
                            else:
                                address = ip
                        a += (alen + 3) & ~3
                    ip = local or address
                    if ip and public(ip):
                        out.add(ip)
            off += (mlen + 3) & ~3


def record(log, period, names):
    socks = open_sockets(names)
    stop = [False]

    def on_signal(_s, _f):
        stop[0] = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ppid = os.getppid()
    seq = 1
    with open(log, "a", buffering=1) as f:
        nxt = time.time()
        while not stop[0] and os.getppid() == ppid:
            p1 = []
            for s in socks:
                p1.append(dump(s, seq))
                seq += 1
            t = time.time()
            fields = ["%.3f" % t]
            for i, s in enumerate(socks):
                fields.append(" ".join(sorted(p1[i] & dump(s, seq))))
                seq += 1
            f.write("\t".join(fields) + "\n")
            nxt += period
            delay = nxt - time.time()
            if delay > 0:
                time.sleep(delay)
            else:
                nxt = time.time()


def load(log):
    samples = []
    with open(log) as f:
        for line in f:
            if not line.endswith("\n"):
                break   # partial last line of a running sampler
            parts = line.rstrip("\n").split("\t")
            try:
                t = float(parts[0])
            except ValueError:
                continue
            samples.append((t, [set(p.split()) for p in parts[1:]]))
    return samples


def nodes_arg(v):
    return [int(x) for x in v.split()] if v else []


def report(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="addr_sampler.py report")
    ap.add_argument("log")
    ap.add_argument("--marks")
    ap.add_argument("--expected")
    ap.add_argument("--since")
    ap.add_argument("--until")
    ap.add_argument("--majority", default="")
    ap.add_argument("--minority", default="")
    ap.add_argument("--heal")
    ap.add_argument("--balance")
    a = ap.parse_args(argv)
    marks = {}
    if a.marks and os.path.exists(a.marks):
        with open(a.marks) as f:
            for line in f:
                p = line.split()
                if len(p) == 2:
                    marks[p[1]] = float(p[0])

    def mark(name):
        if name is None:
            return None
        if name not in marks:
            sys.exit("addr_sampler.py: no mark '%s' in %s" % (name, a.marks))
        return marks[name]
    samples = load(a.log)
    if not samples:
        sys.exit("addr_sampler.py: no samples in " + a.log)
    until = mark(a.until)
    if until is not None:
        samples = [s for s in samples if s[0] <= until]
    expected = set()
    if a.expected:
        with open(a.expected) as f:
            expected = {l.strip() for l in f if l.strip()}
    since = mark(a.since)
    t0 = since if since is not None else samples[0][0]
    nnodes = len(samples[0][1])
    gaps = [samples[i + 1][0] - samples[i][0] for i in range(len(samples) - 1)]
    print("samples=%d" % len(samples))
    print("max_gap_s=%.2f" % (max(gaps) if gaps else 0))

    per_ip = {}
    wall = 0.0
    first = last = None
    for i, (t, sets) in enumerate(samples):
        dt = min(gaps[i], 1.0) if i < len(gaps) else (min(gaps) if gaps else 0.1)
        seen = {}
        for s in sets:
            for ip in s:
                seen[ip] = seen.get(ip, 0) + 1
        dups = [ip for ip, c in seen.items() if c > 1]
        if dups:
            wall += dt
            if first is None:
                first = t
            last = t
        for ip in dups:
            per_ip[ip] = per_ip.get(ip, 0.0) + dt
    print("overlap_s=%.1f" % sum(per_ip.values()))
    print("overlap_ips=%d" % len(per_ip))
    print("overlap_max_s=%.1f" % (max(per_ip.values()) if per_ip else 0.0))
    print("overlap_wall_s=%.1f" % wall)
    print("overlap_first=%s" % ("%.1f" % (first - t0) if first is not None else "-"))
    print("overlap_last=%s" % ("%.1f" % (last - t0) if last is not None else "-"))

    def first_after(start, pred):
        for t, sets in samples:
            if t >= start and pred(sets):
                return "%.1f" % (t - start)
        return "-1"

    def once_on(nodes, sets):
        cnt = {}
        for k in nodes:
            for ip in sets[k]:
                cnt[ip] = cnt.get(ip, 0) + 1
        return all(cnt.get(ip, 0) == 1 for ip in expected)

    if since is not None:
        maj = nodes_arg(a.majority)
        if maj:
            print("majority_at=%s" % first_after(since, lambda s: once_on(maj, s)))
        mino = nodes_arg(a.minority)
        if mino:
            print("minority_empty_at=%s" % first_after(since, lambda s: not any(s[k] for k in mino)))
        print("none_at=%s" % first_after(since, lambda s: not any(s)))
    heal = mark(a.heal)
    if heal is not None:
        bal = nodes_arg(a.balance) if a.balance else list(range(nnodes))
        allnodes = list(range(nnodes))

        def healed(sets):
            if not once_on(allnodes, sets):
                return False
            c = [len(sets[k] & expected) for k in bal]
            return max(c) - min(c) <= 1
        print("heal_at=%s" % first_after(heal, healed))


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "record":
        record(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "report":
        report(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
