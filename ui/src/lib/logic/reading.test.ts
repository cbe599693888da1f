import { describe, expect, it } from 'vitest';
import { atEnd, firstRowsFrom, firstUnreadKey, rowsToFill, FIRST_ROWS, newBelowLabel, seesNewest, type Seeing } from './reading';
import { messageKey } from './messages';
import { msg } from '../test-fixtures';

describe('firstUnreadKey', () => {
  const list = [
    msg({ client_id: 'a', seq: 1 }),
    msg({ client_id: 'b', seq: 2 }),
    msg({ client_id: 'c', seq: 3, outgoing: true, sender: 'alice' }),
    msg({ client_id: 'd', seq: 4 }),
  ];

  it('nothing unread: no divider', () => {
    expect(firstUnreadKey(list, 0)).toBeNull();
    expect(firstUnreadKey([], 3)).toBeNull();
  });

  it('the last N messages from others, skipping my own', () => {
    expect(firstUnreadKey(list, 1)).toBe(messageKey(list[3]));
    expect(firstUnreadKey(list, 2)).toBe(messageKey(list[1]));
  });

  it('more unread than loaded: the first loaded one from others', () => {
    expect(firstUnreadKey(list, 50)).toBe(messageKey(list[0]));
  });

  it('system notices are not counted', () => {
    const sys = msg({ client_id: 's', seq: 5, content: { type: 'system', text: 'Bob joined' } as never });
    expect(firstUnreadKey([...list, sys], 1)).toBe(messageKey(list[3]));
  });
});

describe('rowsToFill', () => {
  it('enough one-line rows for the viewport, never fewer than FIRST_ROWS', () => {
    expect(rowsToFill(0)).toBe(FIRST_ROWS);
    expect(rowsToFill(720)).toBe(16);
    expect(rowsToFill(1000)).toBeGreaterThan(rowsToFill(720));
  });
});

describe('firstRowsFrom', () => {
  const page = Array.from({ length: 50 }, (_, i) => msg({ client_id: `m${i}`, seq: i + 1 }));

  it('nothing unread: the newest rows', () => {
    expect(firstRowsFrom(page, 0, 12)).toBe(38);
    expect(page.slice(firstRowsFrom(page, 0, 12))).toHaveLength(12);
  });

  it('a short chat is held whole', () => {
    expect(firstRowsFrom(page.slice(0, 5), 0, 12)).toBe(0);
    expect(firstRowsFrom([], 0, 12)).toBe(0);
  });

  it('unread far up: from the message before the first unread one', () => {
    // 30 unread: the first is m20; the view opens there.
    expect(firstRowsFrom(page, 30, 12)).toBe(19);
  });

  it('unread near the end: still the newest rows, the first unread among them', () => {
    const from = firstRowsFrom(page, 3, 12);
    expect(from).toBe(38);
    expect(from).toBeLessThanOrEqual(47);
  });

  it('the first loaded message unread (more unread than loaded): the newest rows, where the list opens then', () => {
    expect(firstRowsFrom(page, 50, 12)).toBe(38);
  });
});

describe('newBelowLabel', () => {
  it('counts new messages, capped like the badges', () => {
    expect(newBelowLabel(1)).toBe('↓ 1 new');
    expect(newBelowLabel(12)).toBe('↓ 12 new');
    expect(newBelowLabel(0)).toBe('↓');
    expect(newBelowLabel(1000)).toBe('↓ 99+ new');
  });
});

describe('atEnd', () => {
  it('within the slack of the end', () => {
    expect(atEnd(920, 600, 1600)).toBe(true);
    expect(atEnd(800, 600, 1600)).toBe(false);
    expect(atEnd(0, 600, 300)).toBe(true);
  });
});

describe('seesNewest', () => {
  const all: Seeing = { onChats: true, open: true, atBottom: true, visible: true, focused: true };

  it('open, at the bottom, visible and focused: read', () => {
    expect(seesNewest(all, true)).toBe(true);
  });

  it('scrolled up, another chat or screen, or a hidden window: not read', () => {
    for (const k of ['onChats', 'open', 'atBottom', 'visible'] as const) {
      expect(seesNewest({ ...all, [k]: false }, false)).toBe(false);
      expect(seesNewest({ ...all, [k]: false }, true)).toBe(false);
    }
  });

  it('an unfocused window: a message arriving by itself stays unread; the user\'s own action reads', () => {
    expect(seesNewest({ ...all, focused: false }, true)).toBe(false);
    expect(seesNewest({ ...all, focused: false }, false)).toBe(true);
  });
});
