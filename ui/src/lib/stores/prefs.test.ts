/**
 * Settings that follow me across devices, against a mocked IPC layer: the
 * list's order and archive from the server's settings, edits going to the
 * app, changes from my other devices (core events), drafts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConvSettings } from '../bindings';
import { App } from './app.svelte';
import { type Calls, conv, emitCore as core, flush, mockBackend, msg } from '../test-fixtures';

const [B, C, D] = ['d:alice:bob', 'd:alice:carol', 'd:alice:dave'];
const friend = (user: string) => ({ profile: { user, nickname: user, avatar: null, signature: '' }, remark: '', since: 1 });
const settings = (c: string, over: Partial<ConvSettings> = {}): ConvSettings => ({
  conv: c, pinned: null, muted: false, muted_until: null, archived: null, draft: '', draft_at: 0, cleared_seq: 0, updated_at: 0, ...over,
});

describe('PrefsStore', () => {
  let calls: Calls;
  let store: App;
  let stored: ConvSettings[];

  beforeEach(async () => {
    calls = [];
    stored = [settings(D, { pinned: 1 })];
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
    mockBackend(calls, {
      default_server_url: () => 'ws://x',
      restore_session: () => ({ session, notice: null }),
      connection_state: () => 'online',
      server_limits: () => null,
      list_conversations: () => [conv({ conv: B, peer: 'bob', max_seq: 4, last_activity: 30 }), conv({ conv: C, peer: 'carol', max_seq: 2, last_activity: 20 }), conv({ conv: D, peer: 'dave', max_seq: 1, last_activity: 10 })],
      list_friends: () => [friend('bob'), friend('carol'), friend('dave')],
      list_applications: () => ({ received: [], sent: [] }),
      list_blacklist: () => [],
      list_groups: () => [],
      mark_read: () => null,
      load_messages: () => [msg({ client_id: 'm1', seq: 1 }), msg({ client_id: 'm2', seq: 2 }), msg({ client_id: 'm3', seq: 3 })],
      conv_settings: () => stored,
      account_settings: () => ({ notifications: true, show_text: true, sound: true, dnd: null, updated_at: 0 }),
      desktop_prefs: () => ({ autostart: false, start_minimised: false, close_to_tray: true }),
      edit_conv: (a) => {
        const e = a.edit as { op: string; until?: number | null };
        const cur = stored.find((s) => s.conv === a.conv) ?? settings(a.conv as string);
        const next = { ...cur, ...(e.op === 'mute' ? { muted: true, muted_until: e.until ?? null } : e.op === 'archive' ? { archived: 4 } : e.op === 'pin' ? { pinned: 2 } : {}) };
        stored = [...stored.filter((s) => s.conv !== next.conv), next];
        return next;
      },
      set_draft: () => null,
      set_account_settings: (a) => a.settings,
    });
    store = new App();
    await store.start();
    await flush();
  });

  afterEach(() => store.stop());

  const listed = () => store.chats.listedChats.map((c) => c.conv);

  it('lists the pinned chat first; a pin from another device reorders the list', async () => {
    expect(listed()).toEqual([D, B, C]);
    await core({ type: 'conv_settings_changed', settings: settings(C, { pinned: 5 }) });
    expect(listed()).toEqual([C, D, B]);
    await core({ type: 'conv_settings_changed', settings: settings(D) });
    expect(listed()).toEqual([C, B, D]);
  });

  it('pins, mutes for 8 hours and archives through edit_conv', async () => {
    const now = Date.now();
    await store.prefs.pin(B, true);
    expect(calls.find((c) => c.cmd === 'edit_conv')?.args).toEqual({ conv: B, edit: { op: 'pin', order: null } });
    await store.prefs.mute(C, '8h');
    const until = (calls.filter((c) => c.cmd === 'edit_conv')[1].args.edit as { until: number }).until;
    expect(until - now).toBeGreaterThanOrEqual(8 * 3_600_000);
    expect(until - now).toBeLessThan(8 * 3_600_000 + 5_000);
    expect(store.prefs.isMuted(C)).toBe(true);
    await store.prefs.archive(B, true);
    expect(listed()).not.toContain(B);
    expect(store.chats.archivedChats.map((c) => c.conv)).toEqual([B]);
  });

  it('brings an archived chat back with a new message, unless it is muted', async () => {
    await core({ type: 'conv_settings_changed', settings: settings(B, { archived: 4 }) });
    await core({ type: 'conv_settings_changed', settings: settings(C, { archived: 2, muted: true }) });
    expect(listed()).toEqual([D]);
    await core({ type: 'conversation_changed', conversation: conv({ conv: B, peer: 'bob', max_seq: 5, last_activity: 40 }) });
    await core({ type: 'conversation_changed', conversation: conv({ conv: C, peer: 'carol', max_seq: 3, last_activity: 50 }) });
    expect(listed()).toEqual([D, B]);
    expect(store.chats.archivedChats.map((c) => c.conv)).toEqual([C]);
  });

  it('leaves muted chats out of the unread total', async () => {
    await core({ type: 'unread_changed', conv: B, unread: 2 });
    await core({ type: 'unread_changed', conv: C, unread: 3 });
    expect(store.chats.totalUnread).toBe(5);
    await core({ type: 'conv_settings_changed', settings: settings(C, { muted: true }) });
    expect(store.chats.totalUnread).toBe(2);
  });

  it('cleared history (from another device) leaves the open chat', async () => {
    await store.chats.openConversation(B);
    expect(store.messages.loaded[B].map((m) => m.seq)).toEqual([1, 2, 3]);
    await core({ type: 'conv_settings_changed', settings: settings(B, { cleared_seq: 2 }) });
    expect(store.messages.loaded[B].map((m) => m.seq)).toEqual([3]);
  });

  it('saves drafts and shows a draft typed on another device', async () => {
    await store.chats.saveDraft(C, 'half a thought');
    expect(calls.find((c) => c.cmd === 'set_draft')?.args).toEqual({ conv: C, draft: 'half a thought' });
    expect(store.chats.conversations.find((c) => c.conv === C)?.draft).toBe('half a thought');
    await core({ type: 'conversation_changed', conversation: conv({ conv: B, peer: 'bob', max_seq: 4, last_activity: 60, draft: 'from my laptop' }) });
    expect(store.chats.conversations.find((c) => c.conv === B)?.draft).toBe('from my laptop');
  });

  it('follows account settings changed on another device, and saves a change', async () => {
    const dnd = { start: '22:00', end: '08:00', tz: 'Europe/Paris', days: ['mon' as const] };
    await core({ type: 'account_settings_changed', settings: { notifications: true, show_text: false, sound: true, dnd, updated_at: 9 } });
    expect(store.prefs.account.show_text).toBe(false);
    await store.prefs.setAccount({ sound: false });
    expect(calls.find((c) => c.cmd === 'set_account_settings')?.args).toEqual({ settings: { notifications: true, show_text: false, sound: false, dnd, updated_at: 9 } });
    expect(store.prefs.account.sound).toBe(false);
  });
});
