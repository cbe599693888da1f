/** The message context menu: which actions a message offers, and where the menu goes. */
import { t } from '../i18n/index.svelte';
import type { LocalMessage } from '../bindings';
import { canEdit } from './rich';

export type MenuAction = 'reply' | 'forward' | 'select' | 'edit' | 'react' | 'copy' | 'pin' | 'unpin' | 'recall' | 'read_by' | 'retry' | 'delete' | 'delete_local';

export const MENU_LABELS: Record<MenuAction, string> = {
  get reply() { return t('menu.reply'); },
  get forward() { return t('menu.forward'); },
  get select() { return t('menu.select'); },
  get edit() { return t('menu.edit'); },
  get react() { return t('menu.react'); },
  get pin() { return t('menu.pin'); },
  get unpin() { return t('menu.unpin'); },
  get read_by() { return t('menu.read_by'); },
  get copy() { return t('menu.copy'); },
  get recall() { return t('menu.recall'); },
  get retry() { return t('menu.retry'); },
  get delete() { return t('menu.delete'); },
  get delete_local() { return t('menu.delete_local'); },
};

/** Actions shown in red (they remove something). */
export const DANGER: ReadonlySet<MenuAction> = new Set(['recall', 'delete', 'delete_local']);

export type MenuContext = {
  /** Now, in ms since the epoch. */
  now: number;
  /** The server's recall window (hello limits); null when not known yet. */
  recallWindowSecs: number | null;
  /** The chat's rich actions (reply, edit, react, pin, read-by); absent: none of them. */
  rich?: RichContext;
};

export type RichContext = {
  /** The server's edit window (0: always; null: not known yet, left to the server). */
  editWindowSecs: number | null;
  /** I may pin in this chat (one-to-one, or a group's owner/admin). */
  mayPin: boolean;
  /** The message is pinned. */
  pinned: boolean;
  /** I may ask who read it (a group message of mine, or I manage the group). */
  mayReadBy: boolean;
};

/**
 * The actions for one message, in menu order. With a rich context, a delivered
 * message also offers Reply, Forward, Edit (mine, text, inside the edit window), React,
 * Pin or Unpin, Read by (see [`RichContext`]) and Select (multi-select to forward). Copy for text; Recall for my own
 * acknowledged messages still inside the recall window; Retry and Delete (from
 * this device: it was never delivered) for my failed ones; Delete for me (this
 * device only) for any stored message, a recall tombstone included.
 */
export function messageActions(m: LocalMessage, ctx: MenuContext): MenuAction[] {
  const out: MenuAction[] = [];
  if (m.content.type === 'system') return out;
  if (m.content.type === 'recalled') return m.seq !== null ? ['delete_local'] : out;
  const rich = m.seq !== null && m.state !== 'failed' && m.state !== 'sending' ? ctx.rich : undefined;
  if (rich) {
    out.push('reply', 'forward');
    if (canEdit(m, ctx.now, rich.editWindowSecs)) out.push('edit');
    out.push('react');
  }
  if (m.content.type === 'text') out.push('copy');
  if (rich?.mayPin) out.push(rich.pinned ? 'unpin' : 'pin');
  if (m.outgoing && m.state === 'failed') {
    out.push('retry', 'delete');
    return out;
  }
  if (
    m.outgoing &&
    m.seq !== null &&
    m.state !== 'sending' &&
    ctx.recallWindowSecs !== null &&
    ctx.now - m.sent_at <= ctx.recallWindowSecs * 1000
  ) {
    out.push('recall');
  }
  if (rich?.mayReadBy) out.push('read_by');
  if (rich) out.push('select');
  if (m.seq !== null) out.push('delete_local');
  return out;
}

/** Top-left corner for a w×h menu asked at (x, y), kept `margin` px inside a vw×vh window. */
export function placeMenu(x: number, y: number, w: number, h: number, vw: number, vh: number, margin = 6): { left: number; top: number } {
  let left = x + w + margin > vw ? x - w : x;
  let top = y + h + margin > vh ? y - h : y;
  left = Math.max(margin, Math.min(left, vw - w - margin));
  top = Math.max(margin, Math.min(top, vh - h - margin));
  return { left, top };
}

/** Whether the webview's own context menu may show here: only in editable text (copy/paste). */
export function allowsNativeMenu(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  const el = target.closest('input, textarea, [contenteditable=""], [contenteditable="true"]');
  if (!el) return false;
  if (el instanceof HTMLInputElement) {
    return ['text', 'search', 'email', 'url', 'tel', 'password', 'number', ''].includes(el.type);
  }
  return true;
}

/** The menu key or Shift+F10. */
export function isMenuKey(e: { key: string; shiftKey: boolean }): boolean {
  return e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10');
}
