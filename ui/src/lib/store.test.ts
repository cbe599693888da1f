/**
 * The store against a mocked IPC layer: what the UI asks the app for, and
 * how tern-core events change what the user sees.
 */
import { emit } from '@tauri-apps/api/event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionEnded } from './bindings';
import { AppStore } from './store.svelte';
import { type Calls, conv, emitCore as core, flush, mockBackend, msg } from './test-fixtures';

const CONV = 'd:alice:bob';


function backend(calls: Calls, over: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
  const base: Record<string, (args: Record<string, unknown>) => unknown> = {
    default_server_url: () => 'ws://default:7878',
    restore_session: () => ({ session: null, notice: null }),
    keyring_notice: () => null,
    connection_state: () => 'online',
    login: () => session,
    list_conversations: () => [conv({ conv: CONV, unread: 0, last_activity: 1 })],
    list_friends: () => [],
    list_applications: () => ({ received: [], sent: [] }),
    list_blacklist: () => [],
    list_groups: () => [],
    load_messages: () => [msg({ client_id: 'm1', seq: 1 })],
    mark_read: () => null,
    send_text: (a) => msg({ client_id: 'out1', sender: 'alice', outgoing: true, seq: 2, state: 'sent', content: { type: 'text', text: a.text as string } }),
    ...over,
  };
  mockBackend(calls, base);
}


describe('AppStore', () => {
  let calls: Calls;
  let store: AppStore;

  beforeEach(() => {
    calls = [];
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
  });
  afterEach(() => {
    store?.stop();
    vi.restoreAllMocks();
  });

  async function signedIn(over = {}) {
    backend(calls, over);
    store = new AppStore();
    await store.start();
    await store.login('ws://srv', 'alice', 'pw');
  }

  it('starts signed out with the default server, then signs in and loads every list', async () => {
    const limits = { max_frame_bytes: 1 << 20, max_text_chars: 5000, max_page: 200, recall_window_secs: 90, idle_timeout_secs: 60 };
    backend(calls, { server_limits: () => limits });
    store = new AppStore();
    await store.start();
    expect(store.session).toBeNull();
    expect(store.defaultServerUrl).toBe('ws://default:7878');
    await store.login('ws://srv', 'alice', 'pw');
    expect(calls.find((c) => c.cmd === 'login')?.args).toEqual({ serverUrl: 'ws://srv', user: 'alice', password: 'pw', remember: false });
    expect(store.session?.user).toBe('alice');
    expect(store.connection).toBe('online');
    expect(new Set(calls.map((c) => c.cmd))).toEqual(
      new Set(['default_server_url', 'restore_session', 'login', 'keyring_notice', 'connection_state', 'list_conversations', 'list_friends', 'list_applications', 'list_blacklist', 'list_groups', 'server_limits', 'muted_chats']),
    );
    // The server's limits (text length for the counter, recall window for the menu).
    expect(store.limits).toEqual(limits);
  });

  it('signs in at start with the remembered sign-in and passes "remember" to login', async () => {
    const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
    backend(calls, { restore_session: () => ({ session, notice: null }) });
    store = new AppStore();
    await store.start();
    expect(store.session?.user).toBe('alice');
    expect(calls.some((c) => c.cmd === 'list_conversations')).toBe(true);
  });

  it('keeps the keyring notice at start and words a failed remember as a sentence (no D-Bus detail)', async () => {
    const notice = { kind: 'locked' as const, user: null };
    backend(calls, { restore_session: () => ({ session: null, notice }), keyring_notice: () => notice });
    store = new AppStore();
    await store.start();
    expect(store.session).toBeNull();
    expect(store.keyringNotice).toEqual(notice);
    await store.login('ws://srv', 'alice', 'pw', true);
    expect(calls.find((c) => c.cmd === 'login')?.args).toMatchObject({ remember: true });
    expect(store.session?.user).toBe('alice');
    expect(store.toast).toContain('did not answer');
  });

  it('shows a login error from the app', async () => {
    backend(calls, {
      login: () => {
        throw { code: 'server_2001', message: 'Wrong user id or password.' };
      },
    });
    store = new AppStore();
    await store.start();
    await expect(store.login('ws://srv', 'alice', 'bad')).rejects.toThrow('Wrong user id or password.');
    expect(store.session).toBeNull();
  });

  it('a clicked notification (open-chat event) opens that chat; muting a chat goes to the app', async () => {
    let muted: string[] = [];
    await signedIn({
      set_chat_muted: (a: Record<string, unknown>) => {
        muted = a.muted ? [a.conv as string] : [];
        return null;
      },
      muted_chats: () => muted,
    });
    store.screen = 'friends';
    await emit('open-chat', { conv: CONV });
    await flush();
    expect(store.screen).toBe('chats');
    expect(store.activeConv).toBe(CONV);
    await store.setChatMuted(CONV, true);
    expect(calls.find((c) => c.cmd === 'set_chat_muted')?.args).toEqual({ conv: CONV, muted: true });
    expect(store.mutedChats).toEqual([CONV]);
  });

  it('follows the connection state from core events', async () => {
    await signedIn();
    await core({ type: 'connecting', attempt: 1 });
    expect(store.connection).toBe('connecting');
    await core({ type: 'connect_failed', error: 'refused', retry_in_ms: 500 });
    expect(store.connection).toBe('offline');
    await core({ type: 'connected' });
    expect(store.connection).toBe('online');
  });

  it('shows an unread badge for a chat that is not open, and reorders by activity', async () => {
    await signedIn({
      list_conversations: () => [conv({ conv: CONV, last_activity: 1 }), conv({ conv: 'd:alice:carol', peer: 'carol', last_activity: 5 })],
      list_friends: () => [{ profile: { user: 'bob', nickname: 'Bob', avatar: null, signature: '' }, remark: '', since: 1 }],
    });
    expect(store.conversations.map((c) => c.conv)).toEqual(['d:alice:carol', CONV]);
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9, last: msg({ client_id: 'n1', seq: 3 }) }) });
    expect(store.conversations[0]).toMatchObject({ conv: CONV, unread: 1 });
    expect(store.totalUnread).toBe(1);
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
  });

  it('chats already on this device when message requests first run stay in the list', async () => {
    localStorage.clear();
    await signedIn({ list_friends: () => [], list_conversations: () => [conv({ conv: 'd:alice:old', peer: 'old', last: msg({ client_id: 'o1', sender: 'old', seq: 1 }) })] });
    expect(store.messageRequests).toEqual([]);
    expect(store.listedChats.map((c) => c.conv)).toContain('d:alice:old');
  });

  it('a stranger\'s chat waits under message requests, out of the list and the total, until accepted', async () => {
    await signedIn({ list_friends: () => [] });
    await core({ type: 'conversation_changed', conversation: conv({ conv: 'd:alice:zed', peer: 'zed', unread: 2, last_activity: 9, last: msg({ client_id: 'z1', sender: 'zed', seq: 2 }) }) });
    expect(store.messageRequests.map((c) => c.conv)).toEqual(['d:alice:zed']);
    expect(store.listedChats.some((c) => c.conv === 'd:alice:zed')).toBe(false);
    expect(store.totalUnread).toBe(0);
    store.acceptChat('d:alice:zed');
    expect(store.messageRequests).toEqual([]);
    expect(store.listedChats.some((c) => c.conv === 'd:alice:zed')).toBe(true);
    expect(store.totalUnread).toBe(2);
  });

  it('marks the open chat read instead of badging it (scrolled to its newest message)', async () => {
    await signedIn();
    await store.openConversation(CONV);
    store.setAtBottom(CONV, true);
    calls.length = 0;
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9 }) });
    await flush();
    expect(store.conversations[0].unread).toBe(0);
    expect(calls.filter((c) => c.cmd === 'mark_read').map((c) => c.args.conv)).toEqual([CONV]);
  });

  it('shows a sent message once, and updates it in place when it fails or is read', async () => {
    await signedIn({
      send_text: () => msg({ client_id: 'out1', sender: 'alice', outgoing: true, seq: null, state: 'sending' }),
    });
    await store.openConversation(CONV);
    await store.send(CONV, 'hi');
    await core({ type: 'new_message', message: msg({ client_id: 'out1', sender: 'alice', outgoing: true, state: 'sending' }), live: true });
    expect(store.messages[CONV].filter((m) => m.client_id === 'out1')).toHaveLength(1);
    await core({ type: 'message_acked', message: msg({ client_id: 'out1', sender: 'alice', outgoing: true, seq: 2, state: 'sent' }) });
    await core({ type: 'read_receipt', conv: CONV, user: 'bob', seq: 2 });
    expect(store.messages[CONV].map((m) => [m.client_id, m.state])).toEqual([
      ['m1', 'sent'],
      ['out1', 'read'],
    ]);
  });

  it('marks the open chat read when the window regains focus', async () => {
    await signedIn();
    await store.openConversation(CONV);
    store.setAtBottom(CONV, true);
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 2, last_activity: 9 }) });
    expect(store.conversations[0].unread).toBe(2);
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    calls.length = 0;
    store.onFocus();
    await flush();
    expect(calls.map((c) => c.cmd)).toEqual(['mark_read']);
    expect(store.conversations[0].unread).toBe(0);
  });

  it('scrolled up: a new message stays unread (no read mark, the badge stays) until the list is back at its end', async () => {
    await signedIn({ list_conversations: () => [conv({ conv: CONV, unread: 1, last_activity: 1 })] });
    await store.openConversation(CONV);
    // Opening alone reads nothing: the list has not shown the messages yet.
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
    store.setAtBottom(CONV, true);
    await flush();
    expect(calls.filter((c) => c.cmd === 'mark_read')).toHaveLength(1);
    store.setAtBottom(CONV, false);
    calls.length = 0;
    await core({ type: 'new_message', message: msg({ client_id: 'n2', seq: 2 }), live: true });
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9 }) });
    await flush();
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
    expect(store.conversations[0].unread).toBe(1);
    expect(store.totalUnread).toBe(1);
    store.setAtBottom(CONV, true);
    await flush();
    expect(calls.map((c) => c.cmd)).toEqual(['mark_read']);
    expect(store.conversations[0].unread).toBe(0);
  });

  it('an unfocused window: a message arriving at the open chat stays unread', async () => {
    await signedIn();
    await store.openConversation(CONV);
    store.setAtBottom(CONV, true);
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    calls.length = 0;
    await core({ type: 'new_message', message: msg({ client_id: 'n2', seq: 2 }), live: true });
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9 }) });
    await flush();
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
    expect(store.conversations[0].unread).toBe(1);
  });

  it('a minimised window (closed without a tray host: the page hidden) reads nothing, even focused; restored, it reads', async () => {
    await signedIn();
    await store.openConversation(CONV);
    store.setAtBottom(CONV, true);
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    calls.length = 0;
    await core({ type: 'new_message', message: msg({ client_id: 'n2', seq: 2 }), live: true });
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9 }) });
    store.onFocus();
    await flush();
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
    expect(store.conversations[0].unread).toBe(1);
    visibility.mockReturnValue('visible');
    store.onFocus();
    await flush();
    expect(calls.map((c) => c.cmd)).toEqual(['mark_read']);
    expect(store.conversations[0].unread).toBe(0);
  });

  it('the layout follows the window width', () => {
    store = new AppStore();
    store.viewportWidth = 800;
    expect(store.layout).toEqual({ listCollapsed: true, panelOverlay: true });
    store.viewportWidth = 1400;
    expect(store.layout).toEqual({ listCollapsed: false, panelOverlay: false });
  });

  it('retries a failed message by its client id', async () => {
    await signedIn({ resend: () => msg({ client_id: 'f1', sender: 'alice', outgoing: true, state: 'sending' }) });
    await store.openConversation(CONV);
    const failed = msg({ client_id: 'f1', sender: 'alice', outgoing: true, state: 'failed' });
    await core({ type: 'message_failed', message: failed, error: { code: 3001, message: 'blocked' } });
    expect(store.messages[CONV].find((m) => m.client_id === 'f1')?.state).toBe('failed');
    await store.resend(failed);
    expect(calls.find((c) => c.cmd === 'resend')?.args).toEqual({ clientId: 'f1' });
    expect(store.messages[CONV].find((m) => m.client_id === 'f1')?.state).toBe('sending');
  });

  it('loads older pages before the oldest loaded seq until none are left', async () => {
    const page = (before: number | null) =>
      Array.from({ length: before === null ? 50 : Math.min(50, before - 1) }, (_, i) => {
        const top = before === null ? 120 : before - 1;
        return msg({ client_id: `s${top - i}`, seq: top - i });
      }).reverse();
    await signedIn({ load_messages: (a: Record<string, unknown>) => page(a.before as number | null) });
    await store.openConversation(CONV);
    expect(store.messages[CONV]).toHaveLength(50);
    expect(await store.loadOlder(CONV)).toBe(true);
    expect(calls.filter((c) => c.cmd === 'load_messages').map((c) => c.args.before)).toEqual([null, 71]);
    await store.loadOlder(CONV);
    expect(store.messages[CONV]).toHaveLength(120);
    expect(store.messages[CONV][0].seq).toBe(1);
    expect(await store.loadOlder(CONV)).toBe(false);
  });

  it('returns to login with the explanation when the session ends', async () => {
    await signedIn();
    const ended: SessionEnded = { reason: 'You were signed out because your account signed in on another device.', resync: false };
    await emit('session-ended', ended);
    expect(store.session).toBeNull();
    expect(store.endedReason).toContain('another device');
    expect(store.conversations).toEqual([]);
  });

  it('shows the peer typing until their message arrives, and throttles my own notices', async () => {
    await signedIn({ typing: () => null });
    await core({ type: 'typing', conv: CONV, user: 'bob' });
    expect(store.isTyping(CONV)).toBe(true);
    await core({ type: 'new_message', message: msg({ client_id: 't1', seq: 5 }), live: true });
    expect(store.isTyping(CONV)).toBe(false);
    store.notifyTyping(CONV);
    store.notifyTyping(CONV);
    await flush();
    expect(calls.filter((c) => c.cmd === 'typing')).toHaveLength(1);
  });

  it('refreshes relations when they change', async () => {
    await signedIn();
    calls.length = 0;
    const application = { from: 'bob', to: 'alice', greeting: 'hi', state: 'pending' as const, created_at: 1, updated_at: 1 };
    await core({ type: 'friend_application_added', application });
    await core({ type: 'black_added', user: 'bob' });
    await flush();
    expect(calls.map((c) => c.cmd).sort()).toEqual(['list_applications', 'list_blacklist']);
  });

  it('reloads the open group chat when a user is (un)blocked: tern-core hides their group messages', async () => {
    const G = 'g:team';
    let hidden = false;
    const fromCarol = msg({ client_id: 'c1', conv: G, seq: 1, sender: 'carol' });
    const fromBob = msg({ client_id: 'b1', conv: G, seq: 2, sender: 'bob' });
    await signedIn({
      load_messages: (a: Record<string, unknown>) => (a.conv === G ? (hidden ? [fromBob] : [fromCarol, fromBob]) : [msg({ client_id: 'm1', seq: 1 })]),
      group_info: () => null,
      group_members: () => [],
    });
    await store.openConversation(CONV);
    await store.openConversation(G);
    expect(store.messages[G].map((m) => m.client_id)).toEqual(['c1', 'b1']);
    hidden = true;
    await core({ type: 'black_added', user: 'carol' });
    await flush();
    await flush();
    expect(store.messages[G].map((m) => m.client_id)).toEqual(['b1']);
    expect(store.messages[CONV].map((m) => m.client_id)).toEqual(['m1']);
    expect(store.screen).toBe('chats');
    hidden = false;
    await core({ type: 'black_deleted', user: 'carol' });
    await flush();
    await flush();
    expect(store.messages[G].map((m) => m.client_id)).toEqual(['c1', 'b1']);
  });
});

describe('AppStore chat with a new friend', () => {
  it('opens an empty direct chat that tern-core does not list yet', async () => {
    const calls: Calls = [];
    backend(calls, {
      list_conversations: () => [],
      list_friends: () => [{ profile: { user: 'carol', nickname: 'Carol Chen', avatar: null, signature: '' }, remark: '', since: 1 }],
      open_direct: () => 'd:alice:carol',
      load_messages: () => [],
    });
    const store = new AppStore();
    await store.start();
    await store.login('ws://srv', 'alice', 'pw');
    await store.openChatWith('carol');
    expect(calls.find((c) => c.cmd === 'open_direct')?.args).toEqual({ user: 'carol' });
    expect(store.active).toMatchObject({ conv: 'd:alice:carol', peer: 'carol', title: 'Carol Chen' });
    await store.refreshConversations();
    expect(store.active?.conv).toBe('d:alice:carol');
    store.stop();
  });
});
