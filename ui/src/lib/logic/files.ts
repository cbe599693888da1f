/** Pure helpers for file and image messages: sizes, thumbnails, transfer progress. */
import { t } from '../i18n/index.svelte';
import type { Content, CoreEvent, FileRef, LocalMessage } from '../bindings';

/** Human size with decimal units, as file managers show them: "999 B", "5.2 MB", "105 MB". */
export function formatSize(bytes: number): string {
  const units = ['KB', 'MB', 'GB', 'TB'];
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  let v = bytes / 1000;
  let u = 0;
  while (v >= 999.95 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`;
}

/** Largest thumbnail edge in CSS pixels. */
export const THUMB_MAX = 280;

/**
 * The thumbnail box for an image of `width`×`height` pixels: aspect kept, no edge
 * above `max`, never upscaled, at least 48 px so tiny images stay clickable. Known
 * before the bytes arrive, so the message list does not jump when they do.
 */
export function fitThumb(width: number, height: number, max = THUMB_MAX): { width: number; height: number } {
  if (!(width > 0 && height > 0)) return { width: max, height: Math.round((max * 3) / 4) };
  const scale = Math.min(1, max / width, max / height);
  return { width: Math.max(48, Math.round(width * scale)), height: Math.max(48, Math.round(height * scale)) };
}

/** Largest received image downloaded by itself to be shown inline (bigger: a file card, downloaded on Open / Save as…). */
export const MAX_AUTO_IMAGE_BYTES = 16 * 1024 * 1024;
/** Largest canvas shown inline, as tern-core's `MAX_SHOWN_PIXELS` (which checks the file itself once downloaded). */
export const MAX_SHOWN_PIXELS = 40_000_000;

/**
 * Whether an image message is shown inline (and its file fetched for that by
 * itself): its declared file size and canvas within the caps above, and the
 * app did not refuse its bytes (`refused`: a canvas too large by the file's
 * own header, or not an image). A hostile sender could otherwise make every
 * reader download 100 MB images as they scroll, or decode a few hundred bytes
 * into gigabytes.
 */
export function showsInline(content: Content, refused: boolean): boolean {
  if (content.type !== 'image' || refused) return false;
  return content.file.size <= MAX_AUTO_IMAGE_BYTES && content.width * content.height <= MAX_SHOWN_PIXELS;
}

/** The file a message carries (image, file, audio, video), else null. */
export function fileOf(content: Content): FileRef | null {
  switch (content.type) {
    case 'image':
    case 'file':
    case 'audio':
    case 'video':
      return content.file;
    default:
      return null;
  }
}

/** Whether a message is shown as a file or image attachment. */
export function isAttachment(m: LocalMessage): boolean {
  return m.content.type === 'image' || m.content.type === 'file';
}

/** A running or finished transfer as the UI shows it. */
export type Transfer = {
  direction: 'upload' | 'download';
  done: number;
  total: number;
  status: 'active' | 'done' | 'failed';
  error: string | null;
};

/** The transfer events of tern-core (uploads keyed by client id, downloads by file id). */
export type TransferEvent = Extract<CoreEvent, { type: 'transfer_progress' | 'transfer_finished' }>;

/**
 * Applies one transfer event. Progress never goes backwards within one transfer
 * (events can arrive late); a finished transfer is not revived by a late progress.
 */
export function applyTransfer(map: Readonly<Record<string, Transfer>>, e: TransferEvent): Record<string, Transfer> {
  const cur = map[e.transfer];
  if (e.type === 'transfer_progress') {
    if (cur && cur.status !== 'active' && cur.direction === e.direction) return map as Record<string, Transfer>;
    const done = cur && cur.status === 'active' ? Math.max(cur.done, e.done) : e.done;
    const total = e.total > 0 ? e.total : (cur?.total ?? 0);
    if (cur && cur.done === done && cur.total === total && cur.status === 'active') return map as Record<string, Transfer>;
    return { ...map, [e.transfer]: { direction: e.direction, done, total, status: 'active', error: null } };
  }
  const total = cur?.total ?? 0;
  return {
    ...map,
    [e.transfer]: {
      direction: e.direction,
      done: e.ok ? total : (cur?.done ?? 0),
      total,
      status: e.ok ? 'done' : 'failed',
      error: e.ok ? null : (e.error ?? t('files.transferFailed')),
    },
  };
}

/** Completed fraction 0..1 (0 while the size is unknown). */
export function fraction(t: Transfer | undefined): number {
  if (!t || t.total <= 0) return 0;
  return Math.min(1, Math.max(0, t.done / t.total));
}

/** The list without the message `clientId` of `sender` (a cancelled upload). */
export function withoutMessage(list: readonly LocalMessage[], clientId: string): LocalMessage[] {
  const out = list.filter((m) => m.client_id !== clientId);
  return out.length === list.length ? (list as LocalMessage[]) : out;
}

/** A short label for a file's type, shown on the file card: "PDF", "ZIP", "FILE". */
export function typeLabel(name: string, mime: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && dot < name.length - 1 ? name.slice(dot + 1) : '';
  if (ext && ext.length <= 4 && /^[a-z0-9]+$/i.test(ext)) return ext.toUpperCase();
  const sub = mime.split('/')[1] ?? '';
  return sub && sub.length <= 4 ? sub.toUpperCase() : 'FILE';
}
