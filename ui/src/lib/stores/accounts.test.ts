/**
 * Several accounts against a mocked IPC layer: the switcher's entries and
 * badges, a switch empties every store before the other account's data is
 * loaded (no mixing), a notification of a background account switches first,
 * removing one, and a kick of the shown account moving to the next one.
 */
import { emit } from '@tauri-apps/api/event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountInfo, AppSession, SessionEnded } from '../bindings';
import { App } from './app.svelte';
import { type Calls, conv, flush, mockBackend, msg } from '../test-fixtures';
import { backgroundUnread, isShown, switcherEntries } from '../logic/accounts';

const A = 'alice@ws://srv';
const B = 'bob@ws://srv';
const session = (user: string): AppSession => ({ user, server_url: 'ws://srv', profile: { user, nickname: user, avatar: null, signature: '' } });
const info = (user: string, unread: number, active: boolean): AccountInfo => ({ id: `${user}@ws://srv`, user, server_url: 'ws://srv', label: `${user}@srv`, unread, active });

describe('switcher logic', () => {
  it('lists the background accounts with their badges, never the active one', () => {
    const list = [info('alice', 3, true), info('bob', 2, false), info('carol', 0, false), info('dave', 150, false)];
    expect(switcherEntries(list)).toEqual([
      { id: B, user: 'bob', label: 'bob@srv', unread: 2, badge: '2' },
      { id: 'carol@ws://srv', user: 'carol', label: 'carol@srv', unread: 0, badge: null },
      { id: 'dave@ws://srv', user: 'dave', label: 'dave@srv', unread: 150, badge: '99+' },
    ]);
    expect(backgroundUnread(list)).toBe(152);
    expect(isShown(list, A)).toBe(true);
    expect(isShown(list, B)).toBe(false);
    expect(switcherEntries([])).toEqual([]);
  });
});

describe('AccountsStore', () => {
  let calls: Calls;
  let store: App;
  /** Which account the mocked shell shows: its commands answer with that account's data. */
  let shown: 'alice' | 'bob';

  beforeEach(() => {
    calls = [];
    shown = 'alice';
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    mockBackend(calls, {
      default_server_url: () => 'ws://srv',
      restore_session: () => ({ session: session('alice'), notice: null }),
      keyring_notice: () => null,
      connection_state: () => 'online',
      server_limits: () => null,
      muted_chats: () => [],
      list_conversations: () => [conv({ conv: `d:${shown}:zed`, unread: shown === 'alice' ? 1 : 4, last_activity: 1 })],
      list_friends: () => [],
      list_applications: () => ({ received: [], sent: [] }),
      list_blacklist: () => [],
      list_groups: () => [],
      load_messages: () => [msg({ conv: `d:${shown}:zed`, client_id: `${shown}-m1`, seq: 1 })],
      mark_read: () => null,
      switch_account: (a) => {
        shown = a.id === B ? 'bob' : 'alice';
        return session(shown);
      },
      remove_account: () => {
        shown = 'alice';
        return session('alice');
      },
      login: (a) => {
        shown = a.user as 'alice' | 'bob';
        return session(shown);
      },
    });
  });
  afterEach(() => {
    store?.stop();
    vi.restoreAllMocks();
  });

  async function started() {
    store = new App();
    await store.start();
    await emit('accounts-changed', { accounts: [info('alice', 1, true), info('bob', 4, false)] });
  }

  it('takes the accounts and their badges from the shell’s event', async () => {
    await started();
    expect(store.accounts.active?.id).toBe(A);
    expect(store.accounts.others.map((e) => [e.user, e.badge])).toEqual([['bob', '4']]);
    expect(store.accounts.backgroundUnread).toBe(4);
    // An unread count moving in the background account.
    await emit('accounts-changed', { accounts: [info('alice', 1, true), info('bob', 5, false)] });
    expect(store.accounts.others[0].badge).toBe('5');
  });

  it('a switch empties every store before loading the other account (no mixing)', async () => {
    await started();
    await store.chats.openConversation('d:alice:zed');
    expect(store.messages.loaded['d:alice:zed']).toHaveLength(1);
    store.ui.screen = 'friends';
    await store.accounts.switchTo(B);
    expect(calls.find((c) => c.cmd === 'switch_account')?.args).toEqual({ id: B });
    expect(store.session.current?.user).toBe('bob');
    expect(store.chats.conversations.map((c) => c.conv)).toEqual(['d:bob:zed']);
    expect(store.chats.activeConv).toBeNull();
    expect(store.messages.loaded['d:alice:zed']).toBeUndefined();
    expect(store.ui.screen).toBe('chats');
    expect(store.accounts.active?.id).toBe(B);
    // Switching to the shown account asks nothing.
    const n = calls.length;
    await store.accounts.switchTo(B);
    expect(calls.length).toBe(n);
  });

  it('a clicked notification of the background account switches to it, then opens the chat', async () => {
    await started();
    await emit('open-chat', { conv: 'd:bob:zed', account: B });
    await vi.waitFor(() => expect(store.chats.activeConv).toBe('d:bob:zed'));
    expect(store.session.current?.user).toBe('bob');
    expect(calls.map((c) => c.cmd)).toContain('switch_account');
  });

  it('adding an account signs in over the shell and shows only the new account’s data', async () => {
    await started();
    store.accounts.adding = true;
    await store.session.login('ws://srv', 'bob', 'pw');
    expect(store.accounts.adding).toBe(false);
    expect(store.session.current?.user).toBe('bob');
    expect(store.chats.conversations.map((c) => c.conv)).toEqual(['d:bob:zed']);
  });

  it('removes an account after confirmation and shows the one left', async () => {
    await started();
    await store.accounts.switchTo(B);
    store.accounts.askRemove();
    expect(store.accounts.confirmRemove?.id).toBe(B);
    await store.accounts.remove();
    expect(calls.find((c) => c.cmd === 'remove_account')?.args).toEqual({ id: B });
    expect(store.session.current?.user).toBe('alice');
    expect(store.chats.conversations.map((c) => c.conv)).toEqual(['d:alice:zed']);
    expect(store.accounts.list.map((a) => a.id)).toEqual([A]);
    expect(store.ui.toast).toContain('bob@srv');
  });

  it('removes a background account without switching: the shown account and its chats stay', async () => {
    await started();
    await store.chats.openConversation('d:alice:zed');
    store.accounts.askRemoveId(B);
    expect(store.accounts.confirmRemove?.id).toBe(B);
    expect(store.accounts.confirmRemove?.active).toBe(false);
    await store.accounts.remove();
    expect(calls.find((c) => c.cmd === 'remove_account')?.args).toEqual({ id: B });
    expect(calls.map((c) => c.cmd)).not.toContain('switch_account');
    expect(store.session.current?.user).toBe('alice');
    expect(store.chats.activeConv).toBe('d:alice:zed');
    expect(store.messages.loaded['d:alice:zed']).toHaveLength(1);
    expect(store.accounts.list.map((a) => a.id)).toEqual([A]);
    expect(store.ui.toast).toContain('bob@srv');
    // An id no longer signed in asks nothing.
    store.accounts.askRemoveId(B);
    expect(store.accounts.confirmRemove).toBeNull();
  });

  it('a click on an account in the tray menu shows that account', async () => {
    await started();
    await emit('show-account', { id: B });
    await vi.waitFor(() => expect(store.session.current?.user).toBe('bob'));
    expect(calls.find((c) => c.cmd === 'switch_account')?.args).toEqual({ id: B });
    expect(store.chats.conversations.map((c) => c.conv)).toEqual(['d:bob:zed']);
    // The account already shown: nothing to do.
    const n = calls.length;
    await emit('show-account', { id: B });
    await flush();
    expect(calls.length).toBe(n);
  });

  it('a kick of the shown account moves to the next one with the reason in a toast', async () => {
    await started();
    const ended: SessionEnded = { reason: 'An administrator signed you out.', resync: false, next: session('bob') };
    shown = 'bob';
    await emit('session-ended', ended);
    await vi.waitFor(() => expect(store.session.current?.user).toBe('bob'));
    await flush();
    expect(store.chats.conversations.map((c) => c.conv)).toEqual(['d:bob:zed']);
    expect(store.ui.toast).toContain('administrator');
  });
});
