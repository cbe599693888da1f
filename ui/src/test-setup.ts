import { randomFillSync } from 'node:crypto';
import { cleanup } from '@testing-library/svelte';
import { afterEach } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';

// jsdom lacks WebCrypto's getRandomValues, which the Tauri mocks use for callback ids.
Object.defineProperty(window, 'crypto', {
  value: { getRandomValues: (buf: Uint8Array) => randomFillSync(buf) },
  configurable: true,
});

// jsdom has no layout: a ResizeObserver that never reports is enough for the virtual list.
class NoopResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
globalThis.ResizeObserver ??= NoopResizeObserver as unknown as typeof ResizeObserver;

afterEach(() => {
  cleanup();
  clearMocks();
});

// jsdom elements cannot scroll; the chat view scrolls to its newest message.
Element.prototype.scrollTo ??= function () {};
