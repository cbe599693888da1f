/**
 * Rich messaging's state: reactions and pins per chat (from tern-core's cache,
 * kept live by `reactions_changed` / `pins_changed`), quotes of originals not
 * loaded, what the composer is doing (replying to or editing a message), the
 * reaction picker, the pin bar's position and the read-by dialog.
 */
import { commands, type LocalMessage, type Pin, type Quote, type Reaction, type ReadByPage } from '../bindings';
import { t } from '../i18n/index.svelte';
import { call } from './ui.svelte';
import { CommandError, errorText } from '../logic/errors';
import { messageKey } from '../logic/messages';
import { nextPin, reactionTurnsOn } from '../logic/rich';
import type { App } from './app.svelte';

/** Members per read-by page. */
export const READ_BY_PAGE = 50;

/** Whom a message being sent mentions (ids; `all`: @all). */
export type Picks = { users: string[]; all: boolean };
const NO_MENTIONS: Picks = { users: [], all: false };

/** What the composer of a chat is doing besides writing a new message. */
export type ComposeMode = { kind: 'reply' | 'edit'; m: LocalMessage };

/** The read-by dialog: the message, the pages loaded so far, or why there are none. */
export type ReadByView = {
  conv: string;
  seq: number;
  read: string[];
  unread: string[];
  readCount: number;
  unreadCount: number;
  next: string | null;
  loading: boolean;
  /** The group turned read-by off (error 4015, or its settings say so). */
  off: boolean;
};

export class RichStore {
  /** Reactions per chat per message seq (only messages that have some). */
  reactions = $state.raw<Record<string, Record<number, Reaction[]>>>({});
  /** Pins per chat, most recently pinned first. */
  pins = $state.raw<Record<string, Pin[]>>({});
  /** Which pin the bar of each chat shows. */
  pinIndex = $state.raw<Record<string, number>>({});
  /** Quotes of originals that are not loaded, per chat per seq. */
  quotes = $state.raw<Record<string, Record<number, Quote>>>({});
  /** Reply / edit state of each chat's composer. */
  compose = $state.raw<Record<string, ComposeMode>>({});
  /** The reaction picker, for one message, at a point of the window. */
  picker = $state<{ m: LocalMessage; x: number; y: number } | null>(null);
  readBy = $state<ReadByView | null>(null);
  /** Seqs whose reactions (and quotes) were asked of tern-core, per chat. */
  private asked: Record<string, Set<number>> = {};
  private pinsAsked = new Set<string>();

  constructor(private readonly app: App) {}

  reset(): void {
    this.reactions = {};
    this.pins = {};
    this.pinIndex = {};
    this.quotes = {};
    this.compose = {};
    this.picker = null;
    this.readBy = null;
    this.asked = {};
    this.pinsAsked.clear();
  }

  /** After a catch-up: everything is asked again. */
  async refresh(): Promise<void> {
    this.asked = {};
    this.pinsAsked.clear();
    const conv = this.app.chats.activeConv;
    if (conv) await this.ensureFor(conv, this.app.messages.loaded[conv] ?? []);
  }

  /** Loads the reactions, pins and missing quotes of the messages shown in `conv` (each asked once). */
  async ensureFor(conv: string, msgs: readonly LocalMessage[]): Promise<void> {
    const asked = (this.asked[conv] ??= new Set());
    const seqs = msgs.map((m) => m.seq).filter((s): s is number => s !== null && !asked.has(s));
    const loadedSeqs = new Set(msgs.map((m) => m.seq));
    const quotes = msgs.map((m) => m.reply_to).filter((s): s is number => s !== null && !loadedSeqs.has(s) && !this.quotes[conv]?.[s]);
    seqs.forEach((s) => asked.add(s));
    if (!this.pinsAsked.has(conv)) {
      this.pinsAsked.add(conv);
      const pins = await this.app.ui.attempt(commands.pins(conv));
      if (pins) this.applyPins(conv, pins);
    }
    if (seqs.length) {
      const got = await this.app.ui.attempt(commands.reactionsOf(conv, seqs));
      if (got) this.reactions = { ...this.reactions, [conv]: { ...this.reactions[conv], ...Object.fromEntries(got.map((r) => [r.seq, r.reactions])) } };
    }
    for (const s of new Set(quotes)) await this.loadQuote(conv, s);
  }

  /** The quote of a message not loaded (a reply's original, a pin). */
  async loadQuote(conv: string, seq: number): Promise<void> {
    if (this.quotes[conv]?.[seq]) return;
    try {
      const q = await call(commands.quote(conv, seq));
      this.quotes = { ...this.quotes, [conv]: { ...this.quotes[conv], [seq]: q } };
    } catch {
      // Offline: the quote stays "…" until the chat is shown again.
    }
  }

  reactionsOf(conv: string, seq: number | null): Reaction[] {
    return seq === null ? [] : (this.reactions[conv]?.[seq] ?? []);
  }

  /** Toggles my reaction `emoji` on `m` (adds it, or takes it back if I already gave it). */
  async react(m: LocalMessage, emoji: string): Promise<void> {
    if (m.seq === null) return;
    const on = reactionTurnsOn(this.reactionsOf(m.conv, m.seq), emoji, this.app.session.me);
    const r = await this.app.ui.attempt(commands.react(m.conv, m.seq, emoji, on));
    if (r) this.applyReactions(m.conv, m.seq, r);
  }

  isPinned(conv: string, seq: number | null): boolean {
    return seq !== null && (this.pins[conv] ?? []).some((p) => p.seq === seq);
  }

  async setPinned(conv: string, seq: number, on: boolean): Promise<void> {
    const pins = await this.app.ui.attempt(commands.pinMessage(conv, seq, on));
    if (pins) this.applyPins(conv, pins);
  }

  /** The pin bar was clicked: jump to the pin it shows, then show the next one. */
  async stepPin(conv: string): Promise<void> {
    const pins = this.pins[conv] ?? [];
    const i = Math.min(this.pinIndex[conv] ?? 0, pins.length - 1);
    if (i < 0) return;
    const seq = pins[i].seq;
    this.pinIndex = { ...this.pinIndex, [conv]: nextPin(pins, i) };
    await this.jumpTo(conv, seq);
  }

  /** Scrolls the open chat to message `seq`, loading older pages as needed, and marks it briefly. */
  async jumpTo(conv: string, seq: number): Promise<void> {
    const ok = await this.app.messages.loadDownTo(conv, seq);
    const m = (this.app.messages.loaded[conv] ?? []).find((x) => x.seq === seq);
    if (!ok || !m) {
      this.app.ui.showToast(t('rich.originalNotFound'));
      return;
    }
    this.app.messages.focusOn(conv, messageKey(m), true);
  }

  // ---- composer ----

  startReply(m: LocalMessage): void {
    this.compose = { ...this.compose, [m.conv]: { kind: 'reply', m } };
  }

  startEdit(m: LocalMessage): void {
    this.compose = { ...this.compose, [m.conv]: { kind: 'edit', m } };
  }

  cancelCompose(conv: string): void {
    if (!this.compose[conv]) return;
    const { [conv]: _gone, ...rest } = this.compose;
    this.compose = rest;
  }

  /**
   * Sends the composer's text: as a reply (with the members it mentions), as the
   * new text of the message being edited, or as a new message (with its mentions).
   */
  async submit(conv: string, text: string, mentions: Picks = NO_MENTIONS): Promise<void> {
    const mode = this.compose[conv];
    this.cancelCompose(conv);
    if (mode?.kind === 'edit' && mode.m.seq !== null) {
      await this.app.ui.attempt(commands.editMessage(conv, mode.m.seq, text));
    } else if (mode?.kind === 'reply' && mode.m.seq !== null) {
      const m = await this.app.ui.attempt(commands.sendReply(conv, text, mode.m.seq, mentions.users, mentions.all));
      if (m) this.app.messages.addMessages(conv, [m]);
    } else if (mentions.users.length > 0 || mentions.all) {
      await this.app.messages.sendMentioning(conv, text, mentions);
    } else {
      await this.app.messages.send(conv, text);
    }
  }

  // ---- read by ----

  /** Opens the read-by dialog of group message `m` with its first page. */
  async openReadBy(m: LocalMessage, groupOff: boolean): Promise<void> {
    if (m.seq === null) return;
    this.readBy = { conv: m.conv, seq: m.seq, read: [], unread: [], readCount: 0, unreadCount: 0, next: null, loading: !groupOff, off: groupOff };
    if (!groupOff) await this.loadReadBy(null);
  }

  /** The next page of the read-by dialog. */
  async moreReadBy(): Promise<void> {
    if (this.readBy?.next) await this.loadReadBy(this.readBy.next);
  }

  private async loadReadBy(after: string | null): Promise<void> {
    const v = this.readBy;
    if (!v) return;
    this.readBy = { ...v, loading: true };
    let page: ReadByPage;
    try {
      page = await call(commands.readBy(v.conv, v.seq, after, READ_BY_PAGE));
    } catch (e) {
      if (e instanceof CommandError && e.code === 'server_4015') this.readBy = { ...v, loading: false, off: true };
      else {
        this.readBy = null;
        this.app.ui.showToast(errorText(e));
      }
      return;
    }
    const cur = this.readBy;
    if (!cur || cur.seq !== v.seq || cur.conv !== v.conv) return;
    this.readBy = {
      ...cur,
      read: [...cur.read, ...page.read],
      unread: [...cur.unread, ...page.unread],
      readCount: page.read_count,
      unreadCount: page.unread_count,
      next: page.next,
      loading: false,
    };
  }

  /** A manager turns the group's read-by on or off. */
  async setGroupReadBy(group: string, on: boolean): Promise<void> {
    const info = await this.app.ui.attempt(commands.setGroupReadBy(group, on));
    if (info) this.app.groups.onInfoChanged(info);
  }

  // ---- events ----

  applyReactions(conv: string, seq: number, reactions: Reaction[]): void {
    const cur = { ...this.reactions[conv] };
    if (reactions.length) cur[seq] = reactions;
    else delete cur[seq];
    this.reactions = { ...this.reactions, [conv]: cur };
  }

  applyPins(conv: string, pins: Pin[]): void {
    this.pins = { ...this.pins, [conv]: pins };
    if ((this.pinIndex[conv] ?? 0) >= pins.length) this.pinIndex = { ...this.pinIndex, [conv]: 0 };
    const loaded = new Set((this.app.messages.loaded[conv] ?? []).map((m) => m.seq));
    for (const p of pins) if (!loaded.has(p.seq)) void this.loadQuote(conv, p.seq);
  }
}
