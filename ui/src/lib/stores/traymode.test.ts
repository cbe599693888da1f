/**
 * The tray-mode setting against a mocked IPC layer: a choice kept on this device
 * is sent to the app at start, a new choice is kept and sent at once, and a delay
 * set by the environment (not one of the choices) is still shown.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type Calls, mockBackend } from '../test-fixtures';
import { TRAY_FREE_CHOICES, TrayModeStore } from './traymode.svelte';

class Memory {
  m = new Map<string, string>();
  getItem = (k: string) => this.m.get(k) ?? null;
  setItem = (k: string, v: string) => void this.m.set(k, v);
}

describe('TrayModeStore', () => {
  let calls: Calls;
  let secs: number;
  beforeEach(() => {
    calls = [];
    secs = 60;
    mockBackend(calls, {
      set_tray_free_after: (a) => void (secs = a.secs as number),
      tray_free_after: () => secs,
    });
  });

  it('sends the kept choice at start and shows what is in effect', async () => {
    const storage = new Memory();
    storage.setItem('tern.trayFreeAfter', '0');
    const s = new TrayModeStore(storage);
    await s.load();
    expect(calls.map((c) => c.cmd)).toEqual(['set_tray_free_after', 'tray_free_after']);
    expect(s.freeAfter).toBe(0);
  });

  it('with nothing kept, leaves the app its default (or the environment\'s) and offers it', async () => {
    secs = 3;
    const s = new TrayModeStore(new Memory());
    await s.load();
    expect(calls.map((c) => c.cmd)).toEqual(['tray_free_after']);
    expect(s.freeAfter).toBe(3);
    expect(s.choices).toEqual([3, ...TRAY_FREE_CHOICES]);
  });

  it('a new choice is kept on this device and in effect at once; junk kept is ignored', async () => {
    const storage = new Memory();
    const s = new TrayModeStore(storage);
    await s.set(300);
    expect(secs).toBe(300);
    expect(storage.getItem('tern.trayFreeAfter')).toBe('300');
    expect(s.choices).toEqual([...TRAY_FREE_CHOICES]);
    storage.setItem('tern.trayFreeAfter', '-5; rm');
    calls.length = 0;
    await new TrayModeStore(storage).load();
    expect(calls.map((c) => c.cmd)).toEqual(['tray_free_after']);
  });
});
