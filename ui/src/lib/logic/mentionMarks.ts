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

/** Letters and digits: a name followed by one is only the start of a longer word. */
const WORD = /[\p{L}\p{N}_]/u;

/**
 * Splits the plain parts of `parts` at each `@name` of `targets` (longest name
 * first, case-insensitive); links are left whole.
 */
export function markMentions(parts: readonly TextPart[], targets: readonly MentionTarget[]): ShownPart[] {
  const names = targets
    .flatMap((t) => t.names.filter((n) => n.trim() !== '').map((n) => ({ at: `@${n}`.toLowerCase(), me: t.me })))
    .sort((a, b) => b.at.length - a.at.length);
  if (names.length === 0) return [...parts];
  const out: ShownPart[] = [];
  for (const p of parts) {
    if (p.kind !== 'text') {
      out.push(p);
      continue;
    }
    const lower = p.text.toLowerCase();
    let last = 0;
    for (let i = lower.indexOf('@'); i >= 0; i = lower.indexOf('@', i + 1)) {
      const hit = names.find((n) => lower.startsWith(n.at, i) && !WORD.test(p.text.charAt(i + n.at.length)));
      if (!hit) continue;
      if (i > last) out.push({ kind: 'text', text: p.text.slice(last, i) });
      out.push({ kind: 'mention', text: p.text.slice(i, i + hit.at.length), me: hit.me });
      last = i + hit.at.length;
      i = last - 1;
    }
    if (last < p.text.length) out.push({ kind: 'text', text: p.text.slice(last) });
  }
  return out;
}
