import { describe, expect, it } from 'vitest';
import { adjacentChat, nextUnread, shortcutOf } from './keys';
import { conv } from '../test-fixtures';

const k = (key: string, mods: Partial<KeyboardEvent> = {}) => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe('shortcuts', () => {
  it('maps the keys of the main window', () => {
    expect(shortcutOf(k('f', { ctrlKey: true }))).toBe('find-chat');
    expect(shortcutOf(k('F', { ctrlKey: true, shiftKey: true }))).toBe('find-all');
    expect(shortcutOf(k('U', { ctrlKey: true, shiftKey: true }))).toBe('next-unread');
    expect(shortcutOf(k('/', { ctrlKey: true }))).toBe('help');
    expect(shortcutOf(k('k', { ctrlKey: true }))).toBe('quick-switch');
    expect(shortcutOf(k('ArrowUp', { altKey: true }))).toBe('prev-chat');
    expect(shortcutOf(k('ArrowDown', { altKey: true }))).toBe('next-chat');
    expect(shortcutOf(k('ArrowDown'))).toBeNull();
    expect(shortcutOf(k('u', { ctrlKey: true }))).toBeNull();
    expect(shortcutOf(k('f'))).toBeNull();
  });

  it('moves between chats in list order and finds the next unread one', () => {
    const list = [conv({ conv: 'a' }), conv({ conv: 'b', unread: 2 }), conv({ conv: 'c' }), conv({ conv: 'd', unread: 1 })];
    expect(adjacentChat(list, 'b', 1)).toBe('c');
    expect(adjacentChat(list, 'b', -1)).toBe('a');
    expect(adjacentChat(list, 'a', -1)).toBeNull();
    expect(adjacentChat(list, null, 1)).toBe('a');
    expect(adjacentChat([], null, 1)).toBeNull();
    expect(nextUnread(list, 'b')).toBe('d');
    expect(nextUnread(list, 'd')).toBe('b');
    expect(nextUnread(list, null)).toBe('b');
    expect(nextUnread([conv({ conv: 'a' })], 'a')).toBeNull();
  });
});
