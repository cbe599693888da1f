/**
 * The UI's state, one store per concern, and the only place that talks to the
 * app: stores call the generated `commands`; every tern-core event arrives
 * through `route` (router.ts). Components read the stores and call their
 * methods, never `commands` themselves.
 */
import { t } from '../i18n/index.svelte';
import { events, type AppSession, type CoreEvent, type SessionEnded } from '../bindings';
import { FilesStore } from './files.svelte';
import { ChatsStore } from './chats.svelte';
import { ContactsStore } from './contacts.svelte';
import { GroupsStore } from './groups.svelte';
import { RoomsStore } from './rooms.svelte';
import { MessagesStore } from './messages.svelte';
import { SessionStore } from './session.svelte';
import { UiStore } from './ui.svelte';
import { route } from './router';
import { SearchStore } from './search.svelte';
import { AvatarsStore } from './avatars.svelte';
import { AccountsStore } from './accounts.svelte';
import { TrayModeStore } from './traymode.svelte';
import { RichStore } from './rich.svelte';
import { ForwardStore } from './forward.svelte';
import { PrefsStore } from './prefs.svelte';

export class App {
  readonly ui = new UiStore();
  readonly session: SessionStore = new SessionStore(this);
  readonly chats: ChatsStore = new ChatsStore(this);
  readonly messages: MessagesStore = new MessagesStore(this);
  readonly contacts: ContactsStore = new ContactsStore(this);
  readonly groups: GroupsStore = new GroupsStore(this);
  readonly rooms: RoomsStore = new RoomsStore(this);
  readonly files: FilesStore = new FilesStore(this);
  readonly search: SearchStore = new SearchStore(this);
  readonly avatars: AvatarsStore = new AvatarsStore(this);
  readonly accounts: AccountsStore = new AccountsStore(this);
  readonly trayMode = new TrayModeStore();
  readonly rich: RichStore = new RichStore(this);
  readonly forward: ForwardStore = new ForwardStore(this);
  readonly prefs: PrefsStore = new PrefsStore(this);
  private unlisten: (() => void)[] = [];

  /** Subscribes to app events and restores a session that survived a reload. */
  async start(): Promise<void> {
    await this.ui.followSystem();
    this.unlisten = [
      await events.coreEvent.listen((e) => this.handle(e.payload)),
      await events.sessionEnded.listen((e) => this.ended(e.payload)),
      // A clicked notification: show that chat (in its account).
      await events.openChat.listen((e) => void this.openFromNotification(e.payload.account, e.payload.conv)),
      await events.accountsChanged.listen((e) => this.accounts.apply(e.payload.accounts)),
      // The tray menu's entry of an account was clicked: show that account.
      await events.showAccount.listen((e) => void this.accounts.switchTo(e.payload.id)),
    ];
    void this.trayMode.load();
    this.session.defaultServerUrl = await this.session.fetchDefaultServerUrl();
    // A session that survived a UI reload, else auto-login with the remembered token.
    const r = await this.session.restore();
    this.session.keyringNotice = r?.notice ?? null;
    if (r?.session) await this.enter(r.session);
  }

  stop(): void {
    for (const u of this.unlisten) u();
    this.unlisten = [];
    this.files.stop();
  }

  /** Applies one tern-core event. Public so tests can drive it directly. */
  handle(e: CoreEvent): void {
    route(this, e);
  }

  /** Signed in (or restored) as `s`: load everything for the account. */
  async enter(s: AppSession): Promise<void> {
    this.session.current = s;
    await this.chats.begin(s.user);
    await this.session.begin(s);
    await this.reloadAll();
    // A window recreated after tray mode freed it: back at the chat that was open.
    await this.chats.reopen();
  }

  async reloadAll(): Promise<void> {
    await Promise.all([this.groups.refresh(), this.contacts.refreshFriends(), this.contacts.refreshApplications(), this.contacts.refreshBlacklist(), this.prefs.load()]);
    await this.chats.refreshConversations();
  }

  /** A notification of account `account` was clicked: switch to it if needed, then open the chat. */
  async openFromNotification(account: string, conv: string): Promise<void> {
    if (account && this.accounts.list.length > 0 && this.accounts.active?.id !== account) {
      // An account removed since: its chat is gone with it.
      if (!this.accounts.list.some((a) => a.id === account)) return;
      await this.accounts.switchTo(account);
    }
    await this.chats.openConversation(conv);
  }

  /** Signed out (by me, or `reason`: kicked, expired), or switching accounts: every store back to empty. */
  leave(reason: string | null): void {
    this.session.end(reason);
    this.chats.reset();
    this.messages.reset();
    this.contacts.reset();
    this.groups.reset();
    this.rooms.reset();
    this.ui.reset();
    this.avatars.reset();
    this.accounts.reset();
    this.rich.reset();
    this.forward.reset();
    this.prefs.reset();
    void this.search.run('', null);
    this.search.inChat = false;
  }

  /**
   * The shell ended the session (kick, expiry) or asks for a full reload after
   * lost events. With another account still signed in, the window shows it and
   * a toast says why the other one went.
   */
  ended(e: SessionEnded): void {
    const reason = e.reason ?? t('stores.signedOut');
    if (e.resync) void this.reloadAll();
    else if (e.next) {
      const next = e.next;
      void this.accounts.show(next).then(() => this.ui.showToast(t('accounts.endedSwitched', { reason, label: next.user })));
    } else this.leave(reason);
  }
}

export const app = new App();

/** The file store of the app (drops, transfers, previews). */
export const files = app.files;
