import type { Conversation, LocalMessage } from './bindings';

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
    last: null,
    last_activity: 0,
    draft: '',
    ...over,
  };
}
