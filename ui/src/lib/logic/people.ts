import type { Friend, Profile } from '../bindings';
import { nameMatches, needleOf } from './nameMatch';
import { shownName } from './format';

/** How a friend is shown: my remark, else their nickname, else their id. */
export function displayName(f: Friend): string {
  return shownName(f.remark || f.profile.nickname || f.profile.user);
}

/** Friends whose id, nickname or remark matches `q` (any case; a Chinese name also by pinyin), sorted by display name. */
export function filterFriends(list: readonly Friend[], q: string): Friend[] {
  const needle = needleOf(q);
  const hit = (f: Friend) => !needle || [f.profile.user, f.profile.nickname, f.remark].some((s) => nameMatches(s, needle));
  return list.filter(hit).sort((a, b) => displayName(a).localeCompare(displayName(b)));
}

/**
 * Whether the profile form differs from the saved profile. The app trims what it
 * saves, so spaces at either end are no change (Save stays disabled for them).
 */
export function profileChanged(form: { nickname: string; signature: string }, saved: Pick<Profile, 'nickname' | 'signature'> | undefined): boolean {
  return form.nickname.trim() !== (saved?.nickname ?? '') || form.signature.trim() !== (saved?.signature ?? '');
}

/** A one-line editor's keys: Enter saves, Escape cancels (not while an IME is composing). */
export function editorKey(e: { key: string; isComposing?: boolean; shiftKey?: boolean }): 'save' | 'cancel' | null {
  if (e.isComposing) return null;
  if (e.key === 'Enter' && !e.shiftKey) return 'save';
  if (e.key === 'Escape') return 'cancel';
  return null;
}
