/**
 * The store's group side against a mocked IPC layer: creating a group, the
 * member-panel actions, and how group events change what the user sees.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GroupInfo, GroupMemberView, MemberNotice } from '../bindings';
import { App } from './app.svelte';
import { type Calls, conv, emitCore as core, flush, mockBackend, msg } from '../test-fixtures';

const G = '7';
const GC = 'g:7';

const info = (over: Partial<GroupInfo> = {}): GroupInfo => ({
  group: G,
  name: 'Hikers',
  avatar: null,
  notice: '',
  owner: 'alice',
  join_policy: 'approval',
  all_muted: false,
  member_count: 3,
  created_at: 5,
  history_visible: false,
  ...over,
});
const view = (user: string, role: 'owner' | 'admin' | 'member' = 'member', nickname = ''): GroupMemberView => ({
  member: { user, role, muted_until: null, joined_at: 1 },
  nickname,
});

function backend(calls: Calls, over: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
  const base: Record<string, (args: Record<string, unknown>) => unknown> = {
    default_server_url: () => 'ws://default:7878',
    restore_session: () => ({ session: null, notice: null }),
    keyring_notice: () => null,
    connection_state: () => 'online',
    login: () => session,
    list_conversations: () => [conv({ conv: 'd:alice:bob', last_activity: 1 })],
    list_friends: () => [{ profile: { user: 'bob', nickname: 'Bob Builder', avatar: null, signature: '' }, remark: '', since: 1 }],
    list_applications: () => ({ received: [], sent: [] }),
    list_blacklist: () => [],
    list_groups: () => [info()],
    group_info: () => info(),
    group_members: () => [view('alice', 'owner', 'Alice'), view('bob', 'member', 'Bob Builder'), view('carol', 'member', 'Carol C')],
    group_applications: () => [],
    load_messages: () => [],
    member_notices: () => [],
    mark_read: () => null,
    set_member_role: () => null,
    transfer_group: () => null,
    mute_member: () => null,
    kick_member: () => null,
    dismiss_group: () => null,
    create_group: (a) => info({ group: '9', name: a.name as string, member_count: 1 + (a.members as string[]).length }),
    ...over,
  };
  mockBackend(calls, base);
}


describe('AppStore groups', () => {
  let calls: Calls;
  let store: App;

  beforeEach(() => {
    calls = [];
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
  });
  afterEach(() => {
    store?.stop();
    vi.restoreAllMocks();
  });

  async function signedIn(over = {}) {
    backend(calls, over);
    store = new App();
    await store.start();
    await store.session.login('ws://srv', 'alice', 'pw');
  }

  it('lists a group with no messages yet among the chats, under its name', async () => {
    await signedIn();
    const g = store.chats.conversations.find((c) => c.conv === GC);
    expect(g).toMatchObject({ peer: null, title: 'Hikers' });
    expect(store.chats.titleOf(g!)).toBe('Hikers');
  });

  it('creates a group from picked friends and opens its chat with the members loaded', async () => {
    await signedIn({ group_members: () => [view('alice', 'owner'), view('bob')] });
    store.ui.createGroupOpen = true;
    const c = await store.groups.create('Book club', ['bob'], 'open');
    expect(c).toBe('g:9');
    expect(calls.find((x) => x.cmd === 'create_group')?.args).toEqual({ name: 'Book club', members: ['bob'], joinPolicy: 'open' });
    expect(store.ui.createGroupOpen).toBe(false);
    expect(store.chats.activeConv).toBe('g:9');
    expect(store.chats.conversations.some((x) => x.conv === 'g:9')).toBe(true);
    await flush();
    await flush();
    expect(store.groups.myRole('9')).toBe('owner');
  });

  it('names senders by remark/nickname of friends, else by their group nickname, else the id', async () => {
    await signedIn();
    await store.groups.loadGroup(G);
    expect(store.contacts.nameOf('bob', G)).toBe('Bob Builder');
    expect(store.contacts.nameOf('carol', G)).toBe('Carol C');
    expect(store.contacts.nameOf('zed', G)).toBe('zed');
  });

  it('maps member-panel actions to the group commands', async () => {
    await signedIn();
    await store.groups.loadGroup(G);
    calls.length = 0;
    await store.groups.memberAction(G, 'bob', 'make_admin');
    await store.groups.memberAction(G, 'bob', 'remove_admin');
    await store.groups.memberAction(G, 'bob', 'mute_1h');
    await store.groups.memberAction(G, 'bob', 'unmute');
    await store.groups.memberAction(G, 'carol', 'kick');
    await store.groups.memberAction(G, 'bob', 'transfer');
    const sent = calls.filter((c) => !['group_info', 'group_members', 'group_applications'].includes(c.cmd));
    expect(sent).toEqual([
      { cmd: 'set_member_role', args: { group: G, user: 'bob', role: 'admin' } },
      { cmd: 'set_member_role', args: { group: G, user: 'bob', role: 'member' } },
      { cmd: 'mute_member', args: { group: G, user: 'bob', minutes: 60 } },
      { cmd: 'mute_member', args: { group: G, user: 'bob', minutes: 0 } },
      { cmd: 'kick_member', args: { group: G, user: 'carol' } },
      { cmd: 'transfer_group', args: { group: G, to: 'bob' } },
    ]);
  });

  it('follows role, mute and leave events in the member list', async () => {
    await signedIn();
    await store.groups.loadGroup(G);
    await core({ type: 'group_changed', kind: 'group_role_changed', group: G, user: 'bob', role: 'admin', by: 'alice' });
    expect(store.groups.members[G].find((v) => v.member.user === 'bob')?.member.role).toBe('admin');
    await core({ type: 'group_changed', kind: 'group_member_muted', group: G, user: 'carol', until: 123, by: 'alice' });
    expect(store.groups.members[G].find((v) => v.member.user === 'carol')?.member.muted_until).toBe(123);
    await core({ type: 'group_changed', kind: 'group_member_left', group: G, user: 'carol', reason: 'kicked', by: 'alice' });
    expect(store.groups.members[G].map((v) => v.member.user)).toEqual(['alice', 'bob']);
    expect(store.groups.info[G].member_count).toBe(2);
    await core({ type: 'group_changed', kind: 'group_member_joined', group: G, member: { user: 'dave', role: 'member', muted_until: null, joined_at: 2 }, by: 'bob' });
    expect(store.groups.info[G].member_count).toBe(3);
  });

  it("loads a group chat's stored membership lines when it opens, and again when a change arrives", async () => {
    const kicked: MemberNotice = { id: 1, conv: GC, kind: 'kicked', user: 'carol', by: 'alice', at: 50, name: 'Carol C' };
    const joined: MemberNotice = { id: 2, conv: GC, kind: 'joined', user: 'dave', by: null, at: 60, name: null };
    let stored = [kicked];
    await signedIn({ member_notices: () => stored });
    await store.chats.openConversation(GC);
    expect(store.groups.notices[GC]).toEqual([kicked]);
    expect(calls).toContainEqual({ cmd: 'member_notices', args: { conv: GC, limit: 500 } });
    // tern-core stored the line before announcing it: reloaded, not added twice.
    stored = [kicked, joined];
    await core({ type: 'group_changed', kind: 'group_member_joined', group: G, member: { user: 'dave', role: 'member', muted_until: null, joined_at: 2 }, by: null });
    await flush();
    expect(store.groups.notices[GC]).toEqual([kicked, joined]);
    // So is the line of my own joining (or creating) it.
    const created: MemberNotice = { id: 3, conv: GC, kind: 'created', user: 'alice', by: null, at: 1, name: null };
    stored = [created, kicked, joined];
    await core({ type: 'group_changed', kind: 'group_joined', group: info(), member: { user: 'alice', role: 'owner', muted_until: null, joined_at: 1 } });
    await flush();
    expect(store.groups.notices[GC]).toEqual([created, kicked, joined]);
  });

  it('when I am kicked the chat leaves the list and its view explains why', async () => {
    await signedIn({ group_members: () => [view('alice', 'owner'), view('bob', 'member', 'Bob Builder')] });
    store.session.current = { ...store.session.current!, user: 'carol' };
    await store.chats.openConversation(GC);
    store.ui.memberPanel = true;
    await core({ type: 'group_changed', kind: 'group_member_left', group: G, user: 'carol', reason: 'kicked', by: 'alice' });
    expect(store.chats.conversations.some((c) => c.conv === GC)).toBe(false);
    expect(store.groups.gone[GC]).toBe('You were removed from this group by alice.');
    expect(store.ui.memberPanel).toBe(false);
    // A late summary of the old chat does not bring it back.
    await core({ type: 'conversation_changed', conversation: conv({ conv: GC, peer: null, title: 'Hikers', last_activity: 99 }) });
    await store.chats.refreshConversations();
    expect(store.chats.conversations.some((c) => c.conv === GC)).toBe(false);
    store.chats.closeGoneChat();
    expect(store.chats.activeConv).toBeNull();
  });

  it('a dismissed group leaves the list; being added again brings it back', async () => {
    await signedIn();
    await core({ type: 'group_changed', kind: 'group_dismissed', group: G, by: 'bob' });
    expect(store.chats.conversations.some((c) => c.conv === GC)).toBe(false);
    expect(store.groups.gone[GC]).toBe('This group was dismissed by Bob Builder.');
    await core({ type: 'group_changed', kind: 'group_joined', group: info(), member: { user: 'alice', role: 'member', muted_until: null, joined_at: 9 } });
    await flush();
    expect(store.groups.gone[GC]).toBeUndefined();
    expect(store.chats.conversations.some((c) => c.conv === GC)).toBe(true);
  });

  it('dismissing my group asks the app and drops the chat', async () => {
    await signedIn();
    await store.chats.openConversation(GC);
    await store.groups.dismiss(G);
    expect(calls.find((c) => c.cmd === 'dismiss_group')?.args).toEqual({ group: G });
    expect(store.groups.gone[GC]).toBe('You dismissed this group.');
    expect(store.chats.active).toBeNull();
  });

  it('joins an open group by id (its chat opens) and files a request for an approval group', async () => {
    let open = true;
    await signedIn({ join_group: () => open, list_groups: () => [], group_info: () => info({ group: '8', name: 'Open mic' }) });
    expect(await store.groups.join(' g:8 ', 'hi')).toBe(true);
    expect(calls.find((c) => c.cmd === 'join_group')?.args).toEqual({ group: '8', message: 'hi' });
    expect(store.chats.activeConv).toBe('g:8');
    expect(store.chats.conversations.find((c) => c.conv === 'g:8')?.title).toBe('Open mic');
    open = false;
    store.chats.activeConv = null;
    expect(await store.groups.join('9', '')).toBe(true);
    expect(store.ui.toast).toContain('Request sent');
    expect(store.chats.activeConv).toBeNull();
  });

  it('shows group messages as they arrive in the open group chat', async () => {
    await signedIn();
    await store.chats.openConversation(GC);
    await core({ type: 'new_message', message: msg({ client_id: 'g1', conv: GC, sender: 'bob', seq: 1 }), live: true });
    expect(store.messages.loaded[GC].map((m) => m.sender)).toEqual(['bob']);
  });
});
