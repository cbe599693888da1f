import { describe, expect, it } from 'vitest';
import { memberNoticeText, noticesInView, withMemberNotices, type MemberNotice } from './timeline';
import { msg } from '../test-fixtures';

const names: Record<string, string> = { bob: 'Bob', carol: 'Carol', dave: 'Dave Diver' };
const name = (u: string) => names[u] ?? u;
let nextId = 1;
const notice = (over: Pick<MemberNotice, 'kind' | 'user' | 'by'> & Partial<MemberNotice>): MemberNotice => ({ id: nextId++, conv: 'g:x', at: 1, name: null, ...over });

describe('membership notices', () => {
  it('say who joined, left or was removed, and by whom', () => {
    const t = (n: Pick<MemberNotice, 'kind' | 'user' | 'by'>) => memberNoticeText(notice(n), 'alice', name);
    expect(t({ kind: 'left', user: 'bob', by: null })).toBe('Bob left');
    expect(t({ kind: 'kicked', user: 'carol', by: null })).toBe('Carol was removed');
    expect(t({ kind: 'kicked', user: 'carol', by: 'alice' })).toBe('You removed Carol');
    expect(t({ kind: 'kicked', user: 'carol', by: 'bob' })).toBe('Bob removed Carol');
    expect(t({ kind: 'joined', user: 'dave', by: null })).toBe('Dave Diver joined');
    expect(t({ kind: 'joined', user: 'dave', by: 'alice' })).toBe('You added Dave Diver');
    expect(t({ kind: 'joined', user: 'dave', by: 'dave' })).toBe('Dave Diver joined');
    expect(t({ kind: 'created', user: 'alice', by: null })).toBe('You created the group');
    expect(t({ kind: 'created', user: 'bob', by: null })).toBe('Bob created the group');
    expect(t({ kind: 'joined', user: 'alice', by: null })).toBe('You joined');
    expect(t({ kind: 'joined', user: 'alice', by: 'bob' })).toBe('Bob added you');
  });

  it('go between the messages by time', () => {
    const a = msg({ client_id: 'a', seq: 1, sent_at: 100 });
    const b = msg({ client_id: 'b', seq: 2, sent_at: 300 });
    const notices: MemberNotice[] = [
      notice({ kind: 'left', user: 'bob', by: null, at: 200 }),
      notice({ kind: 'joined', user: 'dave', by: null, at: 400 }),
    ];
    const out = withMemberNotices('g:x', [a, b], notices, (n) => memberNoticeText(n, 'alice', name));
    expect(out.map((m) => (m.content.type === 'system' ? m.content.text : m.client_id))).toEqual(['a', 'Bob left', 'b', 'Dave Diver joined']);
    expect(new Set(out.map((m) => m.client_id)).size).toBe(4);
    expect(withMemberNotices('g:x', [a], [], () => '')).toEqual([a]);
  });

  it('keep their stored id as the line key, so a reload shows the same lines', () => {
    const n = notice({ kind: 'left', user: 'bob', by: null, at: 200 });
    const once = withMemberNotices('g:x', [], [n], () => 'Bob left');
    const again = withMemberNotices('g:x', [], [{ ...n }], () => 'Bob left');
    expect(once.map((m) => m.client_id)).toEqual([`member-notice-${n.id}`]);
    expect(again).toEqual(once);
  });

  it('older than the loaded messages wait until older messages are loaded', () => {
    const a = msg({ client_id: 'a', seq: 5, sent_at: 300 });
    const b = msg({ client_id: 'b', seq: 6, sent_at: 500 });
    const early = notice({ kind: 'left', user: 'bob', by: null, at: 100 });
    const mid = notice({ kind: 'joined', user: 'dave', by: null, at: 400 });
    expect(noticesInView([early, mid], [b, a], true)).toEqual([mid]);
    // The whole history is loaded (or none yet): all of them.
    expect(noticesInView([early, mid], [a, b], false)).toEqual([early, mid]);
    expect(noticesInView([early, mid], [], true)).toEqual([early, mid]);
  });
});
