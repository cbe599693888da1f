/**
 * Conversation settings that follow the user across devices (kept on the
 * server): which chats are pinned, muted, archived; the list's order; mute
 * durations; the do-not-disturb schedule's defaults. Pure, so unit-tested;
 * mirrors tern-proto's `ConvSettings::is_muted` / `is_archived`.
 */
import type { AccountSettings, Conversation, ConvSettings, DndSchedule, Weekday } from '../bindings';

export type SettingsOf = Readonly<Record<string, ConvSettings>>;

/** Notifications off for the chat at `now` (ms). */
export function isMuted(s: ConvSettings | undefined, now: number): boolean {
  if (!s?.muted) return false;
  const until = s.muted_until ?? null;
  return until === null || now < until;
}

/**
 * The chat belongs in "Archived": archived and no message came since, or
 * muted (a new message brings back only a chat that is not muted).
 */
export function isArchived(s: ConvSettings | undefined, maxSeq: number, now: number): boolean {
  const at = s?.archived ?? null;
  if (at === null) return false;
  return maxSeq <= at || isMuted(s, now);
}

/** Pinned (any order). */
export function isPinned(s: ConvSettings | undefined): boolean {
  return (s?.pinned ?? null) !== null;
}

/**
 * The main list and the archived list: archived chats go to the second; in
 * each, pinned chats come first (highest pin order first), then the others in
 * the order given (most recent activity first).
 */
export function arrangeChats(list: readonly Conversation[], settings: SettingsOf, now: number): { main: Conversation[]; archived: Conversation[] } {
  const pinOf = (c: Conversation) => settings[c.conv]?.pinned ?? null;
  const byPin = (a: Conversation, b: Conversation) => (pinOf(b) ?? 0) - (pinOf(a) ?? 0);
  const main: Conversation[] = [];
  const archived: Conversation[] = [];
  for (const c of list) (isArchived(settings[c.conv], c.max_seq, now) ? archived : main).push(c);
  const order = (l: Conversation[]) => [...l.filter((c) => pinOf(c) !== null).sort(byPin), ...l.filter((c) => pinOf(c) === null)];
  return { main: order(main), archived: order(archived) };
}

/** The mute choices of a chat's menu. */
export const MUTE_CHOICES = ['1h', '8h', '1d', 'forever'] as const;
export type MuteChoice = (typeof MUTE_CHOICES)[number];

const HOUR = 3_600_000;

/** When a mute chosen at `now` ends (`null`: forever). */
export function muteUntil(choice: MuteChoice, now: number): number | null {
  switch (choice) {
    case '1h':
      return now + HOUR;
    case '8h':
      return now + 8 * HOUR;
    case '1d':
      return now + 24 * HOUR;
    case 'forever':
      return null;
  }
}

/** Monday first, as the server numbers them. */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A new do-not-disturb schedule: 22:00–08:00 every day in `tz`. */
export function defaultDnd(tz: string): DndSchedule {
  return { start: '22:00', end: '08:00', tz, days: [...WEEKDAYS] };
}

/** This machine's time zone (IANA name), UTC when unknown. */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Toggles `day` in a schedule's days, keeping Monday-first order and at least one day. */
export function toggleDay(days: readonly Weekday[], day: Weekday): Weekday[] {
  const next = days.includes(day) ? days.filter((d) => d !== day) : [...days, day];
  return next.length === 0 ? [...days] : WEEKDAYS.filter((d) => next.includes(d));
}

/** Whether an `HH:MM` text is a valid time. */
export function validTime(s: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(s);
}

/** The account settings before the server sent any. */
export const DEFAULT_ACCOUNT: AccountSettings = { notifications: true, show_text: true, sound: true, dnd: null, updated_at: 0 };
