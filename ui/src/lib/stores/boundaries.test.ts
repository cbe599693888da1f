/**
 * The store split's rules, checked on the source: components never call the
 * backend (only stores use `commands`/`events`), and the event router rejects
 * an event kind it does not know.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { App } from './app.svelte';
import { route } from './router';

const SRC = join(__dirname, '..', '..');

function svelteFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? svelteFiles(join(dir, d.name)) : d.name.endsWith('.svelte') ? [join(dir, d.name)] : [],
  );
}

describe('store boundaries', () => {
  it('no component imports or calls the backend commands or events', () => {
    const files = svelteFiles(SRC);
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.filter((f) => {
      const s = readFileSync(f, 'utf8');
      return /\b(commands|events)\.\w+\(/.test(s) || /import\s*\{[^}]*\b(commands|events)\b[^}]*\}\s*from\s*'[./]*\/?bindings'/.test(s) || /@tauri-apps\/api\/core/.test(s);
    });
    expect(offenders).toEqual([]);
  });

  it('the router throws on an event kind it was not written for (the type checker stops it at build time)', () => {
    expect(() => route(new App(), { type: 'from_the_future' } as never)).toThrow(/unrouted core event/);
  });
});
