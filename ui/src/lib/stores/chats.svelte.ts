/**
 * The chat list and the open chat: conversations with their unread counts,
 * hidden chats and message requests, pinned and archived chats (settings from
 * the prefs store), which chat is open and whether its newest messages are in
 * view (read marks).
 */
import { t } from '../i18n/index.svelte';
import { commands, type Conversation, type GroupInfo, type UserId } from '../bindings';
import { sortConversations, upsertConversation } from '../logic/messages';
import { groupConv, groupOf } from '../logic/groups';
import { hideChat, isRequest, knownChats, loadAccepted, loadHidden, pruneHidden, saveAccepted, saveHidden, unreadTotal, visibleChats, type HiddenChats } from '../logic/chats';
import { seesNewest } from '../logic/reading';
import { arrangeChats } from '../logic/prefs';
import { markChatOpen } from '../logic/perf';
import type { App } from './app.svelte';

/** How long an opened chat waits for its newest page before it is shown without it. */
const OPEN_WAIT_MS = 60;

export class ChatsStore {
  conversations = $state.raw<Conversation[]>([]);
  activeConv = $state<string | null>(null);
  /** Chats removed from the list (until a new message), per account on this device. */
  hiddenChats = $state.raw<HiddenChats>({});
  /** Direct chats from strangers I accepted (or started) on this device. */
  acceptedChats = $state.raw<string[]>([]);
  /** The open chat shows its newest message (not scrolled up); reported by its message list. */
  atBottom = $state(false);
  /** No choice stored on this device yet: the chats already there are accepted (see `knownChats`). */
  private firstRun = false;
  /** A chat the user opened while the page was hidden: read once the page is shown (`onVisible`). */
  private readWhenShown: string | null = null;
  /** Counts chat opens, so an open overtaken by a later one does not switch the chat back. */
  private opening = 0;

  constructor(private readonly app: App) {}

  get totalUnread(): number {
    const muted = this.conversations.filter((c) => this.app.prefs.isMuted(c.conv)).map((c) => c.conv);
    return unreadTotal(this.conversations.filter((c) => !this.isRequest(c)), muted);
  }

  /** Hidden chats left out until they get a new message, message requests apart; main and archived. */
  private get arranged(): { main: Conversation[]; archived: Conversation[] } {
    const list = visibleChats(this.conversations, this.hiddenChats, this.activeConv).filter((c) => !this.isRequest(c));
    return arrangeChats(list, this.app.prefs.conv, this.app.prefs.now);
  }

  /** The chat list: pinned chats first, archived ones apart. */
  get listedChats(): Conversation[] {
    return this.arranged.main;
  }

  /** The "Archived" list. */
  get archivedChats(): Conversation[] {
    return this.arranged.archived;
  }

  /** Chats from strangers waiting for accept / block / delete. */
  get messageRequests(): Conversation[] {
    return visibleChats(this.conversations, this.hiddenChats, this.activeConv).filter((c) => this.isRequest(c));
  }

  get active(): Conversation | null {
    return this.conversations.find((c) => c.conv === this.activeConv) ?? null;
  }

  isRequest(c: Conversation): boolean {
    return isRequest(c, (u) => !!this.app.contacts.friendOf(u), this.acceptedChats);
  }

  /** What a chat is called: a group's current name, else tern-core's title. */
  titleOf(c: Conversation): string {
    const g = groupOf(c.conv);
    return (g && this.app.groups.info[g]?.name) || c.title;
  }

  /** Signed in as `user`: this device's choices for that account. */
  async begin(user: string): Promise<void> {
    this.hiddenChats = loadHidden(user);
    const accepted = loadAccepted(user);
    this.acceptedChats = accepted ?? [];
    this.firstRun = accepted === null;
  }

  reset(): void {
    this.conversations = [];
    this.activeConv = null;
    void commands.rememberChat(null).catch(() => {});
  }

  /**
   * At start: the chat the app asks for (the one open before tray mode freed the
   * window, or a clicked notification's), if it is in the list.
   */
  async reopen(): Promise<void> {
    const conv = await commands.chatToOpen().catch(() => null);
    if (conv && this.conversations.some((c) => c.conv === conv)) await this.openConversation(conv);
  }

  /** Accepts a message request: the chat joins the list. */
  acceptChat(conv: string): void {
    if (this.acceptedChats.includes(conv) || !this.app.session.current) return;
    this.acceptedChats = [...this.acceptedChats, conv];
    saveAccepted(this.app.session.me, this.acceptedChats);
  }

  /** Blocks the sender of a message request and removes the request. */
  async blockRequest(c: Conversation): Promise<void> {
    if (!c.peer) return;
    if ((await this.app.ui.attempt(commands.block(c.peer))) === undefined) return;
    await this.app.contacts.refreshBlacklist();
    this.hideChat(c.conv);
  }

  /** Removes a chat from the list (locally; it comes back with its next message). */
  hideChat(conv: string): void {
    const c = this.conversations.find((x) => x.conv === conv);
    if (!c || !this.app.session.current) return;
    this.hiddenChats = pruneHidden(hideChat(this.hiddenChats, c), this.conversations);
    saveHidden(this.app.session.me, this.hiddenChats);
    if (this.activeConv === conv) this.activeConv = null;
    if (c.unread > 0) void this.app.ui.attempt(commands.markRead(conv));
  }

  async refreshConversations(): Promise<void> {
    if (!this.app.session.current) return;
    const all = await this.app.ui.attempt(commands.listConversations());
    if (!all) return;
    const gone = this.app.groups.gone;
    const list = all.filter((c) => !gone[c.conv]);
    // A group with no messages yet may have no entry in tern-core: list it anyway.
    for (const g of Object.values(this.app.groups.info)) {
      if (!list.some((c) => c.conv === groupConv(g.group))) list.push(groupPlaceholder(g));
    }
    // Keep the open chat visible even before tern-core has an entry for it.
    const open = this.conversations.find((c) => c.conv === this.activeConv && !list.some((x) => x.conv === c.conv));
    this.conversations = sortConversations(open ? [...list, open] : list);
    this.acceptKnown(true);
  }

  /** A group I am in is listed even before its first message. */
  ensureGroupEntry(g: GroupInfo): void {
    if (!this.conversations.some((c) => c.conv === groupConv(g.group))) this.conversations = upsertConversation(this.conversations, groupPlaceholder(g));
  }

  /** Takes a chat out of the list (a group I am no longer in). */
  drop(conv: string): void {
    this.conversations = this.conversations.filter((c) => c.conv !== conv);
  }

  /** A person's name or avatar changed: their direct chat's title follows (as tern-core words it). */
  retitle(user: string, title: string, avatar: string | null): void {
    if (!this.conversations.some((c) => c.peer === user)) return;
    this.conversations = this.conversations.map((c) => (c.peer === user && !groupOf(c.conv) ? { ...c, title, avatar } : c));
  }

  /**
   * Accepts friends' chats and chats I wrote in; after the first chat list load
   * on this device (`listed`), every chat that was already there.
   */
  acceptKnown(listed: boolean): void {
    if (!this.app.session.current) return;
    const everything = listed && this.firstRun;
    const add = knownChats(this.conversations, (u) => !!this.app.contacts.friendOf(u), this.acceptedChats, everything);
    if (everything) this.firstRun = false;
    if (add.length === 0 && !everything) return;
    this.acceptedChats = [...this.acceptedChats, ...add];
    saveAccepted(this.app.session.me, this.acceptedChats);
  }

  /** `conversation_changed`: the summary as now (a chat being read shows no badge). */
  applyConversation(c: Conversation): void {
    if (this.app.groups.gone[c.conv]) return;
    if (c.unread > 0 && this.isReading(c.conv)) {
      c = { ...c, unread: 0 };
      void this.app.ui.attempt(commands.markRead(c.conv));
    }
    this.conversations = upsertConversation(this.conversations, c);
    this.app.messages.applyPeerReadSeq(c);
  }

  applyUnread(conv: string, unread: number): void {
    this.conversations = this.conversations.map((c) => (c.conv === conv ? { ...c, unread } : c));
  }

  /** `conversation_removed`: a group chat I am no longer in keeps its notice; anything else goes. */
  removed(conv: string): void {
    const g = groupOf(conv);
    if (g && !this.app.groups.gone[conv]) this.app.groups.markGone(g, t('stores.noLongerMember'));
    else this.drop(conv);
  }

  /** Opens (or creates) the chat with `conv` and loads its newest page. */
  async openConversation(conv: string): Promise<void> {
    markChatOpen();
    const opening = ++this.opening;
    // Its newest page is asked for first and the chat is shown once it is in (or after
    // OPEN_WAIT_MS): the chat view then mounts with its messages in one render, instead
    // of an empty view being rendered and painted while the page is on its way.
    const loading = this.app.messages.ensureLoaded(conv);
    await Promise.race([loading, new Promise((r) => setTimeout(r, OPEN_WAIT_MS))]);
    // A chat opened since (a second click) wins.
    if (opening !== this.opening) return;
    this.app.ui.screen = 'chats';
    if (this.activeConv !== conv) {
      this.app.ui.memberPanel = false;
      // Read once its message list shows the newest messages (it reports via setAtBottom).
      this.atBottom = false;
    }
    this.activeConv = conv;
    // Kept by the app: a window recreated after tray mode shows this chat again.
    void commands.rememberChat(conv).catch(() => {});
    const group = groupOf(conv);
    if (group) void this.app.groups.loadGroup(group);
    await loading;
    // Its membership lines ("Bob left"), as stored on this device (across restarts).
    if (group) await this.app.groups.loadNotices(conv);
    // The same chat again, already scrolled to its end: what it shows is read.
    await this.readOrWait(conv);
  }

  async openChatWith(user: UserId): Promise<void> {
    const conv = await this.app.ui.attempt(commands.openDirect(user));
    if (!conv) return;
    // A chat I start myself is never a message request.
    this.acceptChat(conv);
    await this.refreshConversations();
    if (!this.conversations.some((c) => c.conv === conv)) {
      // A chat with no messages yet has no entry in tern-core: show it until it does.
      const f = this.app.contacts.friendOf(user);
      this.conversations = upsertConversation(this.conversations, {
        ...emptyConversation(conv, f ? f.remark || f.profile.nickname || user : user, Date.now()),
        peer: user,
      });
    }
    await this.openConversation(conv);
  }

  /** Closes the notice of a group chat I am no longer in. */
  closeGoneChat(): void {
    if (this.activeConv && this.app.groups.gone[this.activeConv]) this.activeConv = null;
  }

  async markRead(conv: string): Promise<void> {
    const c = this.conversations.find((x) => x.conv === conv);
    if (c && c.unread === 0) return;
    await this.app.ui.attempt(commands.markRead(conv));
    this.applyUnread(conv, 0);
  }

  async saveDraft(conv: string, text: string): Promise<void> {
    await this.app.ui.attempt(commands.setDraft(conv, text));
    this.conversations = this.conversations.map((x) => (x.conv === conv ? { ...x, draft: text } : x));
  }

  /** The user is looking at this chat's newest messages right now, so what arrives there counts as read. */
  isReading(conv: string): boolean {
    return seesNewest(this.seeing(conv), true);
  }

  /** After the user's own action (open, scroll down, "↓ new"): the chat's newest messages are shown. */
  canSee(conv: string): boolean {
    return seesNewest(this.seeing(conv), false);
  }

  private seeing(conv: string) {
    return {
      onChats: this.app.ui.screen === 'chats',
      open: this.activeConv === conv,
      atBottom: this.atBottom,
      visible: document.visibilityState === 'visible',
      focused: document.hasFocus(),
    };
  }

  /** The open chat's list scrolled to (or away from) its newest message: reaching it reads the chat. */
  setAtBottom(conv: string, at: boolean): void {
    if (conv !== this.activeConv) return;
    this.atBottom = at;
    if (at) void this.readOrWait(conv);
  }

  /** The window got focus again: the open chat's new messages are now seen. */
  onFocus(): void {
    const c = this.active;
    if (c && c.unread > 0 && this.isReading(c.conv)) void this.markRead(c.conv);
  }

  /**
   * The page became visible (the window mapped or restored). A chat the user opened
   * (or scrolled to its end) while the page was not shown yet — a window recreated by a
   * notification click, which may get no focus event — is read now; otherwise
   * only a focused window reads what arrived meanwhile.
   */
  onVisible(): void {
    const pending = this.readWhenShown;
    this.readWhenShown = null;
    const c = this.active;
    if (!c || c.unread === 0) return;
    if (pending === c.conv ? this.canSee(c.conv) : this.isReading(c.conv)) void this.markRead(c.conv);
  }

  /** After the user's own action on `conv`: read it if it is shown, or once the page is. */
  private async readOrWait(conv: string): Promise<void> {
    if (this.canSee(conv)) await this.markRead(conv);
    else if (document.visibilityState !== 'visible') this.readWhenShown = conv;
  }
}

function emptyConversation(conv: string, title: string, at: number): Conversation {
  return { conv, peer: null, title, avatar: null, max_seq: 0, read_seq: 0, peer_read_seq: 0, unread: 0, unread_mentions: 0, last: null, last_activity: at, draft: '' };
}

/** A list entry for a group chat tern-core has no summary for yet. */
export function groupPlaceholder(g: GroupInfo): Conversation {
  return emptyConversation(groupConv(g.group), g.name, g.created_at);
}
