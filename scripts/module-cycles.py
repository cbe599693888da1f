#!/usr/bin/env python3
"""Lists import cycles between sibling modules of a crate's src/ tree.

A module may use its parent and its children; two siblings (or their
descendants) must not use each other, directly or around a loop. Doc comments
are ignored. Usage: scripts/module-cycles.py crates/server/src  (exit 1 on a cycle)
"""
import collections
import glob
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "crates/server/src"
os.chdir(root)
mods = {}
for f in glob.glob("**/*.rs", recursive=True):
    p = f[:-3].split("/")
    if p[-1] in ("mod", "lib", "main"):
        p = p[:-1]
    code = "\n".join(l for l in open(f).read().splitlines() if not l.lstrip().startswith("//"))
    mods[tuple(p)] = code


def resolve(cur, path):
    parts = path.split("::")
    if parts[0] == "crate":
        base, parts = (), parts[1:]
    else:
        base = cur
        while parts and parts[0] in ("super", "self"):
            base = base[:-1] if parts[0] == "super" else base
            parts = parts[1:]
    for i in range(len(parts), -1, -1):
        if base + tuple(parts[:i]) in mods:
            return base + tuple(parts[:i])
    return None


graph = collections.defaultdict(set)
for m, src in mods.items():
    for mm in re.finditer(r"\b((?:crate|super|self)(?:::\w+)+)", src):
        t = resolve(m, mm.group(1))
        if t is None or t == m or t[: len(m)] == m or m[: len(t)] == t:
            continue
        k = 0
        while a_k := (k < min(len(m), len(t)) and m[k] == t[k]):
            k += 1
        graph[m[: k + 1]].add(t[: k + 1])

found = []
for start in sorted(graph):
    stack = [(start, [start])]
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, ()):
            if nxt == start:
                found.append(path)
            elif nxt not in path and len(path) < 8:
                stack.append((nxt, path + [nxt]))
seen = set()
for c in found:
    key = frozenset(c)
    if key in seen:
        continue
    seen.add(key)
    print("cycle:", " -> ".join("::".join(x) for x in c + [c[0]]))
sys.exit(1 if seen else 0)
