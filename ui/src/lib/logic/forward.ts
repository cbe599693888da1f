/**
 * Forwarding (issue 17), the pure parts: which chats the Forward dialog offers
 * (recent first, filtered by name), what a chat history card says (whose
 * messages, first lines), how a history's items are addressed (index paths into
 * nested histories), and what a forward did per target.
 */
import { t } from '../i18n/index.svelte';
import type { Content, Conversation, ForwardResult, Friend, HistoryItem } from '../bindings';
import { contentPreview, DEFAULT_HISTORY_TITLE } from './messages';
import { nameMatches, needleOf } from './nameMatch';

export { DEFAULT_HISTORY_TITLE };
/** Most messages one forward may carry (tern-proto MAX_FORWARD_MESSAGES). */
export const MAX_FORWARD_MESSAGES = 100;
/** Most target chats of one forward (tern-proto MAX_FORWARD_TARGETS). */
export const MAX_FORWARD_TARGETS = 10;
/** Lines a chat history card shows. */
export const CARD_LINES = 3;

/** The chats to offer, most recently active first, those whose title or id match `query` (any case; a Chinese title also by pinyin). */
export function forwardTargets(convs: readonly Conversation[], query: string, titleOf: (c: Conversation) => string): Conversation[] {
  const q = needleOf(query);
  const hit = (c: Conversation) => !q || nameMatches(titleOf(c), q) || nameMatches(c.peer ?? c.conv, q);
  return convs.filter(hit).sort((a, b) => b.last_activity - a.last_activity);
}

/** The one-to-one conversation id of `a` and `b` (`d:<a>:<b>`, the two ids sorted, as on the wire). */
export function directConvId(a: string, b: string): string {
  return `d:${[a, b].sort().join(':')}`;
}

/**
 * The chats plus, after them, an entry for each friend I have no chat with yet
 * (so a forward can start one): its id as the server names it, no activity.
 */
export function withFriends(convs: readonly Conversation[], friends: readonly Friend[], me: string): Conversation[] {
  const have = new Set(convs.map((c) => c.conv));
  const extra = friends
    .map((f) => ({ f, conv: directConvId(me, f.profile.user) }))
    .filter(({ conv }) => !have.has(conv))
    .map(({ f, conv }): Conversation => ({ conv, peer: f.profile.user, title: f.remark || f.profile.nickname || f.profile.user, avatar: null, max_seq: 0, read_seq: 0, peer_read_seq: 0, unread: 0, unread_mentions: 0, last: null, last_activity: 0, draft: '' }));
  return [...convs, ...extra];
}

/** Who wrote a history's messages, in first-seen order: "Alice", "Alice and Bob", "Alice, Bob and 2 others". */
export function historyPeople(items: readonly HistoryItem[], nameOf: (user: string) => string): string {
  const seen: string[] = [];
  for (const it of items) if (!seen.includes(it.sender)) seen.push(it.sender);
  const names = seen.map(nameOf);
  if (names.length <= 1) return names[0] ?? '';
  if (names.length === 2) return t('forward.twoPeople', { a: names[0], b: names[1] });
  if (names.length === 3) return t('forward.threePeople', { a: names[0], b: names[1], c: names[2] });
  return t('forward.manyPeople', { a: names[0], b: names[1], count: names.length - 2 });
}

/** The card's heading: "Chat history: Alice and Bob" for the default title, else the title given. */
export function historyHeading(title: string, items: readonly HistoryItem[], nameOf: (user: string) => string): string {
  if (title !== DEFAULT_HISTORY_TITLE) return title;
  const people = historyPeople(items, nameOf);
  return people ? t('forward.historyOf', { people }) : t('forward.history');
}

/** The card's first lines: "Alice: hi there" (previews of files, images, nested histories). */
export function historyLines(items: readonly HistoryItem[], nameOf: (user: string) => string, max = CARD_LINES): string[] {
  return items.slice(0, max).map((it) => `${nameOf(it.sender)}: ${contentPreview(it.content)}`);
}

/** The item at index path `path` of the history `content` (`[1, 0]`: the first item of the history nested as item 1). */
export function itemAt(content: Content, path: readonly number[]): HistoryItem | null {
  let at: Content = content;
  let found: HistoryItem | null = null;
  for (const i of path) {
    if (at.type !== 'chat_history') return null;
    found = at.items[i] ?? null;
    if (!found) return null;
    at = found.content;
  }
  return found;
}

/** A forward's outcome: the chats it reached and, for each that refused, why (the server's code and words). */
export type ForwardOutcome = { sent: string[]; failed: { conv: string; code: number; message: string }[] };

export function forwardOutcome(results: readonly ForwardResult[]): ForwardOutcome {
  const out: ForwardOutcome = { sent: [], failed: [] };
  for (const r of results) {
    if (r.error) out.failed.push({ conv: r.conv, code: r.error.code, message: r.error.message });
    else out.sent.push(r.conv);
  }
  return out;
}

/** Toggles `seq` in a selection, keeping it sorted (oldest first) and at most `max` long; unchanged when full. */
export function toggleSeq(sel: readonly number[], seq: number, max = MAX_FORWARD_MESSAGES): number[] {
  if (sel.includes(seq)) return sel.filter((s) => s !== seq);
  if (sel.length >= max) return [...sel];
  return [...sel, seq].sort((a, b) => a - b);
}

/** Whether a message can be forwarded: stored, and not a recall, a system notice or a failed send. */
export function forwardable(m: { seq: number | null; state: string; content: { type: string } }): boolean {
  return m.seq !== null && m.state !== 'failed' && m.state !== 'sending' && m.content.type !== 'recalled' && m.content.type !== 'system';
}
