/** Keyboard rules of the message composer. */

export type ComposerKey = { key: string; shiftKey: boolean; ctrlKey?: boolean; altKey?: boolean; metaKey?: boolean; isComposing?: boolean };

/** Enter sends; Shift+Enter (and Enter while an IME is composing) inserts a newline. */
export function shouldSend(e: ComposerKey): boolean {
  return e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.isComposing;
}

/** The text that would be sent, or null when there is nothing to send. */
export function outgoingText(draft: string, maxChars = 10_000): string | null {
  const t = draft.replace(/^\s*\n/, '').trimEnd();
  if (t.trim().length === 0) return null;
  return [...t].length > maxChars ? null : t;
}
