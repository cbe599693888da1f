import { describe, expect, it } from 'vitest';
import { outgoingText, shouldSend } from './composer';
import { insertAt } from './emoji';

describe('shouldSend', () => {
  it('sends on Enter, not on Shift+Enter or while composing', () => {
    expect(shouldSend({ key: 'Enter', shiftKey: false })).toBe(true);
    expect(shouldSend({ key: 'Enter', shiftKey: true })).toBe(false);
    expect(shouldSend({ key: 'Enter', shiftKey: false, isComposing: true })).toBe(false);
    expect(shouldSend({ key: 'a', shiftKey: false })).toBe(false);
  });
});

describe('outgoingText', () => {
  it('refuses blank drafts and trims trailing space but keeps inner newlines', () => {
    expect(outgoingText('   \n  ')).toBeNull();
    expect(outgoingText('hi\nthere  \n')).toBe('hi\nthere');
    expect(outgoingText('x'.repeat(11), 10)).toBeNull();
  });
});

describe('insertAt', () => {
  it('replaces the selection and puts the caret after the insert', () => {
    expect(insertAt('hello world', 6, 11, '🙂')).toEqual({ text: 'hello 🙂', caret: 8 });
    expect(insertAt('ab', 1, 1, 'X')).toEqual({ text: 'aXb', caret: 2 });
    expect(insertAt('ab', 99, 99, '!')).toEqual({ text: 'ab!', caret: 3 });
  });
});
