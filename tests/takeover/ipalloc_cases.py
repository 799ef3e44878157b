#!/usr/bin/env python3
"""Allocation test cases for ctdb_ipalloc: random generation, golden files,
and differential testing against CTDB 4.17's own driver (the oracle).

A case file (tests/takeover/cases/*.case) holds one run of the driver:

    # free-text comment lines
    args: NODE_FLAGS [multi]
    env: NAME=VALUE          (zero or more)
    status: N                (optional: expected exit status, default 0)
    stderr: TEXT             (optional: text stderr must contain)
    --- stdin
    IP PNN lines as fed to the program
    --- expected
    IP PNN lines the program must print

Commands:
  check PROG CASEDIR            run every case through PROG, compare stdout
  gen ORACLE_DIR OUTDIR SEED N  write N random cases whose expected output is
                                the oracle's (ORACLE_DIR holds
                                ctdb_takeover_tests and ..._failback)
  fuzz PROG ORACLE_DIR SEED N   compare PROG with the oracle on N random cases
  record ORACLE_DIR FILE...      fill in the expected section of hand-written
                                case files from the oracle
  upstream PROG ORACLE_DIR SAMBA_REPO TAG
                                compare PROG with the oracle on the inputs of
                                CTDB's own ctdb/tests/UNIT/takeover cases
"""

import os
import random
import re
import subprocess
import sys

FLAG_CHOICES = [0, 0, 0, 0, 1, 2, 4, 8, 0x20]


def fmt_flag(rng, f):
    if f and rng.random() < 0.3:
        return "0x%x" % f
    return str(f)


def rand_subnets(rng):
    subnets = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.6:
            kind = rng.choice(["v4a", "v4b", "v4c"])
            if kind == "v4a":
                base = (10, rng.randint(0, 255), rng.randint(0, 255))
            elif kind == "v4b":
                base = (192, 168, rng.randint(0, 255))
            else:
                base = (rng.choice([130, 172, 198]), rng.randint(16, 31), rng.randint(0, 255))
            subnets.append(("v4", base))
        else:
            subnets.append(("v6", (rng.randint(0, 0xffff), rng.randint(0, 0xffff))))
    return subnets


def rand_ip(rng, subnet, seq):
    """An address in subnet; seq >= 0 asks for the seq-th consecutive one
    (CTDB's own cases use runs of consecutive addresses, which make LCP2
    ties common)."""
    kind, base = subnet
    if kind == "v4":
        last = 1 + seq % 254 if seq >= 0 else rng.randint(1, 254)
        return "%d.%d.%d.%d" % (base[0], base[1], base[2], last)
    if seq >= 0:
        return "fd00:%x:%x::%x" % (base[0], base[1], 1 + seq)
    r = rng.random()
    if r < 0.4:  # random interface ID: differences in the last two words
        return "fd00:%x:%x:0:%x:%x:%x:%x" % (base[0], base[1], rng.randint(0, 0xffff),
                                             rng.randint(0, 0xffff), rng.randint(0, 0xffff),
                                             rng.randint(0, 0xffff))
    if r < 0.7:
        return "fd00:%x:%x::%x:%x" % (base[0], base[1], rng.randint(1, 0xffff), rng.randint(1, 0xffff))
    return "fd00:%x:%x::%x" % (base[0], base[1], rng.randint(1, 0xffff))


def random_case(rng):
    """Returns (args, env, stdin, comment)."""
    n = rng.randint(1, 8)
    flags = [rng.choice(FLAG_CHOICES) for _ in range(n)]
    if rng.random() < 0.1:  # every node disabled / inactive
        flags = [rng.choice([2, 4, 0x20, 2]) for _ in range(n)]
    subnets = rand_subnets(rng)
    nips = rng.choice([0, 1, 2, 3, 5, 8, 12, 16, 24, 32, 48, 64]) if rng.random() < 0.95 else 0
    ips = []
    seen = set()
    tries = 0
    sequential = rng.random() < 0.4
    while len(ips) < nips and tries < 1000:
        tries += 1
        k = rng.randrange(len(subnets))
        ip = rand_ip(rng, subnets[k], tries // len(subnets) if sequential else -1)
        if ip not in seen:
            seen.add(ip)
            ips.append(ip)
    if not sequential or rng.random() < 0.5:
        rng.shuffle(ips)

    owner_mode = rng.choice(["random", "balanced", "unassigned", "balanced-minus"])
    owners = {}
    absent = rng.randrange(n)
    for i, ip in enumerate(ips):
        if owner_mode == "random":
            owners[ip] = rng.choice([-1] + list(range(n)) + ([n] if rng.random() < 0.05 else []))
        elif owner_mode == "unassigned":
            owners[ip] = -1
        elif owner_mode == "balanced":
            owners[ip] = i % n
        else:  # balanced over all nodes but one (e.g. a node coming back)
            others = [p for p in range(n) if p != absent] or [absent]
            owners[ip] = others[i % len(others)]

    env = {"CTDB_TEST_LOGLEVEL": "ERR"}
    r = rng.random()
    if r < 0.55:
        env["CTDB_IP_ALGORITHM"] = "lcp2"
    elif r < 0.7:
        env["CTDB_IP_ALGORITHM"] = "nondet"
    elif r < 0.85:
        env["CTDB_IP_ALGORITHM"] = "det"
    # else: unset = lcp2
    if rng.random() < 0.12:
        env["CTDB_SET_NoIPTakeover"] = rng.choice(["1", "0", ",".join(rng.choice("01") for _ in range(n))])
    if rng.random() < 0.25:
        env["CTDB_SET_NoIPFailback"] = rng.choice(["1", "1", "0"])
    if rng.random() < 0.15:
        env["CTDB_TEST_RUNSTATE"] = ",".join(str(rng.choice([5, 5, 5, 4, 3, 6, 0])) for _ in range(n))
    if rng.random() < 0.05:
        env["CTDB_SET_NoIPHostOnAllDisabled"] = "1"

    mode = rng.random()
    lines = []
    if mode < 0.7 or n == 1:
        multi = False
        for ip in ips:
            lines.append("%s %d" % (ip, owners[ip]))
    elif mode < 0.8:
        multi = False  # some nodes cannot host some IPs: ALLOWED lists
        for ip in ips:
            allowed = sorted(rng.sample(range(n), rng.randint(1, n)))
            lines.append("%s %d %s" % (ip, owners[ip], ",".join(map(str, allowed))))
    else:
        multi = True
        blocks = []
        for node in range(n):
            view = []
            for ip in ips:
                if rng.random() < 0.2:
                    continue  # this node does not know the address
                o = owners[ip]
                if rng.random() < 0.2:
                    o = rng.choice([-1] + list(range(n)))  # stale view
                view.append("%s %d" % (ip, o))
            blocks.append(view)
        for i, b in enumerate(blocks):
            lines.extend(b)
            if i != len(blocks) - 1:
                lines.append("")
    args = ",".join(fmt_flag(rng, f) for f in flags) + (" multi" if multi else "")
    stdin = "\n".join(lines) + ("\n" if lines else "")
    comment = "random case: %d nodes, %d IPs, owners %s, %s" % (
        n, len(ips), owner_mode, "multi" if multi else ("allowed lists" if 0.7 <= mode < 0.8 else "plain"))
    return args, env, stdin, comment


def run(prog, args, env, stdin):
    full_env = {k: v for k, v in os.environ.items()
                if not (k.startswith("CTDB_SET_") or k.startswith("CTDB_TEST_") or k == "CTDB_IP_ALGORITHM")}
    full_env.update(env)
    argv = prog + args.split()
    p = subprocess.run(argv, input=stdin.encode(), env=full_env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def oracle_for(oracle_dir, env):
    name = "ctdb_takeover_tests_failback" if "CTDB_SET_NoIPFailback" in env else "ctdb_takeover_tests"
    return [os.path.join(oracle_dir, name), "ipalloc"]


def write_case(path, args, env, stdin, expected, comment):
    with open(path, "w") as f:
        f.write("# %s\n" % comment)
        f.write("args: %s\n" % args)
        for k in sorted(env):
            f.write("env: %s=%s\n" % (k, env[k]))
        f.write("--- stdin\n")
        f.write(stdin)
        f.write("--- expected\n")
        f.write(expected)


def read_case(path, extra=None):
    args, env, comment = None, {}, []
    extra = {} if extra is None else extra
    section, stdin, expected = None, [], []
    with open(path) as f:
        for line in f.read().split("\n")[:-1]:
            if line == "--- stdin":
                section = "stdin"
            elif line == "--- expected":
                section = "expected"
            elif section == "stdin":
                stdin.append(line + "\n")
            elif section == "expected":
                expected.append(line + "\n")
            elif line.startswith("#"):
                comment.append(line)
            elif line.startswith("args: "):
                args = line[6:]
            elif line.startswith("status: "):
                extra["status"] = int(line[8:])
            elif line.startswith("stderr: "):
                extra["stderr"] = line[8:]
            elif line.startswith("env: "):
                k, _, v = line[5:].partition("=")
                env[k] = v
            elif line.strip():
                raise ValueError("%s: bad header line %r" % (path, line))
    if args is None or section != "expected":
        raise ValueError("%s: missing args or sections" % path)
    return args, env, "".join(stdin), "".join(expected)


def cmd_check(prog, casedir):
    files = sorted(f for f in os.listdir(casedir) if f.endswith(".case"))
    bad = 0
    for name in files:
        extra = {}
        args, env, stdin, expected = read_case(os.path.join(casedir, name), extra)
        rc, out, err = run([prog], args, env, stdin)
        want_err = extra.get("stderr")
        if (rc != extra.get("status", 0) or out != expected
                or (want_err is not None and want_err not in err)
                or (rc != 0 and len(err.strip().split("\n")) != 1)):
            bad += 1
            print("FAIL %s (exit %d)\n%s--- got\n%s--- expected\n%s" % (name, rc, err, out, expected))
    print("%d cases, %d failed" % (len(files), bad))
    return 1 if bad or not files else 0


def cmd_gen(oracle_dir, outdir, seed, count):
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    for i in range(count):
        args, env, stdin, comment = random_case(rng)
        rc, out, err = run(oracle_for(oracle_dir, env), args, env, stdin)
        if rc != 0:
            print("oracle failed on case %d: %s" % (i, err), file=sys.stderr)
            return 1
        write_case(os.path.join(outdir, "oracle-%03d.case" % (i + 1)), args, env, stdin, out,
                   comment + "; expected output from CTDB samba-4.17.12's ctdb_takeover_tests"
                   + (" (NoIPFailback variant)" if "CTDB_SET_NoIPFailback" in env else "")
                   + ", seed %d" % seed)
    return 0


def cmd_record(oracle_dir, files):
    for path in files:
        with open(path) as f:
            comments = [l for l in f.read().split("\n") if l.startswith("#")]
        args, env, stdin, _ = read_case(path)
        rc, out, err = run(oracle_for(oracle_dir, env), args, env, stdin)
        if rc != 0:
            print("%s: oracle failed: %s" % (path, err), file=sys.stderr)
            return 1
        with open(path, "w") as f:
            for c in comments:
                f.write(c + "\n")
            f.write("args: %s\n" % args)
            for k in sorted(env):
                f.write("env: %s=%s\n" % (k, env[k]))
            f.write("--- stdin\n" + stdin + "--- expected\n" + out)
    return 0


def cmd_fuzz(prog, oracle_dir, seed, count):
    rng = random.Random(seed)
    bad = 0
    for i in range(count):
        args, env, stdin, comment = random_case(rng)
        rc1, out1, err1 = run(oracle_for(oracle_dir, env), args, env, stdin)
        rc2, out2, err2 = run([prog], args, env, stdin)
        if rc1 != rc2 or out1 != out2:
            bad += 1
            if bad <= 3:
                print("MISMATCH seed %d case %d: %s\nargs: %s env: %s\n--- stdin\n%s--- oracle (%d)\n%s%s--- ours (%d)\n%s%s"
                      % (seed, i, comment, args, env, stdin, rc1, out1, err1, rc2, out2, err2))
    print("fuzz seed %d: %d cases, %d mismatches" % (seed, count, bad))
    return 1 if bad else 0


def cmd_upstream(prog, oracle_dir, repo, tag):
    """Replays the simple_test invocations of CTDB's UNIT/takeover scripts."""
    ls = subprocess.run(["git", "-C", repo, "ls-tree", "--name-only", tag + ":ctdb/tests/UNIT/takeover/"],
                        stdout=subprocess.PIPE, check=True).stdout.decode().split()
    bad = total = skipped = 0
    for name in ls:
        m = re.match(r"(lcp2|det|nondet)\.\d+\.sh$", name)
        if not m:
            continue
        text = subprocess.run(["git", "-C", repo, "show", "%s:ctdb/tests/UNIT/takeover/%s" % (tag, name)],
                              stdout=subprocess.PIPE, check=True).stdout.decode()
        env = {"CTDB_IP_ALGORITHM": m.group(1), "CTDB_TEST_LOGLEVEL": "ERR"}
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            em = re.match(r"\s*export (CTDB_\w+)=(\S*)", line)
            if em and em.group(1) != "CTDB_TEST_LOGLEVEL":
                env[em.group(1)] = em.group(2).strip('"')
            sm = re.match(r"\s*simple_test (\S+)( multi)? <<EOF", line)
            if sm:
                body = []
                i += 1
                while lines[i] != "EOF":
                    body.append(lines[i] + "\n")
                    i += 1
                args = sm.group(1) + (" multi" if sm.group(2) else "")
                stdin = "".join(body)
                if "$" in stdin:  # chained from a previous run's output
                    skipped += 1
                    i += 1
                    continue
                total += 1
                rc1, out1, _ = run(oracle_for(oracle_dir, env), args, env, stdin)
                rc2, out2, err2 = run([prog], args, env, stdin)
                if rc1 != rc2 or out1 != out2:
                    bad += 1
                    print("MISMATCH %s (%s)\n--- oracle\n%s--- ours\n%s%s" % (name, args, out1, out2, err2))
            i += 1
    print("upstream cases: %d runs, %d mismatches (%d chained runs skipped)" % (total, bad, skipped))
    return 1 if bad or total == 0 else 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "check":
        return cmd_check(argv[2], argv[3])
    if len(argv) == 6 and argv[1] == "gen":
        return cmd_gen(argv[2], argv[3], int(argv[4]), int(argv[5]))
    if len(argv) >= 4 and argv[1] == "record":
        return cmd_record(argv[2], argv[3:])
    if len(argv) == 6 and argv[1] == "fuzz":
        return cmd_fuzz(argv[2], argv[3], int(argv[4]), int(argv[5]))
    if len(argv) == 6 and argv[1] == "upstream":
        return cmd_upstream(argv[2], argv[3], argv[4], argv[5])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
