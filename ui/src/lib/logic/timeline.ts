/**
 * Membership changes shown in a group chat's timeline ("Bob left", "You removed
 * Carol", "Alice added Dave", "You created the group"). tern-core records them in this device's cache when
 * it applies the change (live, or replayed after the app was closed) and keeps
 * them across restarts; the store loads a chat's notices with its messages. They
 * are worded at render time (names fill in as members load) and placed among the
 * messages by time. Pure, so unit-tested.
 */
import { t } from '../i18n/index.svelte';
import type { LocalMessage, MemberNotice } from '../bindings';

export type { MemberNotice };

/** How many of a chat's newest notices the store loads. */
export const NOTICE_LIMIT = 500;

/** The words for a membership change; `name` names a user, "You" is me. */
export function memberNoticeText(n: MemberNotice, me: string, name: (user: string) => string): string {
  const mine = n.user === me;
  const who = mine ? t('timeline.you') : name(n.user);
  const by = n.by && n.by !== n.user ? (n.by === me ? t('timeline.you') : name(n.by)) : null;
  switch (n.kind) {
    case 'joined':
      if (by) return mine ? t('timeline.addedYou', { by }) : t('timeline.added', { by, who });
      return t('timeline.joined', { who });
    case 'left':
      return t('timeline.left', { who });
    case 'kicked':
      if (by) return mine ? t('timeline.removedYou', { by }) : t('timeline.removed', { by, who });
      return mine ? t('timeline.youWereRemoved') : t('timeline.wasRemoved', { who });
    case 'created':
      return t('timeline.created', { who });
  }
}

/**
 * The chat's messages with the notices as system lines, each after the last
 * message sent before it (`messages` is in chat order, `notices` by time).
 */
export function withMemberNotices(conv: string, messages: readonly LocalMessage[], notices: readonly MemberNotice[], text: (n: MemberNotice) => string): LocalMessage[] {
  if (notices.length === 0) return messages as LocalMessage[];
  const line = (n: MemberNotice): LocalMessage => ({
    conv,
    client_id: `member-notice-${n.id}`,
    seq: null,
    id: null,
    sender: 'system',
    outgoing: false,
    sent_at: n.at,
    content: { type: 'system', text: text(n) },
    ext: null,
    state: 'sent',
    error: null,
    edited_at: null,
    reply_to: null,
    mentions: null,
  });
  const out: LocalMessage[] = [];
  let j = 0;
  for (const m of messages) {
    while (j < notices.length && notices[j].at < m.sent_at) out.push(line(notices[j++]));
    out.push(m);
  }
  while (j < notices.length) out.push(line(notices[j++]));
  return out;
}

/**
 * The notices that belong to the loaded part of a chat: while older messages are
 * still to load, those from before the oldest loaded message wait for them (they
 * would otherwise pile up at the top).
 */
export function noticesInView(notices: readonly MemberNotice[], messages: readonly LocalMessage[], moreOlder: boolean): MemberNotice[] {
  if (!moreOlder || messages.length === 0) return notices as MemberNotice[];
  const oldest = messages.reduce((a, m) => Math.min(a, m.sent_at), Infinity);
  return notices.filter((n) => n.at >= oldest);
}
