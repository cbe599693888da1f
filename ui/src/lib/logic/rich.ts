/**
 * Rich messaging's pure logic: what a reply quotes, reaction chips, stepping
 * through pinned messages, which message Up-arrow edits, and who may pin or see
 * read-by. Unit-tested; the stores and components only call these.
 */
import { t } from '../i18n/index.svelte';
import type { Content, LocalMessage, Pin, Quote, QuoteState, Reaction } from '../bindings';
import { contentPreview } from './messages';

/** Longest quoted first line, in characters (tern-core cuts at the same length). */
export const SNIPPET_CHARS = 80;

/** What a reply shows of a message: its first non-empty line, else `[Image]`, `[File] name`, …. */
export function quoteSnippet(c: Content): string {
  if (c.type === 'text') {
    const line = c.text.split('\n').find((l) => l.trim() !== '') ?? '';
    return [...line].slice(0, SNIPPET_CHARS).join('');
  }
  return contentPreview(c);
}

/** A quote as shown: who (null when unknown) and the words, and whether the original is still there. */
export type QuoteView = { name: string | null; text: string; state: QuoteState | 'loading' };

/** The words for a quoted message that is gone (recalled, deleted here, not readable). */
export function goneQuoteText(state: QuoteState): string {
  switch (state) {
    case 'recalled':
      return t('rich.quoteRecalled');
    case 'deleted':
      return t('rich.quoteDeleted');
    case 'unavailable':
      return t('rich.quoteUnavailable');
    case 'available':
      return '';
  }
}

/**
 * The quote of message `seq`: from the loaded message when it is loaded (so it
 * follows edits and recalls live), else from tern-core's `quote` (cached per
 * conversation), else still loading.
 */
export function quoteView(seq: number, loaded: readonly LocalMessage[], cached: Quote | undefined, nameOf: (user: string) => string): QuoteView {
  const m = loaded.find((x) => x.seq === seq);
  if (m) {
    if (m.content.type === 'recalled') return { name: nameOf(m.sender), text: goneQuoteText('recalled'), state: 'recalled' };
    return { name: nameOf(m.sender), text: quoteSnippet(m.content), state: 'available' };
  }
  if (!cached) return { name: null, text: '…', state: 'loading' };
  const name = cached.sender ? nameOf(cached.sender) : null;
  if (cached.state !== 'available') return { name, text: goneQuoteText(cached.state), state: cached.state };
  return { name, text: cached.snippet, state: 'available' };
}

/** One reaction chip under a message. */
export type Chip = { emoji: string; count: number; mine: boolean; who: string };

/** Chips for a message's reactions, in the server's order; `who` names those who reacted (for the tooltip). */
export function reactionChips(reactions: readonly Reaction[], me: string, nameOf: (user: string) => string): Chip[] {
  return reactions
    .filter((r) => r.count > 0)
    .map((r) => ({
      emoji: r.emoji,
      count: r.count,
      mine: r.users.includes(me),
      who: r.users.map((u) => (u === me ? t('rich.you') : nameOf(u))).join(', '),
    }));
}

/** Whether picking `emoji` adds my reaction (true) or takes it back (false: I already reacted with it). */
export function reactionTurnsOn(reactions: readonly Reaction[], emoji: string, me: string): boolean {
  return !reactions.some((r) => r.emoji === emoji && r.users.includes(me));
}

/**
 * The pin bar's position after a click: pins are most recent first; the bar
 * starts at the newest and each click moves to the next older one, wrapping
 * around. An index past the end (pins were removed) starts over.
 */
export function nextPin(pins: readonly Pin[], index: number): number {
  if (pins.length === 0) return 0;
  return index + 1 >= pins.length ? 0 : index + 1;
}

/** The pin the bar shows at `index` (clamped), or null when there are none. */
export function pinAt(pins: readonly Pin[], index: number): Pin | null {
  if (pins.length === 0) return null;
  return pins[Math.min(Math.max(index, 0), pins.length - 1)];
}

/** Whether `m` (one of mine) may still be edited: a delivered text message inside the server's edit window (0: always). */
export function canEdit(m: LocalMessage, now: number, editWindowSecs: number | null | undefined): boolean {
  if (!m.outgoing || m.seq === null || m.content.type !== 'text' || m.state === 'sending' || m.state === 'failed') return false;
  if (editWindowSecs === undefined || editWindowSecs === null || editWindowSecs === 0) return true;
  return now - m.sent_at <= editWindowSecs * 1000;
}

/** The message Up-arrow in an empty composer edits: my newest editable text message, or null. */
export function lastEditable(messages: readonly LocalMessage[], now: number, editWindowSecs: number | null | undefined): LocalMessage | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.outgoing && m.content.type === 'text' && m.seq !== null) return canEdit(m, now, editWindowSecs) ? m : null;
  }
  return null;
}

/** Who may pin in a chat: either side of a one-to-one chat; a group's owner and admins. */
export function mayPin(isGroup: boolean, role: string | null | undefined): boolean {
  return !isGroup || role === 'owner' || role === 'admin';
}

/** Who may ask who read a group message: its sender and the group's owner and admins. */
export function mayReadBy(m: LocalMessage, isGroup: boolean, role: string | null | undefined): boolean {
  if (!isGroup || m.seq === null || m.content.type === 'system' || m.content.type === 'recalled') return false;
  return m.outgoing || role === 'owner' || role === 'admin';
}
