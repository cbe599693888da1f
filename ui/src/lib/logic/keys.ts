/** Keyboard shortcuts of the main window (issue 20 item 6). Pure, so unit-tested. */
import type { Conversation } from '../bindings';

export type Shortcut = 'find-chat' | 'find-all' | 'prev-chat' | 'next-chat' | 'next-unread' | 'help' | 'quick-switch';

type Keys = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>;

/** The shortcut `e` stands for, if any (Ctrl+Q is the shell's, see shell.ts). */
export function shortcutOf(e: Keys): Shortcut | null {
  const ctrl = e.ctrlKey || e.metaKey;
  const k = e.key.toLowerCase();
  if (ctrl && !e.altKey && k === 'f') return e.shiftKey ? 'find-all' : 'find-chat';
  if (ctrl && !e.altKey && e.shiftKey && k === 'u') return 'next-unread';
  if (ctrl && !e.altKey && (e.key === '/' || e.key === '?')) return 'help';
  if (ctrl && !e.altKey && !e.shiftKey && k === 'k') return 'quick-switch';
  if (e.altKey && !ctrl && !e.shiftKey && e.key === 'ArrowUp') return 'prev-chat';
  if (e.altKey && !ctrl && !e.shiftKey && e.key === 'ArrowDown') return 'next-chat';
  return null;
}

/** The chat above (-1) or below (+1) the open one in the list; the first or last when none is open. */
export function adjacentChat(list: readonly Conversation[], active: string | null, dir: 1 | -1): string | null {
  if (list.length === 0) return null;
  const i = list.findIndex((c) => c.conv === active);
  if (i < 0) return (dir === 1 ? list[0] : list[list.length - 1]).conv;
  const j = i + dir;
  return j >= 0 && j < list.length ? list[j].conv : null;
}

/** The next chat with unread messages after the open one (wrapping around), or null. */
export function nextUnread(list: readonly Conversation[], active: string | null): string | null {
  const i = list.findIndex((c) => c.conv === active);
  for (let n = 1; n <= list.length; n++) {
    const c = list[(i + n + list.length) % list.length];
    if (c.unread > 0 && c.conv !== active) return c.conv;
  }
  return null;
}
