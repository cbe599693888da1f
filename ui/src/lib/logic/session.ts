/**
 * What the login screen remembers on this device without the keyring: the user
 * id of the last sign-in (never a password or token), so it is pre-filled and a
 * returning user is greeted as one. Pure helpers over a Storage, unit-tested.
 */
import { t } from '../i18n/index.svelte';

const KEY = 'tern.lastUser';

/** The user id of the last successful sign-in on this device, or null. */
export function lastUser(storage: Pick<Storage, 'getItem'> = localStorage): string | null {
  try {
    return storage.getItem(KEY) || null;
  } catch {
    return null;
  }
}

/** Remembers `user` as the last sign-in on this device. */
export function rememberUser(user: string, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try {
    storage.setItem(KEY, user);
  } catch {
    // storage full or off: the login screen just starts empty
  }
}

/** The login screen's line under the title: "Welcome back" only for someone who signed in here before. */
export function greeting(mode: 'login' | 'register', last: string | null): string {
  if (mode === 'register') return t('session.greetRegister');
  return last ? t('session.greetBack') : t('session.greetNew');
}

/** The confirmation asked before signing out. */
export function signOutQuestion(user: string): string {
  return t('session.signOutQuestion', { user });
}
