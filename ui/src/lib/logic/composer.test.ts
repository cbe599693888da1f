import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_TEXT_CHARS, outgoingText, pastedImage, shouldSend, textLimit } from './composer';
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

describe('textLimit', () => {
  it('hides the counter below 90% of the limit and shows it from there', () => {
    expect(textLimit('x'.repeat(7199), 8000).show).toBe(false);
    const near = textLimit('x'.repeat(7200), 8000);
    expect(near).toMatchObject({ show: true, over: false, label: '7,200 / 8,000', reason: null });
  });

  it('over the limit: counter, a reason, and nothing to send (Send disabled)', () => {
    const draft = 'x'.repeat(10_001);
    const l = textLimit(draft, 8000);
    expect(l).toMatchObject({ count: 10_001, show: true, over: true, label: '10,001 / 8,000' });
    expect(l.reason).toBe('too long to send (2,001 over)');
    expect(outgoingText(draft, 8000)).toBeNull();
    // Exactly at the limit still sends.
    expect(textLimit('x'.repeat(8000), 8000).over).toBe(false);
    expect(outgoingText('x'.repeat(8000), 8000)).toBe('x'.repeat(8000));
  });

  it('counts characters as the server does (code points, trimmed), and defaults to the server default', () => {
    expect(textLimit('你好👋  \n').count).toBe(3);
    expect(textLimit('').max).toBe(DEFAULT_MAX_TEXT_CHARS);
    expect(DEFAULT_MAX_TEXT_CHARS).toBe(8000);
    // The old silent cut-off: 8,001–10,000 characters looked sendable and then failed.
    expect(outgoingText('x'.repeat(9000))).toBeNull();
  });
});

describe('pasting', () => {
  it('an image with no text is sent; an image type the app cannot send is refused in words; text stays text', () => {
    expect(pastedImage('', ['image/png'])).toBe('send');
    expect(pastedImage('', ['image/tiff', 'image/png'])).toBe('send');
    expect(pastedImage('', ['image/tiff'])).toBe('refuse');
    expect(pastedImage('a caption', ['image/png'])).toBeNull();
    expect(pastedImage('', [])).toBeNull();
    expect(pastedImage('', ['application/pdf'])).toBeNull();
  });
});
