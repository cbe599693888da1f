import { describe, expect, it } from 'vitest';
import { conv, msg } from '../test-fixtures';
import { applyEdit, applyPeerRead, applyRecall, contentPreview, mergeMessages, oldestSeq, previewOf, recalledText, sortConversations, upsertConversation } from './messages';

describe('mergeMessages', () => {
  it('replaces a pending message with its ack instead of duplicating it', () => {
    const pending = msg({ client_id: 'c1', sender: 'alice', outgoing: true, state: 'sending' });
    const acked = { ...pending, seq: 7, id: 70, state: 'sent' as const };
    const merged = mergeMessages([msg({ client_id: 'x', seq: 6 }), pending], [acked]);
    expect(merged.map((m) => [m.client_id, m.seq, m.state])).toEqual([
      ['x', 6, 'sent'],
      ['c1', 7, 'sent'],
    ]);
  });

  it('keeps the ack when the pending copy arrives after it (command result after the event)', () => {
    const pending = msg({ client_id: 'c1', sender: 'alice', outgoing: true, state: 'sending', seq: null });
    const acked = { ...pending, seq: 7, id: 70, state: 'sent' as const };
    const merged = mergeMessages([msg({ client_id: 'x', seq: 6 }), acked], [pending]);
    expect(merged.map((m) => [m.client_id, m.seq, m.state])).toEqual([
      ['x', 6, 'sent'],
      ['c1', 7, 'sent'],
    ]);
  });

  it('orders by seq with pending messages last, and prepends older pages', () => {
    const newer = [msg({ client_id: 'a', seq: 10 }), msg({ client_id: 'p', seq: null, sent_at: 5 })];
    const older = [msg({ client_id: 'b', seq: 8 }), msg({ client_id: 'c', seq: 9 })];
    expect(mergeMessages(newer, older).map((m) => m.client_id)).toEqual(['b', 'c', 'a', 'p']);
  });

  it('keys by sender too, so equal client ids of two people never collide', () => {
    const merged = mergeMessages([msg({ client_id: 'same', sender: 'bob', seq: 1 })], [msg({ client_id: 'same', sender: 'alice', seq: 2 })]);
    expect(merged).toHaveLength(2);
  });

  it('handles a 100,000-message history', () => {
    const big = Array.from({ length: 100_000 }, (_, i) => msg({ client_id: `m${i}`, seq: i + 1 }));
    const out = mergeMessages(big, [msg({ client_id: 'new', seq: 100_001 })]);
    expect(out).toHaveLength(100_001);
    expect(out[100_000].client_id).toBe('new');
    expect(oldestSeq(out)).toBe(1);
  });
});

describe('applyPeerRead', () => {
  it('marks only my acked messages up to the seq as read', () => {
    const list = [
      msg({ client_id: 'a', seq: 1, outgoing: true, sender: 'alice' }),
      msg({ client_id: 'b', seq: 2 }),
      msg({ client_id: 'c', seq: 3, outgoing: true, sender: 'alice' }),
      msg({ client_id: 'd', seq: null, outgoing: true, sender: 'alice', state: 'sending' }),
    ];
    expect(applyPeerRead(list, 2).map((m) => m.state)).toEqual(['read', 'sent', 'sent', 'sending']);
  });
});

describe('applyEdit', () => {
  it('replaces the text of the edited message and marks it, leaving the others', () => {
    const list = [msg({ client_id: 'a', seq: 4 }), msg({ client_id: 'b', seq: 5 })];
    const out = applyEdit(list, 5, 'fixed', 77);
    expect(out[1].content).toEqual({ type: 'text', text: 'fixed' });
    expect(out[1].edited_at).toBe(77);
    expect(out[0]).toBe(list[0]);
  });
  it('ignores an edit of a message not loaded or not text', () => {
    const list = [msg({ client_id: 'a', seq: 4, content: { type: 'recalled', by: 'bob', at: 1 } })];
    expect(applyEdit(list, 4, 'x', 1)).toBe(list);
    expect(applyEdit(list, 9, 'x', 1)).toBe(list);
  });
});

describe('applyRecall', () => {
  it('turns the message into a tombstone', () => {
    const out = applyRecall([msg({ client_id: 'a', seq: 4 })], 4, 'bob', 9);
    expect(contentPreview(out[0].content)).toBe('[Message recalled]');
  });
});

describe('conversations', () => {
  it('sorts by last activity, newest first, and upserts in place', () => {
    const list = sortConversations([conv({ conv: 'a', last_activity: 1 }), conv({ conv: 'b', last_activity: 3 }), conv({ conv: 'c', last_activity: 2 })]);
    expect(list.map((c) => c.conv)).toEqual(['b', 'c', 'a']);
    expect(upsertConversation(list, conv({ conv: 'a', last_activity: 9 })).map((c) => c.conv)).toEqual(['a', 'b', 'c']);
  });

  it('previews the last message, prefixing mine', () => {
    expect(previewOf(msg({ client_id: 'a', outgoing: true, content: { type: 'text', text: 'hi\nthere' } }))).toBe('You: hi there');
    expect(previewOf(null)).toBe('');
    const recalled = msg({ client_id: 'r', outgoing: false, content: { type: 'recalled', by: 'bob', at: 1 } });
    const who = { me: 'alice', nameOf: (u: string) => (u === 'bob' ? 'Bob Builder' : u) };
    expect(previewOf(recalled, who)).toBe('Bob Builder recalled a message');
    expect(previewOf({ ...recalled, outgoing: true, content: { type: 'recalled', by: 'alice', at: 1 } }, who)).toBe('You recalled a message');
  });

  it('says who recalled a message', () => {
    expect(recalledText('alice', 'alice', 'Alice')).toBe('You recalled a message');
    expect(recalledText('bob', 'alice', 'Bob')).toBe('Bob recalled a message');
    expect(recalledText('bob', 'alice', '')).toBe('bob recalled a message');
  });
});
