/**
 * UI state: which screen is shown, dialogs and panels, the toast, the window's
 * width. Also `attempt`, which runs a command for a store and shows its error
 * as a toast (the one place command errors become visible text).
 */
import { commands, type AppError } from '../bindings';
import { setSystemLanguages } from '../i18n/index.svelte';
import { setSystemDark } from '../theme.svelte';
import { CommandError, errorText } from '../logic/errors';
import { layoutFor, type Layout } from '../logic/layout';

export type Result<T, E> = { status: 'ok'; data: T } | { status: 'error'; error: E };

export type Screen = 'chats' | 'rooms' | 'friends' | 'blacklist' | 'settings' | 'profile';

export { CommandError };

/** Unwraps a command result, throwing a [`CommandError`] (worded for the user, see logic/errors) on failure. */
export async function call<T>(p: Promise<Result<T, AppError>>): Promise<T> {
  const r = await p;
  if (r.status === 'ok') return r.data;
  throw CommandError.from(r.error);
}

export class UiStore {
  screen = $state<Screen>('chats');
  /** The friend whose profile the Friends screen shows. */
  selectedFriend = $state<string | null>(null);
  toast = $state<string | null>(null);
  /** The member panel of the open group chat is shown. */
  memberPanel = $state(false);
  /** The create-group dialog is open. */
  createGroupOpen = $state(false);
  /** The quick switcher (Ctrl+K) is open. */
  quickOpen = $state(false);
  /** The keyboard shortcuts dialog (Ctrl+/) is open. */
  shortcutsOpen = $state(false);
  /** The person whose profile card is open (clicked name or avatar), if any. */
  personCard = $state<string | null>(null);
  /** The avatar crop dialog: for me, or for a group (its id). */
  cropFor = $state<{ group: string | null } | null>(null);
  /** The account dialog (change password, sign out other devices) is open. */
  accountOpen = $state(false);
  /** Ctrl+Shift+F asked the chat list for its search box (shown, also when the list is
   * collapsed to avatars, and focused); the list clears it once it has. */
  chatSearchWanted = $state(false);
  /** The window's width (CSS px), for the responsive layout. */
  viewportWidth = $state(typeof window === 'undefined' ? 1120 : window.innerWidth);
  private toastTimer: ReturnType<typeof setTimeout> | undefined;

  get layout(): Layout {
    return layoutFor(this.viewportWidth);
  }

  showToast(msg: string): void {
    this.toast = msg;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => (this.toast = null), 4000);
  }

  /** Runs a command, showing its error as a toast instead of throwing. */
  async attempt<T>(p: Promise<Result<T, AppError>>): Promise<T | undefined> {
    try {
      return await call(p);
    } catch (e) {
      this.showToast(errorText(e));
      return undefined;
    }
  }

  /** Follows the desktop's language and dark preference (for "System"), as the app reads them. */
  async followSystem(): Promise<void> {
    try {
      const p = await commands.systemPrefs();
      setSystemLanguages(p.languages);
      setSystemDark(p.dark);
    } catch {
      // an older shell or a test without it: the webview's own answers stay
    }
  }

  /** Tells the shell the language shown, for the tray's and notifications' texts. */
  async tellLanguage(locale: 'en' | 'zh-CN'): Promise<void> {
    try {
      await commands.setLanguage(locale);
    } catch {
      // an older shell or a test without it: the shell's texts stay English
    }
  }

  /** Shows a friend's profile on the Friends screen. */
  showProfile(user: string): void {
    this.selectedFriend = user;
    this.screen = 'friends';
  }

  /** Back to the signed-out state: the chats screen, no dialog open. */
  reset(): void {
    this.memberPanel = false;
    this.createGroupOpen = false;
    this.accountOpen = false;
    this.shortcutsOpen = false;
    this.quickOpen = false;
    this.personCard = null;
    this.cropFor = null;
    this.screen = 'chats';
  }
}
