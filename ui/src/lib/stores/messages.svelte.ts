/**
 * Loaded messages per chat: pages of history, sending, recall and delete,
 * delivery and read state, typing indicators. Message events are merged into
 * the chats already loaded (others load from the cache when opened).
 */
import { commands, type Conversation, type LocalMessage } from '../bindings';
import { applyEdit, applyPeerRead, applyRecall, mergeMessages, messageKey, oldestSeq } from '../logic/messages';
import { withoutMessage } from '../logic/files';
import { groupOf } from '../logic/groups';
import { markChatLoaded } from '../logic/perf';
import type { App } from './app.svelte';

/** How long a typing notice lasts. */
export const TYPING_MS = 4000;

/** Messages per page when scrolling back through history. */
export const PAGE = 50;
/** Messages a chat opens with when none is unread (see `firstPageSize`). */
export const FIRST_PAGE = 20;

/**
 * How many of its newest messages a chat opens with: about a window's worth, and
 * every unread one (plus a few before) up to a full page, so the "unread" divider
 * has its place. Older pages load as the user scrolls up. A full page made the
 * virtualised list (which renders from its top) first mount the page's oldest
 * messages, then, a frame later, the newest ones (C3: 118 → 108–113 ms with the
 * list's synchronous first scroll, docs/benchmarks.md).
 */
export function firstPageSize(unread: number): number {
  return Math.min(PAGE, Math.max(FIRST_PAGE, unread + 5));
}

/** How far back a jump to a search hit loads (pages of `PAGE`). */
export const MAX_JUMP_PAGES = 200;

export class MessagesStore {
  /** Loaded messages per conversation; raw because histories can be huge. */
  loaded = $state.raw<Record<string, LocalMessage[]>>({});
  /** Whether older pages may exist before the loaded ones. */
  moreOlder = $state.raw<Record<string, boolean>>({});
  loadingOlder = $state(false);
  /** Conversations whose peer is typing, with when the indicator expires. */
  typingUntil = $state.raw<Record<string, number>>({});
  /**
   * A message to scroll to and mark (a search hit; `brief`: a quote or pin jump,
   * marked for a moment); `n` makes each jump a change.
   */
  focus = $state<{ conv: string; key: string; n: number; brief?: boolean } | null>(null);
  private lastTypingSent: Record<string, number> = {};
  /** Client ids of cancelled uploads, so a command result arriving late cannot show them again. */
  private removed = new Set<string>();

  constructor(private readonly app: App) {}

  reset(): void {
    this.loaded = {};
    this.moreOlder = {};
  }

  private setPage(conv: string, page: LocalMessage[], base: LocalMessage[], limit = PAGE): void {
    this.loaded = { ...this.loaded, [conv]: mergeMessages(base, page) };
    this.moreOlder = { ...this.moreOlder, [conv]: page.length >= limit };
  }

  /** Loads the newest messages of `conv` unless it is loaded (see `firstPageSize`). */
  async ensureLoaded(conv: string): Promise<void> {
    if (this.loaded[conv]) return;
    const unread = this.app.chats.conversations.find((x) => x.conv === conv)?.unread ?? 0;
    const limit = firstPageSize(unread);
    const page = await this.app.ui.attempt(commands.loadMessages(conv, null, limit));
    if (!page) return;
    markChatLoaded();
    this.setPage(conv, page, [], limit);
    const c = this.app.chats.conversations.find((x) => x.conv === conv);
    if (c) this.applyPeerReadSeq(c);
  }

  /** Loads the page before the oldest loaded message; false when there is none. */
  async loadOlder(conv: string): Promise<boolean> {
    if (this.loadingOlder || !this.moreOlder[conv]) return false;
    const before = oldestSeq(this.loaded[conv] ?? []);
    if (before === null || before <= 1) {
      this.moreOlder = { ...this.moreOlder, [conv]: false };
      return false;
    }
    this.loadingOlder = true;
    try {
      const page = await this.app.ui.attempt(commands.loadMessages(conv, before, PAGE));
      if (!page) return false;
      this.setPage(conv, page, this.loaded[conv] ?? []);
      return page.length > 0;
    } finally {
      this.loadingOlder = false;
    }
  }

  /**
   * Loads older pages of `conv` until message `seq` is loaded (a search hit far
   * back), at most `MAX_JUMP_PAGES` pages; true when it is loaded.
   */
  async loadDownTo(conv: string, seq: number): Promise<boolean> {
    await this.ensureLoaded(conv);
    for (let i = 0; i < MAX_JUMP_PAGES; i++) {
      const oldest = oldestSeq(this.loaded[conv] ?? []);
      if (oldest !== null && oldest <= seq) return true;
      if (!(await this.loadOlder(conv))) break;
    }
    return (this.loaded[conv] ?? []).some((m) => m.seq === seq);
  }

  /** Scrolls the open chat to the message with `key` and marks it. */
  focusOn(conv: string, key: string, brief = false): void {
    this.focus = { conv, key, n: (this.focus?.n ?? 0) + 1, brief };
  }

  /**
   * A user was blocked or unblocked: tern-core hides (shows again) their group
   * messages, so loaded group chats are dropped and the open one is reloaded.
   */
  async reloadGroupChats(): Promise<void> {
    const groups = Object.keys(this.loaded).filter((c) => groupOf(c));
    if (groups.length === 0) return;
    const rest = { ...this.loaded };
    for (const c of groups) delete rest[c];
    this.loaded = rest;
    const conv = this.app.chats.activeConv;
    if (!conv || !groupOf(conv)) return;
    const page = await this.app.ui.attempt(commands.loadMessages(conv, null, PAGE));
    if (page && this.app.chats.activeConv === conv) this.setPage(conv, page, []);
  }

  /** Clear history (here or on another device of mine): messages up to `seq` leave the chat. */
  hideUpTo(conv: string, seq: number): void {
    const list = this.loaded[conv];
    if (!list) return;
    this.loaded = { ...this.loaded, [conv]: list.filter((m) => m.seq === null || m.seq > seq) };
  }

  private upsert(conv: string, msgs: LocalMessage[]): void {
    const list = this.loaded[conv];
    if (!list) return; // not opened yet: loaded from the cache on open
    this.loaded = { ...this.loaded, [conv]: mergeMessages(list, msgs) };
  }

  /** Sends `text` to a group mentioning `mentions` (the server checks who may be mentioned). */
  async sendMentioning(conv: string, text: string, mentions: { users: string[]; all: boolean }): Promise<void> {
    const m = await this.app.ui.attempt(commands.sendMentioning(conv, text, mentions.users, mentions.all));
    if (m) {
      this.upsert(conv, [m]);
      void this.app.chats.refreshConversations();
    }
  }

  async send(conv: string, text: string): Promise<void> {
    const m = await this.app.ui.attempt(commands.sendText(conv, text));
    if (m) {
      this.upsert(conv, [m]);
      void this.app.chats.refreshConversations();
    }
  }

  /**
   * Shows messages this device just queued (files being uploaded). Their events
   * (new, acked) can arrive before the command returns: a copy already shown is
   * at least as new as the command's, so it is kept; one already cancelled
   * (`message_removed`) stays gone.
   */
  addMessages(conv: string, msgs: LocalMessage[]): void {
    const shown = new Set((this.loaded[conv] ?? []).map(messageKey));
    this.upsert(conv, msgs.filter((m) => !shown.has(messageKey(m)) && !this.removed.has(m.client_id)));
    void this.app.chats.refreshConversations();
  }

  /** Sends an image pasted from the clipboard (its bytes; the app keeps a copy to upload from). */
  async sendPastedImage(conv: string, file: Blob): Promise<void> {
    const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
    const sent = await this.app.ui.attempt(commands.sendPastedImage(conv, file.type, bytes));
    if (sent) this.addMessages(conv, sent);
  }

  /** Recalls one of my messages; the `recalled` event turns it into a tombstone. */
  async recall(m: LocalMessage): Promise<void> {
    if (m.seq === null) return;
    await this.app.ui.attempt(commands.recall(m.conv, m.seq));
  }

  /** Deletes a message on this device only; the `message_removed` event takes it out of the chat. */
  async deleteForMe(m: LocalMessage): Promise<void> {
    if (m.seq !== null) await this.app.ui.attempt(commands.deleteForMe(m.conv, m.seq));
  }

  /** Deletes my failed message from this device; the `message_removed` event takes it out of the chat. */
  async deleteFailed(m: LocalMessage): Promise<void> {
    await this.app.ui.attempt(commands.deleteFailed(m.client_id));
  }

  async resend(m: LocalMessage): Promise<void> {
    const again = await this.app.ui.attempt(commands.resend(m.client_id));
    if (again) this.upsert(m.conv, [again]);
  }

  // ---- events ----

  /** `new_message` / `message_acked` / `message_failed`: the message as now. */
  applyMessage(m: LocalMessage, isNew: boolean): void {
    this.upsert(m.conv, [m]);
    if (!m.outgoing && this.typingUntil[m.conv]) {
      const { [m.conv]: _done, ...rest } = this.typingUntil;
      this.typingUntil = rest;
    }
    if (isNew && !m.outgoing && this.app.chats.isReading(m.conv)) void this.app.chats.markRead(m.conv);
  }

  applyReadReceipt(conv: string, user: string, seq: number): void {
    const list = this.loaded[conv];
    if (list && user !== this.app.session.me) this.loaded = { ...this.loaded, [conv]: applyPeerRead(list, seq) };
  }

  applyRecall(conv: string, seq: number, by: string, at: number): void {
    const list = this.loaded[conv];
    if (list) this.loaded = { ...this.loaded, [conv]: applyRecall(list, seq, by, at) };
  }

  /** A message edited on any device: its new text and the "edited" mark. */
  applyEdit(conv: string, seq: number, text: string, editedAt: number): void {
    const list = this.loaded[conv];
    if (list) this.loaded = { ...this.loaded, [conv]: applyEdit(list, seq, text, editedAt) };
  }

  /** A cancelled upload (or a message deleted here): gone. */
  applyRemoved(conv: string, clientId: string): void {
    this.removed.add(clientId);
    const list = this.loaded[conv];
    if (list) this.loaded = { ...this.loaded, [conv]: withoutMessage(list, clientId) };
  }

  /** Shows my messages the peer has read (per the conversation's receipt) as read. */
  applyPeerReadSeq(c: Conversation): void {
    const list = this.loaded[c.conv];
    if (list && c.peer_read_seq > 0) this.loaded = { ...this.loaded, [c.conv]: applyPeerRead(list, c.peer_read_seq) };
  }

  /** Marks the peer of `conv` as typing for a few seconds (a message from them ends it). */
  applyTyping(conv: string, user: string): void {
    if (user === this.app.session.me) return;
    const until = Date.now() + TYPING_MS;
    this.typingUntil = { ...this.typingUntil, [conv]: until };
    setTimeout(() => {
      if (this.typingUntil[conv] === until) {
        const { [conv]: _gone, ...rest } = this.typingUntil;
        this.typingUntil = rest;
      }
    }, TYPING_MS);
  }

  isTyping(conv: string): boolean {
    return (this.typingUntil[conv] ?? 0) > Date.now();
  }

  /** Tells the peer I am typing, at most once every few seconds per chat. */
  notifyTyping(conv: string): void {
    const now = Date.now();
    if (now - (this.lastTypingSent[conv] ?? 0) < TYPING_MS / 2) return;
    this.lastTypingSent[conv] = now;
    void commands.typing(conv);
  }
}
