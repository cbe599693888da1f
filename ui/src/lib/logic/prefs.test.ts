import { describe, expect, it } from 'vitest';
import type { ConvSettings } from '../bindings';
import { conv } from '../test-fixtures';
import { arrangeChats, isArchived, isMuted, muteUntil, toggleDay, validTime } from './prefs';

const s = (c: string, over: Partial<ConvSettings> = {}): ConvSettings => ({
  conv: c,
  pinned: null,
  muted: false,
  muted_until: null,
  archived: null,
  draft: '',
  draft_at: 0,
  cleared_seq: 0,
  updated_at: 0,
  ...over,
});

describe('conversation settings', () => {
  // Most recent first, as tern-core's list comes.
  const list = ['d:a:1', 'd:a:2', 'd:a:3', 'd:a:4', 'd:a:5'].map((c, i) => conv({ conv: c, max_seq: 10, last_activity: 100 - i }));
  const ids = (l: { conv: string }[]) => l.map((c) => c.conv);

  it('lists pinned chats first, highest pin order first, the rest by activity', () => {
    const settings = { 'd:a:4': s('d:a:4', { pinned: 1 }), 'd:a:5': s('d:a:5', { pinned: 2 }), 'd:a:2': s('d:a:2', { muted: true }) };
    const { main, archived } = arrangeChats(list, settings, 0);
    expect(ids(main)).toEqual(['d:a:5', 'd:a:4', 'd:a:1', 'd:a:2', 'd:a:3']);
    expect(archived).toEqual([]);
  });

  it('keeps archived chats out of the main list until a new message, unless muted', () => {
    const settings = {
      'd:a:1': s('d:a:1', { archived: 10 }),
      'd:a:2': s('d:a:2', { archived: 9 }), // a message came since: back in the list
      'd:a:3': s('d:a:3', { archived: 9, muted: true }), // muted: stays archived
      'd:a:4': s('d:a:4', { archived: 10, pinned: 3 }),
    };
    const { main, archived } = arrangeChats(list, settings, 0);
    expect(ids(main)).toEqual(['d:a:2', 'd:a:5']);
    expect(ids(archived)).toEqual(['d:a:4', 'd:a:1', 'd:a:3']);
  });

  it('a mute until a time ends then, and an archived muted chat comes back with it', () => {
    const m = s('x', { muted: true, muted_until: 1000, archived: 5 });
    expect(isMuted(m, 999)).toBe(true);
    expect(isMuted(m, 1000)).toBe(false);
    expect(isArchived(m, 6, 999)).toBe(true);
    expect(isArchived(m, 6, 1000)).toBe(false);
    expect(isArchived(m, 5, 1000)).toBe(true);
    expect(isMuted(undefined, 0)).toBe(false);
    expect(isMuted(s('y', { muted: true }), 1e15)).toBe(true);
  });

  it('words mute durations as end times', () => {
    expect(muteUntil('1h', 0)).toBe(3_600_000);
    expect(muteUntil('8h', 0)).toBe(8 * 3_600_000);
    expect(muteUntil('1d', 5)).toBe(5 + 86_400_000);
    expect(muteUntil('forever', 5)).toBeNull();
  });

  it('keeps a schedule valid: days in order, at least one; HH:MM times', () => {
    expect(toggleDay(['fri', 'mon'], 'wed')).toEqual(['mon', 'wed', 'fri']);
    expect(toggleDay(['mon', 'wed'], 'mon')).toEqual(['wed']);
    expect(toggleDay(['wed'], 'wed')).toEqual(['wed']);
    expect(['22:00', '00:00', '23:59'].every(validTime)).toBe(true);
    expect(['24:00', '7:00', '12:60', ''].some(validTime)).toBe(false);
  });
});
