#!/usr/bin/env python3
"""Lists import cycles between sibling modules of a crate's src/ tree.

A module may use its parent and its children; two siblings (or their
descendants) must not use each other, directly or around a loop. Comments are
ignored, and so are `#[cfg(test)] mod … { … }` blocks and the files of
`#[cfg(test)] mod …;` (test code is a leaf: nothing uses it, so its imports close
no loop in any build). Grouped imports
(`use crate::{a, b::{c, d}}`) count as one path each.
Usage: scripts/module-cycles.py crates/server/src  (exit 1 on a cycle)
"""
import collections
import glob
import os
import re
import sys



def without_tests(lines):
    """The code without its `#[cfg(test)]` inline modules (rustfmt layout: the
    block ends at the first `}` line indented like its `mod` line)."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() == "#[cfg(test)]" and re.match(r"\s*(pub(\(\w+\))? )?mod \w+ \{$", nxt):
            indent = nxt[: len(nxt) - len(nxt.lstrip())]
            i += 2
            while i < len(lines) and lines[i] != indent + "}":
                i += 1
            i += 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def paths(src):
    """Every `crate::…`, `super::…` or `self::…` path in `src`, with grouped
    imports (`crate::{a, b::{c, d}}`) expanded to one path each."""
    found = []
    for m in re.finditer(r"\b((?:crate|super|self)(?:::\w+)*)::\{", src):
        depth, j = 1, m.end()
        while depth and j < len(src):
            depth += {"{": 1, "}": -1}.get(src[j], 0)
            j += 1
        found += expand(m.group(1), src[m.end() : j - 1])
    found += re.findall(r"\b((?:crate|super|self)(?:::\w+)+)", src)
    return found


def expand(prefix, group):
    """`prefix::{group}` as full paths (`self` in a group names `prefix`)."""
    items, depth, cur = [], 0, ""
    for ch in group + ",":
        if ch == "," and depth == 0:
            items.append(cur.strip())
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    out = []
    for it in filter(None, items):
        it = it.split(" as ")[0].strip()
        if "{" in it:
            head, rest = it.split("{", 1)
            out += expand(prefix + "::" + head.rstrip(":").strip(), rest.rsplit("}", 1)[0])
        elif it == "self":
            out.append(prefix)
        elif it != "*":
            out.append(prefix + "::" + it)
    return out


root = sys.argv[1] if len(sys.argv) > 1 else "crates/server/src"
os.chdir(root)
mods, test_files = {}, set()
for f in glob.glob("**/*.rs", recursive=True):
    p = f[:-3].split("/")
    if p[-1] in ("mod", "lib", "main"):
        p = p[:-1]
    text = open(f).read()
    # `#[cfg(test)] mod name;`: the file of a test module, a leaf like an inline one.
    for name in re.findall(r"#\[cfg\(test\)\]\s*(?:pub(?:\(\w+\))? )?mod (\w+);", text):
        test_files.add(tuple(p) + (name,))
    mods[tuple(p)] = without_tests(
        [l for l in text.splitlines() if not l.lstrip().startswith("//")]
    )
for t in test_files:
    mods[t] = ""


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
    for path in paths(src):
        t = resolve(m, path)
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
