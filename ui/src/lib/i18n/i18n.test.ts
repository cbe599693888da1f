/**
 * The languages' completeness: every key in both languages (plural forms
 * compared by their base key), every `t('…')` used in the source defined, the
 * same {{placeholders}} on both sides, and no hard-coded user-visible English
 * in components (text nodes, title/placeholder/aria-label/alt) or in the
 * stores' and logic's strings.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import en from './en';
import zhCN from './zh-CN';
import { i18n, pickLocale, setLocaleChoice, t } from './index.svelte';
import { dayLabel, listTime } from '../logic/format';

type Tree = { [k: string]: string | Tree };
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [a, b] of flatten(v, key)) out.set(a, b);
  }
  return out;
}
const base = (k: string) => k.replace(PLURAL, '');
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).filter((p) => p !== 'count').sort();

const SRC = join(__dirname, '..', '..');
function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return d.name === '__tests__' ? [] : files(p, ext);
    return ext.test(d.name) && !/\.test\.ts$/.test(d.name) ? [p] : [];
  });
}

/** The template of a .svelte file: scripts, styles and comments removed. */
function template(src: string): string {
  return src.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style[\s\S]*?<\/style>/g, '').replace(/<!--[\s\S]*?-->/g, '');
}

/** Literal text between tags and outside {expressions}, with letters in it. */
export function hardCodedText(tpl: string): string[] {
  const found: string[] = [];
  let depth = 0;
  let inTag = false;
  let quote = '';
  let text = '';
  const flush = () => {
    if (/[A-Za-z]{2,}/.test(text)) found.push(text.trim());
    text = '';
  };
  for (const ch of tpl) {
    if (quote) {
      if (ch === quote) quote = '';
      continue;
    }
    if (depth > 0) {
      if (ch === "'" || ch === '"' || ch === '`') quote = ch;
      else if (ch === '{') depth++;
      else if (ch === '}') depth--;
      continue;
    }
    if (inTag) {
      if (ch === '{') depth++;
      else if (ch === '"') quote = '"';
      else if (ch === '>') inTag = false;
      continue;
    }
    if (ch === '<') {
      flush();
      inTag = true;
    } else if (ch === '{') {
      flush();
      depth = 1;
    } else text += ch;
  }
  flush();
  return found;
}

/** Literal values of user-visible attributes. */
export function hardCodedAttributes(tpl: string): string[] {
  return [...tpl.matchAll(/\s(title|placeholder|aria-label|alt)="([^"{]*[A-Za-z]{2,}[^"]*)"/g)].map((m) => `${m[1]}="${m[2]}"`).filter((a) => !/placeholder="(ws:\/\/|alice)/.test(a));
}

/** String literals that read like English for people: a capital, then words, or a sentence. */
export function englishLiterals(code: string): string[] {
  const noComments = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const lits = [...noComments.matchAll(/(['"`])((?:\\.|(?!\1)[^\\\n])*?)\1/g)].map((m) => m[2]);
  return lits.filter((s) => /^[A-Z][a-z’']+[ ,.…:;?!]\s*\S/.test(s) || /^[A-Z][a-z]+ [a-z]+/.test(s) || /[a-z]{2,} [a-z]{2,}[^]*[.?…!]$/.test(s));
}

afterEach(() => setLocaleChoice('system'));

describe('i18n', () => {
  const enKeys = flatten(en as Tree);
  const zhKeys = flatten(zhCN as Tree);

  it('has every key in both languages (plural forms by their base key)', () => {
    const a = new Set([...enKeys.keys()].map(base));
    const b = new Set([...zhKeys.keys()].map(base));
    expect([...a].filter((k) => !b.has(k))).toEqual([]);
    expect([...b].filter((k) => !a.has(k))).toEqual([]);
    expect(a.size).toBeGreaterThan(300);
  });

  it('uses the same placeholders in both languages', () => {
    const zhByBase = new Map([...zhKeys].map(([k, v]) => [base(k), v]));
    const differ = [...enKeys].filter(([k, v]) => zhByBase.has(base(k)) && placeholders(v).join() !== placeholders(zhByBase.get(base(k))!).join());
    expect(differ.map(([k]) => k)).toEqual([]);
  });

  it('defines every key the source uses', () => {
    const used = new Set<string>();
    for (const f of files(SRC, /\.(svelte|ts)$/)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*['`]([\w.]+)['`]/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(250);
    const known = new Set([...enKeys.keys()].map(base));
    expect([...used].filter((k) => !known.has(k) && !k.endsWith('.'))).toEqual([]);
  });

  it('finds no hard-coded English in components, stores or logic', () => {
    const svelte = files(SRC, /\.svelte$/);
    expect(svelte.length).toBeGreaterThan(25);
    const bad: string[] = [];
    for (const f of svelte) {
      const src = readFileSync(f, 'utf8');
      const tpl = template(src);
      for (const s of [...hardCodedText(tpl), ...hardCodedAttributes(tpl)]) bad.push(`${f}: ${s}`);
      for (const sc of src.match(/<script[\s\S]*?<\/script>/g) ?? []) for (const s of englishLiterals(sc)) bad.push(`${f}: '${s}'`);
      // Literal strings inside the template's {expressions}.
      for (const s of englishLiterals(tpl.replace(/\s(title|placeholder|aria-label|alt|class|data-[\w-]+)="[^"]*"/g, ''))) bad.push(`${f}: '${s}'`);
    }
    for (const f of [...files(join(SRC, 'lib', 'stores'), /\.ts$/), ...files(join(SRC, 'lib', 'logic'), /\.ts$/)]) {
      for (const s of englishLiterals(readFileSync(f, 'utf8'))) bad.push(`${f}: '${s}'`);
    }
    expect(bad).toEqual([]);
  });

  it('the checks above catch what they should', () => {
    expect(hardCodedText('<p>Hello there</p><b>{x}</b>')).toEqual(['Hello there']);
    expect(hardCodedText('<p>{t("a.b")}</p><button onclick={() => f("Go now")}>{n}</button>')).toEqual([]);
    expect(hardCodedAttributes('<input placeholder="Search chats" title={t("x")} />')).toEqual(['placeholder="Search chats"']);
    expect(englishLiterals("toast('Profile saved.'); key === 'Escape'; cls = 'btn small'")).toEqual(['Profile saved.']);
  });

  it('follows the system language, and a choice made in the app wins until reset', () => {
    expect(pickLocale(['zh-CN', 'en'])).toBe('zh-CN');
    expect(pickLocale(['zh_CN.UTF-8'])).toBe('zh-CN');
    expect(pickLocale(['de-DE', 'en-GB'])).toBe('en');
    expect(pickLocale([])).toBe('en');
    i18n.system = 'zh-CN';
    expect(t('shell.chats')).toBe('聊天');
    setLocaleChoice('en');
    expect(t('shell.chats')).toBe('Chats');
    expect(localStorage.getItem('tern.locale')).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    setLocaleChoice('system');
    expect(localStorage.getItem('tern.locale')).toBeNull();
    expect(t('shell.chats')).toBe('聊天');
    i18n.system = 'en';
  });

  it('words plurals and dates per language', () => {
    setLocaleChoice('en');
    expect(t('chatView.members', { count: 1 })).toBe('1 member');
    expect(t('chatView.members', { count: 3 })).toBe('3 members');
    const now = new Date(2026, 11, 2, 12, 0);
    expect(dayLabel(now.getTime(), now)).toBe('Today');
    expect(listTime(new Date(2026, 11, 1, 9, 0).getTime(), now)).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 10, 3).getTime(), now)).toBe('November 3, 2026');
    setLocaleChoice('zh-CN');
    expect(t('chatView.members', { count: 1 })).toBe('1 位成员');
    expect(dayLabel(now.getTime(), now)).toBe('今天');
    expect(dayLabel(new Date(2026, 10, 3).getTime(), now)).toBe('2026年11月3日');
  });
});
