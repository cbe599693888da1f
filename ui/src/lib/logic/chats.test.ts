import { describe, expect, it } from 'vitest';
import { hideChat, isRequest, knownChats, loadAccepted, loadHidden, matchesChat, pruneHidden, saveAccepted, saveHidden, unreadTotal, visibleChats } from './chats';
import { editorKey, profileChanged } from './people';
import { conv, msg } from '../test-fixtures';

const bob = conv({ conv: 'd:alice:bob', peer: 'bob', title: 'Bob Builder', max_seq: 5, unread: 2 });
const team = conv({ conv: 'g:team42', peer: null, title: 'Weekend hikers', max_seq: 9, unread: 3 });

describe('chat search', () => {
  it('matches the shown title, the peer\'s user id and the group id, ignoring case and spaces', () => {
    expect(matchesChat(bob, 'Bob Builder', 'builder')).toBe(true);
    expect(matchesChat(bob, 'Bobby (remark)', 'bob')).toBe(true);
    expect(matchesChat(conv({ conv: 'd:alice:u_77', peer: 'u_77', title: 'Carol' }), 'Carol', ' U_7 ')).toBe(true);
    expect(matchesChat(team, 'Weekend hikers', 'team42')).toBe(true);
    expect(matchesChat(bob, 'Bob Builder', 'dave')).toBe(false);
    expect(matchesChat(bob, 'Bob Builder', '   ')).toBe(true);
  });
  it('finds a chat with a Chinese title by its pinyin or initials', () => {
    expect(matchesChat(team, '周末爬山', 'pashan')).toBe(true);
    expect(matchesChat(team, '周末爬山', 'zmps')).toBe(true);
    expect(matchesChat(team, '周末爬山', 'xiayu')).toBe(false);
  });
});

describe('unread total', () => {
  it('leaves muted chats out', () => {
    expect(unreadTotal([bob, team], [])).toBe(5);
    expect(unreadTotal([bob, team], ['g:team42'])).toBe(2);
  });
});

describe('removing a chat from the list', () => {
  it('hides it until a newer message arrives; the open chat always shows', () => {
    const hidden = hideChat({}, bob);
    expect(visibleChats([bob, team], hidden, null).map((c) => c.conv)).toEqual(['g:team42']);
    expect(visibleChats([bob, team], hidden, 'd:alice:bob').map((c) => c.conv)).toEqual(['d:alice:bob', 'g:team42']);
    const newer = { ...bob, max_seq: 6 };
    expect(visibleChats([newer, team], hidden, null).map((c) => c.conv)).toEqual(['d:alice:bob', 'g:team42']);
    expect(pruneHidden(hidden, [newer, team])).toEqual({});
    expect(pruneHidden(hidden, [bob, team])).toEqual({ 'd:alice:bob': 5 });
  });

  it('is kept per account on this device', () => {
    const m = new Map<string, string>();
    const s = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    saveHidden('alice', { 'd:alice:bob': 5 }, s);
    expect(loadHidden('alice', s)).toEqual({ 'd:alice:bob': 5 });
    expect(loadHidden('carol', s)).toEqual({});
    m.set('tern.hiddenChats.alice', 'not json');
    expect(loadHidden('alice', s)).toEqual({});
  });
});

describe('profile form', () => {
  it('spaces around a saved value are no change (Save stays disabled after a trimmed save)', () => {
    const saved = { nickname: 'Alice', signature: 'hi' };
    expect(profileChanged({ nickname: '  Alice ', signature: 'hi ' }, saved)).toBe(false);
    expect(profileChanged({ nickname: 'Alicia', signature: 'hi' }, saved)).toBe(true);
    expect(profileChanged({ nickname: '', signature: '' }, undefined)).toBe(false);
  });
});

describe('remark editor keys', () => {
  it('Enter saves, Esc cancels, nothing while composing', () => {
    expect(editorKey({ key: 'Enter' })).toBe('save');
    expect(editorKey({ key: 'Escape' })).toBe('cancel');
    expect(editorKey({ key: 'Enter', isComposing: true })).toBeNull();
    expect(editorKey({ key: 'a' })).toBeNull();
  });
});

describe('message requests', () => {
  const fromZed = conv({ conv: 'd:alice:zed', peer: 'zed', title: 'Zed', last: msg({ client_id: 'z1', sender: 'zed' }) });
  const friends = (u: string) => u === 'bob';
  it('a stranger\'s chat is a request until accepted or answered; friends, groups and my own chats are not', () => {
    expect(isRequest(fromZed, friends, [])).toBe(true);
    expect(isRequest(fromZed, friends, ['d:alice:zed'])).toBe(false);
    expect(isRequest({ ...fromZed, last: { ...fromZed.last!, outgoing: true, sender: 'alice' } }, friends, [])).toBe(false);
    expect(isRequest({ ...fromZed, last: null }, friends, [])).toBe(false);
    expect(isRequest({ ...bob, last: msg({ client_id: 'b1' }) }, friends, [])).toBe(false);
    expect(isRequest({ ...team, last: msg({ client_id: 'g1', sender: 'zed' }) }, friends, [])).toBe(false);
  });

  it('keeps accepted chats per account', () => {
    const m = new Map<string, string>();
    const s = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    expect(loadAccepted('alice', s)).toBeNull();
    saveAccepted('alice', ['d:alice:zed'], s);
    expect(loadAccepted('alice', s)).toEqual(['d:alice:zed']);
    expect(loadAccepted('bob', s)).toBeNull();
  });

  it('accepts friends\' chats (they stay after an unfriending) and, on the first run, every existing chat', () => {
    const withBob = { ...bob, last: msg({ client_id: 'b1' }) };
    expect(knownChats([withBob, fromZed, team], friends, [], false)).toEqual(['d:alice:bob']);
    expect(knownChats([withBob, fromZed, team], friends, ['d:alice:bob'], false)).toEqual([]);
    expect(knownChats([withBob, fromZed, team], friends, [], true)).toEqual(['d:alice:bob', 'd:alice:zed']);
  });
});
