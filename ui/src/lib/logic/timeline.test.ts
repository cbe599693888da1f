import { describe, expect, it } from 'vitest';
import { memberNoticeText, withMemberNotices, type MemberNotice } from './timeline';
import { msg } from '../test-fixtures';

const names: Record<string, string> = { bob: 'Bob', carol: 'Carol', dave: 'Dave Diver' };
const name = (u: string) => names[u] ?? u;

describe('membership notices', () => {
  it('say who joined, left or was removed, and by whom', () => {
    const t = (n: Omit<MemberNotice, 'at'>) => memberNoticeText({ ...n, at: 1 }, 'alice', name);
    expect(t({ kind: 'left', user: 'bob', by: null })).toBe('Bob left');
    expect(t({ kind: 'kicked', user: 'carol', by: null })).toBe('Carol was removed');
    expect(t({ kind: 'kicked', user: 'carol', by: 'alice' })).toBe('You removed Carol');
    expect(t({ kind: 'kicked', user: 'carol', by: 'bob' })).toBe('Bob removed Carol');
    expect(t({ kind: 'joined', user: 'dave', by: null })).toBe('Dave Diver joined');
    expect(t({ kind: 'joined', user: 'dave', by: 'alice' })).toBe('You added Dave Diver');
    expect(t({ kind: 'joined', user: 'dave', by: 'dave' })).toBe('Dave Diver joined');
  });

  it('go between the messages by time', () => {
    const a = msg({ client_id: 'a', seq: 1, sent_at: 100 });
    const b = msg({ client_id: 'b', seq: 2, sent_at: 300 });
    const notices: MemberNotice[] = [
      { kind: 'left', user: 'bob', by: null, at: 200 },
      { kind: 'joined', user: 'dave', by: null, at: 400 },
    ];
    const out = withMemberNotices('g:x', [a, b], notices, (n) => memberNoticeText(n, 'alice', name));
    expect(out.map((m) => (m.content.type === 'system' ? m.content.text : m.client_id))).toEqual(['a', 'Bob left', 'b', 'Dave Diver joined']);
    expect(new Set(out.map((m) => m.client_id)).size).toBe(4);
    expect(withMemberNotices('g:x', [a], [], () => '')).toEqual([a]);
  });
});
