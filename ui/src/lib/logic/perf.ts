/**
 * Performance marks the benchmarks read through WebDriver (bench/c1, C3): from a
 * chat's open (the click on it) to the first frame painted with its first page.
 * Only the latest of each is kept, so they cost nothing over a long session.
 */

/** Marked when a chat is opened. */
export const CHAT_OPEN = 'tern:chat-open';
/** Marked at the start of the frame after the one that showed the chat's first page. */
export const CHAT_SHOWN = 'tern:chat-shown';
/** The measure between the two: what C3 reports. */
export const CHAT_FIRST_PAINT = 'tern:chat-first-paint';

export function markChatOpen(): void {
  performance.clearMarks(CHAT_OPEN);
  performance.clearMarks(CHAT_SHOWN);
  performance.clearMeasures(CHAT_FIRST_PAINT);
  performance.mark(CHAT_OPEN);
}

/**
 * Called when the message list has its first page and has asked to scroll to it:
 * that scroll runs in the next animation frame, which is then painted; the mark
 * goes in the frame after (so the figure errs by up to a frame on the slow side).
 */
export function markChatShown(): void {
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      if (performance.getEntriesByName(CHAT_OPEN, 'mark').length === 0) return;
      if (performance.getEntriesByName(CHAT_SHOWN, 'mark').length > 0) return;
      performance.mark(CHAT_SHOWN);
      performance.measure(CHAT_FIRST_PAINT, CHAT_OPEN, CHAT_SHOWN);
    }),
  );
}
