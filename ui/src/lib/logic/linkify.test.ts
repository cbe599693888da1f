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
    expect(isSafeExternalUrl('javascript:alert(1)')).toBe(false);
    expect(isSafeExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isSafeExternalUrl('not a url')).toBe(false);
  });
});
