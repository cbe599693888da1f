/**
 * What counts as read: only messages the user has actually been shown. A chat's new
 * messages are read when it is open on the Chats screen, scrolled to its newest
 * message, and (for messages arriving by themselves) the window is visible and
 * focused. Scrolled up, they stay unread behind a "↓ N new" button; a chat opened
 * with unread messages shows an "Unread messages" divider above the first of them.
 */
import { t } from '../i18n/index.svelte';
import type { LocalMessage } from '../bindings';
import { badgeText } from './format';
import { messageKey } from './messages';

/** How close to the end (px) still counts as scrolled to the newest message. */
export const BOTTOM_SLACK = 80;

/** Whether a scroll position shows the list's end. */
export function atEnd(offset: number, viewport: number, size: number): boolean {
  return offset + viewport >= size - BOTTOM_SLACK;
}

/**
 * The key of the first unread message, given tern-core's unread count: the last
 * `unread` messages from others are the unread ones. Null when nothing is unread
 * (or none of them is loaded).
 */
export function firstUnreadKey(messages: readonly LocalMessage[], unread: number): string | null {
  if (unread <= 0) return null;
  let left = unread;
  let first: LocalMessage | null = null;
  for (let i = messages.length - 1; i >= 0 && left > 0; i--) {
    const m = messages[i];
    if (m.outgoing || m.content.type === 'system') continue;
    first = m;
    left--;
  }
  return first ? messageKey(first) : null;
}

/**
 * How many messages the list holds until the chat's first paint: what that frame
 * shows. The virtual list mounts its first rows before it knows where it will be
 * scrolled to; given the whole page, those are the page's oldest messages, mounted
 * and laid out only to be replaced by the newest ones a frame later.
 */
export const FIRST_ROWS = 12;

/** The height of the shortest message row (a one-line text bubble), in px. */
export const MIN_ROW_PX = 48;

/** How many messages fill a list `viewport` px tall (at least `FIRST_ROWS`). */
export function rowsToFill(viewport: number): number {
  return Math.max(FIRST_ROWS, Math.ceil(viewport / MIN_ROW_PX) + 1);
}

/**
 * Where the list starts until the chat's first paint (the rest of the page joins
 * right after it, above the view): the newest `FIRST_ROWS` messages, or, when the
 * chat opens at its first unread message, from the one before it.
 */
export function firstRowsFrom(messages: readonly LocalMessage[], unread: number, rows = FIRST_ROWS): number {
  const key = firstUnreadKey(messages, unread);
  const at = key === null ? -1 : messages.findIndex((m) => messageKey(m) === key);
  const newest = Math.max(0, messages.length - rows);
  return at > 0 ? Math.min(at - 1, newest) : newest;
}

/** The label of the scroll-down button: "↓ 3 new", or just "↓" when nothing new is below. */
export function newBelowLabel(unread: number): string {
  return unread > 0 ? t('reading.newBelow', { count: unread, n: badgeText(unread) }) : '↓';
}

/** Where the user is, as far as reading goes. */
export interface Seeing {
  /** The Chats screen is shown. */
  onChats: boolean;
  /** The chat is the open one. */
  open: boolean;
  /** Its newest message is in view (not scrolled up). */
  atBottom: boolean;
  /** The window is visible (not hidden to the tray, not minimised). */
  visible: boolean;
  /** The window has the focus. */
  focused: boolean;
}

/**
 * Whether the user sees the chat's newest messages: after their own action
 * (opening the chat, scrolling down, the "↓ new" button) focus is implied;
 * for a message arriving by itself (`passive`) the window must also be focused.
 */
export function seesNewest(s: Seeing, passive: boolean): boolean {
  return s.onChats && s.open && s.atBottom && s.visible && (!passive || s.focused);
}
