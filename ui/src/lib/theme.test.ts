/**
 * Both themes' colours, read from app.css: every text colour on every
 * background it is used on reaches WCAG AA contrast (4.5:1 for normal text).
 * Also the theme choice: system, light, dark, remembered on this device.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setThemeChoice, theme } from './theme.svelte';

const CSS = readFileSync(join(__dirname, '..', 'app.css'), 'utf8');

function block(selector: string): Record<string, string> {
  const start = CSS.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`no ${selector} block in app.css`);
  const body = CSS.slice(start, CSS.indexOf('}', start));
  return Object.fromEntries([...body.matchAll(/--([\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));
}

const light = block(':root');
const dark = { ...light, ...block(":root[data-theme='dark']") };

/** [r, g, b, a] of #rgb, #rrggbb or rgba(). */
function rgba(c: string): [number, number, number, number] {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((x) => x + x).join('') : hex[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)).concat(1) as [number, number, number, number];
  }
  const m = /^rgba?\(([^)]+)\)$/.exec(c);
  if (!m) throw new Error(`not a colour: ${c}`);
  const [r, g, b, a = '1'] = m[1].split(',').map((x) => x.trim());
  return [Number(r), Number(g), Number(b), Number(a)];
}

/** A translucent colour over an opaque one. */
function over(top: string, below: string): [number, number, number] {
  const [r, g, b, a] = rgba(top);
  const [R, G, B] = rgba(below);
  return [r * a + R * (1 - a), g * a + G * (1 - a), b * a + B * (1 - a)];
}

function luminance([r, g, b]: [number, number, number]): number {
  const f = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

export function contrast(fg: string, bg: string, base = '#ffffff'): number {
  const b = over(bg, base);
  const f = over(fg, `rgb(${b.join(',')})`);
  const [hi, lo] = [luminance(f), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Text colour → the backgrounds the app draws it on. */
const PAIRS: [string, string[]][] = [
  ['text', ['bg', 'bg-soft', 'bg-hover', 'bg-active', 'chat-bg', 'rail-bg', 'own-bubble', 'peer-bubble', 'accent-soft', 'mark-bg']],
  ['text-soft', ['bg', 'bg-soft', 'bg-hover', 'chat-bg', 'rail-bg', 'own-bubble', 'peer-bubble', 'system-bubble', 'day-bg']],
  ['text-faint', ['bg', 'bg-soft', 'chat-bg', 'own-bubble', 'peer-bubble']],
  ['on-accent', ['accent', 'accent-strong']],
  ['accent-text', ['bg', 'bg-soft', 'peer-bubble', 'own-bubble', 'accent-soft', 'mention-me-bg']],
  ['danger', ['bg', 'danger-soft', 'rail-bg']],
  ['ok-text', ['bg', 'rail-bg']],
  ['notice-text', ['notice-bg']],
  ['warn-text', ['rail-bg']],
];

afterEach(() => setThemeChoice('system'));

describe('themes', () => {
  for (const [name, vars] of [['light', light], ['dark', dark]] as const) {
    it(`${name}: every text/background pair reaches 4.5:1`, () => {
      const base = vars.bg;
      const low: string[] = [];
      for (const [fg, bgs] of PAIRS) {
        for (const bg of bgs) {
          // Translucent backgrounds sit on the chat background.
          const ratio = contrast(vars[fg], vars[bg], bg === 'system-bubble' || bg === 'day-bg' ? vars['chat-bg'] : base);
          if (ratio < 4.5) low.push(`${fg} on ${bg}: ${ratio.toFixed(2)}`);
        }
      }
      expect(low).toEqual([]);
    });
  }

  it('the dark theme redefines every colour of the light one', () => {
    const own = block(":root[data-theme='dark']");
    const colours = Object.keys(light).filter((k) => /^(#|rgba?\(|linear-gradient)/.test(light[k]));
    expect(colours.length).toBeGreaterThan(30);
    expect(colours.filter((k) => !(k in own) && k !== 'on-accent' && k !== 'warn')).toEqual([]);
  });

  it('the contrast formula matches WCAG reference values', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 1);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 1);
  });

  it('follows the system unless the user picks a theme; the choice is remembered', () => {
    theme.systemDark = true;
    setThemeChoice('system');
    expect(document.documentElement.dataset.theme).toBe('dark');
    setThemeChoice('light');
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(localStorage.getItem('tern.theme')).toBe('light');
    theme.systemDark = false;
    setThemeChoice('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    setThemeChoice('system');
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(localStorage.getItem('tern.theme')).toBeNull();
  });
});
