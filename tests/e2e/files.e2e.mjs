// End-to-end: sending and receiving files in the real Tern app (WebKitGTK via
// tauri-driver) against a real tern-server, with bob on tern-cli. See tests/e2e/run.sh.
//
// An OS-level drag cannot be performed under Xvfb, so the app is started with
// TERN_E2E_SIMULATE_DROP=1 and the test calls the `simulate_drop` command: it
// feeds real file paths through the same Rust handler a native drop on the
// webview runs (the paths are granted for one send, the typed `file-drop` event
// goes to the UI), and the UI then calls `send_files` for the open chat exactly
// as for a real drop. Everything after the OS drag is the production path.

import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { CliUser, runSuite, invoke, launchApp, startServer, tempDir, Steps, sel } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const $ = (css) => wd.waitFor(css);
/** Calls an app command; resolves with `{ ok }` or `{ err }` (the app's error object). */
const tryInvoke = (cmd, args = {}) =>
  wd.cmd('POST', '/execute/async', {
    script: 'const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((v) => done({ ok: v ?? null }), (e) => done({ err: e }));',
    args: [cmd, args],
  });
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The server's file limit in this run (a 21 MB file is refused by the app). */
const MAX_FILE_BYTES = 20_000_000;

// ---- a tiny PNG encoder (RGB, no filter), so the test needs no image tools ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** A width×height PNG: a gradient with a disc, colours from `hue` (0..2). */
function png(width, height, hue) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const inDisc = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 3) ** 2;
      const g = [Math.round((255 * x) / width), Math.round((255 * y) / height), 200];
      const px = inDisc ? [255, 255, 255] : [g[hue % 3], g[(hue + 1) % 3], g[(hue + 2) % 3]];
      raw.set(px, row + 1 + x * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Messages of the open chat as the page shows them. */
const chatMessages = () =>
  wd.execute(`return [...document.querySelectorAll('[data-testid="message"]')].map((m) => ({
    id: m.dataset.clientId, state: m.dataset.state, text: m.textContent,
    file: m.querySelector('[data-testid="file-card"]')?.dataset.fileName ?? null,
    img: (() => { const i = m.querySelector('img[data-testid="inline-image"]'); return i ? { w: i.naturalWidth, h: i.naturalHeight, complete: i.complete, alt: i.alt } : null; })(),
  }))`);

async function main() {
  const server = await startServer(['--max-file-bytes', String(MAX_FILE_BYTES)]);
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const appData = tempDir('app');
  const work = tempDir('files');
  console.log(`tern e2e (files): server ${server.url}`);

  await step('tern-cli user bob registers and listens on a second device', async () => {
    await bob.register();
    await bob.ok(['profile', '--nickname', 'Bob Builder']);
  });
  const listener = await bob.listen();

  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: appData, TERN_E2E_SIMULATE_DROP: '1' }));

  await step('register alice in the app; bob and alice become friends; alice opens the chat', async () => {
    await $(sel('login-form'));
    await (await $(sel('toggle-mode'))).click();
    await (await $(sel('user'))).type('alice');
    await (await $(sel('password'))).type('alice-password-1');
    await (await $(sel('confirm'))).type('alice-password-1');
    await (await $(sel('submit'))).click();
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'connection online' });
    await bob.ok(['friend', 'add', 'alice', '--greeting', 'files test']);
    await waitUntil(async () => (await invoke(wd, 'list_applications')).received.length > 0, { what: 'bob\'s application in the app' });
    await invoke(wd, 'accept_friend', { user: 'bob' });
    await waitUntil(async () => (await bob.ok(['friend', 'list'])).includes('alice'), { what: 'alice in bob\'s friends (CLI)' });
    await bob.ok(['send', 'alice', 'Send me the build, please']);
    await (await wd.waitFor(sel('conversation', '[data-peer="bob"]'), { what: 'conversation with bob' })).click();
    await $(sel('attach-button'));
  });

  await step('security: send_files refuses a path that was not dropped or picked', async () => {
    const secret = path.join(work, 'secret.txt');
    writeFileSync(secret, 'not for upload');
    const conv = (await invoke(wd, 'list_conversations')).find((c) => c.peer === 'bob').conv;
    const r = await tryInvoke('send_files', { conv, paths: [secret] });
    if (r.err?.code !== 'not_allowed' || !r.err.message.includes('not dropped')) throw new Error(`expected a refusal, got ${JSON.stringify(r)}`);
  });

  const big = path.join(work, 'build-artifact.bin');
  writeFileSync(big, randomBytes(6 * 1024 * 1024));
  const bigSha = sha256(big);
  let seq;

  await step('a dropped 6 MB file: the progress bar appears, then the message is sent', async () => {
    // Record in the page whether an upload bar ever appeared and how far it got
    // (an upload over loopback can be quicker than WebDriver polling).
    await wd.execute(`window.__upload = { seen: false, maxDone: 0 };
      new MutationObserver(() => {
        for (const b of document.querySelectorAll('[data-testid="upload-progress"]')) {
          window.__upload.seen = true;
          window.__upload.maxDone = Math.max(window.__upload.maxDone, Number(b.dataset.done) || 0);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-done'] });`);
    await invoke(wd, 'simulate_drop', { paths: [big] });
    await waitUntil(async () => (await wd.execute('return window.__upload.seen')) === true, { what: 'upload progress bar', timeout: 10_000 });
    await waitUntil(async () => (await chatMessages()).some((m) => m.file === 'build-artifact.bin' && (m.state === 'sent' || m.state === 'read')), {
      what: 'file message acknowledged in alice\'s chat',
      timeout: 30_000,
    });
    const u = await wd.execute('return window.__upload');
    console.log(`       upload bar seen; highest progress shown ${u.maxDone} of ${6 * 1024 * 1024} bytes`);
    const card = await wd.find(sel('file-card', '[data-file-name="build-artifact.bin"]'));
    const size = await (await card.find(sel('file-size'))).text();
    if (size !== '6.3 MB') throw new Error(`file card size: ${size}`);
    if (!(await card.find(sel('file-open'))) || !(await card.find(sel('file-save')))) throw new Error('no Open / Save buttons');
  });

  await step('bob (tern-cli) gets the message, downloads the file and the sha256 matches', async () => {
    const ev = await listener.waitFor((e) => e.type === 'new_message' && e.message?.content?.type === 'file' && e.message.content.file.name === 'build-artifact.bin', 'file message at bob\'s listener');
    seq = ev.message.seq;
    if (ev.message.content.file.size !== 6 * 1024 * 1024) throw new Error(`size in the message: ${ev.message.content.file.size}`);
    const out = path.join(work, 'bob-download.bin');
    await bob.ok(['download', ev.message.conv, String(seq), '--out', out]);
    const got = sha256(out);
    if (got !== bigSha) throw new Error(`sha256 differs: sent ${bigSha}, bob got ${got}`);
  });

  await step(`a file over the server limit (${MAX_FILE_BYTES} bytes) is refused with a clear error, nothing sent`, async () => {
    const huge = path.join(work, 'too-big.iso');
    writeFileSync(huge, '');
    truncateSync(huge, MAX_FILE_BYTES + 1_000_000);
    const before = (await chatMessages()).length;
    await invoke(wd, 'simulate_drop', { paths: [huge] });
    const toast = await wd.waitFor(sel('toast'), { what: 'error toast' });
    const text = await toast.text();
    if (!text.includes('too-big.iso') || !text.includes('up to 20 MB')) throw new Error(`toast: ${text}`);
    await new Promise((r) => setTimeout(r, 500));
    if ((await chatMessages()).length !== before) throw new Error('a message was added for the refused file');
  });

  await step('cancel (×) on an upload in progress removes the message; bob receives nothing', async () => {
    const doomed = path.join(work, 'cancel-me.bin');
    writeFileSync(doomed, randomBytes(MAX_FILE_BYTES - 1_000_000));
    // Click the upload's × from inside the page once its bar shows bytes moving.
    await wd.execute(`window.__cancel = { clicked: false, doneAtClick: -1 };
      const obs = new MutationObserver(() => {
        const bar = [...document.querySelectorAll('[data-testid="upload-progress"]')].find((b) => b.closest('[data-testid="message"]')?.querySelector('[data-file-name="cancel-me.bin"]'));
        const x = bar?.querySelector('[data-testid="upload-cancel"]');
        const done = Number(bar?.dataset.done) || 0;
        if (x && done > 0 && !window.__cancel.clicked) { window.__cancel = { clicked: true, doneAtClick: done }; x.click(); obs.disconnect(); }
      });
      obs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-done'] });`);
    await invoke(wd, 'simulate_drop', { paths: [doomed] });
    await waitUntil(async () => (await wd.execute('return window.__cancel.clicked')) === true, { what: 'cancel clicked', timeout: 10_000 });
    await waitUntil(async () => !(await chatMessages()).some((m) => m.file === 'cancel-me.bin' || m.text.includes('cancel-me.bin')), { what: 'cancelled message removed', timeout: 10_000 });
    const c = await wd.execute('return window.__cancel');
    console.log(`       cancelled with ${c.doneAtClick} of ${MAX_FILE_BYTES - 1_000_000} bytes uploaded`);
    if (!(c.doneAtClick > 0 && c.doneAtClick < MAX_FILE_BYTES - 1_000_000)) throw new Error('not cancelled mid-upload');
    await new Promise((r) => setTimeout(r, 1500));
    if (listener.events.some((e) => e.type === 'new_message' && e.message?.content?.file?.name === 'cancel-me.bin')) throw new Error('bob received the cancelled file');
  });

  await step('a real XDND drag from another X client (GTK drag source moved by xdotool) shows the overlay and sends the file', async () => {
    const file = path.join(work, 'real-drop.txt');
    writeFileSync(file, 'dropped for real\n'.repeat(1000));
    const src = spawn('/usr/bin/python3', [path.resolve('tests/e2e/drag_source.py'), '0', '0', file], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_AT_BRIDGE: '1' } });
    try {
      await new Promise((resolve, reject) => {
        src.stdout.on('data', (d) => String(d).includes('ready') && resolve());
        src.on('exit', (code) => reject(new Error(`drag source exited (${code})`)));
      });
      await wd.execute(`window.__overlay = false;
        new MutationObserver(() => { if (document.querySelector('[data-testid="drop-overlay"]')) window.__overlay = true; })
          .observe(document.body, { subtree: true, childList: true });`);
      const r = await wd.cmd('GET', '/window/rect');
      const to = [Math.round(r.x + r.width * 0.65), Math.round(r.y + r.height * 0.5)];
      const xdo = (...args) => new Promise((resolve, reject) => execFile('xdotool', args.map(String), (e) => (e ? reject(e) : resolve())));
      const pause = (ms) => new Promise((res) => setTimeout(res, ms));
      await xdo('mousemove', 60, 40);
      await pause(200);
      await xdo('mousedown', 1);
      for (let i = 1; i <= 12; i++) {
        await xdo('mousemove', Math.round(60 + ((to[0] - 60) * i) / 12), Math.round(40 + ((to[1] - 40) * i) / 12));
        await pause(60);
      }
      await pause(300);
      await xdo('mouseup', 1);
      await waitUntil(async () => (await chatMessages()).some((m) => m.file === 'real-drop.txt' && (m.state === 'sent' || m.state === 'read')), { what: 'really dropped file sent', timeout: 20_000 });
      if (!(await wd.execute('return window.__overlay'))) throw new Error('the drop overlay never showed during the drag');
      // Whatever toasts show now, read in one go (a toast found first may be gone by the time its text is asked for).
      const said = await wd.execute(`return [...document.querySelectorAll('[data-testid="toast"]')].map((t) => t.textContent).join(' | ')`);
      if (said.includes('real-drop')) throw new Error(`the drop was handled twice: ${said}`);
      await listener.waitFor((e) => e.type === 'new_message' && e.message?.content?.file?.name === 'real-drop.txt', 'really dropped file at bob\'s listener');
    } finally {
      src.kill();
    }
  });

  await step('an image dropped in the app renders inline (<img> with naturalWidth > 0)', async () => {
    const img = path.join(work, 'sunset.png');
    writeFileSync(img, png(640, 400, 0));
    await invoke(wd, 'simulate_drop', { paths: [img] });
    await waitUntil(async () => (await chatMessages()).some((m) => m.img && m.img.alt === 'sunset.png' && m.img.complete && m.img.w === 640), {
      what: 'alice\'s image inline',
      timeout: 30_000,
    });
    await listener.waitFor((e) => e.type === 'new_message' && e.message?.content?.type === 'image' && e.message.content.width === 640 && e.message.content.height === 400, 'image message (640×400) at bob\'s listener');
  });

  await step('a screenshot pasted into the composer is sent as an image: inline in the app, and bob downloads the same bytes', async () => {
    const bytes = png(320, 200, 1);
    // A paste as WebKit delivers a copied image: one image file item, no text.
    const r = await wd.execute(`const a = document.querySelector('[data-testid="composer"]');
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(arguments[0])], 'image.png', { type: 'image/png' }));
      const e = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
      a.dispatchEvent(e);
      return { cancelled: e.defaultPrevented, items: dt.items.length, text: a.value };`, [[...bytes]]);
    if (r.items !== 1 || !r.cancelled || r.text !== '') throw new Error(`paste: ${JSON.stringify(r)}`);
    await waitUntil(async () => (await chatMessages()).some((m) => m.img && m.img.complete && m.img.w === 320 && m.img.h === 200), {
      what: 'the pasted image inline in alice\'s chat',
      timeout: 30_000,
    });
    const ev = await listener.waitFor((e) => e.type === 'new_message' && e.message?.content?.type === 'image' && e.message.content.width === 320 && e.message.content.height === 200, 'the pasted image (320×200) at bob\'s listener');
    const out = path.join(work, 'bob-pasted.png');
    await bob.ok(['download', ev.message.conv, String(ev.message.seq), '--out', out]);
    if (!readFileSync(out).equals(bytes)) throw new Error('bob got other bytes than were pasted');
  });

  await step('bob sends an image with tern-cli -> it renders inline in alice\'s app; click opens the preview (with Save as…), Esc closes', async () => {
    const img = path.join(work, 'from-bob.png');
    writeFileSync(img, png(480, 300, 1));
    await bob.ok(['send-file', 'alice', img]);
    await waitUntil(async () => (await chatMessages()).some((m) => m.img && m.img.alt === 'from-bob.png' && m.img.complete && m.img.w === 480 && m.img.h === 300), {
      what: 'bob\'s image inline in the app',
      timeout: 30_000,
    });
    const thumb = await wd.find(`${sel('image-thumb')}[title="from-bob.png"]`);
    await thumb.click();
    await $(sel('image-preview'));
    // The preview offers Save as… (the same command as the file card's; the system dialog is not driven here).
    const saveAs = (await (await $(sel('image-preview-save'))).text()).trim();
    if (saveAs !== 'Save as…') throw new Error(`preview save button: ${saveAs}`);
    await wd.cmd('POST', '/actions', { actions: [{ type: 'key', id: 'kb', actions: [{ type: 'keyDown', value: '\uE00C' }, { type: 'keyUp', value: '\uE00C' }] }] });
    await waitUntil(async () => (await wd.find(sel('image-preview'))) === null, { what: 'preview closed by Esc' });
  });

  await step('a decompression bomb (a tiny PNG declaring 30,000 × 30,000 pixels) is not decoded inline: alice sees a file card saying so', async () => {
    const bomb = png(1, 1, 0);
    bomb.writeUInt32BE(30_000, 16);
    bomb.writeUInt32BE(30_000, 20);
    const at = path.join(work, 'bomb.png');
    writeFileSync(at, bomb);
    await bob.ok(['send-file', 'alice', at]);
    await waitUntil(async () => (await chatMessages()).some((m) => m.file === 'bomb.png'), { what: 'the bomb as a file card', timeout: 30_000 });
    const card = await wd.find(sel('file-card', '[data-file-name="bomb.png"]'));
    const note = await (await card.find(sel('image-not-shown'))).text();
    if (note !== 'Too large to show here') throw new Error(`note: ${note}`);
    if ((await chatMessages()).some((m) => m.img?.alt === 'bomb.png')) throw new Error('the bomb was put in an <img>');
    // Asked for directly (as a compromised page would), the scheme does not serve it.
    const conv = (await invoke(wd, 'list_conversations')).find((c) => c.peer === 'bob').conv;
    const loaded = await invoke(wd, 'load_messages', { conv, before: null, limit: 50 });
    // Downloaded on purpose (as a sender declaring a small canvas would make the app do),
    // the app gives no URL for it: the file's own header says 900 megapixels.
    const b = loaded.find((x) => x.content.file?.name === 'bomb.png');
    const d = await invoke(wd, 'download_file', { conv, seq: b.seq, clientId: b.client_id });
    if (d.url !== null) throw new Error(`download_file gave the bomb a URL: ${d.url}`);
    const load = (name) => wd.cmd('POST', '/execute/async', {
      script: 'const done = arguments[arguments.length - 1]; const i = new Image(); i.onload = () => done(i.naturalWidth); i.onerror = () => done("error"); i.src = arguments[0];',
      args: [`ternfile://localhost/${loaded.find((x) => x.content.file?.name === name).content.file.id}`],
    });
    const shown = await load('from-bob.png');
    if (shown !== 480) throw new Error(`the shown image loaded from the page: ${shown}`);
    const refused = await load('bomb.png');
    if (refused !== 'error') throw new Error(`the ternfile: scheme served the bomb: ${refused}`);
  });

  await step('"Open" on a received shell script asks first, naming the file; Cancel opens nothing; the app refuses an unconfirmed open', async () => {
    const script = path.join(work, 'install-me.sh');
    writeFileSync(script, '#!/bin/sh\necho hello\n');
    await bob.ok(['send-file', 'alice', script]);
    await waitUntil(async () => (await chatMessages()).some((m) => m.file === 'install-me.sh'), { what: 'the script\'s file card', timeout: 30_000 });
    const card = await wd.find(sel('file-card', '[data-file-name="install-me.sh"]'));
    await (await card.find(sel('file-open'))).click();
    await $(sel('confirm-open-dialog'));
    const name = await (await wd.find(sel('confirm-open-name'))).text();
    if (name !== 'install-me.sh') throw new Error(`dialog names ${JSON.stringify(name)}`);
    const warning = await (await wd.find(sel('confirm-open-warning'))).text();
    if (!warning.includes('may run a program')) throw new Error(`warning: ${warning}`);
    await (await wd.find(sel('confirm-open-cancel'))).click();
    await waitUntil(async () => (await wd.find(sel('confirm-open-dialog'))) === null, { what: 'the dialog closed' });
    // Called directly (as a compromised page would), the command refuses without a confirmation.
    const conv = (await invoke(wd, 'list_conversations')).find((c) => c.peer === 'bob').conv;
    const m = (await invoke(wd, 'load_messages', { conv, before: null, limit: 50 })).find((x) => x.content.file?.name === 'install-me.sh');
    const r = await wd.cmd('POST', '/execute/async', {
      script: 'const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke("open_file", arguments[0]).then(() => done({ opened: true }), (e) => done({ err: e }));',
      args: [{ conv, seq: m.seq, clientId: m.client_id, confirmed: false }],
    });
    if (r.err?.code !== 'confirm_open') throw new Error(`open_file without confirmation: ${JSON.stringify(r)}`);
  });

  await step('"Open anyway" on a file no application handles: the toast says so in plain words (no launcher, no exit status)', async () => {
    const card = await wd.find(sel('file-card', '[data-file-name="install-me.sh"]'));
    await (await card.find(sel('file-open'))).click();
    await (await $(sel('confirm-open-ok'))).click();
    const toast = await wd.waitFor(sel('toast'), { what: 'the open failure explained', timeout: 20_000 });
    const text = await toast.text();
    if (!text.startsWith('No application on this computer can open this file')) throw new Error(`toast: ${text}`);
    // Top-centre, clear of the composer.
    const overlap = await wd.execute(`const a = document.querySelector('[data-testid="toast"]').getBoundingClientRect();
      const b = document.querySelector('[data-testid="composer"]').closest('.composer').getBoundingClientRect();
      return !(a.bottom <= b.top || a.top >= b.bottom || a.right <= b.left || a.left >= b.right);`);
    if (overlap) throw new Error('the toast covers the composer');
  });

  await step('screenshot of the chat with inline images and a file card: docs/screenshots/files.png', async () => {
    mkdirSync('docs/screenshots', { recursive: true });
    await waitUntil(async () => (await wd.find(sel('toast'))) === null, { what: 'no toast over the chat', timeout: 8_000 });
    await wd.execute('document.activeElement?.blur()');
    await new Promise((r) => setTimeout(r, 300));
    await wd.screenshot(path.resolve('docs/screenshots/files.png'));
  });
}

await runSuite('tern e2e (files)', steps, main, { started, driver: () => wd });
