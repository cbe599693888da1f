import { describe, expect, it } from 'vitest';
import { isQuitKey } from './shell';

const key = (key: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('isQuitKey', () => {
  it('Ctrl+Q (and Cmd+Q), with Caps Lock too', () => {
    expect(isQuitKey(key('q', { ctrlKey: true }))).toBe(true);
    expect(isQuitKey(key('Q', { ctrlKey: true }))).toBe(true);
    expect(isQuitKey(key('q', { metaKey: true }))).toBe(true);
  });

  it('not a plain q, nor Ctrl+Shift+Q or Ctrl+Alt+Q', () => {
    expect(isQuitKey(key('q'))).toBe(false);
    expect(isQuitKey(key('q', { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(isQuitKey(key('q', { ctrlKey: true, altKey: true }))).toBe(false);
    expect(isQuitKey(key('w', { ctrlKey: true }))).toBe(false);
  });
});
