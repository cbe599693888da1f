/** Keys the whole app answers, whatever has the focus. */

/** Ctrl+Q quits Tern (as in Telegram, Signal and Element on Linux), also from the login screen. */
export function isQuitKey(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'q';
}

/** Ctrl+F: search in the open chat ('chat'); Ctrl+Shift+F: search everywhere ('all'); else null. */
export function findKey(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): 'chat' | 'all' | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey || e.key.toLowerCase() !== 'f') return null;
  return e.shiftKey ? 'all' : 'chat';
}
