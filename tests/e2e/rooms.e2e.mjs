// End-to-end: chat rooms in the real Tern app (WebKitGTK via tauri-driver)
// against a real tern-server, with bob driven by tern-cli. bob creates a room
// and posts in it from tern-cli; alice opens the Rooms tab, joins the room,
// sees its recent messages, sends one, and bob's `room join --listen`
// receives it; bob's next message shows up live in the app; alice leaves.
// Screenshot: docs/screenshots/rooms.png. See tests/e2e/run.sh (mode `rooms`).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliUser, runSuite, launchApp, startServer, tempDir, Steps, sel } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'docs/screenshots');
const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const $ = (css) => wd.waitFor(css);

/** Parses tern-cli's one JSON value per command (the last line). */
const json = (stdout) => JSON.parse(stdout.trim().split('\n').pop());

/** The texts of the room view's messages, and whether each came from the recent history. */
const shown = () => wd.execute(`return [...document.querySelectorAll('[data-testid="room-message"]')].map((e) => [e.querySelector('.text').textContent, e.dataset.recent])`);

async function main() {
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const appData = tempDir('app');
  console.log(`tern e2e rooms: server ${server.url}`);

  let room = '';
  await step('tern-cli: bob registers, creates a room and posts two messages in it', async () => {
    await bob.register();
    room = json(await bob.ok(['room', 'create', 'Friday stream'])).room;
    if (!room) throw new Error('no room id');
    const sent = (await bob.ok(['room', 'send', room, 'Starting at eight', 'Bring snacks'])).trim().split('\n').map((l) => JSON.parse(l));
    if (sent.map((m) => m.seq).join(',') !== '1,2') throw new Error(`seqs: ${JSON.stringify(sent)}`);
  });
  const bobRoom = await bob.listen(['room', 'join', room, '--listen']);
  await bobRoom.waitFor((e) => e.room?.room === room, "bob's listener in the room");

  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: appData }));

  await step('alice registers in the app and opens the Rooms tab: the room is listed with its 1 member', async () => {
    await $(sel('login-form'));
    await (await $(sel('toggle-mode'))).click();
    await (await $(sel('user'))).type('alice');
    await (await $(sel('password'))).type('alice-password-1');
    await (await $(sel('confirm'))).type('alice-password-1');
    await (await $(sel('submit'))).click();
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'connection online' });
    await (await $(sel('nav-rooms'))).click();
    const item = await wd.waitFor(`${sel('room')}[data-room="${room}"]`, { what: 'the room in the list' });
    const text = await item.text();
    if (!text.includes('Friday stream') || !text.includes('1 member')) throw new Error(`room item: ${text}`);
  });

  await step('alice joins: the room view shows the recent history from before she joined', async () => {
    await (await $(`${sel('room')}[data-room="${room}"]`)).click();
    await waitUntil(async () => (await shown()).length === 2, { what: 'two recent messages' });
    const got = JSON.stringify(await shown());
    if (got !== JSON.stringify([['Starting at eight', 'true'], ['Bring snacks', 'true']])) throw new Error(`recent: ${got}`);
    await $(sel('room-recent-divider'));
    if (!(await (await $(sel('room-title'))).text()).includes('Friday stream')) throw new Error('title');
  });

  await step("alice sends from the app -> bob's tern-cli in the room receives it", async () => {
    await (await $(sel('room-input'))).type('Hello from the app');
    await (await $(sel('room-send'))).click();
    await bobRoom.waitFor((e) => e.type === 'room_message' && e.message.room === room && e.message.from === 'alice' && e.message.content.text === 'Hello from the app', 'alice\'s message at bob');
    await waitUntil(async () => (await shown()).some(([t, r]) => t === 'Hello from the app' && r === 'false'), { what: 'her own message in the view' });
  });

  await step("bob answers from tern-cli -> it shows up live in alice's room view", async () => {
    await bob.ok(['room', 'send', room, 'Welcome, alice!']);
    await waitUntil(async () => (await shown()).some(([t]) => t === 'Welcome, alice!'), { what: "bob's live message" });
    await wd.screenshot(path.join(shots, 'rooms.png'));
  });

  await step('alice leaves: the view closes and the list counts bob alone again', async () => {
    await (await $(sel('room-leave'))).click();
    await waitUntil(async () => (await wd.find(sel('room-title'))) === null, { what: 'the room view closed' });
    await waitUntil(async () => (await (await $(`${sel('room')}[data-room="${room}"]`)).text()).includes('1 member'), { what: 'member count back to 1' });
  });

  bobRoom.stop();
}

await runSuite('tern e2e rooms', steps, main, { started, driver: () => wd });
