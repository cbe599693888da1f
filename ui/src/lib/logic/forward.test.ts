/** Forwarding's pure parts: targets (recent first, by name), history card words, item paths, outcomes, the selection. */
import { describe, expect, it } from 'vitest';
import type { Content, HistoryItem } from '../bindings';
import { conv } from '../test-fixtures';
import { DEFAULT_HISTORY_TITLE, directConvId, withFriends, forwardable, forwardOutcome, forwardTargets, historyHeading, historyLines, historyPeople, itemAt, toggleSeq } from './forward';

const text = (s: string): Content => ({ type: 'text', text: s });
const item = (sender: string, content: Content, sent_at = 1): HistoryItem => ({ sender, sent_at, content });
const names: Record<string, string> = { alice: 'Alice', bob: 'Bob', carol: 'Carol', dave: 'Dave' };
const nameOf = (u: string) => names[u] ?? u;

describe('forward logic', () => {
  it('offers chats most recently active first, filtered by title or id in any case', () => {
    const convs = [
      conv({ conv: 'd:alice:bob', peer: 'bob', title: 'Bob', last_activity: 5 }),
      conv({ conv: 'g:team', peer: null, title: 'Team', last_activity: 9 }),
      conv({ conv: 'd:alice:carol', peer: 'carol', title: 'Carol', last_activity: 7 }),
    ];
    const title = (c: { title: string }) => c.title;
    expect(forwardTargets(convs, '', title).map((c) => c.conv)).toEqual(['g:team', 'd:alice:carol', 'd:alice:bob']);
    expect(forwardTargets(convs, ' tEa ', title).map((c) => c.conv)).toEqual(['g:team']);
    expect(forwardTargets(convs, 'car', title).map((c) => c.conv)).toEqual(['d:alice:carol']);
    expect(forwardTargets(convs, 'zzz', title)).toEqual([]);
    const cn = [conv({ conv: 'd:alice:u9', peer: 'u9', title: '李雷', last_activity: 1 })];
    expect(forwardTargets(cn, 'lilei', title).map((c) => c.conv)).toEqual(['d:alice:u9']);
    expect(forwardTargets(cn, 'll', title).map((c) => c.conv)).toEqual(['d:alice:u9']);
    // The list given is not reordered in place.
    expect(convs[0].conv).toBe('d:alice:bob');
  });

  it('adds friends without a chat after the chats, under the id the server gives their chat', () => {
    const friend = (user: string, nickname: string, remark = '') => ({ profile: { user, nickname, avatar: null, signature: '' }, remark }) as never;
    expect(directConvId('zed', 'amy')).toBe('d:amy:zed');
    const convs = [conv({ conv: 'd:alice:bob', last_activity: 5 })];
    const out = withFriends(convs, [friend('bob', 'Bob'), friend('carol', 'Carol', 'CJ')], 'alice');
    expect(out.map((c) => [c.conv, c.peer, c.title])).toEqual([['d:alice:bob', 'bob', 'Bob'], ['d:alice:carol', 'carol', 'CJ']]);
    expect(forwardTargets(out, 'cj', (c) => c.title).map((c) => c.conv)).toEqual(['d:alice:carol']);
  });

  it('names the people of a history and heads its card', () => {
    const two = [item('alice', text('hi')), item('bob', text('yo')), item('alice', text('ok'))];
    expect(historyPeople(two, nameOf)).toBe('Alice and Bob');
    expect(historyPeople([...two, item('carol', text('c'))], nameOf)).toBe('Alice, Bob and Carol');
    expect(historyPeople([...two, item('carol', text('c')), item('dave', text('d'))], nameOf)).toBe('Alice, Bob and 2 others');
    expect(historyHeading(DEFAULT_HISTORY_TITLE, two, nameOf)).toBe('Chat history: Alice and Bob');
    expect(historyHeading('Plans', two, nameOf)).toBe('Plans');
    expect(historyHeading(DEFAULT_HISTORY_TITLE, [], nameOf)).toBe('Chat history');
  });

  it('shows the first lines with senders and previews of files and nested histories', () => {
    const file: Content = { type: 'file', file: { id: 'f1', name: 'plan.pdf', size: 3, mime: 'application/pdf' } };
    const nested: Content = { type: 'chat_history', title: 'Old', items: [item('dave', text('x'))] };
    const items = [item('alice', text('first\nline')), item('bob', file), item('carol', nested), item('dave', text('fourth'))];
    expect(historyLines(items, nameOf)).toEqual(['Alice: first line', 'Bob: [File] plan.pdf', 'Carol: [Chat history] Old']);
    expect(historyLines(items, nameOf, 1)).toHaveLength(1);
  });

  it('finds items by their index path, nested ones included', () => {
    const inner: Content = { type: 'chat_history', title: 'in', items: [item('bob', text('deep'))] };
    const outer: Content = { type: 'chat_history', title: 'out', items: [item('alice', text('top')), item('carol', inner)] };
    expect(itemAt(outer, [0])?.content).toEqual(text('top'));
    expect(itemAt(outer, [1, 0])?.content).toEqual(text('deep'));
    expect(itemAt(outer, [2])).toBeNull();
    expect(itemAt(outer, [0, 0])).toBeNull();
    expect(itemAt(text('plain'), [0])).toBeNull();
  });

  it('splits what each target did into sent and refused', () => {
    const out = forwardOutcome([
      { conv: 'd:alice:bob', seqs: [4] },
      { conv: 'g:team', seqs: [], error: { code: 4003, message: 'you are muted' } },
      { conv: 'd:alice:carol', seqs: [9], duplicate: true, error: null },
    ]);
    expect(out.sent).toEqual(['d:alice:bob', 'd:alice:carol']);
    expect(out.failed).toEqual([{ conv: 'g:team', code: 4003, message: 'you are muted' }]);
  });

  it('keeps the selection sorted, toggles, caps it, and skips what cannot be forwarded', () => {
    expect(toggleSeq([], 5)).toEqual([5]);
    expect(toggleSeq([5, 9], 7)).toEqual([5, 7, 9]);
    expect(toggleSeq([5, 7, 9], 7)).toEqual([5, 9]);
    expect(toggleSeq([1, 2], 3, 2)).toEqual([1, 2]);
    expect(forwardable({ seq: 3, state: 'sent', content: { type: 'text' } })).toBe(true);
    expect(forwardable({ seq: null, state: 'sending', content: { type: 'text' } })).toBe(false);
    expect(forwardable({ seq: 3, state: 'sent', content: { type: 'recalled' } })).toBe(false);
    expect(forwardable({ seq: 3, state: 'sent', content: { type: 'system' } })).toBe(false);
  });
});
