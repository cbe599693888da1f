/**
 * The Rooms store against a mocked IPC layer: joining shows the recent
 * history, live `room_message` events land in order (by seq, no duplicates),
 * and `room_left` closes the room with a toast.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RoomInfo, RoomMessage } from '../bindings';
import { App } from './app.svelte';
import { type Calls, emitCore as core, flush, mockBackend } from '../test-fixtures';
import { insertBySeq } from './rooms.svelte';

const R = 'r1';
const info = (over: Partial<RoomInfo> = {}): RoomInfo => ({ room: R, name: 'Lobby', owner: 'bob', member_count: 1, created_at: 1, ...over });
const rm = (seq: number, text: string, from = 'bob'): RoomMessage => ({ room: R, seq, from, content: { type: 'text', text }, sent_at: 1000 + seq });

function backend(calls: Calls) {
  const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
  mockBackend(calls, {
    default_server_url: () => 'ws://default:7878',
    restore_session: () => ({ session: null, notice: null }),
    keyring_notice: () => null,
    connection_state: () => 'online',
    login: () => session,
    list_conversations: () => [],
    list_friends: () => [],
    list_applications: () => ({ received: [], sent: [] }),
    list_blacklist: () => [],
    list_groups: () => [],
    list_rooms: () => [info()],
    join_room: () => ({ room: info({ member_count: 2 }), recent: [rm(1, 'one'), rm(2, 'two')] }),
    leave_room: () => null,
    room_send: (a) => rm(4, a.text as string, 'alice'),
  });
}

describe('RoomsStore', () => {
  let calls: Calls;
  let store: App;

  beforeEach(async () => {
    calls = [];
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    backend(calls);
    store = new App();
    await store.start();
    await store.session.login('ws://srv', 'alice', 'pw');
  });
  afterEach(() => {
    store?.stop();
    vi.restoreAllMocks();
  });

  it('joins a listed room with its recent history, then takes live messages in seq order', async () => {
    await store.rooms.refresh();
    expect(store.rooms.list.map((r) => r.name)).toEqual(['Lobby']);
    await store.rooms.join(R);
    expect(store.rooms.active).toBe(R);
    expect(store.rooms.joinedAfter[R]).toBe(2);
    expect(store.rooms.list[0].member_count).toBe(2);
    core({ type: 'room_message', message: rm(4, 'four') });
    core({ type: 'room_message', message: rm(3, 'three') });
    core({ type: 'room_message', message: rm(3, 'three') });
    await flush();
    expect(store.rooms.messages[R].map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    // A message of a room I am not in is ignored.
    core({ type: 'room_message', message: { ...rm(1, 'x'), room: 'other' } });
    expect(store.rooms.messages.other).toBeUndefined();
  });

  it('sends into the room and shows my message', async () => {
    await store.rooms.join(R);
    expect(await store.rooms.send(R, '  hi  ')).toBe(true);
    expect(calls.find((c) => c.cmd === 'room_send')?.args).toEqual({ room: R, text: 'hi' });
    expect(store.rooms.messages[R].at(-1)).toMatchObject({ seq: 4, from: 'alice' });
  });

  it('closes a room I was kicked from, with a toast', async () => {
    await store.rooms.join(R);
    core({ type: 'room_left', room: R, reason: 'kicked', banned_until: 99 });
    await flush();
    expect(store.rooms.active).toBeNull();
    expect(store.rooms.joined[R]).toBeUndefined();
    expect(store.ui.toast).toBe('You were removed from Lobby.');
  });

  it('keeps at most 500 messages per room', () => {
    let list: RoomMessage[] = [];
    for (let i = 1; i <= 520; i++) list = insertBySeq(list, rm(i, `${i}`));
    expect(list.length).toBe(500);
    expect(list[0].seq).toBe(21);
  });
});
