/** Pure group rules for the UI: who may do what, how members and senders are shown. */
import { intlLocale, t } from '../i18n/index.svelte';
import { GROUP_ROLE_RULES, type GroupMember, type GroupRole, type JoinPolicy, type LocalMessage } from '../bindings';
import { formatter, hhmm } from './format';

/** When a mute ends: "14:05" today, else "03/12 14:05". */
export function untilLabel(ms: number, now: number, locale: string = intlLocale()): string {
  const d = new Date(ms);
  const today = new Date(now).toDateString() === d.toDateString();
  return today ? hhmm(d, locale) : `${formatter(locale, { day: '2-digit', month: '2-digit' }).format(d)} ${hhmm(d, locale)}`;
}
import { startsNewDay } from './messages';

/** The group id of a group conversation (`g:<id>`), else null. */
export function groupOf(conv: string | null | undefined): string | null {
  return conv && conv.startsWith('g:') ? conv.slice(2) : null;
}

/** The conversation id of a group. */
export const groupConv = (group: string): string => `g:${group}`;

/** What I may do to one member from the member panel. */
export type MemberAction = 'make_admin' | 'remove_admin' | 'transfer' | 'mute_10m' | 'mute_1h' | 'unmute' | 'kick';

/** Minutes of each mute action. */
export const MUTE_MINUTES = { mute_10m: 10, mute_1h: 60 } as const;

/** Whether a member is muted at `now` (ms). */
export function isMuted(m: Pick<GroupMember, 'muted_until'>, now: number): boolean {
  return m.muted_until !== null && m.muted_until > now;
}

/**
 * Whether `actor` may kick, mute or recall the messages of a member with role
 * `target`: tern-proto's `GroupRole::may_moderate`, read from the table the
 * bindings generator computes from it (`GROUP_ROLE_RULES`), not restated here.
 */
export const mayModerate = (actor: GroupRole | null, target: GroupRole): boolean =>
  actor !== null && GROUP_ROLE_RULES.may_moderate[actor][target];

/**
 * What `myRole` may do to `target` from the member panel: the owner sets and
 * removes admins and hands over ownership; kick and mute follow
 * {@link mayModerate} (the owner: admins and members; admins: plain members).
 * Nobody acts on themselves from here.
 */
export function memberActions(myRole: GroupRole | null, me: string, target: GroupMember, now: number): MemberAction[] {
  if (!myRole || target.user === me) return [];
  const out: MemberAction[] = [];
  if (myRole === 'owner' && target.role !== 'owner') {
    out.push(target.role === 'admin' ? 'remove_admin' : 'make_admin');
    out.push('transfer');
  }
  if (mayModerate(myRole, target.role)) {
    if (isMuted(target, now)) out.push('unmute');
    else out.push('mute_10m', 'mute_1h');
    out.push('kick');
  }
  return out;
}

/** Whether `role` may edit the group (name, notice, join policy), mute everyone and handle applications (`GroupRole::manages`). */
export const canManage = (role: GroupRole | null): boolean => role !== null && GROUP_ROLE_RULES.manages[role];

/** Whether `role` may invite into a group with `policy`: in an approval-only
 * group only the owner and admins (the server refuses a plain member). */
export const canInvite = (role: GroupRole | null, policy: JoinPolicy | null): boolean =>
  canManage(role) || (role === 'member' && policy === 'open');

/** Label of each action in the member panel. */
export const ACTION_LABEL: Record<MemberAction, string> = {
  get make_admin() { return t('memberAction.make_admin'); },
  get remove_admin() { return t('memberAction.remove_admin'); },
  get transfer() { return t('memberAction.transfer'); },
  get mute_10m() { return t('memberAction.mute_10m'); },
  get mute_1h() { return t('memberAction.mute_1h'); },
  get unmute() { return t('memberAction.unmute'); },
  get kick() { return t('memberAction.kick'); },
};

const RANK: Record<GroupRole, number> = { owner: 0, admin: 1, member: 2 };

/** Members for the panel: owner, then admins, then members, each by name. */
export function sortMembers<T extends { member: GroupMember }>(list: readonly T[], nameOf: (user: string) => string): T[] {
  return [...list].sort((a, b) => RANK[a.member.role] - RANK[b.member.role] || nameOf(a.member.user).localeCompare(nameOf(b.member.user)));
}

/**
 * Whether message `i` of a group chat starts a run of messages from one sender
 * (so it carries the sender's name and avatar): the first message, another
 * sender than the one before, or after a system line or a day separator.
 */
export function startsSenderRun(list: readonly LocalMessage[], i: number): boolean {
  if (i === 0) return true;
  const prev = list[i - 1];
  const m = list[i];
  return prev.sender !== m.sender || prev.outgoing !== m.outgoing || prev.content.type === 'system' || startsNewDay(list, i);
}

/**
 * Why I may not post in a group right now, or null: my own mute (until when),
 * else the whole-group mute for plain members.
 */
export function muteNotice(me: GroupMember | null | undefined, allMuted: boolean, now: number): string | null {
  if (!me) return null;
  if (isMuted(me, now)) return t('groupRules.mutedUntil', { until: untilLabel(me.muted_until!, now) });
  if (allMuted && me.role === 'member') return t('groupRules.allMuted');
  return null;
}

/** When a mute that blocks me ends (to re-enable the composer), or null. */
export function muteEndsAt(me: GroupMember | null | undefined, now: number): number | null {
  return me && isMuted(me, now) ? me.muted_until : null;
}
