/**
 * Session and connection: who is signed in, the connection state, the server's
 * limits, why the last session ended, the keyring notice, and the account
 * commands (sign in/up/out, password, my profile).
 */
import { t } from '../i18n/index.svelte';
import { commands, type AppSession, type CertificateProblem, type ConnectionState, type KeyringNotice, type Limits, type Profile, type Restored } from '../bindings';
import { keyringSentence } from '../logic/errors';
import { rememberUser } from '../logic/session';
import { call } from './ui.svelte';
import type { App } from './app.svelte';

export class SessionStore {
  current = $state<AppSession | null>(null);
  connection = $state<ConnectionState>('offline');
  /** Why the last connection attempt failed, when it was the server's TLS certificate. */
  certificate = $state<CertificateProblem | null>(null);
  /** The server's limits from the last handshake (text length, recall window); null until known. */
  limits = $state<Limits | null>(null);
  /** Why the last session ended (kicked, token expired): shown on the login screen. */
  endedReason = $state<string | null>(null);
  /** A keyring problem ("Remember me" unavailable) or a refused remembered sign-in. */
  keyringNotice = $state<KeyringNotice | null>(null);
  defaultServerUrl = $state('ws://127.0.0.1:7878');

  constructor(private readonly app: App) {}

  get me(): string {
    return this.current?.user ?? '';
  }

  async login(server: string, user: string, password: string, remember = false): Promise<void> {
    const s = await call(commands.login(server, user, password, remember));
    rememberUser(s.user);
    // Added next to another account (or the same one again): that one's data goes first.
    await this.app.accounts.show(s);
    this.keyringNotice = await commands.keyringNotice();
    if (remember && this.keyringNotice) this.app.ui.showToast(keyringSentence(this.keyringNotice));
  }

  async register(server: string, user: string, password: string, remember = false): Promise<void> {
    await call(commands.register(server, user, password));
    await this.login(server, user, password, remember);
  }

  /**
   * Changes my password; every other device of mine is signed out, this one
   * stays. Throws a [`CommandError`] (`wrong_password`, `locked_out`,
   * `invalid_argument`, ...) for the account dialog to show next to the form.
   */
  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    await call(commands.changePassword(oldPassword, newPassword));
    this.app.ui.showToast(t('stores.passwordChanged'));
  }

  /** Signs out every other device of mine; this one stays. Throws a [`CommandError`] on failure. */
  async signOutOthers(): Promise<void> {
    await call(commands.signOutOthers());
    this.app.ui.showToast(t('stores.othersSignedOut'));
  }

  /** Quits the app (the rail's Quit, Ctrl+Q); the sign-in stays for the next start. */
  async quit(): Promise<void> {
    await commands.quit();
  }

  /** Signs the shown account out; another signed-in account, if any, is shown next. */
  async logout(): Promise<void> {
    const next = await this.app.ui.attempt(commands.logout());
    await this.app.accounts.show(next ?? null);
    this.keyringNotice = await commands.keyringNotice();
  }

  /** Saves my nickname and signature; the new profile, or undefined when refused (toast shown). */
  async setProfile(nickname: string, signature: string): Promise<Profile | undefined> {
    const p = await this.app.ui.attempt(commands.setProfile(nickname, signature));
    if (p) this.applyProfile(p);
    return p;
  }

  async refreshProfile(): Promise<void> {
    const p = await this.app.ui.attempt(commands.myProfile());
    if (p) this.applyProfile(p);
  }

  /** My profile as now (`profile_changed` carries it). */
  applyProfile(p: Profile): void {
    if (this.current) this.current = { ...this.current, profile: p };
  }

  /** Reads the limits the server announced (quietly: before a handshake there are none). */
  async refreshLimits(): Promise<void> {
    try {
      const r = await commands.serverLimits();
      if (r.status === 'ok' && r.data) this.limits = r.data;
    } catch {
      // not connected yet: the defaults stay
    }
  }

  async fetchDefaultServerUrl(): Promise<string> {
    return commands.defaultServerUrl();
  }

  /** A session that survived a UI reload, else a sign-in with the remembered token (undefined on error, toast shown). */
  restore(): Promise<Restored | undefined> {
    return this.app.ui.attempt(commands.restoreSession());
  }

  /** Signed in as `s`: the connection state and limits as the app knows them. */
  async begin(s: AppSession): Promise<void> {
    this.current = s;
    this.endedReason = null;
    this.certificate = null;
    this.connection = (await this.app.ui.attempt(commands.connectionState())) ?? 'offline';
    void this.refreshLimits();
  }

  /** Tries to connect at once instead of waiting out the reconnect delay. */
  async reconnectNow(): Promise<void> {
    this.connection = 'connecting';
    await this.app.ui.attempt(commands.reconnectNow());
  }

  /** Signed out (by me, or `reason`: kicked, expired). */
  end(reason: string | null): void {
    this.current = null;
    this.endedReason = reason;
    this.connection = 'offline';
    this.certificate = null;
    this.limits = null;
  }
}
