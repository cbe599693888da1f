/**
 * The rich-messaging store against a mocked IPC layer: reactions and pins live
 * from events, a click toggling my reaction, reply and edit from the composer,
 * a jump to an original far back (older pages loaded), and the read-by dialog.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './app.svelte';
import { type Calls, conv, emitCore as core, flush, mockBackend, msg } from '../test-fixtures';

const CONV = 'd:alice:bob';
const GROUP = 'g:team';
/** Messages 1..120; a page is the 50 before `before` (or the newest 50). */
const history = Array.from({ length: 120 }, (_, i) => msg({ client_id: `m${i + 1}`, seq: i + 1, content: { type: 'text', text: `message ${i + 1}` } }));

function backend(calls: Calls, over: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
  const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
  mockBackend(calls, {
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
    mark_read: () => null,
    set_draft: () => null,
    load_messages: (a) => {
      const before = (a.before as number | null) ?? 121;
      return history.filter((m) => (m.seq ?? 0) < before).slice(-50);
    },
    pins: () => [],
    reactions_of: () => [],
    quote: (a) => ({ seq: a.seq, sender: 'bob', snippet: `message ${a.seq}`, state: 'available' }),
    ...over,
  });
}

describe('RichStore', () => {
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

  async function signedIn(over: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
    backend(calls, over);
    store = new App();
    await store.start();
    await store.session.login('ws://srv', 'alice', 'pw');
    await store.messages.ensureLoaded(CONV);
  }

  it('reactions and pins follow their events; a chip click takes my reaction back', async () => {
    await signedIn({ react: (a) => (a.on ? [{ emoji: a.emoji, count: 2, users: ['bob', 'alice'] }] : [{ emoji: a.emoji, count: 1, users: ['bob'] }]) });
    await store.rich.ensureFor(CONV, store.messages.loaded[CONV]);
    expect(calls.find((c) => c.cmd === 'reactions_of')?.args.seqs).toHaveLength(50);
    await core({ type: 'reactions_changed', conv: CONV, seq: 100, reactions: [{ emoji: '👍', count: 1, users: ['bob'] }] });
    await flush();
    expect(store.rich.reactionsOf(CONV, 100)).toEqual([{ emoji: '👍', count: 1, users: ['bob'] }]);
    const m = store.messages.loaded[CONV].find((x) => x.seq === 100)!;
    await store.rich.react(m, '👍');
    expect(calls.at(-1)).toEqual({ cmd: 'react', args: { conv: CONV, seq: 100, emoji: '👍', on: true } });
    expect(store.rich.reactionsOf(CONV, 100)[0].count).toBe(2);
    await store.rich.react(m, '👍');
    expect(calls.at(-1)?.args.on).toBe(false);
    await core({ type: 'reactions_changed', conv: CONV, seq: 100, reactions: [] });
    await flush();
    expect(store.rich.reactionsOf(CONV, 100)).toEqual([]);

    await core({ type: 'pins_changed', conv: CONV, pins: [{ seq: 3, by: 'bob', at: 1 }] });
    await flush();
    expect(store.rich.isPinned(CONV, 3)).toBe(true);
    // Message 3 is not loaded: its quote is asked for the pin bar.
    expect(store.rich.quotes[CONV]?.[3]?.snippet).toBe('message 3');
  });

  it('a jump to an original far back loads older pages until it is there and marks it briefly', async () => {
    await signedIn();
    await store.rich.jumpTo(CONV, 5);
    expect(calls.filter((c) => c.cmd === 'load_messages').map((c) => c.args.before)).toEqual([null, 71, 21]);
    expect(store.messages.focus).toMatchObject({ conv: CONV, key: 'bob/m5', brief: true });
  });

  it('the pin bar steps through the pins, newest first, jumping to each', async () => {
    await signedIn();
    store.rich.applyPins(CONV, [{ seq: 110, by: 'alice', at: 2 }, { seq: 90, by: 'bob', at: 1 }]);
    await store.rich.stepPin(CONV);
    expect(store.messages.focus?.key).toBe('bob/m110');
    expect(store.rich.pinIndex[CONV]).toBe(1);
    await store.rich.stepPin(CONV);
    expect(store.messages.focus?.key).toBe('bob/m90');
    expect(store.rich.pinIndex[CONV]).toBe(0);
  });

  it('the composer sends a reply, or the new text of the message being edited', async () => {
    const reply = msg({ client_id: 'r1', sender: 'alice', outgoing: true, seq: 121, reply_to: 100 });
    await signedIn({ send_reply: () => reply, edit_message: () => 1_700_000_200_000, send_text: () => msg({ client_id: 'n1', sender: 'alice', outgoing: true, seq: 122 }) });
    const m = store.messages.loaded[CONV].find((x) => x.seq === 100)!;
    store.rich.startReply(m);
    await store.rich.submit(CONV, 'sure');
    expect(calls.find((c) => c.cmd === 'send_reply')?.args).toEqual({ conv: CONV, text: 'sure', replyTo: 100, users: [], all: false });
    expect(store.messages.loaded[CONV].at(-1)?.reply_to).toBe(100);
    expect(store.rich.compose[CONV]).toBeUndefined();
    store.rich.startEdit(reply);
    await store.rich.submit(CONV, 'sure, 5 pm');
    expect(calls.find((c) => c.cmd === 'edit_message')?.args).toEqual({ conv: CONV, seq: 121, text: 'sure, 5 pm' });
    // Esc: back to a new message.
    store.rich.startReply(m);
    store.rich.cancelCompose(CONV);
    await store.rich.submit(CONV, 'plain');
    expect(calls.filter((c) => c.cmd === 'send_text').map((c) => c.args.text)).toEqual(['plain']);
  });

  it('a reply carries the mentions picked in the composer; a new message with mentions goes the mention path', async () => {
    const reply = msg({ client_id: 'r2', conv: GROUP, sender: 'alice', outgoing: true, seq: 8, reply_to: 7 });
    await signedIn({ send_reply: () => reply, send_mentioning: () => msg({ client_id: 'n2', conv: GROUP, sender: 'alice', outgoing: true, seq: 9 }) });
    store.rich.startReply(msg({ client_id: 'g7', conv: GROUP, seq: 7, sender: 'bob' }));
    await store.rich.submit(GROUP, '@Bob ok', { users: ['bob'], all: false });
    expect(calls.find((c) => c.cmd === 'send_reply')?.args).toEqual({ conv: GROUP, text: '@Bob ok', replyTo: 7, users: ['bob'], all: false });
    await store.rich.submit(GROUP, '@all hi', { users: [], all: true });
    expect(calls.find((c) => c.cmd === 'send_mentioning')?.args).toEqual({ conv: GROUP, text: '@all hi', users: [], all: true });
  });

  it('read-by pages through the members; a group with read-by off says so', async () => {
    const pages: Record<string, unknown> = {
      first: { seq: 7, read_count: 3, unread_count: 1, read: ['bob', 'carol'], unread: [], next: 'carol' },
      carol: { seq: 7, read_count: 3, unread_count: 1, read: ['dave'], unread: ['erin'], next: null },
    };
    await signedIn({ read_by: (a) => pages[(a.after as string | null) ?? 'first'] });
    const g = msg({ client_id: 'g7', conv: GROUP, seq: 7, sender: 'alice', outgoing: true });
    await store.rich.openReadBy(g, false);
    expect(store.rich.readBy).toMatchObject({ read: ['bob', 'carol'], readCount: 3, next: 'carol', off: false });
    await store.rich.moreReadBy();
    expect(store.rich.readBy).toMatchObject({ read: ['bob', 'carol', 'dave'], unread: ['erin'], next: null, loading: false });
    expect(calls.filter((c) => c.cmd === 'read_by').map((c) => c.args.after)).toEqual([null, 'carol']);

    await store.rich.openReadBy(g, true);
    expect(store.rich.readBy?.off).toBe(true);
    expect(calls.filter((c) => c.cmd === 'read_by')).toHaveLength(2);
  });

  it('read-by refused with 4015 (turned off meanwhile) shows the note, not a toast', async () => {
    await signedIn({
      read_by: () => {
        throw { code: 'server_4015', message: 'read_by is off' };
      },
    });
    await store.rich.openReadBy(msg({ client_id: 'g7', conv: GROUP, seq: 7, outgoing: true }), false);
    expect(store.rich.readBy?.off).toBe(true);
    expect(store.ui.toast).toBeNull();
  });

  it('a manager turns the group’s read-by off: the group info follows', async () => {
    const info = { group: 'team', name: 'Team', read_by: false };
    await signedIn({ set_group_read_by: (a) => ({ ...info, read_by: a.on }) });
    await store.rich.setGroupReadBy('team', false);
    expect(calls.at(-1)).toEqual({ cmd: 'set_group_read_by', args: { group: 'team', on: false } });
    expect(store.groups.info.team?.read_by).toBe(false);
  });
});
