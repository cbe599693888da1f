import { describe, expect, it } from 'vitest';
import { CHAT_FIRST_PAINT, markChatOpen, markChatShown } from './perf';

/** Waits `n` animation frames, each followed by a task (as the marks are taken). */
function frames(n: number): Promise<void> {
  return new Promise((done) => {
    const step = (left: number) => (left === 0 ? done() : requestAnimationFrame(() => setTimeout(() => step(left - 1), 0)));
    step(n);
  });
}

describe('markChatShown (C3)', () => {
  it('measures the first paint only once a frame held the message the chat opens at', async () => {
    markChatOpen();
    let inDom = false;
    let checks = 0;
    markChatShown(() => {
      checks += 1;
      return inDom;
    });
    await frames(4);
    // Frames that still showed the page's oldest messages do not count.
    expect(performance.getEntriesByName(CHAT_FIRST_PAINT)).toHaveLength(0);
    expect(checks).toBeGreaterThanOrEqual(3);
    inDom = true;
    await frames(3);
    expect(performance.getEntriesByName(CHAT_FIRST_PAINT)).toHaveLength(1);
  });

  it('runs what follows the first paint once, right after the mark', async () => {
    markChatOpen();
    let inDom = false;
    let measuredAtThen = -1;
    let calls = 0;
    markChatShown(
      () => inDom,
      () => {
        calls += 1;
        measuredAtThen = performance.getEntriesByName(CHAT_FIRST_PAINT).length;
      },
    );
    await frames(2);
    expect(calls).toBe(0);
    inDom = true;
    await frames(3);
    expect(calls).toBe(1);
    expect(measuredAtThen).toBe(1);
  });
});
