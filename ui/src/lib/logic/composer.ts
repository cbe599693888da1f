/** Keyboard rules of the message composer. */

export type ComposerKey = { key: string; shiftKey: boolean; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean; isComposing?: boolean };

/** Enter sends; Shift+Enter (and Enter while an IME is composing) inserts a newline. */
export function shouldSend(e: ComposerKey): boolean {
  return e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.isComposing;
}

/** The text that would be sent, or null when there is nothing to send. */
export function outgoingText(draft: string, maxChars = DEFAULT_MAX_TEXT_CHARS): string | null {
  const t = draft.replace(/^\s*\n/, '').trimEnd();
  if (t.trim().length === 0) return null;
  return [...t].length > maxChars ? null : t;
}

/** The server's default `max_text_chars`, used until the handshake announced the real limit. */
export const DEFAULT_MAX_TEXT_CHARS = 8000;

/** The counter is shown from this share of the limit on. */
export const COUNTER_FROM = 0.9;

export type TextLimit = {
  /** Characters (Unicode scalar values, as the server counts them) that would be sent. */
  count: number;
  max: number;
  /** Show the counter (near or over the limit). */
  show: boolean;
  over: boolean;
  /** "7,300 / 8,000" */
  label: string;
  /** Why Send is disabled, or null. */
  reason: string | null;
};

const num = (n: number) => n.toLocaleString('en-US');

/** Where a draft stands against the server's text limit. */
export function textLimit(draft: string, max: number = DEFAULT_MAX_TEXT_CHARS): TextLimit {
  const t = draft.replace(/^\s*\n/, '').trimEnd();
  const count = [...t].length;
  const over = count > max;
  return {
    count,
    max,
    show: count >= Math.ceil(max * COUNTER_FROM),
    over,
    label: `${num(count)} / ${num(max)}`,
    reason: over ? `too long to send (${num(count - max)} over)` : null,
  };
}

/** What the app says when an image is pasted: it cannot attach clipboard images yet. */
export const PASTED_IMAGE_NOTE = 'Pasting images is not supported yet: drag the image into the chat, or attach it with the paperclip.';

/**
 * Whether a paste carries an image and no text (a screenshot, "Copy image"):
 * then nothing can be inserted and the user is told why, instead of the paste
 * silently doing nothing.
 */
export function pastesOnlyImage(text: string, fileTypes: readonly string[]): boolean {
  return text === '' && fileTypes.some((t) => t.startsWith('image/'));
}
