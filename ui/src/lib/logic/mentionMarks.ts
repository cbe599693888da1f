/**
 * @mentions in a shown message: the `@name` runs of its text that name someone
 * the message mentions (its `mentions`), so the bubble can mark them, and mark
 * mentions of me more strongly. Pure; MessageBubble supplies the names.
 */
import type { TextPart } from './linkify';

/** A part of a shown text: plain, a link, or a mention (`me`: of me). */
export type ShownPart = TextPart | { kind: 'mention'; text: string; me: boolean };

/** Someone a message mentions, by every name its text may use for them. */
export type MentionTarget = { names: string[]; me: boolean };

/** After a name: a letter, mark or digit there means the name is only the start of a longer word. */
const NOT_AFTER = '(?![\\p{L}\\p{M}\\p{N}_])';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Splits the plain parts of `parts` at each `@name` of `targets` (longest name
 * first, case-insensitive), except after what an e-mail address's name is made of
 * (`bob@alice`; Chinese may run straight into a mention: `明天见@张三`); links are
 * left whole.
 */
export function markMentions(parts: readonly TextPart[], targets: readonly MentionTarget[]): ShownPart[] {
  const names = targets
    .flatMap((t) => t.names.filter((n) => n.trim() !== '').map((n) => ({ name: n, me: t.me })))
    .sort((a, b) => b.name.length - a.name.length);
  if (names.length === 0) return [...parts];
  const re = new RegExp(`(?<![A-Za-z0-9._%+-])@(${names.map((n) => escape(n.name)).join('|')})${NOT_AFTER}`, 'giu');
  const isMe = (found: string) => names.some((n) => n.me && n.name.localeCompare(found, undefined, { sensitivity: 'accent' }) === 0);
  const out: ShownPart[] = [];
  for (const p of parts) {
    if (p.kind !== 'text') {
      out.push(p);
      continue;
    }
    let last = 0;
    for (const m of p.text.matchAll(re)) {
      if (m.index > last) out.push({ kind: 'text', text: p.text.slice(last, m.index) });
      out.push({ kind: 'mention', text: m[0], me: isMe(m[1]) });
      last = m.index + m[0].length;
    }
    if (last < p.text.length) out.push({ kind: 'text', text: p.text.slice(last) });
  }
  return out;
}
