/**
 * File parts of the UI state: drag-and-drop, uploads and downloads with their
 * progress, inline image URLs and the image preview. Talks to the app only
 * through the generated bindings; its tern-core events come through router.ts.
 */
import { t } from '../i18n/index.svelte';
import { commands, events, type CoreEvent, type FileDrop, type LocalMessage } from '../bindings';
import { applyTransfer, fileOf, type Transfer } from '../logic/files';
import { CommandError, call } from './ui.svelte';
import { errorText } from '../logic/errors';
import { shownName } from '../logic/format';
import type { App } from './app.svelte';

/** The app refuses to open a file outside its documents-and-media allowlist until confirmed. */
export const CONFIRM_OPEN = 'confirm_open';

/** A received file waiting for the user's go-ahead before it is opened. */
export type OpenQuestion = { m: LocalMessage; name: string; warning: string };

export class FilesStore {
  /** Uploads (by client message id) and downloads (by file id) with their progress. */
  transfers = $state.raw<Record<string, Transfer>>({});
  /** Image URLs the webview can load (`ternfile:` scheme), by file id. */
  imageUrls = $state.raw<Record<string, string>>({});
  /**
   * Images downloaded that the app will not show inline (a canvas too large to
   * decode safely, or not really an image), by file id: shown as files instead.
   */
  notShown = $state.raw<Record<string, true>>({});
  /** Files are being dragged over the window. */
  dragging = $state(false);
  /** The image shown full size; `save` saves its file where the user picks (Save as…). */
  preview = $state<{ url: string; name: string; save?: () => Promise<void> } | null>(null);
  /** A risky file the user is asked about before it is opened (see `open`). */
  confirmOpen = $state<OpenQuestion | null>(null);
  private loading = new Map<string, Promise<string | null>>();
  private unlisten: (() => void)[] = [];
  private started: Promise<void> | null = null;

  constructor(private readonly app: App) {}

  /** Starts listening to native file drops (once; later calls wait for the first). */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.unlisten = [
        await events.fileDrop.listen((e) => void this.onDrop(e.payload)),
      ];
    })();
    return this.started;
  }

  stop(): void {
    for (const u of this.unlisten) u();
    this.unlisten = [];
    this.started = null;
  }

  /** A native drag over the window: show the target; on drop, send to the open chat. */
  async onDrop(e: FileDrop): Promise<void> {
    if (e.kind === 'over') {
      this.dragging = true;
      return;
    }
    this.dragging = false;
    if (e.kind !== 'drop' || e.paths.length === 0) return;
    const conv = this.app.ui.screen === 'chats' ? this.app.chats.activeConv : null;
    if (!conv) {
      this.app.ui.showToast(t('stores.openChatForFiles'));
      return;
    }
    await this.sendFiles(conv, e.paths);
  }

  /** `transfer_progress` / `transfer_finished` (routed by router.ts). */
  applyTransfer(e: Extract<CoreEvent, { type: 'transfer_progress' | 'transfer_finished' }>): void {
    this.transfers = applyTransfer(this.transfers, e);
  }

  /** Sends dropped files (the app accepts only paths it saw dropped). */
  async sendFiles(conv: string, paths: string[]): Promise<void> {
    const sent = await this.app.ui.attempt(commands.sendFiles(conv, paths));
    if (sent?.length) this.app.messages.addMessages(conv, sent);
  }

  /** The paperclip: the system file dialog, then the same sending path. */
  async pick(conv: string): Promise<void> {
    const sent = await this.app.ui.attempt(commands.pickFiles(conv));
    if (sent?.length) this.app.messages.addMessages(conv, sent);
  }

  async cancel(m: LocalMessage): Promise<void> {
    await this.app.ui.attempt(commands.cancelUpload(m.client_id));
  }

  /** Upload of my message `m`, if one is known. */
  upload(m: LocalMessage): Transfer | undefined {
    const t = this.transfers[m.client_id];
    return t?.direction === 'upload' ? t : undefined;
  }

  /** Download of the file of `m`, if one is known. */
  download(m: LocalMessage): Transfer | undefined {
    const f = fileOf(m.content);
    const t = f ? this.transfers[f.id] : undefined;
    return t?.direction === 'download' ? t : undefined;
  }

  /** Downloads the image of `m` (once) and remembers where the webview can load it. */
  loadImage(m: LocalMessage): Promise<string | null> {
    const f = fileOf(m.content);
    if (!f) return Promise.resolve(null);
    const known = this.imageUrls[f.id];
    if (known) return Promise.resolve(known);
    let p = this.loading.get(f.id);
    if (!p) {
      p = (async () => {
        const d = await this.app.ui.attempt(commands.downloadFile(m.conv, m.seq, m.client_id));
        if (d?.url) this.imageUrls = { ...this.imageUrls, [f.id]: d.url };
        else if (d) this.notShown = { ...this.notShown, [f.id]: true };
        else this.loading.delete(f.id); // let a later render try again
        return d?.url ?? null;
      })();
      this.loading.set(f.id, p);
    }
    return p;
  }

  /**
   * "Open": the app opens documents and media at once; for any other type it
   * answers `confirm_open` and we ask the user (ConfirmOpenDialog) before trying
   * again with `confirmed`.
   */
  async open(m: LocalMessage): Promise<void> {
    try {
      await call(commands.openFile(m.conv, m.seq, m.client_id, false));
    } catch (e) {
      if (e instanceof CommandError && e.code === CONFIRM_OPEN) {
        this.confirmOpen = { m, name: shownName(fileOf(m.content)?.name ?? t('stores.thisFile')), warning: e.message };
      } else {
        this.app.ui.showToast(errorText(e));
      }
    }
  }

  /** The user chose "Open anyway" in the dialog. */
  async openConfirmed(): Promise<void> {
    const q = this.confirmOpen;
    this.confirmOpen = null;
    if (q) await this.app.ui.attempt(commands.openFile(q.m.conv, q.m.seq, q.m.client_id, true));
  }

  /** The user cancelled the dialog: nothing is opened. */
  cancelOpen(): void {
    this.confirmOpen = null;
  }

  async saveAs(m: LocalMessage): Promise<void> {
    const path = await this.app.ui.attempt(commands.saveFileAs(m.conv, m.seq, m.client_id));
    if (path) this.app.ui.showToast(t('stores.savedTo', { path }));
  }

  showPreview(url: string, name: string, save?: () => Promise<void>): void {
    this.preview = { url, name, save };
  }

  closePreview(): void {
    this.preview = null;
  }
}

