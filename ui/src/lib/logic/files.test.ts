import { describe, expect, it } from 'vitest';
import { msg } from '../test-fixtures';
import { applyTransfer, fileOf, fitThumb, formatSize, fraction, MAX_AUTO_IMAGE_BYTES, showsInline, typeLabel, withoutMessage, type Transfer } from './files';

describe('formatSize', () => {
  it('reads like a file manager (decimal units)', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(999)).toBe('999 B');
    expect(formatSize(1000)).toBe('1.0 KB');
    expect(formatSize(5_242_880)).toBe('5.2 MB');
    expect(formatSize(104_857_600)).toBe('105 MB');
    expect(formatSize(999_999)).toBe('1.0 MB');
    expect(formatSize(3_200_000_000)).toBe('3.2 GB');
  });
  it('is empty for nonsense', () => {
    expect(formatSize(-1)).toBe('');
    expect(formatSize(Number.NaN)).toBe('');
  });
});

describe('fitThumb', () => {
  it('keeps the aspect within 280×280 and never upscales', () => {
    expect(fitThumb(1920, 1080)).toEqual({ width: 280, height: 158 });
    expect(fitThumb(600, 1200)).toEqual({ width: 140, height: 280 });
    expect(fitThumb(120, 80)).toEqual({ width: 120, height: 80 });
  });
  it('keeps tiny and unknown sizes usable', () => {
    expect(fitThumb(10, 4000)).toEqual({ width: 48, height: 280 });
    expect(fitThumb(0, 0)).toEqual({ width: 280, height: 210 });
  });
});

describe('applyTransfer', () => {
  const up = (done: number, total = 100) => ({ type: 'transfer_progress' as const, transfer: 'c1', direction: 'upload' as const, done, total });

  it('tracks progress monotonically', () => {
    let m: Record<string, Transfer> = {};
    m = applyTransfer(m, up(10));
    m = applyTransfer(m, up(60));
    m = applyTransfer(m, up(40)); // late event
    expect(m.c1).toMatchObject({ done: 60, total: 100, status: 'active' });
    expect(fraction(m.c1)).toBeCloseTo(0.6);
  });

  it('returns the same object when nothing changes', () => {
    const m = applyTransfer({}, up(10));
    expect(applyTransfer(m, up(10))).toBe(m);
  });

  it('finishes ok at 100 % and is not revived by a late progress event', () => {
    let m = applyTransfer({}, up(70));
    m = applyTransfer(m, { type: 'transfer_finished', transfer: 'c1', direction: 'upload', ok: true, error: null });
    expect(m.c1).toMatchObject({ status: 'done', done: 100 });
    expect(applyTransfer(m, up(80))).toBe(m);
  });

  it('keeps the error of a failed transfer', () => {
    let m = applyTransfer({}, up(30));
    m = applyTransfer(m, { type: 'transfer_finished', transfer: 'c1', direction: 'upload', ok: false, error: 'too large' });
    expect(m.c1).toMatchObject({ status: 'failed', done: 30, error: 'too large' });
  });

  it('has no fraction while the size is unknown', () => {
    expect(fraction(undefined)).toBe(0);
    expect(fraction({ direction: 'download', done: 5, total: 0, status: 'active', error: null })).toBe(0);
  });
});

describe('messages with files', () => {
  const file = { id: 'f1', name: 'report.pdf', size: 2048, mime: 'application/pdf' };
  it('finds the file of image and file messages only', () => {
    expect(fileOf({ type: 'file', file })).toEqual(file);
    expect(fileOf({ type: 'image', file, width: 1, height: 1 })).toEqual(file);
    expect(fileOf({ type: 'text', text: 'x' })).toBeNull();
  });
  it('removes a cancelled upload and keeps the list when absent', () => {
    const list = [msg({ client_id: 'a' }), msg({ client_id: 'b' })];
    expect(withoutMessage(list, 'a').map((m) => m.client_id)).toEqual(['b']);
    expect(withoutMessage(list, 'zzz')).toBe(list);
  });
  it('labels file types by extension, else MIME', () => {
    expect(typeLabel('report.pdf', 'application/pdf')).toBe('PDF');
    expect(typeLabel('archive', 'application/zip')).toBe('ZIP');
    expect(typeLabel('data.verylongext', 'application/octet-stream')).toBe('FILE');
  });
});

describe('showsInline', () => {
  const file = { id: 'f1', name: 'a.png', mime: 'image/png', size: 1000 };
  const image = (size: number, width: number, height: number) => ({ type: 'image' as const, file: { ...file, size }, width, height });
  it('shows ordinary images, not huge files, huge canvases, refused bytes or non-images', () => {
    expect(showsInline(image(1000, 4000, 3000), false)).toBe(true);
    expect(showsInline(image(MAX_AUTO_IMAGE_BYTES, 6000, 6000), false)).toBe(true);
    expect(showsInline(image(MAX_AUTO_IMAGE_BYTES + 1, 640, 480), false)).toBe(false);
    expect(showsInline(image(500, 30000, 30000), false)).toBe(false);
    expect(showsInline(image(1000, 640, 480), true)).toBe(false);
    expect(showsInline({ type: 'file', file }, false)).toBe(false);
  });
});
