/**
 * The UI's own symbols stay in its first font (Inter). A character Inter lacks sends
 * WebKit through fontconfig's fallback search for a font that has it, and the one it
 * found for "⋯" was Noto Sans CJK: opening a chat, whose every message had a "⋯"
 * button, spent ~15–20 ms in fontconfig (perf, C3 in docs/benchmarks.md). Icons are
 * SVG (Icon.svelte); a new symbol is added below only after checking that
 * `fc-list ':charset=<hex>' family` lists Inter. User text (and CJK translations) is
 * not concerned: it needs the fonts it needs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGE_NAMES_FAMILY, LANGUAGE_NAMES_RANGE, LANGUAGE_NAMES_URL } from '../../logic/fonts';

/** Non-ASCII characters in components and English texts that Inter has (checked with fc-list). */
const IN_INTER = new Set(['²', '·', '×', '“', '”', '…', '↑', '↓', '‘', '’', '–', '—', '→', '←', '•', '›', '−']);
/** The language picker names Chinese in Chinese ("简体中文"). */
const cjk = (ch: string) => /\p{Script=Han}/u.test(ch);
/** Emoji the UI shows on purpose (drawn from the colour emoji font, as in messages). */
const EMOJI = new Set(['📍']);

const dir = (p: string) => join(__dirname, p);
const sources = [
  ...readdirSync(dir('..')).filter((f) => f.endsWith('.svelte')).map((f) => join(dir('..'), f)),
  ...readdirSync(dir('../../i18n')).filter((f) => /^en.*\.ts$/.test(f)).map((f) => join(dir('../../i18n'), f)),
];

describe('UI symbols', () => {
  it('every non-ASCII character in the components and English texts is one Inter has (or a chosen emoji)', () => {
    const strays: string[] = [];
    for (const file of sources) {
      for (const ch of new Set(readFileSync(file, 'utf8'))) {
        if (ch.codePointAt(0)! < 128 || IN_INTER.has(ch) || EMOJI.has(ch) || cjk(ch)) continue;
        strays.push(`${file.split('/').pop()}: '${ch}' U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`);
      }
    }
    expect(strays).toEqual([]);
  });

  it('would catch the message button of before (a "⋯" character)', () => {
    expect(IN_INTER.has('⋯') || EMOJI.has('⋯')).toBe(false);
  });

  it("the language picker's native names are drawn from the bundled subset font, which covers each of their characters Inter lacks", () => {
    const covered = new Set(LANGUAGE_NAMES_RANGE.split(',').map((u) => String.fromCodePoint(parseInt(u.trim().replace(/^U\+/, ''), 16))));
    expect(statSync(join(__dirname, '../../../../public', LANGUAGE_NAMES_URL)).size).toBeGreaterThan(1000);
    for (const file of ['en.ts', 'zh-CN.ts']) {
      const name = /chinese: "([^"]+)"/.exec(readFileSync(dir(`../../i18n/${file}`), 'utf8'))?.[1] ?? '';
      expect(name.length).toBeGreaterThan(0);
      const missing = [...name].filter((ch) => cjk(ch) && !covered.has(ch));
      expect({ file, name, missing }).toEqual({ file, name, missing: [] });
    }
    const settings = readFileSync(dir('../Settings.svelte'), 'utf8');
    expect(settings).toContain(`select[data-testid='language'] { font-family: Inter, '${LANGUAGE_NAMES_FAMILY}'`);
  });
});
