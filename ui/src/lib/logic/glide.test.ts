import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GLIDE_FRAMES, GLIDE_STILL, Glider, onScrollGestures, type Scrollable } from './glide';

let frames: FrameRequestCallback[] = [];
const saved = globalThis.requestAnimationFrame;
beforeEach(() => {
  frames = [];
  globalThis.requestAnimationFrame = (cb) => frames.push(cb);
});
afterEach(() => {
  globalThis.requestAnimationFrame = saved;
});
/** Runs the frames queued so far (those they queue wait for the next call). */
const frame = () => frames.splice(0).forEach((cb) => cb(0));

/** A list whose content grows by `grow` px each frame for `growFrames` frames (rows measured after they mount). */
function list(size: number, viewport = 600) {
  const v = { top: 0, size, writes: [] as number[] };
  const view: Scrollable = { offset: () => v.top, max: () => v.size - viewport, scrollTo: (t) => (v.writes.push(t), (v.top = t)) };
  return { v, view };
}

describe('Glider', () => {
  it('scrolls after layout, follows the content as it grows, and ends once the target held still', () => {
    const { v, view } = list(2000);
    let done = 0;
    new Glider().start(() => view, (s) => s.max(), () => true, () => done++);
    expect(v.writes).toEqual([]);
    frame();
    expect(v.top).toBe(1400);
    v.size = 2600; // the rows below measured taller
    frame();
    expect(v.top).toBe(2000);
    for (let i = 0; i < GLIDE_STILL; i++) frame();
    expect(done).toBe(1);
    expect(frames).toEqual([]);
    expect(v.writes).toEqual([1400, 2000]);
  });

  it('stops at once, without done, when the user scrolls (keep turns false)', () => {
    const { v, view } = list(2000);
    let keep = true;
    let done = 0;
    new Glider().start(() => view, (s) => s.max(), () => keep, () => done++);
    frame();
    keep = false;
    v.top = 0; // the user's own scroll
    v.size = 2600;
    frame();
    frame();
    expect(v.top).toBe(0);
    expect(v.writes).toEqual([1400]);
    expect(done).toBe(0);
  });

  it('a newer glide ends the one before; a target that is gone stops it', () => {
    const { v, view } = list(2000);
    const g = new Glider();
    g.start(() => view, () => 100, () => true);
    g.start(() => view, () => 300, () => true);
    frame();
    expect(v.writes).toEqual([300]);
    g.start(() => view, () => null, () => true);
    frame();
    expect(frames).toEqual([]);
  });

  it('gives up after GLIDE_FRAMES when the target never holds still', () => {
    const { view } = list(2000);
    let n = 0;
    let done = 0;
    new Glider().start(() => view, () => (n++ % 2) * 500, () => true, () => done++);
    for (let i = 0; i < GLIDE_FRAMES + 5; i++) frame();
    expect(done).toBe(1);
    expect(frames).toEqual([]);
  });
});

describe('onScrollGestures', () => {
  it('tells gestures away from the newest message from those towards it, and ignores clicks on messages', () => {
    const el = document.createElement('div');
    const inner = document.createElement('div');
    inner.className = 'vlist';
    const row = document.createElement('button');
    inner.append(row);
    el.append(inner);
    const seen: boolean[] = [];
    const off = onScrollGestures(el, (away) => seen.push(away));
    inner.dispatchEvent(new WheelEvent('wheel', { bubbles: true, deltaY: -100 }));
    inner.dispatchEvent(new WheelEvent('wheel', { bubbles: true, deltaY: 100 }));
    inner.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, key: 'PageUp' }));
    inner.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, key: 'End' }));
    inner.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, key: 'a' }));
    row.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    inner.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    expect(seen).toEqual([true, false, true, false, true]);
    off();
    inner.dispatchEvent(new WheelEvent('wheel', { bubbles: true, deltaY: -100 }));
    expect(seen.length).toBe(5);
  });
});
