// axe-core (npm, from ui/node_modules: nothing is downloaded at test time) run in
// the app's page through WebDriver: the accessibility check of a screen.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const AXE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../ui/node_modules/axe-core/axe.min.js');
let source;

/**
 * Runs axe-core on the whole page (WCAG 2.x A and AA rules and best practices) and
 * returns its violations as {id, impact, help, nodes} (nodes: up to 5 selectors).
 */
export async function axeViolations(wd) {
  source ??= readFileSync(AXE, 'utf8');
  const r = await wd.cmd('POST', '/execute/async', {
    script: `${source}
      const done = arguments[arguments.length - 1];
      axe.run(document, { resultTypes: ['violations'] }).then(
        (r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }))),
        (e) => done({ error: String(e) }),
      );`,
    args: [],
  });
  if (!Array.isArray(r)) throw new Error(`axe-core did not run: ${JSON.stringify(r)}`);
  return r;
}

/** Fails when axe-core finds a serious or critical violation on the current screen (`what`). */
export async function expectAccessible(wd, what) {
  const v = await axeViolations(wd);
  const bad = v.filter((x) => x.impact === 'serious' || x.impact === 'critical');
  if (bad.length) throw new Error(`axe-core on ${what}: ${JSON.stringify(bad, null, 1)}`);
  return v;
}
