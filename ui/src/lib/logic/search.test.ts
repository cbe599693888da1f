import { describe, expect, it } from 'vitest';
import { highlightParts } from './search';

const marked = (text: string, terms: string[], max?: number) =>
  highlightParts(text, terms, max)
    .map((p) => (p.hit ? `[${p.text}]` : p.text))
    .join('');

describe('highlightParts', () => {
  it('marks every occurrence of every term, case-insensitively, Chinese and English', () => {
    expect(marked('Hello world, hello again', ['hello'])).toBe('[Hello] world, [hello] again');
    expect(marked('周末去爬山，爬山要带水', ['爬山'])).toBe('周末去[爬山]，[爬山]要带水');
    expect(marked('mountain 爬山 trip', ['trip', '爬山'])).toBe('mountain [爬山] [trip]');
  });

  it('cuts a long text to a window around the first match', () => {
    const long = `${'x'.repeat(200)} needle ${'y'.repeat(200)}`;
    const out = marked(long, ['needle'], 60);
    expect(out.startsWith('…')).toBe(true);
    expect(out.endsWith('…')).toBe(true);
    expect(out).toContain('[needle]');
    expect(out.length).toBeLessThan(70);
  });

  it('leaves a text without a match whole (up to the limit)', () => {
    expect(marked('nothing here', ['zzz'])).toBe('nothing here');
    expect(highlightParts('', ['a'])).toEqual([]);
  });
});
