import { mockIPC } from '@tauri-apps/api/mocks';
import { fireEvent, render } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { GroupMemberView } from '../../bindings';
import { app } from '../../stores/app.svelte';
import { msg } from '../../test-fixtures';
import CreateGroupDialog from '../CreateGroupDialog.svelte';
import GroupMessage from '../GroupMessage.svelte';
import MemberPanel from '../MemberPanel.svelte';

type Call = { cmd: string; args: Record<string, unknown> };
let calls: Call[];
const G = '7';
const view = (user: string, role: 'owner' | 'admin' | 'member' = 'member', muted_until: number | null = null): GroupMemberView => ({
  member: { user, role, muted_until, joined_at: 1 },
  nickname: user.toUpperCase(),
});

function signIn(me: string, members: GroupMemberView[]) {
  app.session.current = { user: me, server_url: 'ws://srv', profile: { user: me, nickname: '', avatar: null, signature: '' } };
  app.contacts.friends = [
    { profile: { user: 'bob', nickname: 'Bob Builder', avatar: null, signature: '' }, remark: '', since: 1 },
    { profile: { user: 'carol', nickname: 'Carol', avatar: null, signature: '' }, remark: '', since: 1 },
    { profile: { user: 'dave', nickname: 'Dave', avatar: null, signature: '' }, remark: 'Dave from work', since: 1 },
  ];
  app.groups.info = {
    [G]: { group: G, name: 'Hikers', avatar: null, notice: 'Meet at 9', owner: 'alice', join_policy: 'approval', all_muted: false, member_count: members.length, created_at: 1, history_visible: false },
  };
  app.groups.members = { [G]: members };
  app.groups.apps = {};
  app.groups.gone = {};
}

beforeEach(() => {
  calls = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    if (cmd === 'group_members') return app.groups.members[G];
    if (cmd === 'group_info') return app.groups.info[G];
    if (cmd === 'group_applications') return [];
    if (cmd === 'list_conversations') return [];
    if (cmd === 'load_messages') return [];
    if (cmd === 'create_group') return { ...app.groups.info[G], group: '9', name: (args as Record<string, unknown>).name };
    return null;
  });
});

describe('MemberPanel', () => {
  it('shows roles and, for the owner, the actions each member allows', async () => {
    signIn('alice', [view('alice', 'owner'), view('bob', 'admin'), view('carol')]);
    const { getAllByTestId, container } = render(MemberPanel, { group: G });
    const rows = getAllByTestId('member');
    expect(rows.map((r) => [r.dataset.user, r.dataset.role])).toEqual([
      ['alice', 'owner'],
      ['bob', 'admin'],
      ['carol', 'member'],
    ]);
    expect(getAllByTestId('role-badge').map((b) => b.textContent)).toEqual(['Owner', 'Admin']);
    // No menu on myself.
    expect(rows[0].querySelector('[data-testid="member-menu"]')).toBeNull();
    await fireEvent.click(rows[2].querySelector('[data-testid="member-menu"]')!);
    const actions = [...container.querySelectorAll<HTMLElement>('[data-testid="member-action"]')].map((b) => b.dataset.action);
    expect(actions).toEqual(['make_admin', 'transfer', 'mute_10m', 'mute_1h', 'kick']);
    await fireEvent.click(container.querySelector('[data-action="make_admin"]')!);
    expect(calls.find((c) => c.cmd === 'set_member_role')?.args).toEqual({ group: G, user: 'carol', role: 'admin' });
    expect(container.querySelector('[data-testid="dismiss-group"]')).not.toBeNull();
    expect(container.querySelector('[data-testid="leave-group"]')).toBeNull();
  });

  it('lets the owner mute and kick an admin, and an admin not another admin (GroupRole::may_moderate)', async () => {
    signIn('alice', [view('alice', 'owner'), view('bob', 'admin'), view('carol')]);
    const owner = render(MemberPanel, { group: G });
    const bob = owner.getAllByTestId('member')[1];
    expect(bob.dataset.user).toBe('bob');
    await fireEvent.click(bob.querySelector('[data-testid="member-menu"]')!);
    const actions = [...owner.container.querySelectorAll<HTMLElement>('[data-testid="member-action"]')].map((b) => b.dataset.action);
    expect(actions).toEqual(['remove_admin', 'transfer', 'mute_10m', 'mute_1h', 'kick']);
    owner.unmount();

    signIn('bob', [view('alice', 'owner'), view('bob', 'admin'), view('dave', 'admin'), view('carol')]);
    const admin = render(MemberPanel, { group: G });
    const rows = admin.getAllByTestId('member');
    expect(rows.map((r) => [r.dataset.user, !!r.querySelector('[data-testid="member-menu"]')])).toEqual([
      ['alice', false],
      ['bob', false],
      ['dave', false],
      ['carol', true],
    ]);
  });

  it('hands over ownership only after a second click', async () => {
    signIn('alice', [view('alice', 'owner'), view('bob')]);
    const { getByTestId, container } = render(MemberPanel, { group: G });
    await fireEvent.click(getByTestId('member-menu'));
    const transfer = () => container.querySelector<HTMLElement>('[data-action="transfer"]')!;
    await fireEvent.click(transfer());
    expect(calls.some((c) => c.cmd === 'transfer_group')).toBe(false);
    expect(transfer().textContent).toBe('Really make owner?');
    await fireEvent.click(transfer());
    expect(calls.find((c) => c.cmd === 'transfer_group')?.args).toEqual({ group: G, to: 'bob' });
  });

  it('dismisses only after a confirmation', async () => {
    signIn('alice', [view('alice', 'owner'), view('bob')]);
    const { getByTestId } = render(MemberPanel, { group: G });
    await fireEvent.click(getByTestId('dismiss-group'));
    expect(calls.some((c) => c.cmd === 'dismiss_group')).toBe(false);
    expect(getByTestId('dismiss-group').textContent).toContain('Really');
    await fireEvent.click(getByTestId('dismiss-group'));
    expect(calls.find((c) => c.cmd === 'dismiss_group')?.args).toEqual({ group: G });
  });

  it('gives a plain member no actions and no editing, only Leave', () => {
    signIn('carol', [view('alice', 'owner'), view('bob', 'admin'), view('carol')]);
    const { queryAllByTestId, queryByTestId } = render(MemberPanel, { group: G });
    expect(queryAllByTestId('member-menu')).toHaveLength(0);
    expect(queryByTestId('edit-group')).toBeNull();
    expect(queryByTestId('leave-group')).not.toBeNull();
    expect(queryByTestId('dismiss-group')).toBeNull();
  });

  it('lets an admin edit the notice', async () => {
    signIn('bob', [view('alice', 'owner'), view('bob', 'admin'), view('carol')]);
    const { getByTestId } = render(MemberPanel, { group: G });
    await fireEvent.click(getByTestId('edit-group'));
    await fireEvent.input(getByTestId('edit-group-notice'), { target: { value: 'Meet at 10' } });
    await fireEvent.submit(getByTestId('group-edit'));
    expect(calls.find((c) => c.cmd === 'update_group')?.args).toEqual({ group: G, name: null, notice: 'Meet at 10', joinPolicy: null, historyVisible: null });
  });

  it('lets the owner show earlier messages to new members, and hides Invite from plain members of an approval group', async () => {
    signIn('alice', [view('alice', 'owner'), view('bob', 'admin'), view('carol')]);
    const { getByTestId, unmount } = render(MemberPanel, { group: G });
    await fireEvent.click(getByTestId('edit-group'));
    await fireEvent.click(getByTestId('edit-group-history'));
    await fireEvent.submit(getByTestId('group-edit'));
    expect(calls.find((c) => c.cmd === 'update_group')?.args).toEqual({ group: G, name: null, notice: null, joinPolicy: null, historyVisible: true });
    expect(getByTestId('invite-members')).not.toBeNull();
    unmount();
    signIn('carol', [view('alice', 'owner'), view('bob', 'admin'), view('carol')]);
    const panel = render(MemberPanel, { group: G });
    expect(panel.queryByTestId('invite-members')).toBeNull();
  });
});

describe('GroupMessage', () => {
  it('marks the @names of the members a message mentions, @me and @all (from another) more strongly', () => {
    signIn('alice', [view('alice', 'owner'), view('bob'), view('carol')]);
    app.session.current!.profile.nickname = 'Alice';
    const text = '@Bob Builder and @Alice: map? @all @carol2 @CAROL';
    const { getAllByTestId } = render(GroupMessage, {
      m: msg({ client_id: 'm', conv: 'g:7', sender: 'carol', content: { type: 'text', text }, mentions: { users: ['bob', 'alice'], all: true } }),
      name: 'Carol',
      first: true,
      onretry: () => {},
    });
    expect(getAllByTestId('mention').map((e) => [e.textContent, e.dataset.me])).toEqual([
      ['@Bob Builder', 'false'],
      ['@Alice', 'true'],
      ['@all', 'true'],
    ]);
    expect(getAllByTestId('message-text')[0].textContent).toBe(text);
  });

  it('shows the sender name (as text) and avatar on the first message of a run only', () => {
    const evil = '<b onclick=x>Eve</b>';
    const first = render(GroupMessage, { m: msg({ client_id: 'a', conv: 'g:7', sender: 'eve' }), name: evil, first: true, onretry: () => {} });
    expect(first.getByTestId('message-sender').textContent).toBe(evil);
    expect(first.container.querySelector('b')).toBeNull();
    const next = render(GroupMessage, { m: msg({ client_id: 'b', conv: 'g:7', sender: 'eve' }), name: evil, first: false, onretry: () => {} });
    expect(next.container.querySelector('[data-testid="message-sender"]')).toBeNull();
  });
});

describe('CreateGroupDialog', () => {
  it('filters friends, picks them with checkboxes and creates the group', async () => {
    signIn('alice', []);
    let closed = false;
    const { getByTestId, getAllByTestId } = render(CreateGroupDialog, { onclose: () => (closed = true) });
    expect((getByTestId('group-submit') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(getByTestId('group-friend-search'), { target: { value: 'work' } });
    expect(getAllByTestId('pick-friend').map((e) => e.dataset.user)).toEqual(['dave']);
    await fireEvent.input(getByTestId('group-friend-search'), { target: { value: '' } });
    const box = (u: string) => getAllByTestId('pick-friend').find((e) => e.dataset.user === u)!.querySelector('input')!;
    await fireEvent.click(box('bob'));
    await fireEvent.click(box('carol'));
    await fireEvent.input(getByTestId('group-name'), { target: { value: 'Book club' } });
    await fireEvent.click(getByTestId('policy-open'));
    expect(getByTestId('picked-count').textContent).toBe('2 selected');
    await fireEvent.submit(getByTestId('create-group-dialog'));
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.find((c) => c.cmd === 'create_group')?.args).toEqual({ name: 'Book club', members: ['bob', 'carol'], joinPolicy: 'open' });
    await new Promise((r) => setTimeout(r, 0));
    expect(closed).toBe(true);
  });

  it('switches to joining a group by id', async () => {
    signIn('alice', []);
    const { getByTestId } = render(CreateGroupDialog, { onclose: () => {} });
    await fireEvent.click(getByTestId('join-instead'));
    expect((getByTestId('join-submit') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(getByTestId('join-group-id'), { target: { value: '42' } });
    await fireEvent.input(getByTestId('join-group-message'), { target: { value: 'hello' } });
    await fireEvent.submit(getByTestId('join-group-dialog'));
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.find((c) => c.cmd === 'join_group')?.args).toEqual({ group: '42', message: 'hello' });
  });

  it('invites only friends not yet in the group', () => {
    signIn('alice', [view('alice', 'owner'), view('bob')]);
    const { getAllByTestId, queryByTestId } = render(CreateGroupDialog, { group: G, onclose: () => {} });
    expect(getAllByTestId('pick-friend').map((e) => e.dataset.user)).toEqual(['carol', 'dave']);
    expect(queryByTestId('group-name')).toBeNull();
  });
});
