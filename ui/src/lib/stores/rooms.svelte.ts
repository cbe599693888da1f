/**
 * Chat rooms: the open rooms the server lists, the rooms I joined in this
 * session and their messages. Nothing is cached on disk: a room's history is
 * what `join_room` answers (the last messages the server keeps) plus the
 * `room_message` events while I am in it.
 */
import { t } from '../i18n/index.svelte';
import { commands, type RoomInfo, type RoomLeftReason, type RoomMessage } from '../bindings';
import type { App } from './app.svelte';

/** Most messages kept per room in memory. */
export const ROOM_MESSAGES_KEPT = 500;

/** Inserts `m` by seq (a push may arrive out of order); ignores a duplicate. */
export function insertBySeq(list: RoomMessage[], m: RoomMessage): RoomMessage[] {
  if (list.some((x) => x.seq === m.seq)) return list;
  const out = [...list, m].sort((a, b) => a.seq - b.seq);
  return out.length > ROOM_MESSAGES_KEPT ? out.slice(out.length - ROOM_MESSAGES_KEPT) : out;
}

export class RoomsStore {
  /** Open rooms, by id order. */
  list = $state.raw<RoomInfo[]>([]);
  /** Rooms I am in (this session), by id. */
  joined = $state.raw<Record<string, RoomInfo>>({});
  /** Messages of the rooms I am in, oldest first, by room id. */
  messages = $state.raw<Record<string, RoomMessage[]>>({});
  /** The seq of the last message sent before I joined, by room id (the "recent" divider). */
  joinedAfter = $state.raw<Record<string, number>>({});
  /** The room shown. */
  active = $state<string | null>(null);

  constructor(private readonly app: App) {}

  async refresh(): Promise<void> {
    if (!this.app.session.current) return;
    const list = await this.app.ui.attempt(commands.listRooms());
    if (list) this.list = list;
  }

  async create(name: string): Promise<boolean> {
    const room = await this.app.ui.attempt(commands.createRoom(name.trim()));
    if (!room) return false;
    this.joined = { ...this.joined, [room.room]: room };
    this.messages = { ...this.messages, [room.room]: [] };
    this.joinedAfter = { ...this.joinedAfter, [room.room]: 0 };
    this.active = room.room;
    await this.refresh();
    return true;
  }

  /** Joins `room` (or opens it when I am in it already). */
  async join(room: string): Promise<void> {
    if (this.joined[room]) {
      this.active = room;
      return;
    }
    const r = await this.app.ui.attempt(commands.joinRoom(room));
    if (!r) return;
    this.joined = { ...this.joined, [room]: r.room };
    let list: RoomMessage[] = this.messages[room] ?? [];
    for (const m of r.recent) list = insertBySeq(list, m);
    this.messages = { ...this.messages, [room]: list };
    this.joinedAfter = { ...this.joinedAfter, [room]: r.recent.at(-1)?.seq ?? 0 };
    this.list = this.list.map((x) => (x.room === room ? r.room : x));
    this.active = room;
  }

  async leave(room: string): Promise<void> {
    await this.app.ui.attempt(commands.leaveRoom(room));
    this.forget(room);
    await this.refresh();
  }

  async send(room: string, text: string): Promise<boolean> {
    const body = text.trim();
    if (!body) return false;
    const m = await this.app.ui.attempt(commands.roomSend(room, body));
    if (!m) return false;
    this.applyMessage(m);
    return true;
  }

  /** A `room_message` event (or my own sent message). */
  applyMessage(m: RoomMessage): void {
    if (!this.joined[m.room]) return;
    this.messages = { ...this.messages, [m.room]: insertBySeq(this.messages[m.room] ?? [], m) };
  }

  /** A `room_left` event: I am out of `room`. */
  applyLeft(room: string, reason: RoomLeftReason): void {
    const name = this.joined[room]?.name ?? this.list.find((r) => r.room === room)?.name ?? room;
    if (!this.joined[room]) return;
    this.forget(room);
    this.app.ui.showToast(t(`rooms.${reason}`, { room: name }));
    void this.refresh();
  }

  private forget(room: string): void {
    const { [room]: _gone, ...joined } = this.joined;
    const { [room]: _msgs, ...messages } = this.messages;
    this.joined = joined;
    this.messages = messages;
    if (this.active === room) this.active = null;
  }

  reset(): void {
    this.list = [];
    this.joined = {};
    this.messages = {};
    this.joinedAfter = {};
    this.active = null;
  }
}
