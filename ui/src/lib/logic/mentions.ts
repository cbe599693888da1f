/**
 * @mentions in the composer (issue 17): finding the `@query` being typed,
 * matching group members by remark, nickname or id, inserting the chosen one
 * and collecting the mention list to send. Pure functions; the picker
 * component and the composer call them.
 */
import { matchAt, needleOf } from './nameMatch';

/** A member the composer may mention. */
export type MentionCandidate = { id: string; nickname: string; remark: string };

/** The `@…` being typed: where its `@` is and what follows it up to the caret. */
export type MentionQuery = { start: number; query: string };

/** The pseudo-id of `@all` in the picker (not a valid user id: it has a space). */
export const MENTION_ALL = '@ all';

/**
 * What may stand right before a mention's `@`: white space, an opening bracket or
 * quote, or anything outside ASCII (Chinese text and its punctuation: `好的@`,
 * `，@`). Not letters, digits or the rest of ASCII: `bob@example.com`,
 * `https://medium.com/@zs` are no mentions.
 */
const MENTION_MAY_FOLLOW = /[\s([{"'<]|[^\x00-\x7f]/u;

/** Longest query the picker follows (longer words are not mentions). */
const MAX_QUERY = 32;

/**
 * The mention being typed at `caret`: an `@` followed by non-space characters up
 * to the caret, at the start of the text or after what [`MENTION_MAY_FOLLOW`]
 * allows (Chinese runs straight into one: `明天见@张`); else null.
 */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return null;
  if (at > 0 && !MENTION_MAY_FOLLOW.test(before[at - 1])) return null;
  const query = before.slice(at + 1);
  if (/\s/.test(query) || query.length > MAX_QUERY) return null;
  return { start: at, query };
}

/** What the picker shows for a member: the remark, else the nickname, else the id. */
export function mentionLabel(c: MentionCandidate): string {
  return c.remark || c.nickname || c.id;
}

/**
 * What the composer inserts for a member: the name everyone sees (their nickname,
 * else the id), never my private remark, so every member's app can find and mark
 * the mention in the text (logic/mentionMarks).
 */
export function mentionText(c: MentionCandidate): string {
  return c.nickname || c.id;
}

/**
 * Members matching `query` (case-insensitive; a Chinese name also by pinyin,
 * see nameMatch) by remark, nickname or id, without me: those starting with it first, then those containing it, each
 * group in the given order; at most `max`.
 */
export function matchMembers(cands: readonly MentionCandidate[], query: string, me: string, max = 8): MentionCandidate[] {
  const q = needleOf(query);
  const starts = (c: MentionCandidate) => [c.remark, c.nickname, c.id].map((s) => matchAt(s, q));
  const others = cands.filter((c) => c.id !== me);
  const prefix = others.filter((c) => starts(c).some((at) => at === 0));
  const inner = others.filter((c) => !prefix.includes(c) && starts(c).some((at) => at > 0));
  return [...prefix, ...inner].slice(0, max);
}

/** Replaces the query with `@label ` and returns the new text and caret. */
export function insertMention(text: string, q: MentionQuery, label: string): { text: string; caret: number } {
  const end = q.start + 1 + q.query.length;
  const inserted = `@${label} `;
  return { text: text.slice(0, q.start) + inserted + text.slice(end), caret: q.start + inserted.length };
}

/** A member picked in the picker: `label` is inserted for them, `shown` is what the picker lists. */
export type Picked = { id: string; label: string; shown?: string };

/**
 * The mention list to send with `text`: the picked members whose `@label` is
 * still in it (each once), and `all` when `@all` was picked and is still there.
 */
export function mentionsIn(text: string, picked: readonly Picked[], allLabel: string): { users: string[]; all: boolean } {
  const present = (label: string) => text.includes(`@${label}`);
  const users: string[] = [];
  let all = false;
  for (const p of picked) {
    if (!present(p.label)) continue;
    if (p.id === MENTION_ALL) all = all || present(allLabel);
    else if (!users.includes(p.id)) users.push(p.id);
  }
  return { users, all };
}
