/**
 * The UI store: the desktop's language and dark preference as the app reports
 * them (WebKitGTK's navigator.language ignores LANG), toasts from failed commands.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UiStore } from './ui.svelte';
import { type Calls, mockBackend } from '../test-fixtures';
import { i18n, setLocaleChoice, setSystemLanguages, t } from '../i18n/index.svelte';
import { setSystemDark, theme } from '../theme.svelte';

afterEach(() => {
  setLocaleChoice('system');
  setSystemLanguages([]);
  setSystemDark(false);
});

describe('UiStore', () => {
  it('follows the language and dark preference the app reads from the desktop', async () => {
    const calls: Calls = [];
    mockBackend(calls, { system_prefs: () => ({ languages: ['zh_CN.UTF-8', 'en'], dark: true }) });
    const ui = new UiStore();
    await ui.followSystem();
    expect(calls.map((c) => c.cmd)).toEqual(['system_prefs']);
    expect(i18n.locale).toBe('zh-CN');
    expect(t('shell.friends')).toBe('好友');
    expect(document.documentElement.lang).toBe('zh-CN');
    expect(theme.resolved).toBe('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    // The user's own choice still wins.
    setLocaleChoice('en');
    expect(t('shell.friends')).toBe('Friends');
  });

  it('keeps the webview\'s answers when the app cannot tell', async () => {
    mockBackend([], {});
    const ui = new UiStore();
    await ui.followSystem();
    expect(i18n.locale).toBe('en');
    expect(theme.resolved).toBe('light');
  });

  it('shows a failed command as a toast and returns undefined', async () => {
    const ui = new UiStore();
    const r = await ui.attempt(Promise.resolve({ status: 'error' as const, error: { code: 'offline', message: 'connection refused' } }));
    expect(r).toBeUndefined();
    expect(ui.toast).toBe('The server cannot be reached. Check the address and your connection.');
  });
});
