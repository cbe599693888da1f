/**
 * The store against a mocked IPC layer: what the UI asks the app for, and
 * how tern-core events change what the user sees.
 */
import { emit } from '@tauri-apps/api/event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionEnded } from '../bindings';
import { App } from './app.svelte';
import { type Calls, conv, emitCore as core, flush, mockBackend, msg } from '../test-fixtures';

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
    conv_settings: () => [],
    account_settings: () => ({ notifications: true, show_text: true, sound: true, dnd: null, updated_at: 0 }),
    desktop_prefs: () => ({ autostart: false, start_minimised: false, close_to_tray: true }),
    send_text: (a) => msg({ client_id: 'out1', sender: 'alice', outgoing: true, seq: 2, state: 'sent', content: { type: 'text', text: a.text as string } }),
    ...over,
  };
  mockBackend(calls, base);
}

describe('App', () => {
  let calls: Calls;
  let store: App;

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
    store = new App();
    await store.start();
    await store.session.login('ws://srv', 'alice', 'pw');
  }

  it('starts signed out with the default server, then signs in and loads every list', async () => {
    const limits = { max_frame_bytes: 1 << 20, max_text_chars: 5000, max_page: 200, recall_window_secs: 90, idle_timeout_secs: 60 };
    backend(calls, { server_limits: () => limits });
    store = new App();
    await store.start();
    expect(store.session.current).toBeNull();
    expect(store.session.defaultServerUrl).toBe('ws://default:7878');
    await store.session.login('ws://srv', 'alice', 'pw');
    expect(calls.find((c) => c.cmd === 'login')?.args).toEqual({ serverUrl: 'ws://srv', user: 'alice', password: 'pw', remember: false });
    expect(store.session.current?.user).toBe('alice');
    expect(store.session.connection).toBe('online');
    expect(new Set(calls.map((c) => c.cmd))).toEqual(
      new Set(['system_prefs', 'tray_free_after', 'default_server_url', 'restore_session', 'login', 'keyring_notice', 'connection_state', 'list_conversations', 'list_friends', 'list_applications', 'list_blacklist', 'list_groups', 'server_limits', 'chat_to_open', 'remember_chat', 'conv_settings', 'account_settings', 'desktop_prefs']),
    );
    // The server's limits (text length for the counter, recall window for the menu).
    expect(store.session.limits).toEqual(limits);
  });

  it('a window recreated after tray mode opens the chat the app names, and reports the chats opened later', async () => {
    const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
    backend(calls, { restore_session: () => ({ session, notice: null }), chat_to_open: () => CONV, remember_chat: () => null });
    store = new App();
    await store.start();
    expect(store.chats.activeConv).toBe(CONV);
    expect(calls.filter((c) => c.cmd === 'remember_chat').map((c) => c.args.conv)).toEqual([CONV]);
    store.leave(null);
    expect(calls.filter((c) => c.cmd === 'remember_chat').map((c) => c.args.conv)).toEqual([CONV, null]);
  });

  it('a chat the app names that is not in the list is not opened', async () => {
    const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
    backend(calls, { restore_session: () => ({ session, notice: null }), chat_to_open: () => 'g:gone' });
    store = new App();
    await store.start();
    expect(store.chats.activeConv).toBeNull();
  });

  it('signs in at start with the remembered sign-in and passes "remember" to login', async () => {
    const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
    backend(calls, { restore_session: () => ({ session, notice: null }) });
    store = new App();
    await store.start();
    expect(store.session.current?.user).toBe('alice');
    expect(calls.some((c) => c.cmd === 'list_conversations')).toBe(true);
  });

  it('keeps the keyring notice at start and words a failed remember as a sentence (no D-Bus detail)', async () => {
    const notice = { kind: 'locked' as const, user: null };
    backend(calls, { restore_session: () => ({ session: null, notice }), keyring_notice: () => notice });
    store = new App();
    await store.start();
    expect(store.session.current).toBeNull();
    expect(store.session.keyringNotice).toEqual(notice);
    await store.session.login('ws://srv', 'alice', 'pw', true);
    expect(calls.find((c) => c.cmd === 'login')?.args).toMatchObject({ remember: true });
    expect(store.session.current?.user).toBe('alice');
    expect(store.ui.toast).toContain('did not answer');
  });

  it('shows a login error from the app', async () => {
    backend(calls, {
      login: () => {
        throw { code: 'server_2001', message: 'Wrong user id or password.' };
      },
    });
    store = new App();
    await store.start();
    await expect(store.session.login('ws://srv', 'alice', 'bad')).rejects.toThrow('Wrong user id or password.');
    expect(store.session.current).toBeNull();
  });

  it('a clicked notification (open-chat event) opens that chat', async () => {
    await signedIn();
    store.ui.screen = 'friends';
    await emit('open-chat', { conv: CONV });
    await flush();
    expect(store.ui.screen).toBe('chats');
    expect(store.chats.activeConv).toBe(CONV);
  });

  it('follows the connection state from core events', async () => {
    await signedIn();
    await core({ type: 'connecting', attempt: 1 });
    expect(store.session.connection).toBe('connecting');
    await core({ type: 'connect_failed', error: 'refused', certificate: null, retry_in_ms: 500 });
    expect(store.session.connection).toBe('offline');
    expect(store.session.certificate).toBeNull();
    await core({ type: 'connect_failed', error: 'not trusted', certificate: 'unknown_issuer', retry_in_ms: 500 });
    expect(store.session.certificate).toBe('unknown_issuer');
    await core({ type: 'connected' });
    expect(store.session.connection).toBe('online');
    expect(store.session.certificate).toBeNull();
  });

  it('shows an unread badge for a chat that is not open, and reorders by activity', async () => {
    await signedIn({
      list_conversations: () => [conv({ conv: CONV, last_activity: 1 }), conv({ conv: 'd:alice:carol', peer: 'carol', last_activity: 5 })],
      list_friends: () => [{ profile: { user: 'bob', nickname: 'Bob', avatar: null, signature: '' }, remark: '', since: 1 }],
    });
    expect(store.chats.conversations.map((c) => c.conv)).toEqual(['d:alice:carol', CONV]);
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9, last: msg({ client_id: 'n1', seq: 3 }) }) });
    expect(store.chats.conversations[0]).toMatchObject({ conv: CONV, unread: 1 });
    expect(store.chats.totalUnread).toBe(1);
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
  });

  it('chats already on this device when message requests first run stay in the list', async () => {
    localStorage.clear();
    await signedIn({ list_friends: () => [], list_conversations: () => [conv({ conv: 'd:alice:old', peer: 'old', last: msg({ client_id: 'o1', sender: 'old', seq: 1 }) })] });
    expect(store.chats.messageRequests).toEqual([]);
    expect(store.chats.listedChats.map((c) => c.conv)).toContain('d:alice:old');
  });

  it('a stranger\'s chat waits under message requests, out of the list and the total, until accepted', async () => {
    await signedIn({ list_friends: () => [] });
    await core({ type: 'conversation_changed', conversation: conv({ conv: 'd:alice:zed', peer: 'zed', unread: 2, last_activity: 9, last: msg({ client_id: 'z1', sender: 'zed', seq: 2 }) }) });
    expect(store.chats.messageRequests.map((c) => c.conv)).toEqual(['d:alice:zed']);
    expect(store.chats.listedChats.some((c) => c.conv === 'd:alice:zed')).toBe(false);
    expect(store.chats.totalUnread).toBe(0);
    store.chats.acceptChat('d:alice:zed');
    expect(store.chats.messageRequests).toEqual([]);
    expect(store.chats.listedChats.some((c) => c.conv === 'd:alice:zed')).toBe(true);
    expect(store.chats.totalUnread).toBe(2);
  });

  it('shows an opened chat once its newest page is in (or after a short wait), and a chat opened after it wins', async () => {
    const OTHER = 'd:alice:carol';
    const slow: (() => void)[] = [];
    await signedIn({
      list_conversations: () => [conv({ conv: CONV, unread: 0, last_activity: 1 }), conv({ conv: OTHER, unread: 0, last_activity: 2 })],
      remember_chat: () => null,
      load_messages: async (a: Record<string, unknown>) => {
        if (a.conv === CONV) await new Promise<void>((r) => slow.push(r));
        return [msg({ client_id: `m-${String(a.conv)}`, conv: a.conv as string, seq: 1 })];
      },
    });
    // Its page is slow: the chat is not switched to while it is on its way (within the wait)...
    const first = store.chats.openConversation(CONV);
    await flush();
    expect(store.chats.activeConv).not.toBe(CONV);
    // ...and a chat opened meanwhile, whose page comes at once, is shown with it.
    await store.chats.openConversation(OTHER);
    expect(store.chats.activeConv).toBe(OTHER);
    expect(store.messages.loaded[OTHER]).toHaveLength(1);
    slow.forEach((r) => r());
    await first;
    expect(store.chats.activeConv).toBe(OTHER);
    // A page slower than the wait: the chat is shown without it, and fills in when it comes.
    store.messages.reset();
    const again = store.chats.openConversation(CONV);
    await new Promise((r) => setTimeout(r, 150));
    expect(store.chats.activeConv).toBe(CONV);
    expect(store.messages.loaded[CONV]).toBeUndefined();
    slow.forEach((r) => r());
    await again;
    expect(store.messages.loaded[CONV]).toHaveLength(1);
  });

  it('marks the open chat read instead of badging it (scrolled to its newest message)', async () => {
    await signedIn();
    await store.chats.openConversation(CONV);
    store.chats.setAtBottom(CONV, true);
    calls.length = 0;
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9 }) });
    await flush();
    expect(store.chats.conversations[0].unread).toBe(0);
    expect(calls.filter((c) => c.cmd === 'mark_read').map((c) => c.args.conv)).toEqual([CONV]);
  });

  it('shows a sent message once, and updates it in place when it fails or is read', async () => {
    await signedIn({
      send_text: () => msg({ client_id: 'out1', sender: 'alice', outgoing: true, seq: null, state: 'sending' }),
    });
    await store.chats.openConversation(CONV);
    await store.messages.send(CONV, 'hi');
    await core({ type: 'new_message', message: msg({ client_id: 'out1', sender: 'alice', outgoing: true, state: 'sending' }), live: true });
    expect(store.messages.loaded[CONV].filter((m) => m.client_id === 'out1')).toHaveLength(1);
    await core({ type: 'message_acked', message: msg({ client_id: 'out1', sender: 'alice', outgoing: true, seq: 2, state: 'sent' }) });
    await core({ type: 'read_receipt', conv: CONV, user: 'bob', seq: 2 });
    expect(store.messages.loaded[CONV].map((m) => [m.client_id, m.state])).toEqual([
      ['m1', 'sent'],
      ['out1', 'read'],
    ]);
  });

  it('marks the open chat read when the window regains focus', async () => {
    await signedIn();
    await store.chats.openConversation(CONV);
    store.chats.setAtBottom(CONV, true);
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 2, last_activity: 9 }) });
    expect(store.chats.conversations[0].unread).toBe(2);
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    calls.length = 0;
    store.chats.onFocus();
    await flush();
    expect(calls.map((c) => c.cmd)).toEqual(['mark_read']);
    expect(store.chats.conversations[0].unread).toBe(0);
  });

  it('scrolled up: a new message stays unread (no read mark, the badge stays) until the list is back at its end', async () => {
    await signedIn({ list_conversations: () => [conv({ conv: CONV, unread: 1, last_activity: 1 })] });
    await store.chats.openConversation(CONV);
    // Opening alone reads nothing: the list has not shown the messages yet.
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
    store.chats.setAtBottom(CONV, true);
    await flush();
    expect(calls.filter((c) => c.cmd === 'mark_read')).toHaveLength(1);
    store.chats.setAtBottom(CONV, false);
    calls.length = 0;
    await core({ type: 'new_message', message: msg({ client_id: 'n2', seq: 2 }), live: true });
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9 }) });
    await flush();
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
    expect(store.chats.conversations[0].unread).toBe(1);
    expect(store.chats.totalUnread).toBe(1);
    store.chats.setAtBottom(CONV, true);
    await flush();
    expect(calls.map((c) => c.cmd)).toEqual(['mark_read']);
    expect(store.chats.conversations[0].unread).toBe(0);
  });

  it('an unfocused window: a message arriving at the open chat stays unread', async () => {
    await signedIn();
    await store.chats.openConversation(CONV);
    store.chats.setAtBottom(CONV, true);
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    calls.length = 0;
    await core({ type: 'new_message', message: msg({ client_id: 'n2', seq: 2 }), live: true });
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9 }) });
    await flush();
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
    expect(store.chats.conversations[0].unread).toBe(1);
  });

  it('a minimised window (closed without a tray host: the page hidden) reads nothing, even focused; restored, it reads', async () => {
    await signedIn();
    await store.chats.openConversation(CONV);
    store.chats.setAtBottom(CONV, true);
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    calls.length = 0;
    await core({ type: 'new_message', message: msg({ client_id: 'n2', seq: 2 }), live: true });
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9 }) });
    store.chats.onFocus();
    await flush();
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
    expect(store.chats.conversations[0].unread).toBe(1);
    visibility.mockReturnValue('visible');
    store.chats.onFocus();
    await flush();
    expect(calls.map((c) => c.cmd)).toEqual(['mark_read']);
    expect(store.chats.conversations[0].unread).toBe(0);
  });

  it('a chat opened before the page is shown (a window recreated from the tray, no focus event) is read once the page becomes visible', async () => {
    await signedIn({ list_conversations: () => [conv({ conv: CONV, unread: 1, last_activity: 1 })] });
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    await store.chats.openConversation(CONV);
    store.chats.setAtBottom(CONV, true);
    await flush();
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
    visibility.mockReturnValue('visible');
    store.chats.onVisible();
    await flush();
    expect(calls.filter((c) => c.cmd === 'mark_read')).toHaveLength(1);
    expect(store.chats.conversations[0].unread).toBe(0);
  });

  it('shown again without focus: what arrived while hidden stays unread unless the user opened the chat meanwhile', async () => {
    await signedIn();
    await store.chats.openConversation(CONV);
    store.chats.setAtBottom(CONV, true);
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    calls.length = 0;
    await core({ type: 'new_message', message: msg({ client_id: 'n2', seq: 2 }), live: true });
    await core({ type: 'conversation_changed', conversation: conv({ conv: CONV, unread: 1, last_activity: 9 }) });
    visibility.mockReturnValue('visible');
    store.chats.onVisible();
    await flush();
    expect(calls.some((c) => c.cmd === 'mark_read')).toBe(false);
    expect(store.chats.conversations[0].unread).toBe(1);
  });

  it('the layout follows the window width', () => {
    store = new App();
    store.ui.viewportWidth = 800;
    expect(store.ui.layout).toEqual({ listCollapsed: true, panelOverlay: true });
    store.ui.viewportWidth = 1400;
    expect(store.ui.layout).toEqual({ listCollapsed: false, panelOverlay: false });
  });

  it('retries a failed message by its client id', async () => {
    await signedIn({ resend: () => msg({ client_id: 'f1', sender: 'alice', outgoing: true, state: 'sending' }) });
    await store.chats.openConversation(CONV);
    const failed = msg({ client_id: 'f1', sender: 'alice', outgoing: true, state: 'failed' });
    await core({ type: 'message_failed', message: failed, error: { code: 3001, message: 'blocked' } });
    expect(store.messages.loaded[CONV].find((m) => m.client_id === 'f1')?.state).toBe('failed');
    await store.messages.resend(failed);
    expect(calls.find((c) => c.cmd === 'resend')?.args).toEqual({ clientId: 'f1' });
    expect(store.messages.loaded[CONV].find((m) => m.client_id === 'f1')?.state).toBe('sending');
  });

  it('loads older pages before the oldest loaded seq until none are left', async () => {
    const page = (before: number | null) =>
      Array.from({ length: before === null ? 50 : Math.min(50, before - 1) }, (_, i) => {
        const top = before === null ? 120 : before - 1;
        return msg({ client_id: `s${top - i}`, seq: top - i });
      }).reverse();
    await signedIn({ load_messages: (a: Record<string, unknown>) => page(a.before as number | null) });
    await store.chats.openConversation(CONV);
    expect(store.messages.loaded[CONV]).toHaveLength(50);
    expect(await store.messages.loadOlder(CONV)).toBe(true);
    expect(calls.filter((c) => c.cmd === 'load_messages').map((c) => c.args.before)).toEqual([null, 71]);
    await store.messages.loadOlder(CONV);
    expect(store.messages.loaded[CONV]).toHaveLength(120);
    expect(store.messages.loaded[CONV][0].seq).toBe(1);
    expect(await store.messages.loadOlder(CONV)).toBe(false);
  });

  it('returns to login with the explanation when the session ends', async () => {
    await signedIn();
    const ended: SessionEnded = { reason: 'You were signed out because your account signed in on another device.', resync: false, next: null };
    await emit('session-ended', ended);
    expect(store.session.current).toBeNull();
    expect(store.session.endedReason).toContain('another device');
    expect(store.chats.conversations).toEqual([]);
  });

  it('shows the peer typing until their message arrives, and throttles my own notices', async () => {
    await signedIn({ typing: () => null });
    await core({ type: 'typing', conv: CONV, user: 'bob' });
    expect(store.messages.isTyping(CONV)).toBe(true);
    await core({ type: 'new_message', message: msg({ client_id: 't1', seq: 5 }), live: true });
    expect(store.messages.isTyping(CONV)).toBe(false);
    store.messages.notifyTyping(CONV);
    store.messages.notifyTyping(CONV);
    await flush();
    expect(calls.filter((c) => c.cmd === 'typing')).toHaveLength(1);
  });

  it('applies relation events from their payloads, refetching no list', async () => {
    const bobProfile = { user: 'bob', nickname: 'Bobby', avatar: null, signature: '' };
    await signedIn({ get_profiles: (a: Record<string, unknown>) => (a.users as string[]).filter((u) => u === 'bob').map(() => bobProfile) });
    calls.length = 0;
    const application = { from: 'bob', to: 'alice', greeting: 'hi', state: 'pending' as const, created_at: 1, updated_at: 1 };
    await core({ type: 'friend_application_added', application });
    expect(store.contacts.received).toEqual([application]);
    expect(store.contacts.pendingReceived).toBe(1);
    await core({ type: 'friend_application_accepted', application: { ...application, state: 'accepted', updated_at: 2 } });
    expect(store.contacts.received.map((a) => a.state)).toEqual(['accepted']);
    expect(store.contacts.sent).toEqual([]);
    await core({ type: 'friend_added', friend: { profile: bobProfile, remark: 'B.', since: 2 } });
    expect(store.contacts.friends.map((f) => f.profile.user)).toEqual(['bob']);
    // The direct chat is titled like tern-core titles it: remark, else nickname.
    expect(store.chats.conversations.find((c) => c.conv === CONV)?.title).toBe('B.');
    await core({ type: 'friend_info_changed', friend: { profile: bobProfile, remark: '', since: 2 } });
    expect(store.chats.conversations.find((c) => c.conv === CONV)?.title).toBe('Bobby');
    await core({ type: 'black_added', user: 'bob' });
    await flush();
    expect(store.contacts.blacklist).toEqual([bobProfile]);
    expect(store.contacts.isBlocked('bob')).toBe(true);
    await core({ type: 'friend_deleted', user: 'bob' });
    expect(store.contacts.friends).toEqual([]);
    await core({ type: 'black_deleted', user: 'bob' });
    expect(store.contacts.blacklist).toEqual([]);
    await core({ type: 'presence', user: 'bob', online: true });
    expect(store.contacts.presence.bob).toBe(true);
    await flush();
    // Only one profile lookup (bob, unknown until then); no list was fetched again.
    expect(calls.map((c) => c.cmd).filter((c) => c.startsWith('list_'))).toEqual([]);
    expect(calls.filter((c) => c.cmd === 'get_profiles').length).toBeLessThanOrEqual(1);
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
    await store.chats.openConversation(CONV);
    await store.chats.openConversation(G);
    expect(store.messages.loaded[G].map((m) => m.client_id)).toEqual(['c1', 'b1']);
    hidden = true;
    await core({ type: 'black_added', user: 'carol' });
    await flush();
    await flush();
    expect(store.messages.loaded[G].map((m) => m.client_id)).toEqual(['b1']);
    expect(store.messages.loaded[CONV].map((m) => m.client_id)).toEqual(['m1']);
    expect(store.ui.screen).toBe('chats');
    hidden = false;
    await core({ type: 'black_deleted', user: 'carol' });
    await flush();
    await flush();
    expect(store.messages.loaded[G].map((m) => m.client_id)).toEqual(['c1', 'b1']);
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
    const store = new App();
    await store.start();
    await store.session.login('ws://srv', 'alice', 'pw');
    await store.chats.openChatWith('carol');
    expect(calls.find((c) => c.cmd === 'open_direct')?.args).toEqual({ user: 'carol' });
    expect(store.chats.active).toMatchObject({ conv: 'd:alice:carol', peer: 'carol', title: 'Carol Chen' });
    await store.chats.refreshConversations();
    expect(store.chats.active?.conv).toBe('d:alice:carol');
    store.stop();
  });
});
