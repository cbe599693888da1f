import { describe, expect, it } from 'vitest';
import { GROUP_ROLE_RULES, type GroupMember } from '../bindings';
import { msg } from '../test-fixtures';
import { hhmm } from './format';
import { canInvite, canManage, groupOf, mayModerate, memberActions, muteEndsAt, muteNotice, sortMembers, startsSenderRun, untilLabel } from './groups';

const NOW = 1_700_000_000_000;
const member = (user: string, role: GroupMember['role'] = 'member', muted_until: number | null = null): GroupMember => ({ user, role, muted_until, joined_at: 1 });

describe('memberActions', () => {
  it('lets the owner set admins, transfer, mute and kick plain members and admins', () => {
    expect(memberActions('owner', 'alice', member('bob'), NOW)).toEqual(['make_admin', 'transfer', 'mute_10m', 'mute_1h', 'kick']);
    expect(memberActions('owner', 'alice', member('bob', 'admin'), NOW)).toEqual(['remove_admin', 'transfer', 'mute_10m', 'mute_1h', 'kick']);
    expect(memberActions('owner', 'alice', member('bob', 'admin', NOW + 60_000), NOW)).toEqual(['remove_admin', 'transfer', 'unmute', 'kick']);
  });

  it('lets admins mute and kick plain members only', () => {
    expect(memberActions('admin', 'bob', member('carol'), NOW)).toEqual(['mute_10m', 'mute_1h', 'kick']);
    expect(memberActions('admin', 'bob', member('dave', 'admin'), NOW)).toEqual([]);
    expect(memberActions('admin', 'bob', member('alice', 'owner'), NOW)).toEqual([]);
  });

  it('reads the rule from the table generated from GroupRole::may_moderate', () => {
    expect(GROUP_ROLE_RULES.may_moderate).toEqual({
      owner: { owner: false, admin: true, member: true },
      admin: { owner: false, admin: false, member: true },
      member: { owner: false, admin: false, member: false },
    });
    expect(mayModerate('owner', 'admin')).toBe(true);
    expect(mayModerate('admin', 'admin')).toBe(false);
    expect(mayModerate(null, 'member')).toBe(false);
    expect([canManage('owner'), canManage('admin'), canManage('member'), canManage(null)]).toEqual([true, true, false, false]);
  });

  it('gives plain members, non-members and myself no actions', () => {
    expect(memberActions('member', 'carol', member('bob'), NOW)).toEqual([]);
    expect(memberActions(null, 'carol', member('bob'), NOW)).toEqual([]);
    expect(memberActions('owner', 'alice', member('alice', 'owner'), NOW)).toEqual([]);
  });

  it('offers unmute instead of mute while a mute lasts', () => {
    expect(memberActions('admin', 'bob', member('carol', 'member', NOW + 60_000), NOW)).toEqual(['unmute', 'kick']);
    expect(memberActions('admin', 'bob', member('carol', 'member', NOW - 1), NOW)).toEqual(['mute_10m', 'mute_1h', 'kick']);
  });
});

describe('startsSenderRun', () => {
  it('groups consecutive messages from one sender and starts again after someone else, a system line or a new day', () => {
    const list = [
      msg({ client_id: '1', sender: 'bob', seq: 1 }),
      msg({ client_id: '2', sender: 'bob', seq: 2 }),
      msg({ client_id: '3', sender: 'carol', seq: 3 }),
      msg({ client_id: '4', sender: 'alice', outgoing: true, seq: 4 }),
      msg({ client_id: '5', sender: 'carol', seq: 5 }),
      msg({ client_id: '6', sender: 'system', seq: 6, content: { type: 'system', text: 'bob joined' } }),
      msg({ client_id: '7', sender: 'carol', seq: 7 }),
      msg({ client_id: '8', sender: 'carol', seq: 8, sent_at: NOW + 3 * 86_400_000 }),
    ];
    expect(list.map((_, i) => startsSenderRun(list, i))).toEqual([true, false, true, true, true, true, true, true]);
  });
});

describe('mutes', () => {
  it('tells a muted member until when, and plain members about the whole-group mute', () => {
    const until = new Date(2026, 0, 1, 14, 5).getTime();
    expect(muteNotice(member('bob', 'member', until), false, until - 1000)).toBe(`You are muted until ${hhmm(until)}.`); // the user's locale: 14:05, 2:05 PM, ...
    expect(muteNotice(member('bob', 'member', until), false, until + 1)).toBeNull();
    expect(muteNotice(member('bob'), true, NOW)).toContain('everyone is muted');
    expect(muteNotice(member('bob', 'admin'), true, NOW)).toBeNull();
    expect(muteNotice(undefined, true, NOW)).toBeNull();
    expect(muteEndsAt(member('bob', 'member', until), until - 5)).toBe(until);
    expect(muteEndsAt(member('bob'), NOW)).toBeNull();
    const tomorrow = new Date(2026, 0, 2, 9, 30).getTime();
    expect(muteNotice(member('bob', 'member', tomorrow), false, until)).toBe(`You are muted until ${untilLabel(tomorrow, until)}.`);
    expect(untilLabel(tomorrow, until, 'en-GB')).toBe('02/01 09:30');
    expect(untilLabel(tomorrow, until, 'en-US')).toMatch(/^01\/02 9:30\sAM$/);
  });
});

describe('helpers', () => {
  it('reads the group of a conversation id and orders members by role then name', () => {
    expect(groupOf('g:42')).toBe('42');
    expect(groupOf('d:alice:bob')).toBeNull();
    expect(groupOf(null)).toBeNull();
    const list = [member('zed'), member('bob', 'admin'), member('amy'), member('alice', 'owner')].map((m) => ({ member: m, nickname: '' }));
    expect(sortMembers(list, (u) => u).map((v) => v.member.user)).toEqual(['alice', 'bob', 'amy', 'zed']);
  });
});

describe('canInvite', () => {
  it('lets managers invite anywhere and plain members only into open groups', () => {
    expect(canInvite('owner', 'approval')).toBe(true);
    expect(canInvite('admin', 'approval')).toBe(true);
    expect(canInvite('member', 'approval')).toBe(false);
    expect(canInvite('member', 'open')).toBe(true);
    expect(canInvite(null, 'open')).toBe(false);
  });
});
