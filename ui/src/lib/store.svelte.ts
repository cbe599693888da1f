/**
 * The UI's state and the only place that talks to the app: every call goes
 * through the generated `commands`, every update arrives as a typed `AppEvent`.
 */
import {
  commands,
  events,
  type AppError,
  type AppSession,
  type ConnectionState,
  type Conversation,
  type CoreEvent,
  type Friend,
  type FriendApplication,
  type GroupApplication,
  type GroupInfo,
  type GroupMemberView,
  type GroupRole,
  type JoinPolicy,
  type KeyringNotice,
  type Limits,
  type LocalMessage,
  type Profile,
  type SessionEnded,
  type UserId,
} from './bindings';
import { applyPeerRead, applyRecall, mergeMessages, messageKey, oldestSeq, sortConversations, upsertConversation } from './logic/messages';
import { withoutMessage } from './logic/files';
import { canManage, groupConv, groupOf, MUTE_MINUTES, type MemberAction } from './logic/groups';
import { displayName } from './logic/people';
import { CommandError, errorText, keyringSentence } from './logic/errors';
import { rememberUser } from './logic/session';
import { NOTICE_LIMIT, type MemberNotice } from './logic/timeline';
import { hideChat, isRequest, knownChats, loadAccepted, loadHidden, pruneHidden, saveAccepted, saveHidden, unreadTotal, visibleChats, type HiddenChats } from './logic/chats';
import { seesNewest } from './logic/reading';
import { layoutFor, type Layout } from './logic/layout';

type Result<T, E> = { status: 'ok'; data: T } | { status: 'error'; error: E };

export type Screen = 'chats' | 'friends' | 'blacklist' | 'profile';

export { CommandError };

/** Unwraps a command result, throwing a [`CommandError`] (worded for the user, see logic/errors) on failure. */
export async function call<T>(p: Promise<Result<T, AppError>>): Promise<T> {
  const r = await p;
  if (r.status === 'ok') return r.data;
  throw CommandError.from(r.error);
}

/** How long a typing notice lasts. */
export const TYPING_MS = 4000;

/** Messages per page when scrolling back through history. */
export const PAGE = 50;

export class AppStore {
  session = $state<AppSession | null>(null);
  connection = $state<ConnectionState>('offline');
  /** The server's limits from the last handshake (text length, recall window); null until known. */
  limits = $state<Limits | null>(null);
  /** Why the last session ended (kicked, token expired): shown on the login screen. */
  endedReason = $state<string | null>(null);
  /** A keyring problem ("Remember me" unavailable) or a refused remembered sign-in. */
  keyringNotice = $state<KeyringNotice | null>(null);
  /** Chats whose notifications are muted. */
  mutedChats = $state.raw<string[]>([]);
  defaultServerUrl = $state('ws://127.0.0.1:7878');
  screen = $state<Screen>('chats');
  /** The friend whose profile the Friends screen shows. */
  selectedFriend = $state<string | null>(null);
  conversations = $state.raw<Conversation[]>([]);
  activeConv = $state<string | null>(null);
  /** Loaded messages per conversation; raw because histories can be huge. */
  messages = $state.raw<Record<string, LocalMessage[]>>({});
  /** Whether older pages may exist before the loaded ones. */
  moreOlder = $state.raw<Record<string, boolean>>({});
  loadingOlder = $state(false);
  friends = $state.raw<Friend[]>([]);
  received = $state.raw<FriendApplication[]>([]);
  sent = $state.raw<FriendApplication[]>([]);
  blacklist = $state.raw<Profile[]>([]);
  toast = $state<string | null>(null);
  /** Conversations whose peer is typing, with when the indicator expires. */
  typingUntil = $state.raw<Record<string, number>>({});
  private lastTypingSent: Record<string, number> = {};
  /** Client ids of cancelled uploads, so a command result arriving late cannot show them again. */
  private removed = new Set<string>();
  /** Friends' online state, from presence pushes. */
  presence = $state.raw<Record<string, boolean>>({});
  /** When a friend was last seen going offline (this session only), by user id. */
  lastSeen = $state.raw<Record<string, number>>({});
  /** Groups I am in, by group id. */
  groups = $state.raw<Record<string, GroupInfo>>({});
  /** Loaded member lists, by group id. */
  groupMembers = $state.raw<Record<string, GroupMemberView[]>>({});
  /** Loaded join applications (owner/admin), by group id. */
  groupApps = $state.raw<Record<string, GroupApplication[]>>({});
  /** Loaded membership changes (stored by tern-core), by group conversation (timeline lines, see logic/timeline). */
  memberNotices = $state.raw<Record<string, MemberNotice[]>>({});
  /** Group chats I am no longer in (kicked, dismissed, left), with what to tell the user. */
  groupGone = $state.raw<Record<string, string>>({});
  /** The member panel of the open group chat is shown. */
  memberPanel = $state(false);
  /** The create-group dialog is open. */
  createGroupOpen = $state(false);
  /** The account dialog (change password, sign out other devices) is open. */
  accountOpen = $state(false);
  /** The open chat shows its newest message (not scrolled up); reported by its message list. */
  atBottom = $state(false);
  /** The window's width (CSS px), for the responsive layout. */
  viewportWidth = $state(typeof window === 'undefined' ? 1120 : window.innerWidth);
  private unlisten: (() => void)[] = [];
  private toastTimer: ReturnType<typeof setTimeout> | undefined;

  get me(): string {
    return this.session?.user ?? '';
  }

  /** Profiles of people who are not friends (friend requests), by user id. */
  profiles = $state.raw<Record<string, Profile>>({});
  /** Chats removed from the list (until a new message), per account on this device. */
  hiddenChats = $state.raw<HiddenChats>({});

  /** Direct chats from strangers I accepted (or started) on this device. */
  acceptedChats = $state.raw<string[]>([]);
  /** No choice stored on this device yet: the chats already there are accepted (see `knownChats`). */
  private firstRun = false;

  get totalUnread(): number {
    return unreadTotal(this.conversations.filter((c) => !this.isRequest(c)), this.mutedChats);
  }

  /** The chat list: hidden chats left out until they get a new message, message requests apart. */
  get listedChats(): Conversation[] {
    return visibleChats(this.conversations, this.hiddenChats, this.activeConv).filter((c) => !this.isRequest(c));
  }

  /** Chats from strangers waiting for accept / block / delete. */
  get messageRequests(): Conversation[] {
    return visibleChats(this.conversations, this.hiddenChats, this.activeConv).filter((c) => this.isRequest(c));
  }

  isRequest(c: Conversation): boolean {
    return isRequest(c, (u) => !!this.friendOf(u), this.acceptedChats);
  }

  /** Accepts a message request: the chat joins the list. */
  acceptChat(conv: string): void {
    if (this.acceptedChats.includes(conv) || !this.session) return;
    this.acceptedChats = [...this.acceptedChats, conv];
    saveAccepted(this.me, this.acceptedChats);
  }

  /** Blocks the sender of a message request and removes the request. */
  async blockRequest(c: Conversation): Promise<void> {
    if (!c.peer) return;
    if ((await this.attempt(commands.block(c.peer))) === undefined) return;
    await this.refreshBlacklist();
    this.hideChat(c.conv);
  }

  /** Removes a chat from the list (locally; it comes back with its next message). */
  hideChat(conv: string): void {
    const c = this.conversations.find((x) => x.conv === conv);
    if (!c || !this.session) return;
    this.hiddenChats = pruneHidden(hideChat(this.hiddenChats, c), this.conversations);
    saveHidden(this.me, this.hiddenChats);
    if (this.activeConv === conv) this.activeConv = null;
    if (c.unread > 0) void this.attempt(commands.markRead(conv));
  }

  get pendingReceived(): number {
    return this.received.filter((a) => a.state === 'pending').length;
  }

  get layout(): Layout {
    return layoutFor(this.viewportWidth);
  }

  get active(): Conversation | null {
    return this.conversations.find((c) => c.conv === this.activeConv) ?? null;
  }

  /** Subscribes to app events and restores a session that survived a reload. */
  async start(): Promise<void> {
    this.unlisten = [
      await events.coreEvent.listen((e) => this.handle(e.payload)),
      await events.sessionEnded.listen((e) => this.ended(e.payload)),
      // A clicked notification: show that chat.
      await events.openChat.listen((e) => void this.openConversation(e.payload.conv)),
    ];
    this.defaultServerUrl = await commands.defaultServerUrl();
    // A session that survived a UI reload, else auto-login with the remembered token.
    const r = await this.attempt(commands.restoreSession());
    this.keyringNotice = r?.notice ?? null;
    if (r?.session) await this.enter(r.session);
  }

  stop(): void {
    for (const u of this.unlisten) u();
    this.unlisten = [];
  }

  showToast(msg: string): void {
    this.toast = msg;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (this.toast = null), 4000);
  }

  /** Runs a command, showing its error as a toast instead of throwing. */
  async attempt<T>(p: Promise<Result<T, AppError>>): Promise<T | undefined> {
    try {
      return await call(p);
    } catch (e) {
      this.showToast(errorText(e));
      return undefined;
    }
  }

  async login(server: string, user: string, password: string, remember = false): Promise<void> {
    const s = await call(commands.login(server, user, password, remember));
    rememberUser(s.user);
    await this.enter(s);
    this.keyringNotice = await commands.keyringNotice();
    if (remember && this.keyringNotice) this.showToast(keyringSentence(this.keyringNotice));
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
    this.showToast('Password changed; your other devices were signed out.');
  }

  /** Signs out every other device of mine; this one stays. Throws a [`CommandError`] on failure. */
  async signOutOthers(): Promise<void> {
    await call(commands.signOutOthers());
    this.showToast('Your other devices were signed out.');
  }

  /** Quits the app (the rail's Quit, Ctrl+Q); the sign-in stays for the next start. */
  async quit(): Promise<void> {
    await commands.quit();
  }

  async logout(): Promise<void> {
    await this.attempt(commands.logout());
    this.leave(null);
    this.keyringNotice = await commands.keyringNotice();
  }

  private async enter(s: AppSession): Promise<void> {
    this.session = s;
    this.hiddenChats = loadHidden(s.user);
    const accepted = loadAccepted(s.user);
    this.acceptedChats = accepted ?? [];
    this.firstRun = accepted === null;
    this.mutedChats = await commands.mutedChats().catch(() => []);
    this.endedReason = null;
    this.connection = (await this.attempt(commands.connectionState())) ?? 'offline';
    void this.refreshLimits();
    await this.reloadAll();
  }

  private async reloadAll(): Promise<void> {
    await Promise.all([this.refreshGroups(), this.refreshFriends(), this.refreshApplications(), this.refreshBlacklist()]);
    await this.refreshConversations();
  }

  private leave(reason: string | null): void {
    this.session = null;
    this.endedReason = reason;
    this.conversations = [];
    this.messages = {};
    this.moreOlder = {};
    this.activeConv = null;
    this.friends = [];
    this.received = [];
    this.sent = [];
    this.blacklist = [];
    this.presence = {};
    this.groups = {};
    this.groupMembers = {};
    this.groupApps = {};
    this.groupGone = {};
    this.memberNotices = {};
    this.memberPanel = false;
    this.createGroupOpen = false;
    this.accountOpen = false;
    this.connection = 'offline';
    this.limits = null;
    this.screen = 'chats';
  }

  /** The shell ended the session (kick, expiry) or asks for a full reload after lost events. */
  ended(e: SessionEnded): void {
    if (e.resync) void this.reloadAll();
    else this.leave(e.reason ?? 'You were signed out.');
  }

  /** Applies one tern-core event. Public so tests can drive it directly. */
  handle(e: CoreEvent): void {
    switch (e.type) {
      case 'connecting':
        this.connection = 'connecting';
        break;
      case 'connected':
        this.connection = 'online';
        void this.refreshLimits();
        break;
      case 'connect_failed':
        this.connection = 'offline';
        break;
      case 'new_message':
      case 'message_acked':
      case 'message_failed': {
        const m = e.message;
        this.upsertMessages(m.conv, [m]);
        if (!m.outgoing && this.typingUntil[m.conv]) {
          const { [m.conv]: _done, ...rest } = this.typingUntil;
          this.typingUntil = rest;
        }
        if (e.type === 'new_message' && !m.outgoing && this.isReading(m.conv)) {
          void this.markRead(m.conv);
        }
        break;
      }
      case 'read_receipt': {
        const list = this.messages[e.conv];
        if (list && e.user !== this.me) this.messages = { ...this.messages, [e.conv]: applyPeerRead(list, e.seq) };
        break;
      }
      case 'recalled': {
        const list = this.messages[e.conv];
        if (list) this.messages = { ...this.messages, [e.conv]: applyRecall(list, e.seq, e.by, e.at) };
        break;
      }
      case 'conversation_changed': {
        let c = e.conversation;
        if (this.groupGone[c.conv]) break;
        // The open chat is being read: do not flash a badge for it.
        if (c.unread > 0 && this.isReading(c.conv)) {
          c = { ...c, unread: 0 };
          void this.attempt(commands.markRead(c.conv));
        }
        this.conversations = upsertConversation(this.conversations, c);
        this.applyPeerReadSeq(c);
        break;
      }
      case 'unread_changed':
        this.conversations = this.conversations.map((c) => (c.conv === e.conv ? { ...c, unread: e.unread } : c));
        break;
      case 'friend_added':
      case 'friend_deleted':
      case 'friend_info_changed':
        void this.refreshFriends();
        void this.refreshConversations();
        break;
      case 'friend_application_added':
      case 'friend_application_accepted':
      case 'friend_application_refused':
        void this.refreshApplications();
        break;
      case 'black_added':
      case 'black_deleted':
        void this.refreshBlacklist();
        // tern-core hides group messages of users I blocked: reload group chats.
        void this.reloadGroupChats();
        break;
      case 'profile_changed':
        if (this.session) this.session = { ...this.session, profile: e.profile };
        break;
      case 'typing':
        if (e.user !== this.me) this.showTyping(e.conv);
        break;
      case 'presence':
        // Going offline: remember when, for "last seen" in the chat header.
        if (!e.online && this.presence[e.user]) this.lastSeen = { ...this.lastSeen, [e.user]: Date.now() };
        this.presence = { ...this.presence, [e.user]: e.online };
        break;
      case 'sync_finished':
        void this.reloadAll();
        void this.refreshProfile();
        break;
      case 'message_removed': {
        // A cancelled upload: its message is gone.
        this.removed.add(e.client_id);
        const list = this.messages[e.conv];
        if (list) this.messages = { ...this.messages, [e.conv]: withoutMessage(list, e.client_id) };
        break;
      }
      case 'conversation_removed': {
        // A group chat I am no longer in (core keeps its messages; it comes back if I rejoin).
        const g = groupOf(e.conv);
        if (g && !this.groupGone[e.conv]) this.markGroupGone(g, 'You are no longer a member of this group.');
        else this.conversations = this.conversations.filter((c) => c.conv !== e.conv);
        break;
      }
      default:
        this.handleGroup(e);
        break;
    }
  }

  /** Applies a group event (membership, roles, mutes, info, applications). */
  private handleGroup(e: CoreEvent): void {
    switch (e.type) {
      case 'group_joined': {
        const conv = groupConv(e.group.group);
        if (this.groupGone[conv]) {
          const { [conv]: _back, ...rest } = this.groupGone;
          this.groupGone = rest;
        }
        this.groups = { ...this.groups, [e.group.group]: e.group };
        if (this.groupMembers[e.group.group]) void this.loadMembers(e.group.group);
        void this.refreshConversations();
        break;
      }
      case 'group_member_joined': {
        void this.loadMemberNotices(groupConv(e.group));
        const list = this.groupMembers[e.group];
        const g = this.groups[e.group];
        if (g && !list?.some((v) => v.member.user === e.member.user)) this.groups = { ...this.groups, [e.group]: { ...g, member_count: g.member_count + 1 } };
        if (list) void this.loadMembers(e.group);
        break;
      }
      case 'group_member_left': {
        if (e.user === this.me) {
          const by = e.by ? ` by ${this.nameOf(e.by, e.group)}` : '';
          this.markGroupGone(e.group, e.reason === 'kicked' ? `You were removed from this group${by}.` : 'You left this group.');
          break;
        }
        void this.loadMemberNotices(groupConv(e.group));
        const list = this.groupMembers[e.group];
        if (list) this.groupMembers = { ...this.groupMembers, [e.group]: list.filter((v) => v.member.user !== e.user) };
        const g = this.groups[e.group];
        if (g && (!list || list.some((v) => v.member.user === e.user))) this.groups = { ...this.groups, [e.group]: { ...g, member_count: Math.max(0, g.member_count - 1) } };
        break;
      }
      case 'group_info_changed':
        if (!this.groupGone[groupConv(e.group.group)]) this.groups = { ...this.groups, [e.group.group]: e.group };
        break;
      case 'group_role_changed':
        this.patchMember(e.group, e.user, (m) => ({ ...m, role: e.role }));
        if (e.user === this.me && canManage(e.role)) void this.loadGroupApps(e.group);
        break;
      case 'group_member_muted':
        this.patchMember(e.group, e.user, (m) => ({ ...m, muted_until: e.until }));
        break;
      case 'group_dismissed':
        this.markGroupGone(e.group, e.by === this.me ? 'You dismissed this group.' : `This group was dismissed by ${this.nameOf(e.by, e.group)}.`);
        break;
      case 'group_application_added':
      case 'group_application_handled':
        if (this.groupApps[e.application.group] || canManage(this.myRole(e.application.group))) void this.loadGroupApps(e.application.group);
        break;
      default:
        break;
    }
  }

  private patchMember(group: string, user: string, f: (m: GroupMemberView['member']) => GroupMemberView['member']): void {
    const list = this.groupMembers[group];
    if (!list) return;
    this.groupMembers = { ...this.groupMembers, [group]: list.map((v) => (v.member.user === user ? { ...v, member: f(v.member) } : v)) };
  }

  /** (Re)loads a group chat's stored membership lines; tern-core recorded the one an event announces before the event. */
  async loadMemberNotices(conv: string): Promise<void> {
    if (!conv.startsWith('g:')) return;
    const list = await this.attempt(commands.memberNotices(conv, NOTICE_LIMIT));
    if (list) this.memberNotices = { ...this.memberNotices, [conv]: list };
  }

  /** I am no longer in `group`: drop it and its chat from the lists and explain why in its chat view. */
  markGroupGone(group: string, why: string): void {
    const conv = groupConv(group);
    const { [group]: _g, ...groups } = this.groups;
    const { [group]: _m, ...members } = this.groupMembers;
    const { [group]: _a, ...apps } = this.groupApps;
    this.groups = groups;
    this.groupMembers = members;
    this.groupApps = apps;
    this.groupGone = { ...this.groupGone, [conv]: why };
    this.conversations = this.conversations.filter((c) => c.conv !== conv);
    if (this.activeConv === conv) this.memberPanel = false;
  }

  /** Closes the notice of a group chat I am no longer in. */
  closeGoneChat(): void {
    if (this.activeConv && this.groupGone[this.activeConv]) this.activeConv = null;
  }

  /** A person's name as I know it: my remark or their nickname (friends, then group members), else the id. */
  nameOf(user: string, group?: string | null): string {
    if (user === this.me) return this.session?.profile.nickname || user;
    const f = this.friendOf(user);
    if (f) return displayName(f);
    const v = group ? this.groupMembers[group]?.find((x) => x.member.user === user) : undefined;
    return v?.nickname || this.profiles[user]?.nickname || user;
  }

  /** What a chat is called: a group's current name, else tern-core's title. */
  titleOf(c: Conversation): string {
    const g = groupOf(c.conv);
    return (g && this.groups[g]?.name) || c.title;
  }

  /** My role in `group`, once its members are loaded. */
  myRole(group: string): GroupRole | null {
    return this.myMember(group)?.member.role ?? (this.groups[group]?.owner === this.me ? 'owner' : null);
  }

  myMember(group: string): GroupMemberView | undefined {
    return this.groupMembers[group]?.find((v) => v.member.user === this.me);
  }

  async refreshGroups(): Promise<void> {
    if (!this.session) return;
    const list = await this.attempt(commands.listGroups());
    if (!list) return;
    // A group I just left or lost stays gone even if the cache still lists it.
    this.groups = Object.fromEntries(list.filter((g) => !this.groupGone[groupConv(g.group)]).map((g) => [g.group, g]));
  }

  /** Fresh info, members and (for owner/admins) applications of a group. */
  async loadGroup(group: string): Promise<void> {
    // Members first: a join event meanwhile then finds the member listed and leaves the fresh count alone.
    await this.loadMembers(group);
    const info = await this.attempt(commands.groupInfo(group));
    if (info && !this.groupGone[groupConv(group)]) this.groups = { ...this.groups, [group]: info };
    if (canManage(this.myRole(group))) await this.loadGroupApps(group);
  }

  async loadMembers(group: string): Promise<void> {
    const list = await this.attempt(commands.groupMembers(group));
    if (list && !this.groupGone[groupConv(group)]) this.groupMembers = { ...this.groupMembers, [group]: list };
  }

  async loadGroupApps(group: string): Promise<void> {
    const list = await this.attempt(commands.groupApplications(group));
    if (list) this.groupApps = { ...this.groupApps, [group]: list };
  }

  /** Creates a group with `members` and opens its chat; returns its conversation id. */
  async createGroup(name: string, members: string[], policy: JoinPolicy): Promise<string | null> {
    const g = await this.attempt(commands.createGroup(name, members, policy));
    if (!g) return null;
    this.groups = { ...this.groups, [g.group]: g };
    const conv = groupConv(g.group);
    await this.refreshConversations();
    if (!this.conversations.some((c) => c.conv === conv)) {
      this.conversations = upsertConversation(this.conversations, groupPlaceholder({ ...g, created_at: Date.now() }));
    }
    this.createGroupOpen = false;
    await this.openConversation(conv);
    return conv;
  }

  /**
   * Joins a group by its id: an open group lets me in at once (its chat opens),
   * else an application waits for the owner or an admin. False when refused.
   */
  async joinGroup(id: string, message: string): Promise<boolean> {
    const group = id.trim().replace(/^g:/, '');
    const joined = await this.attempt(commands.joinGroup(group, message));
    if (joined === undefined) return false;
    if (!joined) {
      this.showToast('Request sent. You will be in the group once an owner or admin accepts it.');
      return true;
    }
    const info = await this.attempt(commands.groupInfo(group));
    const conv = groupConv(group);
    if (this.groupGone[conv]) {
      const { [conv]: _back, ...rest } = this.groupGone;
      this.groupGone = rest;
    }
    if (info) this.groups = { ...this.groups, [group]: info };
    await this.refreshConversations();
    await this.openConversation(conv);
    return true;
  }

  /** Runs a member-panel action on `user`; true when the app accepted it. */
  async memberAction(group: string, user: string, action: MemberAction): Promise<boolean> {
    let r: unknown;
    switch (action) {
      case 'make_admin':
        r = await this.attempt(commands.setMemberRole(group, user, 'admin'));
        break;
      case 'remove_admin':
        r = await this.attempt(commands.setMemberRole(group, user, 'member'));
        break;
      case 'transfer':
        r = await this.attempt(commands.transferGroup(group, user));
        break;
      case 'mute_10m':
      case 'mute_1h':
        r = await this.attempt(commands.muteMember(group, user, MUTE_MINUTES[action]));
        break;
      case 'unmute':
        r = await this.attempt(commands.muteMember(group, user, 0));
        break;
      case 'kick':
        r = await this.attempt(commands.kickMember(group, user));
        break;
    }
    if (r === undefined) return false;
    await this.loadGroup(group);
    return true;
  }

  async updateGroup(
    group: string,
    name: string | null,
    notice: string | null,
    policy: JoinPolicy | null,
    historyVisible: boolean | null = null,
  ): Promise<boolean> {
    const g = await this.attempt(commands.updateGroup(group, name, notice, policy, historyVisible));
    if (g) this.groups = { ...this.groups, [group]: g };
    return g !== undefined;
  }

  async setAllMuted(group: string, muted: boolean): Promise<void> {
    if ((await this.attempt(commands.muteAll(group, muted))) !== undefined) await this.loadGroup(group);
  }

  async invite(group: string, users: string[]): Promise<boolean> {
    const ok = (await this.attempt(commands.inviteMembers(group, users))) !== undefined;
    if (ok) await this.loadGroup(group);
    return ok;
  }

  async handleGroupApplication(group: string, user: string, accept: boolean): Promise<void> {
    const r = await this.attempt(accept ? commands.acceptGroupApplication(group, user) : commands.refuseGroupApplication(group, user));
    if (r !== undefined) await this.loadGroup(group);
  }

  async leaveGroup(group: string): Promise<void> {
    if ((await this.attempt(commands.leaveGroup(group))) !== undefined) this.markGroupGone(group, 'You left this group.');
  }

  async dismissGroup(group: string): Promise<void> {
    if ((await this.attempt(commands.dismissGroup(group))) !== undefined) this.markGroupGone(group, 'You dismissed this group.');
  }

  /** Shows my messages the peer has read (per the conversation's receipt) as read. */
  private applyPeerReadSeq(c: Conversation): void {
    const list = this.messages[c.conv];
    if (list && c.peer_read_seq > 0) this.messages = { ...this.messages, [c.conv]: applyPeerRead(list, c.peer_read_seq) };
  }

  private upsertMessages(conv: string, msgs: LocalMessage[]): void {
    const list = this.messages[conv];
    if (!list) return; // not opened yet: loaded from the cache on open
    this.messages = { ...this.messages, [conv]: mergeMessages(list, msgs) };
  }

  async refreshConversations(): Promise<void> {
    if (!this.session) return;
    const all = await this.attempt(commands.listConversations());
    if (!all) return;
    const list = all.filter((c) => !this.groupGone[c.conv]);
    // A group with no messages yet may have no entry in tern-core: list it anyway.
    for (const g of Object.values(this.groups)) {
      if (!list.some((c) => c.conv === groupConv(g.group))) list.push(groupPlaceholder(g));
    }
    // Keep the open chat visible even before tern-core has an entry for it.
    const open = this.conversations.find((c) => c.conv === this.activeConv && !list.some((x) => x.conv === c.conv));
    this.conversations = sortConversations(open ? [...list, open] : list);
    this.acceptKnown(true);
  }

  /**
   * Accepts friends' chats and chats I wrote in; after the first chat list load
   * on this device (`listed`), every chat that was already there.
   */
  private acceptKnown(listed: boolean): void {
    if (!this.session) return;
    const everything = listed && this.firstRun;
    const add = knownChats(this.conversations, (u) => !!this.friendOf(u), this.acceptedChats, everything);
    if (everything) this.firstRun = false;
    if (add.length === 0 && !everything) return;
    this.acceptedChats = [...this.acceptedChats, ...add];
    saveAccepted(this.me, this.acceptedChats);
  }

  async refreshProfile(): Promise<void> {
    const p = await this.attempt(commands.myProfile());
    if (p && this.session) this.session = { ...this.session, profile: p };
  }

  async refreshFriends(): Promise<void> {
    const list = await this.attempt(commands.listFriends());
    if (list) this.friends = list;
    this.acceptKnown(false);
  }

  async refreshApplications(): Promise<void> {
    const apps = await this.attempt(commands.listApplications());
    if (apps) {
      this.received = apps.received;
      this.sent = apps.sent;
      // Names of people who are not friends yet (shown like search shows them).
      const unknown = [...new Set([...(apps.received ?? []).map((a) => a.from), ...(apps.sent ?? []).map((a) => a.to)])].filter((u) => !this.friendOf(u) && !this.profiles[u]);
      const found = unknown.length ? await this.attempt(commands.getProfiles(unknown)) : undefined;
      if (found?.length) this.profiles = { ...this.profiles, ...Object.fromEntries(found.map((p) => [p.user, p])) };
    }
  }

  async refreshBlacklist(): Promise<void> {
    const list = await this.attempt(commands.listBlacklist());
    if (list) this.blacklist = list;
  }

  /** Mutes or unmutes desktop notifications for one chat. */
  async setChatMuted(conv: string, muted: boolean): Promise<void> {
    await this.attempt(commands.setChatMuted(conv, muted));
    this.mutedChats = await commands.mutedChats();
  }

  /**
   * A user was blocked or unblocked: tern-core hides (shows again) their group
   * messages, so loaded group chats are dropped and the open one is reloaded.
   */
  async reloadGroupChats(): Promise<void> {
    const loaded = Object.keys(this.messages).filter((c) => groupOf(c));
    if (loaded.length === 0) return;
    const rest = { ...this.messages };
    for (const c of loaded) delete rest[c];
    this.messages = rest;
    const conv = this.activeConv;
    if (!conv || !groupOf(conv)) return;
    const page = await this.attempt(commands.loadMessages(conv, null, PAGE));
    if (page && this.activeConv === conv) {
      this.messages = { ...this.messages, [conv]: mergeMessages([], page) };
      this.moreOlder = { ...this.moreOlder, [conv]: page.length >= PAGE };
    }
  }

  /** Opens (or creates) the chat with `conv` and loads its newest page. */
  async openConversation(conv: string): Promise<void> {
    this.screen = 'chats';
    if (this.activeConv !== conv) {
      this.memberPanel = false;
      // Read once its message list shows the newest messages (it reports via setAtBottom).
      this.atBottom = false;
    }
    this.activeConv = conv;
    const group = groupOf(conv);
    if (group) void this.loadGroup(group);
    if (!this.messages[conv]) {
      const page = await this.attempt(commands.loadMessages(conv, null, PAGE));
      if (page) {
        this.messages = { ...this.messages, [conv]: mergeMessages([], page) };
        this.moreOlder = { ...this.moreOlder, [conv]: page.length >= PAGE };
        const c = this.conversations.find((x) => x.conv === conv);
        if (c) this.applyPeerReadSeq(c);
      }
    }
    // Its membership lines ("Bob left"), as stored on this device (across restarts).
    if (group) await this.loadMemberNotices(conv);
    // The same chat again, already scrolled to its end: what it shows is read.
    if (this.canSee(conv)) await this.markRead(conv);
  }

  async openChatWith(user: UserId): Promise<void> {
    const conv = await this.attempt(commands.openDirect(user));
    if (!conv) return;
    // A chat I start myself is never a message request.
    this.acceptChat(conv);
    await this.refreshConversations();
    if (!this.conversations.some((c) => c.conv === conv)) {
      // A chat with no messages yet has no entry in tern-core: show it until it does.
      const f = this.friendOf(user);
      this.conversations = upsertConversation(this.conversations, {
        conv,
        peer: user,
        title: f ? f.remark || f.profile.nickname || user : user,
        avatar: null,
        max_seq: 0,
        read_seq: 0,
        peer_read_seq: 0,
        unread: 0,
        last: null,
        last_activity: Date.now(),
        draft: '',
      });
    }
    await this.openConversation(conv);
  }

  /** Loads the page before the oldest loaded message; false when there is none. */
  async loadOlder(conv: string): Promise<boolean> {
    if (this.loadingOlder || !this.moreOlder[conv]) return false;
    const list = this.messages[conv] ?? [];
    const before = oldestSeq(list);
    if (before === null || before <= 1) {
      this.moreOlder = { ...this.moreOlder, [conv]: false };
      return false;
    }
    this.loadingOlder = true;
    try {
      const page = await this.attempt(commands.loadMessages(conv, before, PAGE));
      if (!page) return false;
      this.messages = { ...this.messages, [conv]: mergeMessages(this.messages[conv] ?? [], page) };
      this.moreOlder = { ...this.moreOlder, [conv]: page.length >= PAGE };
      return page.length > 0;
    } finally {
      this.loadingOlder = false;
    }
  }

  async markRead(conv: string): Promise<void> {
    const c = this.conversations.find((x) => x.conv === conv);
    if (c && c.unread === 0) return;
    await this.attempt(commands.markRead(conv));
    this.conversations = this.conversations.map((x) => (x.conv === conv ? { ...x, unread: 0 } : x));
  }

  async send(conv: string, text: string): Promise<void> {
    const m = await this.attempt(commands.sendText(conv, text));
    if (m) {
      this.upsertMessages(conv, [m]);
      void this.refreshConversations();
    }
  }

  /**
   * Shows messages this device just queued (files being uploaded). Their events
   * (new, acked) can arrive before the command returns: a copy already shown is
   * at least as new as the command's, so it is kept; one already cancelled
   * (`message_removed`) stays gone.
   */
  addMessages(conv: string, msgs: LocalMessage[]): void {
    const shown = new Set((this.messages[conv] ?? []).map(messageKey));
    this.upsertMessages(conv, msgs.filter((m) => !shown.has(messageKey(m)) && !this.removed.has(m.client_id)));
    void this.refreshConversations();
  }

  /** Sends an image pasted from the clipboard (its bytes; the app keeps a copy to upload from). */
  async sendPastedImage(conv: string, file: Blob): Promise<void> {
    const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
    const sent = await this.attempt(commands.sendPastedImage(conv, file.type, bytes));
    if (sent) this.addMessages(conv, sent);
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

  /** Recalls one of my messages; the `recalled` event turns it into a tombstone. */
  async recall(m: LocalMessage): Promise<void> {
    if (m.seq === null) return;
    await this.attempt(commands.recall(m.conv, m.seq));
  }

  /** Deletes a message on this device only; the `message_removed` event takes it out of the chat. */
  async deleteForMe(m: LocalMessage): Promise<void> {
    if (m.seq !== null) await this.attempt(commands.deleteForMe(m.conv, m.seq));
  }

  /** Deletes my failed message from this device; the `message_removed` event takes it out of the chat. */
  async deleteFailed(m: LocalMessage): Promise<void> {
    await this.attempt(commands.deleteFailed(m.client_id));
  }

  async resend(m: LocalMessage): Promise<void> {
    const again = await this.attempt(commands.resend(m.client_id));
    if (again) this.upsertMessages(m.conv, [again]);
  }

  async saveDraft(conv: string, text: string): Promise<void> {
    await this.attempt(commands.setDraft(conv, text));
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
      onChats: this.screen === 'chats',
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
    if (at && this.canSee(conv)) void this.markRead(conv);
  }

  /** The window got focus again: the open chat's new messages are now seen. */
  onFocus(): void {
    const c = this.active;
    if (c && c.unread > 0 && this.isReading(c.conv)) void this.markRead(c.conv);
  }

  /** Marks the peer of `conv` as typing for a few seconds (a message from them ends it). */
  private showTyping(conv: string): void {
    const until = Date.now() + TYPING_MS;
    this.typingUntil = { ...this.typingUntil, [conv]: until };
    setTimeout(() => {
      if (this.typingUntil[conv] === until) {
        const { [conv]: _gone, ...rest } = this.typingUntil;
        this.typingUntil = rest;
      }
    }, TYPING_MS);
  }

  isTyping(conv: string): boolean {
    return (this.typingUntil[conv] ?? 0) > Date.now();
  }

  /** Tells the peer I am typing, at most once every few seconds per chat. */
  notifyTyping(conv: string): void {
    const now = Date.now();
    if (now - (this.lastTypingSent[conv] ?? 0) < TYPING_MS / 2) return;
    this.lastTypingSent[conv] = now;
    void commands.typing(conv);
  }

  /** Shows a friend's profile on the Friends screen. */
  showProfile(user: string): void {
    this.selectedFriend = user;
    this.screen = 'friends';
  }

  isBlocked(user: string): boolean {
    return this.blacklist.some((p) => p.user === user);
  }

  friendOf(user: string): Friend | undefined {
    return this.friends.find((f) => f.profile.user === user);
  }
}

/** A list entry for a group chat tern-core has no summary for yet. */
function groupPlaceholder(g: GroupInfo): Conversation {
  return {
    conv: groupConv(g.group),
    peer: null,
    title: g.name,
    avatar: null,
    max_seq: 0,
    read_seq: 0,
    peer_read_seq: 0,
    unread: 0,
    last: null,
    last_activity: g.created_at,
    draft: '',
  };
}

export const store = new AppStore();
