import { describe, expect, it } from 'vitest';
import { isSafeExternalUrl, linkify } from './linkify';

const links = (text: string) =>
  linkify(text)
    .filter((p) => p.kind === 'link')
    .map((p) => (p.kind === 'link' ? [p.text, p.href] : []));

describe('linkify', () => {
  it('turns http(s) URLs into links and keeps the rest as text', () => {
    const text = 'see https://example.com/x, or javascript:alert(1) and file:///etc/passwd';
    expect(links(text)).toEqual([['https://example.com/x', 'https://example.com/x']]);
    expect(linkify(text).map((p) => p.text).join('')).toBe(text);
  });

  it('links www. addresses and e-mail addresses', () => {
    expect(links('docs at www.example.org/guide. Mail bob@example.com!')).toEqual([
      ['www.example.org/guide', 'http://www.example.org/guide'],
      ['bob@example.com', 'mailto:bob@example.com'],
    ]);
  });

  it('stops at Chinese punctuation and text', () => {
    expect(links('看看www.example.com。还有https://example.com/路径，好吗')).toEqual([
      ['www.example.com', 'http://www.example.com'],
      ['https://example.com/路径', 'https://example.com/路径'],
    ]);
    expect(links('发邮件给bob@example.com（周一前）')).toEqual([['bob@example.com', 'mailto:bob@example.com']]);
    expect(linkify('请看https://example.com。').map((p) => p.text)).toEqual(['请看', 'https://example.com', '。']);
  });

  it('ends a host or an e-mail domain where Chinese text follows it', () => {
    expect(linkify('请看https://example.com谢谢').map((p) => [p.kind, p.text])).toEqual([
      ['text', '请看'],
      ['link', 'https://example.com'],
      ['text', '谢谢'],
    ]);
    expect(links('发给bob@example.com谢谢，或www.example.org好的')).toEqual([
      ['bob@example.com', 'mailto:bob@example.com'],
      ['www.example.org', 'http://www.example.org'],
    ]);
  });

  it('leaves file names, versions and other schemes alone', () => {
    expect(links('open readme.md and setup.py, version 1.2.3, ftp://example.com //example.com')).toEqual([]);
  });

  it('keeps markup as plain text', () => {
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }]);
  });
});

describe('isSafeExternalUrl', () => {
  it('allows http, https and mailto with an address only', () => {
    expect(isSafeExternalUrl('https://tern.im')).toBe(true);
    expect(isSafeExternalUrl('http://localhost:1')).toBe(true);
    expect(isSafeExternalUrl('mailto:bob@example.com')).toBe(true);
    expect(isSafeExternalUrl('mailto:nobody')).toBe(false);
    for (const bad of ['mailto:a@b.com?cc=evil@x.y&attach=/home/u/.ssh/id_rsa', 'mailto:a@b.com#x', 'mailto:bob@localhost', 'mailto:a%41@example.com', 'mailto:a@b.c,evil@x.y', 'mailto:@example.com']) {
      expect(isSafeExternalUrl(bad), bad).toBe(false);
    }
    expect(isSafeExternalUrl('javascript:alert(1)')).toBe(false);
    expect(isSafeExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isSafeExternalUrl('not a url')).toBe(false);
  });
});
