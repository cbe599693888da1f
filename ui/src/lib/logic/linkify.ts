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
 * linkify-it wants a space or punctuation around a link, but Chinese and Japanese
 * run straight into one ("请看https://…", "邮件bob@…") and out of its host
 * ("…example.com谢谢": it would take the Han characters for more of the host name).
 * This copy of `text` has a space between such a character and what starts a link,
 * and between a host (or e-mail domain) and a CJK character right after it; a CJK
 * path (`…/wiki/北京`) is left whole. So a host written in CJK (an IDN such as
 * 例子.中国) is not linked. `at[i]` is the position in `text` of the copy's
 * character `i` (and of its end).
 */
function withBoundaries(text: string): { copy: string; at: number[] } {
  let copy = '';
  const at: number[] = [];
  let i = 0;
  let afterCjk = false;
  // Where the current run of non-space, non-CJK characters began.
  let token = 0;
  for (const ch of text) {
    const cjk = CJK.test(ch);
    const spaceBefore =
      (afterCjk && LINK_START.test(text.slice(i, i + 80))) ||
      (cjk && i > token && !/[/?#]/.test(text.slice(token, i).replace(/^[a-z]+:\/\//i, '')));
    if (spaceBefore) {
      copy += ' ';
      at.push(i);
    }
    copy += ch;
    for (let k = 0; k < ch.length; k++) at.push(i + k);
    afterCjk = cjk;
    i += ch.length;
    if (cjk || /\s/.test(ch)) token = i;
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
    const start = at[m.index];
    const raw = text.slice(start, at[m.lastIndex]);
    if (m.schema === '' && !/^www\./i.test(raw)) continue;
    const href = m.url;
    if (!isSafeExternalUrl(href)) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/**
 * True only for the links the app opens: absolute http(s) URLs with a host, and
 * `mailto:` with one address and nothing else (no `?cc=`, `?attach=`…). The same
 * rules as src-tauri/links.rs, which checks again.
 */
export function isSafeExternalUrl(href: string): boolean {
  try {
    const u = new URL(href);
    if (u.protocol === 'http:' || u.protocol === 'https:') return u.host !== '';
    if (u.protocol !== 'mailto:' || u.search !== '' || u.hash !== '') return false;
    const [name, domain, ...more] = u.pathname.split('@');
    return more.length === 0 && !!name && domain?.includes('.') === true && !/[,% ]/.test(u.pathname);
  } catch {
    return false;
  }
}
