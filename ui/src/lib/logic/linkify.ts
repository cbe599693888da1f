/**
 * Links in message text, found by linkify-it: `http(s)://` URLs, `www.` addresses
 * (opened as `http://www.…`) and e-mail addresses (`mailto:`). Nothing else becomes
 * a link; the parts are rendered as text nodes, never as HTML.
 */
import { LinkifyIt } from 'linkify-it';

export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// Only the web and mail: no ftp:, no protocol-relative `//host`. Schemeless links
// need `www.` (below): a bare `readme.md` or `setup.py` ends in a country's
// top-level domain and is far more often a file name than a site.
const finder = new LinkifyIt({ fuzzyLink: true, fuzzyEmail: true, fuzzyIP: false })
  .add('ftp:', null)
  .add('//', null);

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const LINK_START = /^(?:https?:\/\/|www\.|[A-Za-z0-9._%+-]+@)/i;

/**
 * linkify-it starts a link only after a space or punctuation, but Chinese and
 * Japanese run straight into one ("请看https://…", "邮件bob@…"). This copy of
 * `text` has a space between such a character and what starts a link; `at[i]` is
 * the position in `text` of the copy's character `i` (and of its end).
 */
function withBoundaries(text: string): { copy: string; at: number[] } {
  let copy = '';
  const at: number[] = [];
  let i = 0;
  let afterCjk = false;
  for (const ch of text) {
    if (afterCjk && LINK_START.test(text.slice(i, i + 80))) {
      copy += ' ';
      at.push(i);
    }
    copy += ch;
    for (let k = 0; k < ch.length; k++) at.push(i + k);
    afterCjk = CJK.test(ch);
    i += ch.length;
  }
  at.push(i);
  return { copy, at };
}

/** Splits message text into plain runs and links (see the module comment). */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  const { copy, at } = withBoundaries(text);
  let last = 0;
  for (const m of finder.match(copy) ?? []) {
    const [start, end] = [at[m.index], at[m.lastIndex]];
    const raw = text.slice(start, end);
    if (m.schema === '' && !/^www\./i.test(raw)) continue;
    if (!isSafeExternalUrl(m.url)) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: raw, href: m.url });
    last = end;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/**
 * True only for the links the app opens: absolute http(s) URLs with a host, and
 * `mailto:` with an address (src-tauri/links.rs checks the same again).
 */
export function isSafeExternalUrl(href: string): boolean {
  try {
    const u = new URL(href);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.host !== '';
    return u.protocol === 'mailto:' && /^[^@\s]+@[^@\s]+$/.test(decodeURIComponent(u.pathname));
  } catch {
    return false;
  }
}
