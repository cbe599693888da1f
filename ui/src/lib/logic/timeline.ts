/**
 * Membership changes shown in a group chat's timeline ("Bob left", "You removed
 * Carol", "Alice added Dave"). tern-core reports them as events (not as stored
 * messages), so they are lines of this session: kept by the store from the
 * events, worded at render time (names fill in as members load), and placed
 * among the messages by time. Pure, so unit-tested.
 */
import type { LocalMessage } from '../bindings';

export type MemberNotice = {
  kind: 'joined' | 'left' | 'kicked';
  /** Who joined or went. */
  user: string;
  /** Who added or removed them; null when they joined an open group or left. */
  by: string | null;
  /** When the app learnt of it (ms). */
  at: number;
  /** How `user` was named then (a member who left is no longer in the member list). */
  name?: string;
};

/** The words for a membership change; `name` names a user, "You" is me. */
export function memberNoticeText(n: MemberNotice, me: string, name: (user: string) => string): string {
  const who = n.user === me ? 'You' : name(n.user);
  const by = n.by && n.by !== n.user ? (n.by === me ? 'You' : name(n.by)) : null;
  switch (n.kind) {
    case 'joined':
      return by ? `${by} added ${n.user === me ? 'you' : who}` : `${who} joined`;
    case 'left':
      return `${who} left`;
    case 'kicked':
      return by ? `${by} removed ${n.user === me ? 'you' : who}` : `${who} ${n.user === me ? 'were' : 'was'} removed`;
  }
}

/**
 * The chat's messages with the notices as system lines, each after the last
 * message sent before it (`messages` is in chat order, `notices` by time).
 */
export function withMemberNotices(conv: string, messages: readonly LocalMessage[], notices: readonly MemberNotice[], text: (n: MemberNotice) => string): LocalMessage[] {
  if (notices.length === 0) return messages as LocalMessage[];
  const line = (n: MemberNotice, i: number): LocalMessage => ({
    conv,
    client_id: `member-notice-${n.at}-${i}`,
    seq: null,
    id: null,
    sender: 'system',
    outgoing: false,
    sent_at: n.at,
    content: { type: 'system', text: text(n) },
    ext: null,
    state: 'sent',
    error: null,
  });
  const out: LocalMessage[] = [];
  let j = 0;
  for (const m of messages) {
    while (j < notices.length && notices[j].at < m.sent_at) out.push(line(notices[j], j++));
    out.push(m);
  }
  while (j < notices.length) out.push(line(notices[j], j++));
  return out;
}
