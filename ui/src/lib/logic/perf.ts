/**
 * Performance marks the benchmarks read through WebDriver (bench/c1, C3): from a
 * chat's open (the click on it) to the first frame painted with its first page.
 * Only the latest of each is kept, so they cost nothing over a long session.
 */

/** Marked when a chat is opened. */
export const CHAT_OPEN = 'tern:chat-open';
/** Marked when the chat's first page has come from the backend (the part C3 breaks out). */
export const CHAT_LOADED = 'tern:chat-loaded';
/** Marked once the frame that showed the chat's first page has been rendered. */
export const CHAT_SHOWN = 'tern:chat-shown';
/** The measure from open to shown: what C3 reports. */
export const CHAT_FIRST_PAINT = 'tern:chat-first-paint';

export function markChatOpen(): void {
  performance.clearMarks(CHAT_OPEN);
  performance.clearMarks(CHAT_LOADED);
  performance.clearMarks(CHAT_SHOWN);
  performance.clearMeasures(CHAT_FIRST_PAINT);
  performance.mark(CHAT_OPEN);
}

export function markChatLoaded(): void {
  if (performance.getEntriesByName(CHAT_LOADED, 'mark').length === 0) performance.mark(CHAT_LOADED);
}

/** Frames waited at most for the chat's first view before marking anyway. */
const MAX_FRAMES = 120;

/**
 * Called when the message list has its first page and has asked to scroll to where
 * the chat opens (its newest message, or the first unread one). `shows` tells whether
 * the DOM holds that message. Checked in each animation frame callback (the DOM as
 * that frame paints it); the mark goes in a task queued from the first frame that had
 * it, which runs once that frame has been rendered: the first paint of the messages
 * the chat opens at. (Marking after the first frame alone measured a frame that still
 * showed the page's oldest messages: the list renders from its top, then scrolls.)
 * `then` runs in that task too (also when no chat open was marked, or when the
 * message never showed within `frames` frames).
 */
export function markChatShown(shows: () => boolean, then: () => void = () => {}, frames = MAX_FRAMES): void {
  requestAnimationFrame(() => {
    const painted = shows();
    setTimeout(() => {
      if (!painted && frames > 0) {
        markChatShown(shows, then, frames - 1);
        return;
      }
      if (performance.getEntriesByName(CHAT_OPEN, 'mark').length > 0 && performance.getEntriesByName(CHAT_SHOWN, 'mark').length === 0) {
        performance.mark(CHAT_SHOWN);
        performance.measure(CHAT_FIRST_PAINT, CHAT_OPEN, CHAT_SHOWN);
      }
      then();
    }, 0);
  });
}
