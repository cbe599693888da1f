/** Keyboard rules of the message composer. */
import { t } from '../i18n/index.svelte';

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
  const body = draft.replace(/^\s*\n/, '').trimEnd();
  const count = [...body].length;
  const over = count > max;
  return {
    count,
    max,
    show: count >= Math.ceil(max * COUNTER_FROM),
    over,
    label: `${num(count)} / ${num(max)}`,
    reason: over ? t('composer.tooLong', { n: num(count - max) }) : null,
  };
}

/** Image types a paste can send (the app refuses others). */
export const PASTABLE_IMAGES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** What the app says when a pasted image is of a type it cannot send. */
export const pastedImageNote = (): string => t('composer.pastedImageNote');

/**
 * What to do with a paste that carries an image and no text (a screenshot,
 * "Copy image"): send it (`send`), or say why not (`refuse`); null when it is
 * not such a paste (text is pasted as text).
 */
export function pastedImage(text: string, fileTypes: readonly string[]): 'send' | 'refuse' | null {
  if (text !== '' || !fileTypes.some((t) => t.startsWith('image/'))) return null;
  return fileTypes.some((t) => PASTABLE_IMAGES.includes(t)) ? 'send' : 'refuse';
}
