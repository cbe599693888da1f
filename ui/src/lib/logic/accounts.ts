/**
 * The account switcher's rules, pure so they are unit-tested: which accounts
 * the rail lists besides the active one, each one's badge, and what the window
 * shows after one goes.
 */
import type { AccountInfo } from '../bindings';
import { badgeText } from './format';

/** One account button in the switcher. */
export type SwitcherEntry = {
  id: string;
  user: string;
  label: string;
  /** Unread messages of that account (0 for the active one: its chats show them). */
  unread: number;
  /** The badge's text, null when there is nothing unread. */
  badge: string | null;
};

/** The accounts not shown in the window, in the order they were added, with their badges. */
export function switcherEntries(accounts: AccountInfo[]): SwitcherEntry[] {
  return accounts
    .filter((a) => !a.active)
    .map((a) => ({ id: a.id, user: a.user, label: a.label, unread: a.unread, badge: a.unread > 0 ? badgeText(a.unread) : null }));
}

/** Unread messages in the accounts not shown (the rail's hint that another account has news). */
export function backgroundUnread(accounts: AccountInfo[]): number {
  return accounts.filter((a) => !a.active).reduce((n, a) => n + a.unread, 0);
}

/** The active account, if any. */
export function activeAccount(accounts: AccountInfo[]): AccountInfo | null {
  return accounts.find((a) => a.active) ?? null;
}

/**
 * Whether an event or answer about account `id` may touch the stores: only the
 * active account's data is ever held (the stores are emptied on every switch).
 */
export function isShown(accounts: AccountInfo[], id: string): boolean {
  return activeAccount(accounts)?.id === id;
}
