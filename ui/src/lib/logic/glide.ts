/**
 * The message list's own scrolling (following the newest message, jumps to a message): to a
 * target after layout, and again in each animation frame while rows are measured after they mount
 * and move it, until it holds still — and never over the user's own scrolling.
 *
 * Not virtua's `scrollToIndex`: for 150 ms after every size change that one scrolls back to its
 * target, also after the user turned the wheel (inokawa/virtua#595), and it cannot be cancelled —
 * in a chat that pulled the user back to the newest message and read what they had scrolled away from.
 */

/** Where the list is; `scrollTo` moves it (the scroll container's own `scrollTo`). */
export interface Scrollable {
  offset(): number;
  /** The furthest offset: the content's size less the viewport's. */
  max(): number;
  scrollTo(top: number): void;
}

/** A glide ends once its target held still this many frames, or after `GLIDE_FRAMES`. */
export const GLIDE_STILL = 3;
export const GLIDE_FRAMES = 90;

/** One glide at a time: starting one ends the one before. */
export class Glider {
  private run = 0;

  /**
   * Glides `view` to `target()` (null: the target is gone, stop). Stops at once, without `done`,
   * when `keep()` turns false (the user scrolled) or another glide starts; `done` runs when the
   * target held still or the frames ran out.
   */
  start(view: () => Scrollable | null, target: (v: Scrollable) => number | null, keep: () => boolean, done: () => void = () => {}): void {
    const run = ++this.run;
    let still = 0;
    let frames = 0;
    const frame = () => {
      const v = view();
      if (run !== this.run || !keep() || !v) return;
      const want = target(v);
      if (want === null) return;
      const top = Math.max(0, Math.min(want, v.max()));
      if (Math.abs(v.offset() - top) > 1) {
        v.scrollTo(top);
        still = 0;
      } else {
        still += 1;
      }
      frames += 1;
      if (still < GLIDE_STILL && frames < GLIDE_FRAMES) requestAnimationFrame(frame);
      else done();
    };
    requestAnimationFrame(frame);
  }
}

/** Keys that scroll the list; the second set moves towards its end. */
const SCROLL_KEYS = new Set(['PageUp', 'PageDown', 'ArrowUp', 'ArrowDown', 'Home', 'End', ' ']);
const DOWN_KEYS = new Set(['PageDown', 'ArrowDown', 'End', ' ']);

/**
 * Calls `on(away)` for each scrolling gesture of the user's inside `el` — wheel, touch, scroll
 * keys, or grabbing the scrollbar (a `pointerdown` on the scroll container `.vlist` itself; a
 * click on a message, such as Retry, is not a scroll). `away`: it may take the view away from the
 * newest message (up, the scrollbar or a touch; a wheel turn or key towards the end is not).
 * Returns the function that stops listening.
 */
export function onScrollGestures(el: HTMLElement, on: (away: boolean) => void): () => void {
  const mark = (e: Event) => {
    if (e instanceof KeyboardEvent && !SCROLL_KEYS.has(e.key)) return;
    if (e.type === 'pointerdown' && !(e.target instanceof Element && e.target.classList.contains('vlist'))) return;
    const down = (e instanceof WheelEvent && e.deltaY >= 0) || (e instanceof KeyboardEvent && DOWN_KEYS.has(e.key));
    on(!down);
  };
  const kinds = ['wheel', 'touchmove', 'keydown', 'pointerdown'] as const;
  for (const k of kinds) el.addEventListener(k, mark, { passive: true });
  return () => kinds.forEach((k) => el.removeEventListener(k, mark));
}

/**
 * Calls `changed` whenever `el`'s height changes (the list's view got shorter as the
 * composer's reply bar or the pin bar appeared); returns the stop. Without
 * ResizeObserver (unit tests) it does nothing.
 */
export function onHeightChange(el: HTMLElement, changed: () => void): () => void {
  if (typeof ResizeObserver === 'undefined') return () => {};
  let height = el.clientHeight;
  const ro = new ResizeObserver(() => {
    if (el.clientHeight === height) return;
    height = el.clientHeight;
    changed();
  });
  ro.observe(el);
  return () => ro.disconnect();
}
