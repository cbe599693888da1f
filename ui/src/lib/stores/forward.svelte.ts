/**
 * Forwarding's state (issue 17): the multi-select mode of a chat, the Forward
 * dialog (targets, comment, what each target did) and the chat history viewer
 * (a stack, so nested histories open on top and Back returns). Calls only the
 * typed bindings: `forward_messages`, `send_text` for the comment, and the
 * history file commands.
 */
import { commands, type Content, type LocalMessage } from '../bindings';
import { t } from '../i18n/index.svelte';
import { humanError } from '../logic/errors';
import { forwardOutcome, itemAt, MAX_FORWARD_TARGETS, toggleSeq } from '../logic/forward';
import { fileOf } from '../logic/files';
import type { App } from './app.svelte';

/** The Forward dialog: which messages of which chat, how, to whom, and the refusals of the last try. */
export type ForwardDialog = {
  from: string;
  seqs: number[];
  merged: boolean;
  targets: string[];
  comment: string;
  sending: boolean;
  /** Targets that refused the last try, with the reason in words. */
  failed: { conv: string; text: string }[];
};

/** One level of the history viewer: the message holding the history and the path to a nested one. */
export type HistoryLevel = { m: LocalMessage; path: number[] };

export class ForwardStore {
  /** Multi-select mode: the chat and the selected seqs (oldest first). */
  selecting = $state<{ conv: string; seqs: number[] } | null>(null);
  dialog = $state<ForwardDialog | null>(null);
  /** The history viewer's levels; the last is shown. */
  viewer = $state.raw<HistoryLevel[]>([]);

  constructor(private readonly app: App) {}

  reset(): void {
    this.selecting = null;
    this.dialog = null;
    this.viewer = [];
  }

  // ---- multi-select ----

  /** Enters multi-select in `m`'s chat with `m` selected. */
  select(m: LocalMessage): void {
    if (m.seq === null) return;
    this.selecting = { conv: m.conv, seqs: [m.seq] };
  }

  isSelected(conv: string, seq: number | null): boolean {
    return seq !== null && this.selecting?.conv === conv && this.selecting.seqs.includes(seq);
  }

  toggle(seq: number): void {
    if (this.selecting) this.selecting = { ...this.selecting, seqs: toggleSeq(this.selecting.seqs, seq) };
  }

  cancelSelect(): void {
    this.selecting = null;
  }

  /** The selection bar's buttons: the dialog for the selected messages, one by one or merged. */
  forwardSelected(merged: boolean): void {
    const s = this.selecting;
    if (s && s.seqs.length) this.open(s.conv, s.seqs, merged);
  }

  // ---- the dialog ----

  /** The message menu's Forward: this one message. */
  forwardOne(m: LocalMessage): void {
    if (m.seq !== null) this.open(m.conv, [m.seq], false);
  }

  open(from: string, seqs: number[], merged: boolean): void {
    this.dialog = { from, seqs: [...seqs], merged, targets: [], comment: '', sending: false, failed: [] };
  }

  close(): void {
    this.dialog = null;
  }

  /** Picks or unpicks a target chat (at most MAX_FORWARD_TARGETS). */
  toggleTarget(conv: string): void {
    const d = this.dialog;
    if (!d) return;
    if (d.targets.includes(conv)) d.targets = d.targets.filter((c) => c !== conv);
    else if (d.targets.length < MAX_FORWARD_TARGETS) d.targets = [...d.targets, conv];
    else this.app.ui.showToast(t('forward.tooManyTargets', { max: MAX_FORWARD_TARGETS }));
  }

  /**
   * Forwards to the picked chats, then sends the comment to each chat reached.
   * All reached: the dialog closes (and multi-select ends). Some refused: the
   * dialog stays with those still picked and each one's reason.
   */
  async send(): Promise<void> {
    const d = this.dialog;
    if (!d || d.sending || !d.targets.length) return;
    d.sending = true;
    d.failed = [];
    const r = await commands.forwardMessages(d.from, d.seqs, d.targets, d.merged, null);
    if (this.dialog !== d) return;
    d.sending = false;
    if (r.status === 'error') {
      d.failed = [{ conv: '', text: humanError(r.error) }];
      return;
    }
    const out = forwardOutcome(r.data);
    const comment = d.comment.trim();
    for (const conv of comment ? out.sent : []) {
      const c = await this.app.ui.attempt(commands.sendText(conv, comment));
      if (c) this.app.messages.addMessages(conv, [c]);
    }
    void this.app.chats.refreshConversations();
    if (!out.failed.length) {
      this.dialog = null;
      this.selecting = null;
      this.app.ui.showToast(t('forward.done', { count: out.sent.length }));
      return;
    }
    d.targets = out.failed.map((f) => f.conv);
    d.comment = comment;
    d.failed = out.failed.map((f) => ({ conv: f.conv, text: humanError({ code: `server_${f.code}`, message: f.message }) }));
  }

  // ---- the history viewer ----

  /** Opens the chat history message `m`. */
  openHistory(m: LocalMessage): void {
    if (m.content.type === 'chat_history') this.viewer = [{ m, path: [] }];
  }

  /** Opens the history nested as item `i` of the one shown. */
  openNested(i: number): void {
    const top = this.viewer.at(-1);
    if (!top) return;
    const path = [...top.path, i];
    if (itemAt(top.m.content, path)?.content.type === 'chat_history') this.viewer = [...this.viewer, { m: top.m, path }];
  }

  back(): void {
    this.viewer = this.viewer.slice(0, -1);
  }

  closeHistory(): void {
    this.viewer = [];
  }

  /** What the viewer shows: the title and items of the history at the top level. */
  get shown(): Extract<Content, { type: 'chat_history' }> | null {
    const top = this.viewer.at(-1);
    if (!top) return null;
    const c = top.path.length ? itemAt(top.m.content, top.path)?.content : top.m.content;
    return c?.type === 'chat_history' ? c : null;
  }

  /** "Save as…" for the file of item `i` of the history shown. */
  async saveFile(i: number): Promise<void> {
    const top = this.viewer.at(-1);
    if (!top || top.m.seq === null) return;
    const saved = await this.app.ui.attempt(commands.saveHistoryFileAs(top.m.conv, top.m.seq, top.m.client_id, [...top.path, i]));
    if (saved) this.app.ui.showToast(t('forward.saved', { path: saved }));
  }

  /** Downloads the file of item `i` of the history shown; an image opens in the preview. */
  async openFile(i: number): Promise<void> {
    const top = this.viewer.at(-1);
    if (!top || top.m.seq === null) return;
    const path = [...top.path, i];
    const f = fileOf(itemAt(top.m.content, path)?.content ?? top.m.content);
    const d = await this.app.ui.attempt(commands.downloadHistoryFile(top.m.conv, top.m.seq, top.m.client_id, path));
    if (!d || !f) return;
    if (d.url) this.app.files.showPreview(d.url, f.name, () => this.saveFile(i));
    else this.app.ui.showToast(t('forward.downloaded', { name: f.name }));
  }
}
