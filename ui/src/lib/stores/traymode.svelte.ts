/**
 * Tray mode: how long the window is kept once closed to the tray before the app
 * frees it (destroys the webview and its WebKit processes; the app stays
 * connected, the tray count and notifications keep working, and opening it again
 * recreates the window at the chat that was open). The choice is kept on this
 * device and sent to the app at start; 0 = never.
 */
import { commands } from '../bindings';

const STORE_KEY = 'tern.trayFreeAfter';
/** The delays offered (seconds; 0 = never). */
export const TRAY_FREE_CHOICES: readonly number[] = [60, 300, 1800, 0];
/** The app's default when nothing was chosen. */
export const TRAY_FREE_DEFAULT = 60;

function parse(v: string | null): number | null {
  if (v === null || !/^\d{1,6}$/.test(v)) return null;
  return Number(v);
}

export class TrayModeStore {
  /** Seconds after closing to the tray before the window is freed; 0 = never. */
  freeAfter = $state(TRAY_FREE_DEFAULT);

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage) {}

  /** At start: sends the choice kept on this device, then reads the delay in effect. */
  async load(): Promise<void> {
    const kept = parse(this.storage.getItem(STORE_KEY));
    if (kept !== null) await commands.setTrayFreeAfter(kept).catch(() => {});
    this.freeAfter = await commands.trayFreeAfter().catch(() => kept ?? TRAY_FREE_DEFAULT);
  }

  /** The user's choice: kept on this device and in effect at once. */
  async set(secs: number): Promise<void> {
    this.freeAfter = secs;
    this.storage.setItem(STORE_KEY, String(secs));
    await commands.setTrayFreeAfter(secs).catch(() => {});
  }

  /** The choices, plus the delay in effect when it is none of them (set by the environment). */
  get choices(): number[] {
    return TRAY_FREE_CHOICES.includes(this.freeAfter) ? [...TRAY_FREE_CHOICES] : [this.freeAfter, ...TRAY_FREE_CHOICES];
  }
}
