import { describe, expect, it } from 'vitest';
import { allowsNativeMenu, isMenuKey, messageActions, placeMenu } from './menu';
import { msg } from '../test-fixtures';

const now = 1_700_000_100_000; // 100 s after msg()'s sent_at
const ctx = { now, recallWindowSecs: 120 };

describe('messageActions', () => {
  it("someone else's text: Copy only", () => {
    expect(messageActions(msg({ client_id: 'a', seq: 3, state: 'sent' }), ctx)).toEqual(['copy', 'delete_local']);
  });

  it('my acknowledged text inside the recall window: Copy and Recall', () => {
    const m = msg({ client_id: 'a', seq: 3, outgoing: true, sender: 'alice', state: 'read' });
    expect(messageActions(m, ctx)).toEqual(['copy', 'recall', 'delete_local']);
  });

  it('no Recall outside the window, while still sending, or before the limits are known', () => {
    const m = msg({ client_id: 'a', seq: 3, outgoing: true, sender: 'alice', state: 'sent' });
    expect(messageActions(m, { now, recallWindowSecs: 60 })).toEqual(['copy', 'delete_local']);
    expect(messageActions(m, { now, recallWindowSecs: null })).toEqual(['copy', 'delete_local']);
    expect(messageActions({ ...m, seq: null, state: 'sending' }, ctx)).toEqual(['copy']);
  });

  it('my failed message: Copy, Retry and Delete (no Recall)', () => {
    const m = msg({ client_id: 'a', outgoing: true, sender: 'alice', state: 'failed' });
    expect(messageActions(m, ctx)).toEqual(['copy', 'retry', 'delete']);
    expect(messageActions({ ...m, content: { type: 'file', file: 'f1', name: 'a.txt', size: 3, mime: 'text/plain' } as never }, ctx)).toEqual(['retry', 'delete']);
  });

  it('a file: Recall but no Copy; recalled and system messages: nothing', () => {
    const file = msg({
      client_id: 'a',
      seq: 4,
      outgoing: true,
      sender: 'alice',
      state: 'sent',
      content: { type: 'file', file: 'f1', name: 'a.txt', size: 3, mime: 'text/plain' } as never,
    });
    expect(messageActions(file, ctx)).toEqual(['recall', 'delete_local']);
    expect(messageActions(msg({ client_id: 'b', seq: 5, outgoing: true, content: { type: 'recalled', by: 'alice', at: now } }), ctx)).toEqual(['delete_local']);
    expect(messageActions(msg({ client_id: 'c', seq: 6, content: { type: 'system', text: 'Bob joined' } as never }), ctx)).toEqual([]);
  });
});

describe('placeMenu', () => {
  it('opens at the pointer when it fits', () => {
    expect(placeMenu(100, 100, 160, 120, 800, 600)).toEqual({ left: 100, top: 100 });
  });
  it('flips left/up near the right/bottom edge and never leaves an 800×600 window', () => {
    expect(placeMenu(790, 590, 160, 120, 800, 600)).toEqual({ left: 630, top: 470 });
    const p = placeMenu(50, 580, 160, 700, 800, 600);
    expect(p.top).toBeGreaterThanOrEqual(6);
    const q = placeMenu(2, 2, 160, 120, 800, 600);
    expect(q).toEqual({ left: 6, top: 6 });
  });
});

describe('native menu and keys', () => {
  it('keeps the webview menu only in editable text', () => {
    const ta = document.createElement('textarea');
    const input = document.createElement('input');
    const cb = Object.assign(document.createElement('input'), { type: 'checkbox' });
    const div = document.createElement('div');
    div.appendChild(document.createElement('span'));
    expect(allowsNativeMenu(ta)).toBe(true);
    expect(allowsNativeMenu(input)).toBe(true);
    expect(allowsNativeMenu(cb)).toBe(false);
    expect(allowsNativeMenu(div.firstChild)).toBe(false);
    expect(allowsNativeMenu(null)).toBe(false);
  });
  it('opens on the menu key and Shift+F10', () => {
    expect(isMenuKey({ key: 'ContextMenu', shiftKey: false })).toBe(true);
    expect(isMenuKey({ key: 'F10', shiftKey: true })).toBe(true);
    expect(isMenuKey({ key: 'F10', shiftKey: false })).toBe(false);
  });
});
