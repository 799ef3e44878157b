#!/usr/bin/env python3
"""Layer check: no source file includes a module above its own.

usage: check_layers.py TOP

The rule comes from the module table of TOP/doc/architecture.md: each row
whose second column is a module (`src/...`, `include/ctdb`, `helper`) names
in its third column the modules it builds on ("-" for none). A module may
include its own headers, `ctdb/` (include/ctdb) and those of every module
it builds on, directly or through others (the transitive closure). The
table itself must be acyclic, and every folder under src/ with sources must
have a row (src/server/<subsystem> is a module of its own).

Scans #include "..." lines of *.h, *.cc and *.c under src/ and helper/.
Prints one line per violation, FILE:LINE: what, and exits 1; exits 0 and
prints a summary otherwise; exits 2 when the table cannot be read.
"""
import os
import re
import sys


def module_of_include(inc):
    parts = inc.split("/")
    if len(parts) < 2:
        return None  # same-directory include: the file's own module
    if parts[0] == "server" and len(parts) > 2:
        return "server/" + parts[1]
    return parts[0]


def module_of_file(rel):
    parts = rel.split("/")
    if parts[0] == "helper":
        return "helper"
    if parts[0] != "src":
        return None
    if parts[1] == "server" and len(parts) > 3:
        return "server/" + parts[2]
    return parts[1]


def read_table(doc):
    rows = {}
    row_re = re.compile(r"^\|\s*[^|]*\|\s*`(src/[a-z_/]+|include/ctdb|helper)`[^|]*\|([^|]*)\|")
    with open(doc) as f:
        for n, line in enumerate(f, 1):
            m = row_re.match(line)
            if not m:
                continue
            name = m.group(1)
            name = name[4:] if name.startswith("src/") else ("ctdb" if name == "include/ctdb" else name)
            deps = [d.strip(" `") for d in m.group(2).split(",")]
            deps = [d[4:] if d.startswith("src/") else d for d in deps if d and d not in ("-", "—")]
            if name in rows:
                sys.exit("%s:%d: module %s has two rows" % (doc, n, name))
            rows[name] = (set(deps), n)
    return rows


def closure(rows, doc):
    done, out = {}, {}

    def visit(m, stack):
        if m in out:
            return out[m]
        if m in stack:
            sys.exit("%s: the module table has a cycle: %s" % (doc, " -> ".join(stack + [m])))
        if m not in rows:
            sys.exit("%s: module %s is named as a dependency but has no row" % (doc, m))
        acc = set()
        for d in rows[m][0]:
            acc |= {d} | visit(d, stack + [m])
        out[m] = acc
        return acc

    for m in rows:
        visit(m, [])
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    top = sys.argv[1]
    doc = os.path.join(top, "doc", "architecture.md")
    try:
        rows = read_table(doc)
    except OSError as e:
        print("check_layers: cannot read %s: %s" % (doc, e.strerror))
        return 2
    if not rows:
        print("check_layers: %s: no module table rows found" % doc)
        return 2
    allowed = closure(rows, doc)
    bad = 0
    files = 0
    seen_mods = set()
    inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    for base in ("src", "helper"):
        for dirpath, _, names in os.walk(os.path.join(top, base)):
            for name in sorted(names):
                if not name.endswith((".h", ".cc", ".c")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, top)
                mod = module_of_file(rel)
                if mod is None:
                    continue
                files += 1
                seen_mods.add(mod)
                if mod not in rows:
                    print("%s:1: module %s has no row in doc/architecture.md's module table" % (rel, mod))
                    bad += 1
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        m = inc_re.match(line)
                        if not m:
                            continue
                        im = module_of_include(m.group(1))
                        if im is None or im == mod or im == "ctdb" or im in allowed[mod]:
                            continue
                        print("%s:%d: %s includes %s (module %s may include: %s)" % (
                            rel, n, mod, m.group(1), mod,
                            ", ".join(sorted(allowed[mod] | {"ctdb"})) or "nothing"))
                        bad += 1
    if bad:
        print("check_layers: %d include(s) against the layering of doc/architecture.md" % bad)
        return 1
    print("check_layers: %d files in %d modules, every include goes downwards" % (files, len(seen_mods)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
