/** The chat list: search, the unread total, and chats removed from the list. Pure, so unit-tested. */
import type { Conversation } from '../bindings';
import { groupOf } from './groups';
import { nameMatches, needleOf } from './nameMatch';

/**
 * Whether chat `c` (shown as `title`) matches the search `q`: its title, the
 * peer's user id or the group id contains it, case-insensitively (a Chinese title
 * also by its pinyin, see nameMatch).
 */
export function matchesChat(c: Conversation, title: string, q: string): boolean {
  const needle = needleOf(q);
  if (!needle) return true;
  return [title, c.peer ?? '', groupOf(c.conv) ?? ''].some((s) => nameMatches(s, needle));
}

/** Unread messages over all chats, muted chats left out (as messengers count them). */
export function unreadTotal(list: readonly Conversation[], muted: readonly string[]): number {
  return list.reduce((n, c) => (muted.includes(c.conv) ? n : n + c.unread), 0);
}

/**
 * Chats the user removed from the list, each with the newest seq it had then:
 * it stays hidden until a newer message arrives (then it comes back, as in
 * other messengers). Kept in localStorage per account.
 */
export type HiddenChats = Record<string, number>;

/** The chats to list: those not hidden, or hidden but with a message since. The open chat always shows. */
export function visibleChats(list: readonly Conversation[], hidden: HiddenChats, open: string | null): Conversation[] {
  return list.filter((c) => c.conv === open || !(c.conv in hidden) || c.max_seq > hidden[c.conv]);
}

/** `hidden` with `c` hidden at its current newest message. */
export function hideChat(hidden: HiddenChats, c: Conversation): HiddenChats {
  return { ...hidden, [c.conv]: c.max_seq };
}

/** Drops entries that no longer hide anything (a newer message came), so the stored map stays small. */
export function pruneHidden(hidden: HiddenChats, list: readonly Conversation[]): HiddenChats {
  const out: HiddenChats = {};
  for (const [conv, seq] of Object.entries(hidden)) {
    const c = list.find((x) => x.conv === conv);
    if (!c || c.max_seq <= seq) out[conv] = seq;
  }
  return out;
}

const KEY = (user: string) => `tern.hiddenChats.${user}`;

/** The hidden chats of `user` saved on this device. */
export function loadHidden(user: string, storage: Pick<Storage, 'getItem'> = localStorage): HiddenChats {
  try {
    const v = JSON.parse(storage.getItem(KEY(user)) ?? '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as HiddenChats) : {};
  } catch {
    return {};
  }
}

export function saveHidden(user: string, hidden: HiddenChats, storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(KEY(user), JSON.stringify(hidden));
}

/**
 * A message request: a direct chat started by someone who is not my friend,
 * which I have neither accepted nor written in. It waits under "Message
 * requests" (accept / block / delete) instead of joining the chat list, and its
 * unread messages are not counted.
 */
export function isRequest(c: Conversation, isFriend: (user: string) => boolean, accepted: readonly string[]): boolean {
  return !!c.peer && c.last !== null && !c.last.outgoing && !isFriend(c.peer) && !accepted.includes(c.conv);
}

const ACCEPTED = (user: string) => `tern.acceptedChats.${user}`;

/** Chats `user` accepted (or started) on this device; null when nothing was ever stored here. */
export function loadAccepted(user: string, storage: Pick<Storage, 'getItem'> = localStorage): string[] | null {
  try {
    const raw = storage.getItem(ACCEPTED(user));
    if (raw === null) return null;
    const v = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The chats to accept without asking: direct chats with friends (so a chat stays
 * in the list after an unfriending) and ones I wrote in last; with `everything`
 * (the first run on this device, when no choice was stored yet), every existing
 * direct chat, so chats from before message requests existed do not move there.
 */
export function knownChats(list: readonly Conversation[], isFriend: (user: string) => boolean, accepted: readonly string[], everything: boolean): string[] {
  return list
    .filter((c) => c.peer && !accepted.includes(c.conv) && (everything || isFriend(c.peer) || c.last?.outgoing))
    .map((c) => c.conv);
}

export function saveAccepted(user: string, accepted: readonly string[], storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(ACCEPTED(user), JSON.stringify(accepted));
}
