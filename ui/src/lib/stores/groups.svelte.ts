/**
 * Groups I am in: their info, loaded member lists, join applications,
 * membership lines, and the group chats I am no longer in. Group events are
 * applied from their payloads; member lists are reloaded only where an event
 * lacks what the panel shows (a newcomer's nickname).
 */
import { t } from '../i18n/index.svelte';
import { commands, type GroupApplication, type GroupInfo, type GroupMember, type GroupMemberView, type GroupRole, type JoinPolicy, type LeaveReason } from '../bindings';
import { canManage, groupConv, MUTE_MINUTES, type MemberAction } from '../logic/groups';
import { NOTICE_LIMIT, type MemberNotice } from '../logic/timeline';
import { upsertBy } from '../logic/lists';
import type { App } from './app.svelte';

export class GroupsStore {
  /** Groups I am in, by group id. */
  info = $state.raw<Record<string, GroupInfo>>({});
  /** Loaded member lists, by group id. */
  members = $state.raw<Record<string, GroupMemberView[]>>({});
  /** Loaded join applications (owner/admin), by group id. */
  apps = $state.raw<Record<string, GroupApplication[]>>({});
  /** Loaded membership changes (stored by tern-core), by group conversation (timeline lines, see logic/timeline). */
  notices = $state.raw<Record<string, MemberNotice[]>>({});
  /** Group chats I am no longer in (kicked, dismissed, left), with what to tell the user. */
  gone = $state.raw<Record<string, string>>({});

  constructor(private readonly app: App) {}

  private get me(): string {
    return this.app.session.me;
  }

  /** My role in `group`, once its members are loaded. */
  myRole(group: string): GroupRole | null {
    return this.myMember(group)?.member.role ?? (this.info[group]?.owner === this.me ? 'owner' : null);
  }

  myMember(group: string): GroupMemberView | undefined {
    return this.members[group]?.find((v) => v.member.user === this.me);
  }

  private isGone(group: string): boolean {
    return !!this.gone[groupConv(group)];
  }

  private setInfo(g: GroupInfo): void {
    if (!this.isGone(g.group)) this.info = { ...this.info, [g.group]: g };
  }

  async refresh(): Promise<void> {
    if (!this.app.session.current) return;
    const list = await this.app.ui.attempt(commands.listGroups());
    if (!list) return;
    // A group I just left or lost stays gone even if the cache still lists it.
    this.info = Object.fromEntries(list.filter((g) => !this.isGone(g.group)).map((g) => [g.group, g]));
  }

  /** Fresh info, members and (for owner/admins) applications of a group. */
  async loadGroup(group: string): Promise<void> {
    // Members first: a join event meanwhile then finds the member listed and leaves the fresh count alone.
    await this.loadMembers(group);
    const info = await this.app.ui.attempt(commands.groupInfo(group));
    if (info) this.setInfo(info);
    if (canManage(this.myRole(group))) await this.loadApps(group);
  }

  async loadMembers(group: string): Promise<void> {
    const list = await this.app.ui.attempt(commands.groupMembers(group));
    if (list && !this.isGone(group)) this.members = { ...this.members, [group]: list };
  }

  async loadApps(group: string): Promise<void> {
    const list = await this.app.ui.attempt(commands.groupApplications(group));
    if (list) this.apps = { ...this.apps, [group]: list };
  }

  /** (Re)loads a group chat's stored membership lines; tern-core recorded the one an event announces before the event. */
  async loadNotices(conv: string): Promise<void> {
    if (!conv.startsWith('g:')) return;
    const list = await this.app.ui.attempt(commands.memberNotices(conv, NOTICE_LIMIT));
    if (list) this.notices = { ...this.notices, [conv]: list };
  }

  /** I am no longer in `group`: drop it and its chat from the lists and explain why in its chat view. */
  markGone(group: string, why: string): void {
    const conv = groupConv(group);
    const { [group]: _g, ...info } = this.info;
    const { [group]: _m, ...members } = this.members;
    const { [group]: _a, ...apps } = this.apps;
    this.info = info;
    this.members = members;
    this.apps = apps;
    this.gone = { ...this.gone, [conv]: why };
    this.app.chats.drop(conv);
    if (this.app.chats.activeConv === conv) this.app.ui.memberPanel = false;
  }

  /** I am (again) in `group`. */
  private back(group: string): void {
    const conv = groupConv(group);
    if (!this.gone[conv]) return;
    const { [conv]: _back, ...rest } = this.gone;
    this.gone = rest;
  }

  /** Creates a group with `members` and opens its chat; returns its conversation id. */
  async create(name: string, members: string[], policy: JoinPolicy): Promise<string | null> {
    const g = await this.app.ui.attempt(commands.createGroup(name, members, policy));
    if (!g) return null;
    this.info = { ...this.info, [g.group]: g };
    const conv = groupConv(g.group);
    await this.app.chats.refreshConversations();
    this.app.chats.ensureGroupEntry({ ...g, created_at: Date.now() });
    this.app.ui.createGroupOpen = false;
    await this.app.chats.openConversation(conv);
    return conv;
  }

  /**
   * Joins a group by its id: an open group lets me in at once (its chat opens),
   * else an application waits for the owner or an admin. False when refused.
   */
  async join(id: string, message: string): Promise<boolean> {
    const group = id.trim().replace(/^g:/, '');
    const joined = await this.app.ui.attempt(commands.joinGroup(group, message));
    if (joined === undefined) return false;
    if (!joined) {
      this.app.ui.showToast(t('stores.joinRequested'));
      return true;
    }
    const info = await this.app.ui.attempt(commands.groupInfo(group));
    this.back(group);
    if (info) this.info = { ...this.info, [group]: info };
    await this.app.chats.refreshConversations();
    await this.app.chats.openConversation(groupConv(group));
    return true;
  }

  /** Runs a member-panel action on `user`; true when the app accepted it. */
  async memberAction(group: string, user: string, action: MemberAction): Promise<boolean> {
    const c = (() => {
      switch (action) {
        case 'make_admin':
          return commands.setMemberRole(group, user, 'admin');
        case 'remove_admin':
          return commands.setMemberRole(group, user, 'member');
        case 'transfer':
          return commands.transferGroup(group, user);
        case 'mute_10m':
        case 'mute_1h':
          return commands.muteMember(group, user, MUTE_MINUTES[action]);
        case 'unmute':
          return commands.muteMember(group, user, 0);
        case 'kick':
          return commands.kickMember(group, user);
      }
    })();
    if ((await this.app.ui.attempt<unknown>(c)) === undefined) return false;
    await this.loadGroup(group);
    return true;
  }

  async update(group: string, name: string | null, notice: string | null, policy: JoinPolicy | null, historyVisible: boolean | null = null): Promise<boolean> {
    const g = await this.app.ui.attempt(commands.updateGroup(group, name, notice, policy, historyVisible));
    if (g) this.info = { ...this.info, [group]: g };
    return g !== undefined;
  }

  async setAllMuted(group: string, muted: boolean): Promise<void> {
    if ((await this.app.ui.attempt(commands.muteAll(group, muted))) !== undefined) await this.loadGroup(group);
  }

  async invite(group: string, users: string[]): Promise<boolean> {
    const ok = (await this.app.ui.attempt(commands.inviteMembers(group, users))) !== undefined;
    if (ok) await this.loadGroup(group);
    return ok;
  }

  async handleApplication(group: string, user: string, accept: boolean): Promise<void> {
    const r = await this.app.ui.attempt(accept ? commands.acceptGroupApplication(group, user) : commands.refuseGroupApplication(group, user));
    if (r !== undefined) await this.loadGroup(group);
  }

  async leave(group: string): Promise<void> {
    if ((await this.app.ui.attempt(commands.leaveGroup(group))) !== undefined) this.markGone(group, t('stores.youLeft'));
  }

  async dismiss(group: string): Promise<void> {
    if ((await this.app.ui.attempt(commands.dismissGroup(group))) !== undefined) this.markGone(group, t('stores.youDismissed'));
  }

  // ---- events (payloads applied) ----

  onJoined(g: GroupInfo): void {
    this.back(g.group);
    // "You created the group" / "You joined": recorded by tern-core before the event.
    void this.loadNotices(groupConv(g.group));
    this.info = { ...this.info, [g.group]: g };
    if (this.members[g.group]) void this.loadMembers(g.group);
    this.app.chats.ensureGroupEntry(g);
  }

  onMemberJoined(group: string, member: GroupMember): void {
    void this.loadNotices(groupConv(group));
    const list = this.members[group];
    const g = this.info[group];
    if (g && !list?.some((v) => v.member.user === member.user)) this.info = { ...this.info, [group]: { ...g, member_count: g.member_count + 1 } };
    if (!list) return;
    // The event has the membership; the nickname comes from what I know of them, else a reload.
    const known = this.app.contacts.friendOf(member.user)?.profile.nickname ?? this.app.contacts.profiles[member.user]?.nickname;
    this.members = { ...this.members, [group]: upsertBy(list, { member, nickname: known ?? '' }, (v) => v.member.user) };
    if (known === undefined) void this.loadMembers(group);
  }

  onMemberLeft(group: string, user: string, reason: LeaveReason, by: string | null): void {
    if (user === this.me) {
      const removed = by ? t('stores.removedBy', { name: this.app.contacts.nameOf(by, group) }) : t('stores.removed');
      this.markGone(group, reason === 'kicked' ? removed : t('stores.youLeft'));
      return;
    }
    void this.loadNotices(groupConv(group));
    const list = this.members[group];
    if (list) this.members = { ...this.members, [group]: list.filter((v) => v.member.user !== user) };
    const g = this.info[group];
    if (g && (!list || list.some((v) => v.member.user === user))) this.info = { ...this.info, [group]: { ...g, member_count: Math.max(0, g.member_count - 1) } };
  }

  onInfoChanged(g: GroupInfo): void {
    this.setInfo(g);
  }

  onRoleChanged(group: string, user: string, role: GroupRole): void {
    this.patchMember(group, user, (m) => ({ ...m, role }));
    if (user === this.me && canManage(role)) void this.loadApps(group);
  }

  onMuted(group: string, user: string, until: number | null): void {
    this.patchMember(group, user, (m) => ({ ...m, muted_until: until }));
  }

  onDismissed(group: string, by: string): void {
    this.markGone(group, by === this.me ? t('stores.youDismissed') : t('stores.dismissedBy', { name: this.app.contacts.nameOf(by, group) }));
  }

  /** A join application was filed or handled: applied to the loaded list (owner/admins see it). */
  onApplication(a: GroupApplication): void {
    const list = this.apps[a.group];
    if (list) this.apps = { ...this.apps, [a.group]: upsertBy(list, a, (x) => x.user) };
    else if (canManage(this.myRole(a.group))) void this.loadApps(a.group);
  }

  private patchMember(group: string, user: string, f: (m: GroupMember) => GroupMember): void {
    const list = this.members[group];
    if (!list) return;
    this.members = { ...this.members, [group]: list.map((v) => (v.member.user === user ? { ...v, member: f(v.member) } : v)) };
  }

  reset(): void {
    this.info = {};
    this.members = {};
    this.apps = {};
    this.gone = {};
    this.notices = {};
  }
}
