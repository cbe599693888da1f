import { describe, expect, it } from 'vitest';
import { linkify } from './linkify';
import { markMentions } from './mentionMarks';

const shown = (text: string, targets: { names: string[]; me: boolean }[]) =>
  markMentions(linkify(text), targets).map((p) => (p.kind === 'mention' ? `[${p.text}${p.me ? '*' : ''}]` : p.text)).join('');

describe('markMentions', () => {
  it('marks @name runs of the people mentioned, mine more strongly', () => {
    const targets = [{ names: ['Bob', 'bob'], me: false }, { names: ['Alice Liu', 'alice'], me: true }];
    expect(shown('@Bob and @Alice Liu: bring the map', targets)).toBe('[@Bob] and [@Alice Liu*]: bring the map');
  });

  it('leaves others, longer words, e-mail addresses and links alone', () => {
    const targets = [{ names: ['bob'], me: false }];
    expect(shown('@carol @bobby mail bob@example.com or see https://x.org/@bob', targets)).toBe('@carol @bobby mail bob@example.com or see https://x.org/@bob');
  });

  it('matches the longest name and Chinese names next to Chinese text', () => {
    const targets = [{ names: ['周', '周末'], me: false }, { names: ['所有人', 'all'], me: true }];
    expect(shown('@周末，明天见。@所有人 注意', targets)).toBe('[@周末]，明天见。[@所有人*] 注意');
  });

  it('keeps its place after characters whose lower case is longer (İ), and takes no half words or addresses', () => {
    const targets = [{ names: ['ali', 'İlker'], me: false }, { names: ['Zoë'], me: true }];
    expect(shown('İ @ali, @İlker bey, @ZOË! @alice bob@ali 明天见@ali', targets)).toBe('İ [@ali], [@İlker] bey, [@ZOË*]! @alice bob@ali 明天见[@ali]');
    expect(shown('@Zoe\u0301 @Zoë', [{ names: ['Zoe'], me: false }])).toBe('@Zoe\u0301 @Zoë');
  });

  it('returns the parts as they were when nobody is mentioned', () => {
    expect(shown('@bob hi', [])).toBe('@bob hi');
  });
});
