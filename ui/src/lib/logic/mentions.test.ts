import { describe, expect, it } from 'vitest';
import { insertMention, matchMembers, MENTION_ALL, mentionLabel, mentionQueryAt, mentionText, mentionsIn } from './mentions';

const members = [
  { id: 'alice', nickname: 'Alice', remark: '' },
  { id: 'bob', nickname: 'Bobby', remark: 'Bob from ops' },
  { id: 'carol', nickname: '', remark: '' },
  { id: 'zed', nickname: 'Abby', remark: '' },
];

describe('mentionQueryAt', () => {
  it('finds an @ at the start or after a space, up to the caret', () => {
    expect(mentionQueryAt('@bo', 3)).toEqual({ start: 0, query: 'bo' });
    expect(mentionQueryAt('hi @', 4)).toEqual({ start: 3, query: '' });
    expect(mentionQueryAt('hi @bob there', 7)).toEqual({ start: 3, query: 'bob' });
  });
  it('ignores e-mail addresses, finished words and text without @', () => {
    expect(mentionQueryAt('mail a@b', 8)).toBeNull();
    // Chinese runs straight into a mention (no space before the @), as marks read it.
    expect(mentionQueryAt('明天见@张', 5)).toEqual({ start: 3, query: '张' });
    expect(mentionQueryAt('好的，@', 4)).toEqual({ start: 3, query: '' });
    expect(mentionQueryAt('x.y@z', 5)).toBeNull();
    // Not inside a web address.
    expect(mentionQueryAt('https://medium.com/@zs', 22)).toBeNull();
    expect(mentionQueryAt('see (@bo', 8)).toEqual({ start: 5, query: 'bo' });
    expect(mentionQueryAt('@bob there', 10)).toBeNull();
    expect(mentionQueryAt('hello', 5)).toBeNull();
    expect(mentionQueryAt('@' + 'x'.repeat(40), 41)).toBeNull();
  });
});

describe('matchMembers', () => {
  it('matches by remark, nickname or id, prefix matches first, never me', () => {
    expect(matchMembers(members, 'b', 'alice').map((c) => c.id)).toEqual(['bob', 'zed']);
    expect(matchMembers(members, 'ops', 'alice').map((c) => c.id)).toEqual(['bob']);
    expect(matchMembers(members, 'CAR', 'alice').map((c) => c.id)).toEqual(['carol']);
    expect(matchMembers(members, '', 'alice', 2).map((c) => c.id)).toEqual(['bob', 'carol']);
  });
  it('finds Chinese names by pinyin, a name starting with it first', () => {
    const cn = [
      { id: 'u1', nickname: '王小明', remark: '' },
      { id: 'u2', nickname: '张三', remark: '' },
      { id: 'u3', nickname: '小张', remark: '' },
    ];
    expect(matchMembers(cn, 'zhang', 'alice').map((c) => c.id)).toEqual(['u2', 'u3']);
    expect(matchMembers(cn, 'xm', 'alice').map((c) => c.id)).toEqual(['u1']);
    expect(matchMembers(cn, 'xiao', 'alice').map((c) => c.id)).toEqual(['u3', 'u1']);
  });
  it('labels by remark, then nickname, then id', () => {
    expect(members.map(mentionLabel)).toEqual(['Alice', 'Bob from ops', 'carol', 'Abby']);
  });
  it('inserts the name every member sees: the nickname, else the id, never my remark', () => {
    expect(members.map(mentionText)).toEqual(members.map((c) => c.nickname || c.id));
    expect(members.map(mentionText)).not.toContain('Bob from ops');
  });
});

describe('insertMention and mentionsIn', () => {
  it('replaces the query and keeps only mentions still in the text', () => {
    const q = mentionQueryAt('hi @bo', 6)!;
    const { text, caret } = insertMention('hi @bo', q, 'Bob from ops');
    expect(text).toBe('hi @Bob from ops ');
    expect(caret).toBe(text.length);
    const picked = [
      { id: 'bob', label: 'Bob from ops' },
      { id: 'bob', label: 'Bob from ops' },
      { id: 'carol', label: 'carol' },
      { id: MENTION_ALL, label: 'all' },
    ];
    expect(mentionsIn(text + '@all', picked, 'all')).toEqual({ users: ['bob'], all: true });
    expect(mentionsIn('nobody here', picked, 'all')).toEqual({ users: [], all: false });
  });
});
