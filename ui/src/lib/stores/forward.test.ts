/**
 * The forward store against a mocked IPC layer: multi-select, the Forward
 * dialog's call (one by one and merged), the comment, a target that refuses
 * (its reason stays in the dialog), and the history viewer with nested
 * histories and a history file.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './app.svelte';
import { type Calls, conv, mockBackend, msg } from '../test-fixtures';
import type { Content } from '../bindings';

const CONV = 'd:alice:bob';
const TEAM = 'g:team';
const CAROL = 'd:alice:carol';
const history = Array.from({ length: 5 }, (_, i) => msg({ client_id: `m${i + 1}`, seq: i + 1, content: { type: 'text', text: `message ${i + 1}` } }));

describe('ForwardStore', () => {
  let calls: Calls;
  let store: App;

  async function signedIn(over: Record<string, (args: Record<string, unknown>) => unknown> = {}) {
    const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
    mockBackend(calls, {
      default_server_url: () => 'ws://default:7878',
      restore_session: () => ({ session: null, notice: null }),
      keyring_notice: () => null,
      connection_state: () => 'online',
      login: () => session,
      list_conversations: () => [conv({ conv: CONV, last_activity: 1 }), conv({ conv: TEAM, peer: null, title: 'Team', last_activity: 3 }), conv({ conv: CAROL, peer: 'carol', title: 'Carol', last_activity: 2 })],
      list_friends: () => [],
      list_applications: () => ({ received: [], sent: [] }),
      list_blacklist: () => [],
      list_groups: () => [],
      mark_read: () => null,
      set_draft: () => null,
      load_messages: () => history,
      pins: () => [],
      reactions_of: () => [],
      ...over,
    });
    store = new App();
    await store.start();
    await store.session.login('ws://srv', 'alice', 'pw');
    await store.messages.ensureLoaded(CONV);
  }

  beforeEach(() => {
    calls = [];
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
  });
  afterEach(() => {
    store?.stop();
    vi.restoreAllMocks();
  });

  it('selects messages, forwards them merged to two chats with a comment, and leaves multi-select', async () => {
    await signedIn({
      forward_messages: (a) => (a.to as string[]).map((c, i) => ({ conv: c, seqs: [10 + i] })),
      send_text: (a) => msg({ client_id: `c-${a.conv}`, conv: a.conv as string, sender: 'alice', outgoing: true, seq: 20 }),
    });
    const f = store.forward;
    f.select(history[3]);
    f.toggle(1);
    f.toggle(3);
    f.toggle(4); // unselects message 4
    expect(f.selecting).toEqual({ conv: CONV, seqs: [1, 3] });
    expect(f.isSelected(CONV, 3)).toBe(true);
    f.forwardSelected(true);
    expect(f.dialog?.seqs).toEqual([1, 3]);
    expect(f.dialog?.merged).toBe(true);
    // Sending needs a target.
    await f.send();
    expect(calls.some((c) => c.cmd === 'forward_messages')).toBe(false);
    f.toggleTarget(TEAM);
    f.toggleTarget(CAROL);
    f.dialog!.comment = '  see these  ';
    await f.send();
    expect(calls.find((c) => c.cmd === 'forward_messages')?.args).toEqual({ from: CONV, seqs: [1, 3], to: [TEAM, CAROL], merged: true, title: null });
    expect(calls.filter((c) => c.cmd === 'send_text').map((c) => [c.args.conv, c.args.text])).toEqual([[TEAM, 'see these'], [CAROL, 'see these']]);
    expect(f.dialog).toBeNull();
    expect(f.selecting).toBeNull();
    expect(store.ui.toast).toBe('Forwarded to 2 chats.');
  });

  it('a target that refuses keeps the dialog open with its reason; the others are not asked again', async () => {
    await signedIn({
      forward_messages: (a) => (a.to as string[]).map((c) => (c === TEAM ? { conv: c, seqs: [], error: { code: 4004, message: 'you are muted in this group' } } : { conv: c, seqs: [7] })),
    });
    const f = store.forward;
    f.forwardOne(history[0]);
    expect(f.dialog).toMatchObject({ from: CONV, seqs: [1], merged: false });
    f.toggleTarget(TEAM);
    f.toggleTarget(CAROL);
    await f.send();
    expect(calls.filter((c) => c.cmd === 'send_text')).toEqual([]);
    expect(f.dialog?.targets).toEqual([TEAM]);
    expect(f.dialog?.failed).toHaveLength(1);
    expect(f.dialog?.failed[0].conv).toBe(TEAM);
    expect(f.dialog?.failed[0].text).not.toBe('');
    f.close();
    expect(f.dialog).toBeNull();
  });

  it('a refusal of the whole forward (a message I cannot forward) is shown in the dialog', async () => {
    await signedIn({
      forward_messages: () => {
        throw { code: 'server_4018', message: 'no message 1 in d:alice:bob that you can forward' };
      },
    });
    const f = store.forward;
    f.forwardOne(history[0]);
    f.toggleTarget(CAROL);
    await f.send();
    expect(f.dialog?.failed).toEqual([{ conv: '', text: expect.any(String) }]);
    expect(f.dialog?.sending).toBe(false);
  });

  it('opens a history, a nested one on top, back; a file in the nested one by its path', async () => {
    await signedIn({ download_history_file: () => ({ file: 'f9', url: 'ternfile://localhost/f9' }), save_history_file_as: () => '/tmp/x.png' });
    const img: Content = { type: 'image', file: { id: 'f9', name: 'x.png', size: 9, mime: 'image/png' }, width: 2, height: 2 };
    const inner: Content = { type: 'chat_history', title: 'Chat history', items: [{ sender: 'carol', sent_at: 1, content: img }] };
    const content: Content = { type: 'chat_history', title: 'Chat history', items: [{ sender: 'bob', sent_at: 1, content: { type: 'text', text: 'hi' } }, { sender: 'alice', sent_at: 2, content: inner }] };
    const m = msg({ client_id: 'h1', seq: 6, content });
    const f = store.forward;
    f.openHistory(m);
    expect(f.shown?.items).toHaveLength(2);
    f.openNested(0); // a text: nothing opens
    expect(f.viewer).toHaveLength(1);
    f.openNested(1);
    expect(f.viewer).toHaveLength(2);
    expect(f.shown?.items[0].sender).toBe('carol');
    await f.openFile(0);
    expect(calls.find((c) => c.cmd === 'download_history_file')?.args).toEqual({ conv: CONV, seq: 6, clientId: 'h1', item: [1, 0] });
    expect(store.files.preview).toMatchObject({ url: 'ternfile://localhost/f9', name: 'x.png' });
    // Save as… in the preview saves this item of the nested history.
    await store.files.preview?.save?.();
    expect(calls.find((c) => c.cmd === 'save_history_file_as')?.args.item).toEqual([1, 0]);
    f.back();
    expect(f.shown?.items).toHaveLength(2);
    f.closeHistory();
    expect(f.shown).toBeNull();
  });
});
