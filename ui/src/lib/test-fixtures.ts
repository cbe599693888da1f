import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { CoreEvent, Conversation, LocalMessage } from './bindings';

/** The commands a mocked backend saw, in order. */
export type Calls = { cmd: string; args: Record<string, unknown> }[];
/** Answers one mocked command. */
export type Handler = (args: Record<string, unknown>) => unknown;

/**
 * Mocks the app's IPC (events too): every command is recorded in `calls` and
 * answered by its handler; one without a handler goes to `otherwise`, which
 * throws unless the test says otherwise.
 */
export function mockBackend(
  calls: Calls,
  handlers: Record<string, Handler>,
  otherwise: (cmd: string) => unknown = (cmd) => {
    throw new Error(`unexpected command ${cmd}`);
  },
): void {
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      const f = handlers[cmd];
      return f ? f(a) : otherwise(cmd);
    },
    { shouldMockEvents: true },
  );
}

/** Delivers a tern-core event to the UI as the app would. */
export const emitCore = (e: CoreEvent) => emit('core-event', e);

/** Lets pending promises and event handlers run. */
export const flush = () => new Promise((r) => setTimeout(r, 0));

/** A text message for tests. */
export function msg(over: Partial<LocalMessage> & { client_id: string }): LocalMessage {
  return {
    conv: 'd:alice:bob',
    seq: null,
    id: null,
    sender: 'bob',
    outgoing: false,
    sent_at: 1_700_000_000_000,
    content: { type: 'text', text: 'hello' },
    ext: null,
    state: 'sent',
    error: null,
    edited_at: null,
    reply_to: null,
    mentions: null,
    ...over,
  };
}

/** A conversation for tests. */
export function conv(over: Partial<Conversation> & { conv: string }): Conversation {
  return {
    peer: 'bob',
    title: 'Bob',
    avatar: null,
    max_seq: 0,
    read_seq: 0,
    peer_read_seq: 0,
    unread: 0,
    unread_mentions: 0,
    last: null,
    last_activity: 0,
    draft: '',
    ...over,
  };
}
