/**
 * Several accounts: the signed-in accounts with their unread counts (from the
 * shell's `accounts-changed` event), switching the window to another one,
 * adding one (the login form over the shell) and removing one. The other
 * stores only ever hold the active account's data: a switch empties them all
 * (`App.leave`) and loads the new account's (`App.enter`).
 */
import { t } from '../i18n/index.svelte';
import { commands, type AccountInfo, type AppSession } from '../bindings';
import { activeAccount, backgroundUnread, switcherEntries } from '../logic/accounts';
import type { App } from './app.svelte';

export class AccountsStore {
  /** Every signed-in account, in the order they were added. */
  list = $state<AccountInfo[]>([]);
  /** The login form is open over the shell to add an account. */
  adding = $state(false);
  /** The account whose removal waits for confirmation. */
  confirmRemove = $state<AccountInfo | null>(null);

  constructor(private readonly app: App) {}

  get active(): AccountInfo | null {
    return activeAccount(this.list);
  }

  /** The accounts the switcher offers (all but the active one), with badges. */
  get others() {
    return switcherEntries(this.list);
  }

  /** Unread messages in the accounts not shown. */
  get backgroundUnread(): number {
    return backgroundUnread(this.list);
  }

  /** The shell's list as it is now. */
  apply(list: AccountInfo[]): void {
    this.list = list;
  }

  /** Shows account `id`: every store emptied, then filled with its data. */
  async switchTo(id: string): Promise<void> {
    if (this.active?.id === id) return;
    const s = await this.app.ui.attempt(commands.switchAccount(id));
    if (!s) return;
    this.list = this.list.map((a) => ({ ...a, active: a.id === id }));
    await this.show(s);
  }

  /** Empties every store and shows `s`'s account (or the login screen for null). */
  async show(s: AppSession | null, reason: string | null = null): Promise<void> {
    this.adding = false;
    this.app.leave(reason);
    if (s) await this.app.enter(s);
  }

  /** Asks to remove `a` (the confirmation is shown). */
  askRemove(a: AccountInfo | null = this.active): void {
    this.confirmRemove = a;
  }

  /** Asks to remove the account with `id` (the switcher's menu: any account, not only the shown one). */
  askRemoveId(id: string): void {
    this.askRemove(this.list.find((a) => a.id === id) ?? null);
  }

  /**
   * Removes the account waiting for confirmation: signed out, its local data and
   * keyring entry deleted. A background account goes without touching the shown one.
   */
  async remove(): Promise<void> {
    const a = this.confirmRemove;
    this.confirmRemove = null;
    if (!a) return;
    const next = await this.app.ui.attempt(commands.removeAccount(a.id));
    if (next === undefined) return;
    this.list = this.list.filter((x) => x.id !== a.id);
    if (a.active || !next) await this.show(next);
    this.app.ui.showToast(t('accounts.removed', { label: a.label }));
  }

  reset(): void {
    this.confirmRemove = null;
  }
}
