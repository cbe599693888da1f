/**
 * Settings: each conversation's pin / mute / archive / draft / cleared range
 * and the account's notification settings (on the server, the same on every
 * device of mine; changes from other devices arrive as core events), and this
 * machine's autostart and tray choices (the app's local config file).
 */
import { commands, type AccountSettings, type ConvEdit, type ConvSettings, type DesktopPrefs } from '../bindings';
import { DEFAULT_ACCOUNT, isArchived, isMuted, muteUntil, type MuteChoice } from '../logic/prefs';
import type { App } from './app.svelte';

/** A command's result, `null` when it failed (loading settings is no reason for a toast). */
async function quiet<T>(p: Promise<{ status: 'ok'; data: T } | { status: 'error'; error: unknown }> | Promise<T>): Promise<T | null> {
  try {
    const r = await p;
    if (r && typeof r === 'object' && 'status' in r) return r.status === 'ok' ? (r.data as T) : null;
    return r as T;
  } catch {
    return null;
  }
}

/** How often the clock for mute ends ticks (ms). */
const TICK_MS = 30_000;

export class PrefsStore {
  /** My settings per conversation id (only chats that have any). */
  conv = $state.raw<Record<string, ConvSettings>>({});
  account = $state.raw<AccountSettings>(DEFAULT_ACCOUNT);
  /** This machine's choices (`null` until loaded). */
  desktop = $state.raw<DesktopPrefs | null>(null);
  /** The chat list shows the archived chats. */
  showArchived = $state(false);
  /** The chat whose history the user asked to clear (the confirmation is open). */
  clearAsk = $state<string | null>(null);
  /** The clock mutes are judged by (ticks, so a mute that ends shows it). */
  now = $state(Date.now());
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly app: App) {}

  /** Signed in (or resynced): the settings from tern-core's cache, and the local ones. */
  async load(): Promise<void> {
    const [all, account] = await Promise.all([quiet(commands.convSettings()), quiet(commands.accountSettings())]);
    if (all) this.conv = Object.fromEntries(all.map((s) => [s.conv, s]));
    if (account) this.account = account;
    if (!this.desktop) this.desktop = await quiet(commands.desktopPrefs());
    clearInterval(this.timer);
    this.timer = setInterval(() => (this.now = Date.now()), TICK_MS);
  }

  reset(): void {
    clearInterval(this.timer);
    this.conv = {};
    this.account = DEFAULT_ACCOUNT;
    this.showArchived = false;
    this.clearAsk = null;
  }

  isMuted(conv: string): boolean {
    return isMuted(this.conv[conv], this.now);
  }

  isPinned(conv: string): boolean {
    return (this.conv[conv]?.pinned ?? null) !== null;
  }

  isArchived(conv: string, maxSeq: number): boolean {
    return isArchived(this.conv[conv], maxSeq, this.now);
  }

  /** `conv_settings_changed` (here or from another device). */
  applyConv(s: ConvSettings): void {
    const before = this.conv[s.conv];
    this.conv = { ...this.conv, [s.conv]: s };
    const cleared = s.cleared_seq ?? 0;
    if (cleared > (before?.cleared_seq ?? 0)) this.app.messages.hideUpTo(s.conv, cleared);
  }

  /** `account_settings_changed`. */
  applyAccount(s: AccountSettings): void {
    this.account = s;
  }

  private async edit(conv: string, edit: ConvEdit): Promise<boolean> {
    const s = await this.app.ui.attempt(commands.editConv(conv, edit));
    if (s) this.applyConv(s);
    return !!s;
  }

  pin(conv: string, on: boolean): Promise<boolean> {
    return this.edit(conv, on ? { op: 'pin', order: null } : { op: 'unpin' });
  }

  mute(conv: string, choice: MuteChoice | null): Promise<boolean> {
    this.now = Date.now();
    return this.edit(conv, choice ? { op: 'mute', until: muteUntil(choice, this.now) } : { op: 'unmute' });
  }

  async archive(conv: string, on: boolean): Promise<boolean> {
    const ok = await this.edit(conv, on ? { op: 'archive' } : { op: 'unarchive' });
    if (ok && on && this.app.chats.activeConv === conv && !this.showArchived) this.app.chats.activeConv = null;
    return ok;
  }

  /** Hides the chat's messages so far, on all my devices (the peer keeps theirs). */
  clear(conv: string): Promise<boolean> {
    return this.edit(conv, { op: 'clear', seq: null });
  }

  /** Changes some of the account's notification settings (on the server). */
  async setAccount(change: Partial<AccountSettings>): Promise<void> {
    const s = await this.app.ui.attempt(commands.setAccountSettings({ ...this.account, ...change }));
    if (s) this.account = s;
  }

  /** Changes some of this machine's choices (autostart writes or removes its entry). */
  async setDesktop(change: Partial<DesktopPrefs>): Promise<void> {
    if (!this.desktop) return;
    const p = await this.app.ui.attempt(commands.setDesktopPrefs({ ...this.desktop, ...change }));
    if (p) this.desktop = p;
  }
}
