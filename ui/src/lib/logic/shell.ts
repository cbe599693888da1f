/** Keys the whole app answers, whatever has the focus. */

/** Ctrl+Q quits Tern (as in Telegram, Signal and Element on Linux), also from the login screen. */
export function isQuitKey(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'q';
}
