// Processes under a process, from /proc (the e2e suites and bench/c1/measure.mjs).

import { readFileSync, readdirSync } from 'node:fs';

/** The process ids under `root` (from /proc), with their names. */
export function descendants(root) {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  const out = [];
  const walk = (p) => (kids.get(p) ?? []).forEach((k) => {
    let comm = '?';
    try {
      comm = readFileSync(`/proc/${k}/comm`, 'utf8').trim();
    } catch {
      /* gone */
    }
    out.push({ pid: k, comm });
    walk(k);
  });
  walk(root);
  return out;
}
