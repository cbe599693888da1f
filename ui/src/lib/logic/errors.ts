/**
 * The one place that turns a failure into words for the user. Commands fail
 * with a structured `{ code, message }` (`AppError` in the bindings): the code
 * decides the sentence; the raw message (a server's text, an OS error) goes to
 * the log, never to a toast. The keyring's state (`KeyringNotice`) is mapped
 * here too. Pure, so unit-tested.
 */
import type { AppError, KeyringNotice } from '../bindings';

export type ErrorLike = { code: string; message: string };

/**
 * A failed command: `code` as the app sent it, `message` the sentence for the
 * user (from [`humanError`]), `raw` the app's detail (for the log).
 */
export class CommandError extends Error {
  readonly raw: string;
  constructor(
    readonly code: string,
    message: string,
    raw: string = message,
  ) {
    super(message);
    this.raw = raw;
  }

  /** The error of a failed command, worded for the user; the raw detail is logged. */
  static from(e: AppError, log: (line: string) => void = console.warn): CommandError {
    const shown = humanError(e);
    const line = logLine(e, shown);
    if (line) log(`tern: ${line}`);
    return new CommandError(e.code, shown, e.message);
  }
}

/** Words for anything thrown: a [`CommandError`]'s sentence, else a generic one (the raw text logged). */
export function errorText(e: unknown, log: (line: string) => void = console.warn): string {
  if (e instanceof CommandError) return e.message;
  log(`tern: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return APP.internal;
}

/** Fixed sentences for the server's error codes (`server_<code>`, see docs/protocol.md). */
const SERVER: Record<number, string> = {
  1000: 'The app and the server could not understand each other. Try again, or update Tern.',
  1001: 'This server does not support that yet.',
  1003: 'That is too large for the server.',
  1004: 'Too many requests at once. Wait a moment and try again.',
  1005: 'This server runs a different version of Tern. Update the app or ask the server’s admin.',
  1006: 'The connection was not ready. Try again.',
  2000: 'You are not signed in. Please sign in again.',
  2001: 'Wrong user id or password.',
  2002: 'Your session expired. Please sign in again.',
  2003: 'Your sign-in is no longer valid. Please sign in again.',
  2004: 'That user id is taken. Try another one.',
  2005: 'You are already signed in.',
  3000: 'That user or group does not exist (any more).',
  3001: 'This person has blocked you, so your messages and requests do not reach them.',
  3002: 'You are already friends.',
  3003: 'This server only lets friends message each other. Send a friend request first.',
  3004: 'That is you.',
  3005: 'They are already a member of this group.',
  4000: 'You are not allowed to do that.',
  4001: 'Too late: messages can only be recalled for a short while after sending.',
  4002: 'You are muted in this group, so you cannot post right now.',
  4003: 'An earlier message is still being sent. Try again in a moment.',
  4004: 'The group is full.',
  4005: 'System notices cannot be answered.',
  4006: 'Tern is catching up with the server. Try again in a moment.',
  5000: 'The server ran into a problem. Try again.',
  5001: 'The server is restarting. Try again in a moment.',
};

/** Fixed sentences for the app's own codes whose raw text is not for the user. */
const APP: Record<string, string> = {
  offline: 'The server cannot be reached. Check the address and your connection.',
  not_logged_in: 'You are not signed in.',
  internal: 'Something went wrong. The details are in the app’s log.',
  open_failed: 'No application on this computer can open this file. Use “Save as…” to keep it.',
  link_failed: 'No application on this computer can open this link.',
  save_failed: 'Could not save the file there. Choose a folder you can write to.',
};

/**
 * Codes whose message the app itself wrote for the user (in plain words, e.g.
 * "The current password is wrong.", "too-big.iso is 25 MB; the server accepts
 * files up to 20 MB."): shown as written.
 */
const WRITTEN_FOR_USER = new Set(['invalid_argument', 'wrong_password', 'locked_out', 'file_too_large', 'confirm_open', 'not_found', 'not_allowed']);

/** Text that must never reach the user: D-Bus names, process exit statuses, code quotes. */
export const RAW_INTERNALS = /DBus|D-Bus|ExitStatus|unix_wait_status|`/;

/** Removes code quotes and makes a sentence: first letter upper case, a final full stop. */
export function sentence(text: string): string {
  const t = text.replace(/`/g, '').trim();
  if (!t) return '';
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(s) ? s : `${s}.`;
}

/** The sentence to show for a failed command. */
export function humanError(e: ErrorLike): string {
  const server = /^server_(\d+)$/.exec(e.code);
  if (server) {
    const n = Number(server[1]);
    // A malformed field: the server's words name what is wrong ("password must be 8 to 256 characters").
    if (n === 1002) return sentence(e.message) || 'The server did not accept that.';
    return SERVER[n] ?? 'The server refused that. Try again later.';
  }
  if (APP[e.code]) return APP[e.code];
  const written = e.message.replace(/`/g, '').trim();
  if (WRITTEN_FOR_USER.has(e.code) && written && !RAW_INTERNALS.test(written)) return written;
  return APP.internal;
}

/**
 * What to log for a failure: the code and the raw text (only when the user was
 * shown something else), or null when there is nothing more to say.
 */
export function logLine(e: ErrorLike, shown: string): string | null {
  return e.message && e.message !== shown ? `${e.code}: ${e.message}` : null;
}

/** The login screen's words for the keyring's state. */
export function keyringSentence(n: KeyringNotice): string {
  switch (n.kind) {
    case 'unavailable':
      return 'This computer has no system keyring (Secret Service), so Tern cannot remember your sign-in. You can still sign in.';
    case 'locked':
      return 'The system keyring did not answer (is it locked?), so Tern cannot remember your sign-in right now. You can still sign in.';
    case 'refused':
      return `Your remembered sign-in${n.user ? ` for ${n.user}` : ''} no longer works. Please sign in again.`;
    case 'failed':
      return 'The system keyring could not store your sign-in. You can still sign in; you will be asked again next time.';
  }
}

/** Why "Remember me" cannot be ticked, or null when it can. */
export function rememberBlocked(n: KeyringNotice | null): string | null {
  return n?.kind === 'unavailable' ? 'Unavailable: no system keyring on this computer.' : null;
}
