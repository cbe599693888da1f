/**
 * Avatars: which image each person and group has (from the profiles, friends,
 * chats and groups the other stores hold), the URL of each image once tern-core
 * has it in its cache (fetched once per file id), and setting my avatar or a
 * group's from a cropped image.
 */
import { t } from '../i18n/index.svelte';
import { commands } from '../bindings';
import type { App } from './app.svelte';

export class AvatarsStore {
  /** The `ternfile:` URL of each avatar file fetched so far ('' when it failed). */
  urls = $state.raw<Record<string, string>>({});
  /** Files being fetched right now. */
  private asking = new Set<string>();
  /** People whose profile is wanted (fetched together, once). */
  private wanted = new Set<string>();
  private asked = new Set<string>();

  constructor(private readonly app: App) {}

  /** The avatar file id of a person as the stores know it (null: none, or not known yet). */
  fileOf(user: string): string | null {
    const s = this.app.session;
    if (user === s.me) return s.current?.profile.avatar ?? null;
    const f = this.app.contacts.friendOf(user);
    if (f) return f.profile.avatar;
    const p = this.app.contacts.profiles[user];
    if (p) return p.avatar;
    const c = this.app.chats.conversations.find((x) => x.peer === user);
    if (c) return c.avatar;
    this.want(user);
    return null;
  }

  /** A group's avatar file id. */
  groupFileOf(group: string): string | null {
    return this.app.groups.info[group]?.avatar ?? null;
  }

  /** The URL to show `file` from, or null while it is fetched (or has none). */
  url(file: string | null): string | null {
    if (!file) return null;
    const u = this.urls[file];
    if (u === undefined) queueMicrotask(() => void this.load(file));
    return u || null;
  }

  private async load(file: string): Promise<void> {
    if (this.asking.has(file) || this.urls[file] !== undefined) return;
    this.asking.add(file);
    try {
      const r = await commands.avatarUrl(file);
      this.urls = { ...this.urls, [file]: r.status === 'ok' ? r.data : '' };
    } catch {
      this.urls = { ...this.urls, [file]: '' };
    } finally {
      this.asking.delete(file);
    }
  }

  /** Asks for the profiles of people seen without one (group members who are not friends). */
  private want(user: string): void {
    if (!user || this.asked.has(user) || !this.app.session.current) return;
    this.asked.add(user);
    this.wanted.add(user);
    if (this.wanted.size === 1) {
      queueMicrotask(() => {
        const users = [...this.wanted];
        this.wanted.clear();
        void this.app.contacts.learnProfiles(users);
      });
    }
  }

  /** Makes the cropped image `png` my avatar; true when saved. */
  async setMine(png: Uint8Array): Promise<boolean> {
    const p = await this.app.ui.attempt(commands.setMyAvatar(Array.from(png)));
    if (!p) return false;
    this.app.session.applyProfile(p);
    this.app.ui.showToast(t('profile.avatarSaved'));
    return true;
  }

  /** Makes the cropped image `png` a group's avatar (owner or admin); true when saved. */
  async setGroup(group: string, png: Uint8Array): Promise<boolean> {
    const g = await this.app.ui.attempt(commands.setGroupAvatar(group, Array.from(png)));
    if (!g) return false;
    this.app.groups.onInfoChanged(g);
    this.app.ui.showToast(t('profile.avatarSaved'));
    return true;
  }

  reset(): void {
    this.asked.clear();
    this.wanted.clear();
    // The URLs stay valid only for the account that fetched them.
    this.urls = {};
  }
}
