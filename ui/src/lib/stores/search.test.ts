/**
 * The search store against a mocked IPC layer: results grouped by chat, more
 * pages, a search in one chat, a late answer dropped, the jump to a hit far
 * back in its chat (history loaded down to it, the list told where to scroll),
 * and the index's progress shown while a search waits for it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './app.svelte';
import { type Calls, conv, mockBackend, msg } from '../test-fixtures';
import { messageKey } from '../logic/messages';
import { FIRST_PAGE, PAGE, firstPageSize } from './messages.svelte';

const A = 'd:alice:bob';
const B = 'd:alice:carol';
const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
const hit = (c: string, seq: number, text: string) => msg({ client_id: `${c}-${seq}`, conv: c, seq, content: { type: 'text', text } });

describe('SearchStore', () => {
  let calls: Calls;
  let app: App;
  /** History of A: seq 1..300, loaded by pages before a seq. */
  const history = (before: number | null, limit: number) => {
    const end = (before ?? 301) - 1;
    const out = [];
    for (let s = Math.max(1, end - limit + 1); s <= end; s++) out.push(hit(A, s, `line ${s}`));
    return out;
  };

  beforeEach(async () => {
    calls = [];
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    mockBackend(calls, {
      default_server_url: () => 'ws://x',
      restore_session: () => ({ session, notice: null }),
      connection_state: () => 'online',
      conv_settings: () => [],
      account_settings: () => ({ notifications: true, show_text: true, sound: true, dnd: null, updated_at: 0 }),
      desktop_prefs: () => ({ autostart: false, start_minimised: false, close_to_tray: true }),
      server_limits: () => null,
      list_conversations: () => [conv({ conv: A, max_seq: 300 }), conv({ conv: B, peer: 'carol', title: 'Carol' })],
      list_friends: () => [],
      list_applications: () => ({ received: [], sent: [] }),
      list_blacklist: () => [],
      list_groups: () => [],
      mark_read: () => null,
      load_messages: (a) => history(a.before as number | null, a.limit as number),
      search_messages: (a) => {
        const all = [hit(A, 250, '爬山 trip'), hit(B, 9, '爬山要带水'), hit(A, 12, '周末去爬山')].filter((m) => a.conv === null || m.conv === a.conv);
        const size = a.pageSize as number;
        const page = a.page as number;
        return { messages: all.slice(page * size, page * size + size), page, has_more: (page + 1) * size < all.length };
      },
    });
    app = new App();
    await app.start();
  });
  afterEach(() => {
    app.stop();
    vi.restoreAllMocks();
  });

  it('groups results by chat (newest hit first) and highlights the query terms', async () => {
    await app.search.run('爬山 trip');
    expect(calls.find((c) => c.cmd === 'search_messages')?.args).toEqual({ query: '爬山 trip', conv: null, page: 0, pageSize: 30 });
    expect(app.search.groups.map((g) => [g.conv, g.hits.map((m) => m.seq)])).toEqual([
      [A, [250, 12]],
      [B, [9]],
    ]);
    expect(app.search.terms).toEqual(['爬山', 'trip']);
    await app.search.run('');
    expect(app.search.hits).toEqual([]);
  });

  it('loads further pages on demand and searches one chat only', async () => {
    const orig = await import('./search.svelte');
    expect(orig.SEARCH_PAGE).toBe(30);
    await app.search.run('爬山', B);
    expect(app.search.hits.map((m) => m.conv)).toEqual([B]);
    expect(app.search.hasMore).toBe(false);
    expect(await app.search.more()).toBe(false);
  });

  it('drops the answer of a search overtaken by a newer one', async () => {
    const first = app.search.run('爬山');
    const second = app.search.run('nothing-like-this', B);
    await Promise.all([first, second]);
    expect(app.search.query).toBe('nothing-like-this');
    expect(app.search.hits.every((m) => m.conv === B)).toBe(true);
  });

  it('a jump opens the chat, loads history down to the hit and tells the list to show it', async () => {
    await app.search.run('爬山');
    const far = app.search.hits.find((m) => m.seq === 12)!;
    await app.search.jump(far);
    expect(app.chats.activeConv).toBe(A);
    const loaded = app.messages.loaded[A];
    expect(loaded.some((m) => m.seq === 12)).toBe(true);
    expect(loaded[loaded.length - 1].seq).toBe(300);
    // The chat's first page, then pages of PAGE down to the hit, no more.
    expect(calls.filter((c) => c.cmd === 'load_messages').length).toBe(1 + Math.ceil((300 - FIRST_PAGE - 12 + 1) / PAGE));
    expect(app.messages.focus).toMatchObject({ conv: A, key: messageKey(far) });
  });

  it('a chat opens with a window of its newest messages, or every unread one and a few before, up to a page', () => {
    expect(firstPageSize(0)).toBe(FIRST_PAGE);
    expect(firstPageSize(30)).toBe(35);
    expect(firstPageSize(400)).toBe(PAGE);
  });

  it('while the index catches up, a waiting search shows its progress; the results replace it when ready', async () => {
    let release!: () => void;
    const answered = new Promise<void>((r) => (release = r));
    let indexed = 12_000;
    mockBackend(calls, {
      search_index_state: () => {
        const s = { indexing: indexed < 40_000, indexed, total: 40_000 };
        indexed += 4_000;
        return s;
      },
      search_messages: async () => {
        await answered;
        return { messages: [hit(B, 9, '爬山要带水')], page: 0, has_more: false };
      },
    });
    const running = app.search.run('爬山');
    await vi.waitFor(() => expect(app.search.indexing).toMatchObject({ indexing: true, total: 40_000 }));
    const first = app.search.indexing!.indexed;
    expect(first).toBeGreaterThanOrEqual(12_000);
    await vi.waitFor(() => expect(app.search.indexing!.indexed).toBeGreaterThan(first), { timeout: 3_000 });
    expect(app.search.loading).toBe(true);
    expect(app.search.hits).toEqual([]);
    release();
    await running;
    expect(app.search.indexing).toBeNull();
    expect(app.search.loading).toBe(false);
    expect(app.search.hits.map((m) => m.seq)).toEqual([9]);
    const polls = calls.filter((c) => c.cmd === 'search_index_state').length;
    await new Promise((r) => setTimeout(r, 600));
    expect(calls.filter((c) => c.cmd === 'search_index_state').length).toBe(polls);
  });

  it('an index already up to date shows no progress', async () => {
    mockBackend(calls, {
      search_index_state: () => ({ indexing: false, indexed: 0, total: 0 }),
      search_messages: () => ({ messages: [], page: 0, has_more: false }),
    });
    await app.search.run('爬山');
    expect(app.search.indexing).toBeNull();
    expect(app.search.done).toBe(true);
  });

  it('in-chat search steps through the hits, older then newer', async () => {
    app.search.openInChat();
    await app.search.run('爬山', A);
    await app.search.step(1);
    expect(app.search.current).toBe(0);
    expect(app.messages.focus?.key).toBe(messageKey(app.search.hits[0]));
    await app.search.step(1);
    expect(app.search.current).toBe(1);
    await app.search.step(-1);
    expect(app.search.current).toBe(0);
    app.search.closeInChat();
    expect(app.search.inChat).toBe(false);
  });
});
