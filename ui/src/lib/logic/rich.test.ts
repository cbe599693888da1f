import { describe, expect, it } from 'vitest';
import type { Pin, Reaction } from '../bindings';
import { msg } from '../test-fixtures';
import { canEdit, lastEditable, mayPin, mayReadBy, nextPin, pinAt, quoteSnippet, quoteView, reactionChips, reactionTurnsOn } from './rich';
import { messageActions } from './menu';

const now = 1_700_000_100_000; // 100 s after msg()'s sent_at
const names = (u: string) => ({ bob: 'Bob', carol: 'Carol' })[u] ?? u;

describe('quotes', () => {
  it('a text quotes its first non-empty line, cut at 80 characters', () => {
    expect(quoteSnippet({ type: 'text', text: '\n  \nfirst line\nsecond' })).toBe('first line');
    expect([...quoteSnippet({ type: 'text', text: '字'.repeat(200) })]).toHaveLength(80);
  });

  it('an image or a file quotes its kind (and the file its name)', () => {
    const file = { id: 'f1', name: 'report.pdf', size: 3, mime: 'application/pdf' };
    expect(quoteSnippet({ type: 'image', file, width: 1, height: 1 } as never)).toBe('[Image]');
    expect(quoteSnippet({ type: 'file', file } as never)).toBe('[File] report.pdf');
  });

  it('follows the loaded original (its edits and its recall), else the cached quote', () => {
    const orig = msg({ client_id: 'o', seq: 4, sender: 'bob', content: { type: 'text', text: 'the plan' } });
    expect(quoteView(4, [orig], undefined, names)).toEqual({ name: 'Bob', text: 'the plan', state: 'available' });
    const recalled = { ...orig, content: { type: 'recalled' as const, by: 'bob', at: now } };
    expect(quoteView(4, [recalled], undefined, names)).toEqual({ name: 'Bob', text: 'The original message was recalled', state: 'recalled' });
    expect(quoteView(4, [], undefined, names).state).toBe('loading');
    expect(quoteView(4, [], { seq: 4, sender: 'carol', snippet: 'old news', state: 'available' }, names)).toEqual({ name: 'Carol', text: 'old news', state: 'available' });
    // tern-core's English note for a gone original is replaced by the app's words.
    expect(quoteView(4, [], { seq: 4, sender: null, snippet: '[Message deleted]', state: 'deleted' }, names)).toEqual({ name: null, text: 'The original message was deleted', state: 'deleted' });
    expect(quoteView(4, [], { seq: 4, sender: 'bob', snippet: '[Message recalled]', state: 'recalled' }, names).text).toBe('The original message was recalled');
  });
});

describe('reaction chips', () => {
  const reactions: Reaction[] = [
    { emoji: '👍', count: 2, users: ['bob', 'alice'] },
    { emoji: '🎉', count: 1, users: ['carol'] },
  ];

  it('one chip per emoji with its count, mine marked, who reacted named', () => {
    expect(reactionChips(reactions, 'alice', names)).toEqual([
      { emoji: '👍', count: 2, mine: true, who: 'Bob, You' },
      { emoji: '🎉', count: 1, mine: false, who: 'Carol' },
    ]);
    expect(reactionChips([{ emoji: '👀', count: 0, users: [] }], 'alice', names)).toEqual([]);
  });

  it('a click takes my reaction back when I gave it, else adds it', () => {
    expect(reactionTurnsOn(reactions, '👍', 'alice')).toBe(false);
    expect(reactionTurnsOn(reactions, '🎉', 'alice')).toBe(true);
    expect(reactionTurnsOn(reactions, '❤️', 'alice')).toBe(true);
  });
});

describe('pin bar', () => {
  const pins: Pin[] = [
    { seq: 9, by: 'alice', at: 3 },
    { seq: 5, by: 'bob', at: 2 },
    { seq: 1, by: 'bob', at: 1 },
  ];

  it('starts at the newest pin and steps to older ones, wrapping around', () => {
    expect(pinAt(pins, 0)?.seq).toBe(9);
    expect(nextPin(pins, 0)).toBe(1);
    expect(nextPin(pins, 1)).toBe(2);
    expect(nextPin(pins, 2)).toBe(0);
  });

  it('an index left over from removed pins starts over; no pins, no bar', () => {
    expect(nextPin(pins.slice(0, 1), 2)).toBe(0);
    expect(pinAt(pins.slice(0, 2), 5)?.seq).toBe(5);
    expect(pinAt([], 0)).toBeNull();
    expect(nextPin([], 3)).toBe(0);
  });

  it('either side pins in a one-to-one chat; in a group only the owner and admins', () => {
    expect(mayPin(false, null)).toBe(true);
    expect(mayPin(true, 'owner')).toBe(true);
    expect(mayPin(true, 'admin')).toBe(true);
    expect(mayPin(true, 'member')).toBe(false);
  });
});

describe('edit', () => {
  const mine = (over: object) => msg({ client_id: 'x', seq: 3, sender: 'alice', outgoing: true, state: 'sent', ...over });

  it('my delivered text inside the edit window (0: always; unknown: the server decides)', () => {
    expect(canEdit(mine({}), now, 3600)).toBe(true);
    expect(canEdit(mine({}), now, 60)).toBe(false);
    expect(canEdit(mine({}), now, 0)).toBe(true);
    expect(canEdit(mine({}), now, null)).toBe(true);
    expect(canEdit(mine({ state: 'sending', seq: null }), now, 0)).toBe(false);
    expect(canEdit(mine({ content: { type: 'file', file: { id: 'f', name: 'a', size: 1, mime: 'x' } } }), now, 0)).toBe(false);
    expect(canEdit(msg({ client_id: 'y', seq: 4 }), now, 0)).toBe(false);
  });

  it('Up-arrow edits my newest text message, not an older one when the newest cannot be edited', () => {
    const a = mine({ client_id: 'a', seq: 1, content: { type: 'text', text: 'one' } });
    const b = mine({ client_id: 'b', seq: 2, content: { type: 'text', text: 'two' } });
    const theirs = msg({ client_id: 'c', seq: 3 });
    expect(lastEditable([a, b, theirs], now, 0)?.client_id).toBe('b');
    expect(lastEditable([a, b, theirs], now, 60)).toBeNull();
    expect(lastEditable([theirs], now, 0)).toBeNull();
    // A pending message of mine is skipped (it has no seq yet).
    expect(lastEditable([a, mine({ client_id: 'p', seq: null, state: 'sending' })], now, 0)?.client_id).toBe('a');
  });
});

describe('read by and the rich menu', () => {
  const g = (over: object) => msg({ client_id: 'g', conv: 'g:team', seq: 7, ...over });

  it('read-by for group messages: mine, or any when I manage the group', () => {
    expect(mayReadBy(g({ outgoing: true, sender: 'alice' }), true, 'member')).toBe(true);
    expect(mayReadBy(g({}), true, 'member')).toBe(false);
    expect(mayReadBy(g({}), true, 'admin')).toBe(true);
    expect(mayReadBy(msg({ client_id: 'd', seq: 2, outgoing: true }), false, null)).toBe(false);
    expect(mayReadBy(g({ seq: null, outgoing: true }), true, 'owner')).toBe(false);
  });

  it('the menu orders Reply, Forward, Edit, React, Copy, Pin, Recall, Read by, Select, Delete for me', () => {
    const rich = { editWindowSecs: 0, mayPin: true, pinned: false, mayReadBy: true };
    const m = g({ outgoing: true, sender: 'alice' });
    expect(messageActions(m, { now, recallWindowSecs: 120, rich })).toEqual(['reply', 'forward', 'edit', 'react', 'copy', 'pin', 'recall', 'read_by', 'select', 'delete_local']);
    expect(messageActions(g({}), { now, recallWindowSecs: 120, rich: { ...rich, pinned: true, mayReadBy: false } })).toEqual(['reply', 'forward', 'react', 'copy', 'unpin', 'select', 'delete_local']);
    // Not delivered yet, or failed: none of the rich actions.
    expect(messageActions(g({ outgoing: true, seq: null, state: 'sending' }), { now, recallWindowSecs: 120, rich })).toEqual(['copy']);
    expect(messageActions(g({ outgoing: true, seq: null, state: 'failed' }), { now, recallWindowSecs: 120, rich })).toEqual(['copy', 'retry', 'delete']);
  });
});
