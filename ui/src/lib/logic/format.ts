/** Display helpers shared by the lists and the chat view. Pure, so unit-tested. */
import { intlLocale, t } from '../i18n/index.svelte';

/** Up to two initials for an avatar: "Alice Smith" → "AS", "bob" → "B", "李雷" → "李". */
export function initials(name: string): string {
  // Words are runs of letters/digits, so "Dave (design)" gives "DD", not "D(".
  const words = name.match(/[\p{L}\p{N}]+/gu) ?? [];
  const head = (w: string | undefined) => (w ? ([...w][0] ?? '') : '');
  if (words.length === 0) return '?';
  const first = head(words[0]) || '?';
  // A name that starts in Chinese (or another script written without capitals) shows
  // its first character alone: "周末登山 Hiking Club" is "周", not "周C".
  if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(first)) return first;
  const second = words.length > 1 ? head(words[words.length - 1]) : '';
  return (first + second).toUpperCase();
}

// Each colour has a contrast of at least 4.5:1 with the white initials (WCAG AA for
// normal text, which axe-core checks on every screen): Material 600–800 shades.
const PALETTE = ['#c62828', '#ad1457', '#7b1fa2', '#3949ab', '#1565c0', '#00796b', '#2e7d32', '#b45309', '#6d4c41', '#37718e'];

/** A stable pleasant colour per id, so a person keeps their colour everywhere. */
export function avatarColor(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return PALETTE[h % PALETTE.length];
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * Dates and times follow the app's language (`locale` left out = i18n's current
 * locale, via Intl): the order of day and month, 12/24-hour clock and month names are
 * theirs. Tests pass a locale explicitly.
 */
type Locale = string | string[] | undefined;

/**
 * One `Intl.DateTimeFormat` per locale and style, kept: WebKit's JavaScriptCore builds
 * a new ICU formatter on every `toLocale…String` call with options, and the chat view
 * formats two per message bubble (its time and its tooltip) as a chat opens (C3).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatter(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${String(locale)}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, f);
  }
  return f;
}

/** Conversation-list time: the time today, "Yesterday", a weekday this week, else a short date. */
export function listTime(ms: number, now: Date = new Date(), locale: Locale = intlLocale()): string {
  if (!ms) return '';
  const d = new Date(ms);
  if (sameDay(d, now)) return hhmm(d, locale);
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(d, yesterday)) return t('format.yesterday');
  const diffDays = (now.getTime() - d.getTime()) / 86_400_000;
  if (diffDays < 7 && diffDays > 0) return formatter(locale, { weekday: 'short' }).format(d);
  return formatter(locale, { day: '2-digit', month: '2-digit', year: 'numeric' }).format(d);
}

/** Time of day shown inside a bubble, in the user's locale ("14:05", "2:05 PM"). */
export function hhmm(d: Date | number, locale: Locale = intlLocale()): string {
  const x = typeof d === 'number' ? new Date(d) : d;
  return formatter(locale, { timeStyle: 'short' }).format(x);
}

/** The full date and time, for a tooltip on a message's time ("Sunday, 22 November 2026 at 09:05"). */
export function fullDate(ms: number, locale: Locale = intlLocale()): string {
  return formatter(locale, { dateStyle: 'full', timeStyle: 'short' }).format(ms);
}

/** Day separator label in the chat view. */
export function dayLabel(ms: number, now: Date = new Date(), locale: Locale = intlLocale()): string {
  const d = new Date(ms);
  if (sameDay(d, now)) return t('format.today');
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(d, yesterday)) return t('format.yesterday');
  return formatter(locale, { day: 'numeric', month: 'long', year: 'numeric' }).format(d);
}

/** The chat header's presence line: "online", "last seen today at 14:05", "last seen 3 Dec", or null when unknown. */
export function presenceLabel(online: boolean | undefined, lastSeen: number | undefined, now: Date = new Date(), locale?: Locale): string | null {
  if (online) return t('format.online');
  if (!lastSeen) return null;
  const d = new Date(lastSeen);
  if (sameDay(d, now)) return t('format.lastSeenToday', { time: hhmm(d, locale) });
  return t('format.lastSeen', { date: formatter(locale ?? intlLocale(), { day: 'numeric', month: 'short' }).format(d) });
}

/** Badge text: 1..99, then "99+". */
export function badgeText(n: number): string {
  return n > 99 ? '99+' : String(n);
}

/** Unicode's direction controls (embeddings, overrides, isolates, marks). */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * A name as shown (nickname, file name): without direction controls, which would
 * let `Invoice-\u202Efdp.desktop` read as "Invoice-potksed.pdf" or make one name
 * look like another's.
 */
export function shownName(s: string): string {
  return s.replace(BIDI_CONTROLS, '');
}
