/**
 * Message search: across all chats (results grouped by chat, more pages on
 * scroll) or within the open chat (Ctrl+F, stepping through the hits), through
 * tern-core's full-text index (Chinese substrings and English words). A hit
 * opens its chat with the history down to it loaded, scrolled to and marked.
 * While tern-core's deferred index is still catching up, a search waits for it:
 * meanwhile its progress is polled and shown ("Indexing 12,000 of 40,000
 * messages…"), and the results appear when ready.
 */
import { commands, type LocalMessage, type SearchIndexState } from '../bindings';
import { call } from './ui.svelte';
import { messageKey } from '../logic/messages';
import type { App } from './app.svelte';

/** Results per page. */
export const SEARCH_PAGE = 30;

/** How often the index's progress is read while a search waits for it (ms). */
export const INDEX_POLL_MS = 250;

export type HitGroup = { conv: string; hits: LocalMessage[] };

export class SearchStore {
  /** The query whose results are shown. */
  query = $state('');
  /** Searching within this chat only; null: all chats. */
  conv = $state<string | null>(null);
  hits = $state.raw<LocalMessage[]>([]);
  hasMore = $state(false);
  loading = $state(false);
  /** A search ran for `query` (so "no results" can be said). */
  done = $state(false);
  /** In-chat search: the hit shown now (index into `hits`). */
  current = $state(-1);
  /** The in-chat search bar is open. */
  inChat = $state(false);
  /** The index is catching up while a search waits for it (null: it is not, or no search waits). */
  indexing = $state<SearchIndexState | null>(null);
  private page = 0;
  /** Bumped by every new search, so a late answer to an older one is dropped. */
  private generation = 0;

  constructor(private readonly app: App) {}

  /** Results by chat, chats in the order of their newest hit. */
  get groups(): HitGroup[] {
    const by = new Map<string, LocalMessage[]>();
    for (const m of this.hits) by.set(m.conv, [...(by.get(m.conv) ?? []), m]);
    return [...by].map(([conv, hits]) => ({ conv, hits }));
  }

  /** The whitespace-separated terms of the query (for highlighting). */
  get terms(): string[] {
    return this.query.split(/\s+/).filter(Boolean);
  }

  /** Runs a new search for `query` in `conv` (null: all chats); an empty query clears the results. */
  async run(query: string, conv: string | null = null): Promise<void> {
    const gen = ++this.generation;
    this.query = query;
    this.conv = conv;
    this.page = 0;
    this.current = -1;
    this.done = false;
    this.indexing = null;
    if (!query.trim()) {
      this.hits = [];
      this.hasMore = false;
      return;
    }
    this.loading = true;
    const stop = this.watchIndex(gen);
    const r = await this.app.ui.attempt(commands.searchMessages(query, conv, 0, SEARCH_PAGE));
    stop();
    if (gen !== this.generation) return;
    this.indexing = null;
    this.loading = false;
    this.done = true;
    this.hits = r?.messages ?? [];
    this.hasMore = r?.has_more ?? false;
  }

  /** Reads the index's progress every INDEX_POLL_MS while search `gen` waits; returns the stop. */
  private watchIndex(gen: number): () => void {
    let live = true;
    const read = async () => {
      const s = await call(commands.searchIndexState()).catch(() => null);
      if (!live || gen !== this.generation) return;
      this.indexing = s?.indexing ? s : null;
      timer = setTimeout(() => void read(), INDEX_POLL_MS);
    };
    let timer = setTimeout(() => void read(), 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }

  /** The next page of the current search (on scroll); false when there is none. */
  async more(): Promise<boolean> {
    if (!this.hasMore || this.loading) return false;
    const gen = this.generation;
    this.loading = true;
    const r = await this.app.ui.attempt(commands.searchMessages(this.query, this.conv, this.page + 1, SEARCH_PAGE));
    if (gen !== this.generation) return false;
    this.loading = false;
    if (!r) return false;
    this.page += 1;
    const seen = new Set(this.hits.map(messageKey));
    this.hits = [...this.hits, ...r.messages.filter((m) => !seen.has(messageKey(m)))];
    this.hasMore = r.has_more;
    return r.messages.length > 0;
  }

  /** Opens the chat of `m` with its history down to `m` loaded, scrolled to it and marked. */
  async jump(m: LocalMessage): Promise<void> {
    if (this.app.chats.activeConv !== m.conv || this.app.ui.screen !== 'chats') await this.app.chats.openConversation(m.conv);
    if (m.seq !== null) await this.app.messages.loadDownTo(m.conv, m.seq);
    this.app.messages.focusOn(m.conv, messageKey(m));
  }

  /** Ctrl+F: the search bar of the open chat. */
  openInChat(): void {
    this.inChat = true;
  }

  closeInChat(): void {
    this.inChat = false;
    if (this.conv !== null) void this.run('', null);
  }

  /** In-chat search: the next older (+1) or newer (−1) hit, shown in the chat. */
  async step(dir: 1 | -1): Promise<void> {
    if (dir === 1 && this.current + 1 >= this.hits.length) await this.more();
    const next = Math.min(Math.max(this.current + dir, 0), this.hits.length - 1);
    if (next < 0) return;
    this.current = next;
    await this.jump(this.hits[next]);
  }
}
