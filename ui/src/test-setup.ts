import { randomFillSync } from 'node:crypto';
import { afterEach } from 'vitest';
import { clearMocks } from '@tauri-apps/api/mocks';

// jsdom lacks WebCrypto's getRandomValues, which the Tauri mocks use for callback ids.
Object.defineProperty(window, 'crypto', {
  value: { getRandomValues: (buf: Uint8Array) => randomFillSync(buf) },
  configurable: true,
});

afterEach(() => clearMocks());
