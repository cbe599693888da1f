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
