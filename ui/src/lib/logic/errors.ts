/**
 * The one place that turns a failure into words for the user. Commands fail
 * with a structured `{ code, message }` (`AppError` in the bindings): the code
 * decides the sentence; the raw message (a server's text, an OS error) goes to
 * the log, never to a toast. The keyring's state (`KeyringNotice`) is mapped
 * here too. Pure, so unit-tested.
 */
import { t } from '../i18n/index.svelte';
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
  return t('errors.internal');
}

/** Server error codes with a fixed sentence (`errors.s<code>` in i18n; see docs/protocol.md). */
const SERVER = new Set([1000, 1001, 1003, 1004, 1005, 1006, 2000, 2001, 2002, 2003, 2004, 2005, 3000, 3001, 3002, 3003, 3004, 3005, 4000, 4001, 4002, 4003, 4004, 4005, 4006, 4008, 4009, 4010, 4011, 4012, 4013, 4014, 4015, 4016, 4017, 4018, 4019, 4020, 4021, 4022, 4023, 4024, 5000, 5001]);

/** The app's own codes whose raw text is not for the user (`errors.<code>` in i18n). */
const APP: Record<string, string> = {
  offline: 'offline',
  certificate_unknown_issuer: 'certificate_unknown_issuer',
  certificate_wrong_name: 'certificate_wrong_name',
  certificate_expired: 'certificate_expired',
  certificate_ca_as_server: 'certificate_ca_as_server',
  certificate_invalid: 'certificate_invalid',
  not_logged_in: 'not_logged_in',
  too_many_accounts: 'too_many_accounts',
  no_such_account: 'no_such_account',
  internal: 'internal',
  open_failed: 'open_failed',
  link_failed: 'link_failed',
  save_failed: 'save_failed',
};

/**
 * Codes whose message the app itself wrote for the user (in plain words, e.g.
 * "The current password is wrong.", "too-big.iso is 25 MB; the server accepts
 * files up to 20 MB."): shown as written.
 */
const WRITTEN_FOR_USER = new Set(['invalid_argument', 'wrong_password', 'locked_out', 'file_too_large', 'confirm_open', 'not_found', 'not_allowed']);

/** Text that must never reach the user: D-Bus names, process exit statuses, code quotes. */
export const RAW_INTERNALS = /DBus|D-Bus|ExitStatus|unix_wait_status|`/;

/** Removes code quotes and makes a sentence: first letter upper case, a final full stop (。 after Chinese). */
export function sentence(text: string): string {
  const t = text.replace(/`/g, '').trim();
  if (!t) return '';
  const s = t[0].toUpperCase() + t.slice(1);
  if (/[.!?…。！？]$/.test(s)) return s;
  return /\p{Script=Han}$/u.test(s) ? `${s}。` : `${s}.`;
}

/** The sentence to show for a failed command. */
export function humanError(e: ErrorLike): string {
  const server = /^server_(\d+)$/.exec(e.code);
  if (server) {
    const n = Number(server[1]);
    // A malformed field: the server's words name what is wrong ("password must be 8 to 256 characters").
    if (n === 1002) return sentence(e.message) || t('errors.notAccepted');
    // The operator's moderation hook refused it: its reason is written for the user (docs/webhooks.md).
    if (n === 4007) return (!RAW_INTERNALS.test(e.message) && sentence(e.message)) || t('errors.s4007');
    return SERVER.has(n) ? t(`errors.s${n}`) : t('errors.refused');
  }
  if (APP[e.code]) return t(`errors.${APP[e.code]}`);
  const written = e.message.replace(/`/g, '').trim();
  if (WRITTEN_FOR_USER.has(e.code) && written && !RAW_INTERNALS.test(written)) return written;
  return t('errors.internal');
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
      return t('keyring.unavailable');
    case 'locked':
      return t('keyring.locked');
    case 'refused':
      return n.user ? t('keyring.refusedFor', { user: n.user }) : t('keyring.refused');
    case 'failed':
      return t('keyring.failed');
  }
}

/** Why "Remember me" cannot be ticked, or null when it can. */
export function rememberBlocked(n: KeyringNotice | null): string | null {
  return n?.kind === 'unavailable' ? t('keyring.rememberBlocked') : null;
}
