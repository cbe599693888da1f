// End-to-end: avatars and profiles (issue 20 item 4) in the real Tern app
// (WebKitGTK via tauri-driver) against a real tern-server, with bob on tern-cli.
// Bob's avatar, set with tern-cli, shows in alice's chat list and chat; alice
// picks an image in the app, crops it (canvas, moved with the keyboard) and saves
// it: bob's tern-cli downloads the new avatar (a 512×512 PNG) and the app shows
// it; a group's avatar set by its owner in the member panel reaches bob's
// tern-cli; a click on a name opens the person's profile card; nickname and
// signature edits reach bob. Screenshot: docs/screenshots/profile.png.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { CliUser, runSuite, launchApp, startServer, tempDir, Steps, sel } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';
import { expectAccessible } from './lib/axe.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'docs/screenshots');
const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const $ = (css, what) => wd.waitFor(css, { what });
const json = (s) => JSON.parse(s);

/** A w×h RGB PNG whose left half is `left` and right half `right` (so a crop shows). */
function png(w, h, left, right) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < h; y++) {
    rows.push(0);
    for (let x = 0; x < w; x++) rows.push(...(x < w / 2 ? left : right));
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/** Width and height from a PNG's header. */
const pngSize = (buf) => [buf.readUInt32BE(16), buf.readUInt32BE(20)];

/** Whether the avatar image in `css` has loaded (an <img> with pixels). */
const imageShown = (css) =>
  wd.execute(`const i = document.querySelector(arguments[0] + ' img'); return !!i && i.complete && i.naturalWidth > 0;`, [css]);

async function main() {
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const alice = new CliUser(server, 'alice', 'alice-password-1');
  console.log(`tern e2e (profile): server ${server.url}`);
  const dir = tempDir('images');
  const bobPng = path.join(dir, 'bob.png');
  writeFileSync(bobPng, png(40, 40, [0x2e, 0x7d, 0x32], [0xfd, 0xd8, 0x35]));
  const alicePng = path.join(dir, 'alice.png');
  writeFileSync(alicePng, png(300, 200, [0xe5, 0x39, 0x35], [0x1e, 0x88, 0xe5]));
  const groupPng = path.join(dir, 'group.png');
  writeFileSync(groupPng, png(120, 120, [0xff, 0xb3, 0x00], [0x6a, 0x1b, 0x9a]));
  mkdirSync(shots, { recursive: true });

  await bob.register();
  await bob.ok(['profile', '--nickname', 'Bob', '--signature', 'Climbing on weekends', '--avatar', bobPng]);
  await alice.register();
  await bob.ok(['friend', 'add', 'alice']);
  await alice.ok(['friend', 'accept', 'bob']);
  await bob.ok(['send', 'alice', 'see my new picture?']);

  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: tempDir('app') }));
  await $(sel('login-form'));
  await step('axe-core: the sign-in screen has no serious or critical violation', () => expectAccessible(wd, 'the sign-in screen'));
  await (await $(sel('user'))).clear();
  await (await $(sel('user'))).type('alice');
  await (await $(sel('password'))).type('alice-password-1');
  await (await $(sel('submit'))).click();
  await $(sel('connection', '[data-state="online"]'), 'alice online');

  const bobRow = sel('conversation', '[data-peer="bob"]');
  await step("bob's avatar, set with tern-cli, shows in alice's chat list and in the chat header", async () => {
    await $(bobRow, 'the chat with bob');
    await waitUntil(() => imageShown(`${bobRow} [data-testid="avatar"]`), { what: "bob's avatar image in the chat list" });
    await (await $(bobRow)).click();
    await waitUntil(() => imageShown(sel('chat-avatar')), { what: "bob's avatar in the chat header" });
  });

  await step('axe-core: the chat list with the open chat has no serious or critical violation', () => expectAccessible(wd, 'the chat screen'));

  await step('roles and labels on the main controls; focus order rail → search → chat list → chat header → composer, no positive tabindex; Ctrl+Shift+F focuses the search box', async () => {
    const a11y = await wd.execute(`
      const q = (s) => document.querySelector(s);
      const name = (el) => el && (el.getAttribute('aria-label') || el.textContent.trim() || el.getAttribute('title') || '');
      const focusable = [...document.querySelectorAll('a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), [tabindex]')]
        .filter((el) => el.tabIndex >= 0 && el.offsetParent !== null);
      const at = (s) => focusable.indexOf(q(s));
      return {
        nav: name(q('nav.rail')), navCurrent: q('[data-testid="nav-chats"]').getAttribute('aria-current'),
        list: name(q('[data-testid="conversation-list"]')), current: q('[data-testid="conversation"][aria-current="true"]')?.dataset.peer ?? null,
        log: q('[data-testid="message-list"]').getAttribute('role') + ':' + name(q('[data-testid="message-list"]')),
        composer: q('[data-testid="composer"]').getAttribute('aria-label'), search: q('[data-testid="chat-search"]').getAttribute('aria-label'),
        unnamed: focusable.filter((el) => !name(el) && !(el.labels && el.labels.length)).map((el) => el.outerHTML.slice(0, 80)),
        positive: [...document.querySelectorAll('[tabindex]')].filter((el) => el.tabIndex > 0).length,
        order: ['[data-testid="nav-chats"]', '[data-testid="chat-search"]', '[data-testid="conversation"]', '[data-testid="chat-title"]', '[data-testid="composer"]'].map(at),
      };`);
    if (!a11y.nav || a11y.navCurrent !== 'page' || !a11y.list || a11y.current !== 'bob') throw new Error(`navigation/list: ${JSON.stringify(a11y)}`);
    if (a11y.log !== 'log:Messages' || a11y.composer !== 'Message' || !a11y.search) throw new Error(`labels: ${JSON.stringify(a11y)}`);
    if (a11y.unnamed.length) throw new Error(`controls without an accessible name: ${JSON.stringify(a11y.unnamed)}`);
    if (a11y.positive) throw new Error('a positive tabindex reorders the focus');
    if (a11y.order.some((i) => i < 0) || a11y.order.some((i, k) => k > 0 && i <= a11y.order[k - 1])) throw new Error(`focus order: ${JSON.stringify(a11y.order)}`);
    await (await $(sel('composer'))).click();
    await wd.execute(`document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'F', ctrlKey: true, shiftKey: true, bubbles: true }))`);
    await waitUntil(async () => (await wd.execute(`return document.activeElement?.dataset.testid ?? null`)) === 'chat-search', { what: 'Ctrl+Shift+F: the search box focused' });
  });

  await step("clicking bob's name opens his profile card (name, id, signature); Close shuts it", async () => {
    await (await $(sel('chat-title'))).click();
    const card = await $(sel('person-card'), 'the profile card');
    if ((await card.attr('data-user')) !== 'bob') throw new Error('the card is not bob');
    const text = async (t) => (await (await $(sel(t))).text()).trim();
    if ((await text('person-name')) !== 'Bob') throw new Error(`name: ${await text('person-name')}`);
    if ((await text('person-id')) !== '@bob') throw new Error(`id: ${await text('person-id')}`);
    if ((await text('person-signature')) !== 'Climbing on weekends') throw new Error(`signature: ${await text('person-signature')}`);
    await expectAccessible(wd, 'the profile card');
    await waitUntil(() => imageShown(sel('person-card')), { what: "bob's avatar on the card" });
    await (await $(sel('person-close'))).click();
    await waitUntil(async () => (await wd.find(sel('person-card'))) === null, { what: 'the card closed' });
  });

  await step('alice picks an image, moves the crop with the keyboard and saves: bob’s tern-cli downloads a 512×512 PNG avatar and the app shows it', async () => {
    await (await $(sel('nav-profile'))).click();
    await (await $(sel('change-avatar'))).click();
    await $(sel('avatar-crop'), 'the crop dialog');
    await (await $(sel('avatar-file'))).type(alicePng);
    const area = await $(sel('avatar-canvas'), 'the crop area');
    await expectAccessible(wd, 'the crop dialog');
    await area.click();
    await area.type('\uE012\uE012\uE012'); // ArrowLeft ×3: show more of the red half
    await (await $(sel('avatar-save'))).click();
    await waitUntil(async () => (await wd.find(sel('avatar-crop'))) === null, { what: 'the dialog closed after saving' });
    await waitUntil(() => imageShown(sel('nav-profile')), { what: "alice's avatar in the rail" });
    let got;
    await waitUntil(async () => (got = json(await bob.ok(['avatar', 'alice']))).avatar, { what: "alice's avatar seen by bob's tern-cli" });
    if (got.mime !== 'image/png') throw new Error(`mime: ${got.mime}`);
    const [w, h] = pngSize(readFileSync(got.path));
    if (w !== 512 || h !== 512) throw new Error(`avatar is ${w}×${h}`);
  });

  await step('axe-core: my profile with the settings has no serious or critical violation', () => expectAccessible(wd, 'my profile'));

  await step('axe-core: the friends screen (a friend shown) has no serious or critical violation', async () => {
    await (await $(sel('nav-friends'))).click();
    await (await $(sel('friend', '[data-user="bob"]'), 'bob in the friends list')).click();
    await expectAccessible(wd, 'the friends screen');
    await (await $(sel('nav-profile'))).click();
  });

  await step('nickname and signature edited in the app reach bob', async () => {
    const nick = await $(sel('nickname'));
    await nick.clear();
    await nick.type('Alice A.');
    const sig = await $(sel('signature'));
    await sig.clear();
    await sig.type('Out climbing');
    await (await $(sel('save-profile'))).click();
    await waitUntil(async () => {
      const p = json(await bob.ok(['users', 'alice'])).find((x) => x.user === 'alice');
      return p?.nickname === 'Alice A.' && p?.signature === 'Out climbing';
    }, { what: "bob sees alice's new nickname and signature" });
  });

  await step("the owner sets a group's avatar in the member panel: bob's tern-cli sees it, the app shows it", async () => {
    const g = json(await alice.ok(['group', 'create', 'Climbers', '--members', 'bob'])).group;
    await (await $(sel('nav-chats'))).click();
    const row = sel('conversation', `[data-group="${g}"]`);
    await (await $(row, 'the group chat')).click();
    await (await $(sel('open-member-panel'))).click();
    await (await $(sel('change-group-avatar'), 'the change-avatar button (owner)')).click();
    await (await $(sel('avatar-file'))).type(groupPng);
    await $(sel('avatar-canvas'), 'the crop area');
    await (await $(sel('avatar-save'))).click();
    await waitUntil(async () => json(await bob.ok(['group', 'info', g])).avatar, { what: "the group's avatar in bob's tern-cli" });
    await waitUntil(() => imageShown(`${row} [data-testid="group-avatar"]`), { what: "the group's avatar in the chat list" });
    await expectAccessible(wd, 'the group chat with the member panel');
    // A member's avatar in the panel opens their card too.
    await (await $(sel('member-avatar', '[data-user="bob"]'), "bob in the member list")).click();
    await $(sel('person-card', '[data-user="bob"]'), "bob's card from the member panel");
    await (await $(sel('person-close'))).click();
  });

  await step("screenshot: bob's profile card over the chat, alice's avatar in the rail", async () => {
    await (await $(sel('nav-chats'))).click();
    await (await $(bobRow)).click();
    await (await $(sel('chat-avatar'))).click();
    await waitUntil(() => imageShown(sel('person-card')), { what: "bob's avatar on the card" });
    await new Promise((r) => setTimeout(r, 300));
    await wd.screenshot(path.join(shots, 'profile.png'));
    await (await $(sel('person-close'))).click();
  });
}

runSuite('tern e2e (profile)', steps, main, { started, driver: () => wd });
