/**
 * Contacts: friends, friend applications (received and sent), the blacklist,
 * presence, and profiles of people who are not friends. Events carrying a
 * friend, an application or a presence change are applied as they come.
 */
import { commands, type Friend, type FriendApplication, type Profile } from '../bindings';
import { displayName } from '../logic/people';
import { shownName } from '../logic/format';
import { upsertBy } from '../logic/lists';
import type { App } from './app.svelte';

export class ContactsStore {
  friends = $state.raw<Friend[]>([]);
  received = $state.raw<FriendApplication[]>([]);
  sent = $state.raw<FriendApplication[]>([]);
  blacklist = $state.raw<Profile[]>([]);
  /** Friends' online state, from presence pushes. */
  presence = $state.raw<Record<string, boolean>>({});
  /** When a friend was last seen going offline (this session only), by user id. */
  lastSeen = $state.raw<Record<string, number>>({});
  /** Profiles of people who are not friends (friend requests), by user id. */
  profiles = $state.raw<Record<string, Profile>>({});

  /** Profiles being fetched right now (one lookup per person at a time). */
  private asking = new Set<string>();

  constructor(private readonly app: App) {}

  get pendingReceived(): number {
    return this.received.filter((a) => a.state === 'pending').length;
  }

  isBlocked(user: string): boolean {
    return this.blacklist.some((p) => p.user === user);
  }

  friendOf(user: string): Friend | undefined {
    return this.friends.find((f) => f.profile.user === user);
  }

  /** A person's name as I know it: my remark or their nickname (friends, then group members), else the id. */
  nameOf(user: string, group?: string | null): string {
    const s = this.app.session;
    if (user === s.me) return shownName(s.current?.profile.nickname || user);
    const f = this.friendOf(user);
    if (f) return displayName(f);
    const v = group ? this.app.groups.members[group]?.find((x) => x.member.user === user) : undefined;
    return shownName(v?.nickname || this.profiles[user]?.nickname || user);
  }

  /** Every name a message's text may use for `user`: mine for them, their nickname, their group nickname, their id. */
  namesOf(user: string, group?: string | null): string[] {
    const member = group ? this.app.groups.members[group]?.find((x) => x.member.user === user) : undefined;
    const nick = user === this.app.session.me ? this.app.session.current?.profile.nickname : (this.friendOf(user)?.profile.nickname ?? this.profiles[user]?.nickname);
    return [...new Set([this.nameOf(user, group), member?.nickname, nick, user].filter((n): n is string => !!n))];
  }

  async refreshFriends(): Promise<void> {
    const list = await this.app.ui.attempt(commands.listFriends());
    if (list) this.friends = list;
    this.app.chats.acceptKnown(false);
  }

  async refreshApplications(): Promise<void> {
    const apps = await this.app.ui.attempt(commands.listApplications());
    if (!apps) return;
    this.received = apps.received;
    this.sent = apps.sent;
    await this.learnProfiles([...(apps.received ?? []).map((a) => a.from), ...(apps.sent ?? []).map((a) => a.to)]);
  }

  async refreshBlacklist(): Promise<void> {
    const list = await this.app.ui.attempt(commands.listBlacklist());
    if (list) this.blacklist = list;
  }

  /** Fetches the profiles of people who are neither friends nor known yet (shown like search shows them). */
  async learnProfiles(users: string[]): Promise<void> {
    const unknown = [...new Set(users)].filter((u) => !this.friendOf(u) && !this.profiles[u] && !this.asking.has(u));
    if (unknown.length === 0) return;
    for (const u of unknown) this.asking.add(u);
    try {
      const found = await this.app.ui.attempt(commands.getProfiles(unknown));
      if (found?.length) this.profiles = { ...this.profiles, ...Object.fromEntries(found.map((p) => [p.user, p])) };
    } finally {
      for (const u of unknown) this.asking.delete(u);
    }
  }

  // ---- my actions ----

  async block(user: string): Promise<boolean> {
    const ok = (await this.app.ui.attempt(commands.block(user))) !== undefined;
    await this.refreshBlacklist();
    return ok;
  }

  async unblock(user: string): Promise<boolean> {
    const ok = (await this.app.ui.attempt(commands.unblock(user))) !== undefined;
    await this.refreshBlacklist();
    return ok;
  }

  async setRemark(user: string, remark: string): Promise<void> {
    await this.app.ui.attempt(commands.setRemark(user, remark));
    await this.refreshFriends();
    await this.app.chats.refreshConversations();
  }

  async deleteFriend(user: string): Promise<void> {
    await this.app.ui.attempt(commands.deleteFriend(user));
    await this.refreshFriends();
  }

  /** Users matching `q` (id or nickname), me left out. */
  async searchUsers(q: string): Promise<Profile[]> {
    const r = await this.app.ui.attempt(commands.searchUsers(q));
    return (r ?? []).filter((p) => p.user !== this.app.session.me);
  }

  /** Sends a friend request; true when the server took it. */
  async requestFriend(user: string, greeting: string): Promise<boolean> {
    const ok = (await this.app.ui.attempt(commands.applyFriend(user, greeting))) !== undefined;
    if (ok) await this.refreshApplications();
    return ok;
  }

  async acceptFriend(user: string): Promise<void> {
    await this.app.ui.attempt(commands.acceptFriend(user));
    await Promise.all([this.refreshApplications(), this.refreshFriends()]);
  }

  async refuseFriend(user: string): Promise<void> {
    await this.app.ui.attempt(commands.refuseFriend(user));
    await this.refreshApplications();
  }

  // ---- events (payloads applied) ----

  /** `friend_added` / `friend_info_changed`: the friend as now; their chat's title follows. */
  applyFriend(f: Friend): void {
    this.friends = upsertBy(this.friends, f, (x) => x.profile.user);
    this.app.chats.retitle(f.profile.user, displayName(f), f.profile.avatar);
    this.app.chats.acceptKnown(false);
  }

  /** `friend_deleted`: gone from my list; their chat is titled by their nickname again. */
  removeFriend(user: string): void {
    const f = this.friendOf(user);
    this.friends = this.friends.filter((x) => x.profile.user !== user);
    if (f) {
      this.profiles = { ...this.profiles, [user]: f.profile };
      this.app.chats.retitle(user, f.profile.nickname || user, f.profile.avatar);
    }
  }

  /** An application to or from me appeared or changed state. */
  applyApplication(a: FriendApplication): void {
    const me = this.app.session.me;
    const key = (x: FriendApplication) => `${x.from}\n${x.to}`;
    if (a.to === me) this.received = upsertBy(this.received, a, key);
    if (a.from === me) this.sent = upsertBy(this.sent, a, key);
    void this.learnProfiles([a.from === me ? a.to : a.from]);
  }

  /** `black_added` / `black_deleted`: one user in or out of the blacklist. */
  async applyBlack(user: string, added: boolean): Promise<void> {
    if (!added) {
      this.blacklist = this.blacklist.filter((p) => p.user !== user);
      return;
    }
    if (this.isBlocked(user)) return;
    if (!this.friendOf(user) && !this.profiles[user]) await this.learnProfiles([user]);
    const p: Profile = this.friendOf(user)?.profile ?? this.profiles[user] ?? { user, nickname: '', avatar: null, signature: '' };
    if (!this.isBlocked(user)) this.blacklist = [...this.blacklist, p];
  }

  applyPresence(user: string, online: boolean): void {
    // Going offline: remember when, for "last seen" in the chat header.
    if (!online && this.presence[user]) this.lastSeen = { ...this.lastSeen, [user]: Date.now() };
    this.presence = { ...this.presence, [user]: online };
  }

  reset(): void {
    this.friends = [];
    this.received = [];
    this.sent = [];
    this.blacklist = [];
    this.presence = {};
  }
}
