// End-to-end: settings that follow the user across devices (issue 18). Two
// devices of alice: the app, and tern-cli in its own data directory ("alice2").
// Pin, mute, archive, drafts and clear history converge both ways; muted chats
// and the do-not-disturb window show no notification (fake notification server,
// tests/e2e/fake_notifyd.py, on a private D-Bus session); "show message text"
// off hides the body; the Settings screen and everything in it survive an app
// restart (account settings on the server, autostart and tray choices in the
// app's local config and ~/.config/autostart/tern.desktop). Screenshots
// docs/screenshots/settings.png and chat-list-states.png. See run.sh prefs.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { CliUser, runSuite, launchApp, quitApp as quitAppOf, startServer, startTray, tempDir, Steps, sel, invoke as invokeIn, waitShell as waitShellIn } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const started = Date.now();
const here = path.dirname(new URL(import.meta.url).pathname);
const shots = path.join(here, '..', '..', 'docs', 'screenshots');
let wd;
let driver;
let fake;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const invoke = (cmd, args) => invokeIn(wd, cmd, args);
const waitShell = (pred, what) => waitShellIn(wd, pred, what);
const $ = (css) => wd.waitFor(css);
const textOf = async (css) => (await wd.find(css))?.text() ?? null;
const row = (peer) => sel('conversation', `[data-peer="${peer}"]`);
const order = async () => Promise.all((await wd.findAll(sel('conversation'))).map((r) => r.attr('data-peer')));
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

const logFile = path.join(tempDir('prefs'), 'notify.jsonl');
const notes = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const appData = tempDir('app');
const xdgData = tempDir('xdg-data');
const xdgConfig = tempDir('xdg-config');
const autostartFile = path.join(xdgConfig, 'autostart', 'tern.desktop');

async function startFake() {
  fake = spawn('/usr/bin/python3', [path.join(here, 'fake_notifyd.py'), logFile, 'body,actions'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const child = fake;
  await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (l) => l === 'ready' && resolve());
    child.on('exit', (c) => reject(new Error(`fake notification server exited (${c})`)));
  });
}

/** A right-click as WebKit delivers it (see app.e2e.mjs). */
const rightClick = (el) => wd.execute(`const e = arguments[0]; const r = e.getBoundingClientRect();
  e.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, button: 2, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }));`,
[{ 'element-6066-11e4-a52e-4f735466cecf': el.id }]);

async function signIn() {
  await wd.waitFor(sel('login-form'));
  await (await wd.waitFor(sel('user'))).clear();
  await (await wd.waitFor(sel('user'))).type('alice');
  await (await wd.waitFor(sel('password'))).type('alice-password-1');
  await (await wd.waitFor(sel('submit'))).click();
  await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'alice online' });
}

const launch = async () => ({ wd, driver } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: appData, XDG_DATA_HOME: xdgData, XDG_CONFIG_HOME: xdgConfig }));

/** Ends the app and its tauri-driver (as keyring.e2e.mjs does), so a new launch is a first instance. */
async function quitApp() {
  await quitAppOf({ wd, driver });
}

/** HH:MM of `min` minutes after midnight (wrapped). */
const hhmm = (min) => {
  const m = ((min % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

let server;

async function main() {
  await startFake();
  server = await startServer();
  const peers = {};
  for (const name of ['bob', 'carol', 'dave']) peers[name] = new CliUser(server, name, `${name}-password-1`);
  const alice = new CliUser(server, 'alice', 'alice-password-1');
  await alice.register();
  for (const [name, p] of Object.entries(peers)) {
    await p.register();
    await p.ok(['friend', 'add', 'alice']);
    await alice.ok(['friend', 'accept', name]);
  }
  // The oldest chat first: dave's is the most recent.
  await peers.bob.ok(['send', 'alice', 'hello from bob', 'second from bob']);
  await peers.carol.ok(['send', 'alice', 'hello from carol']);
  await peers.dave.ok(['send', 'alice', 'hello from dave']);
  // alice's second device: tern-cli in its own directory (alice.dir).
  const alice2 = (args) => alice.ok(args);
  const settingsOf = async (peer) => JSON.parse(await alice2(['conv', 'get', peer]));
  await startTray();
  console.log(`tern prefs e2e: server ${server.url}`);

  await launch();
  await signIn();

  await step('the chat list starts by activity; a pin on the other device puts that chat first', async () => {
    await waitUntil(async () => (await order()).join() === 'dave,carol,bob', { what: 'dave, carol, bob' });
    await alice2(['conv', 'pin', 'bob']);
    await waitUntil(async () => (await order()).join() === 'bob,dave,carol', { what: 'bob pinned first' });
    await wd.waitFor(`${row('bob')} ${sel('pinned-icon')}`, { what: 'the pin icon' });
  });

  await step("a pin from the app's context menu goes above; the other device sees it; unpin from the header menu", async () => {
    await rightClick(await $(row('carol')));
    await (await (await $(sel('chat-context-menu'))).find(sel('chat-pin'))).click();
    await waitUntil(async () => (await order()).join() === 'carol,bob,dave', { what: 'carol pinned above bob' });
    await waitUntil(async () => (await settingsOf('carol')).pinned > (await settingsOf('bob')).pinned, { what: "carol's pin on alice2" });
    await (await $(row('bob'))).click();
    await (await $(sel('chat-menu'))).click();
    await (await $(sel('chat-pin'))).click();
    await waitUntil(async () => (await settingsOf('bob')).pinned === null, { what: "bob unpinned on alice2" });
    await waitUntil(async () => (await order()).join() === 'carol,dave,bob', { what: 'carol, then by activity' });
  });

  await step('a mute from the app (1 hour) reaches the other device; a mute there shows the muted icon here', async () => {
    await rightClick(await $(row('dave')));
    await (await $(sel('chat-mute-1h'))).click();
    await waitUntil(async () => {
      const s = await settingsOf('dave');
      return s.muted && Math.abs(s.muted_until - Date.now() - 3_600_000) < 120_000;
    }, { what: "dave muted for an hour on alice2" });
    await rightClick(await $(row('dave')));
    await (await $(sel('chat-unmute'))).click();
    await waitUntil(async () => !(await settingsOf('dave')).muted, { what: 'dave unmuted on alice2' });
    await alice2(['conv', 'mute', 'bob']);
    await wd.waitFor(`${row('bob')} ${sel('muted-icon')}`, { what: "bob's muted icon" });
  });

  await step('a draft typed in the app reaches the other device; one typed there shows as "Draft:" here', async () => {
    await (await $(row('dave'))).click();
    await (await $(sel('composer'))).type('see you at eight');
    await pause(900); // the composer saves debounced
    await (await $(row('carol'))).click();
    await waitUntil(async () => (await settingsOf('dave')).draft === 'see you at eight', { what: 'the draft on alice2' });
    if (!(await textOf(row('dave'))).includes('see you at eight')) throw new Error(`dave's row: ${await textOf(row('dave'))}`);
    await alice2(['conv', 'draft', 'bob', 'typed on my laptop']);
    await waitUntil(async () => (await textOf(row('bob')))?.includes('typed on my laptop'), { what: "bob's draft in the list" });
    await (await $(row('bob'))).click();
    await waitUntil(async () => (await (await $(sel('composer'))).prop('value')) === 'typed on my laptop', { what: 'the draft in the composer' });
    await (await $(sel('composer'))).clear();
    await (await $(sel('composer'))).type('x');
    await (await $(sel('composer'))).type('\uE003');
    await pause(900);
    await waitUntil(async () => (await settingsOf('bob')).draft === '', { what: "bob's draft cleared on alice2" });
  });

  await step('clear history (confirmed) hides the chat on both of my devices, not on the peer\'s', async () => {
    await waitUntil(async () => Number(await (await $(sel('message-list'))).attr('data-count')) >= 2, { what: "bob's messages" });
    await (await $(sel('chat-menu'))).click();
    await (await $(sel('chat-clear'))).click();
    await (await $(sel('clear-dialog'))).find(sel('clear-ok')).then((b) => b.click());
    await waitUntil(async () => Number(await (await $(sel('message-list'))).attr('data-count')) === 0, { what: 'no messages left' });
    await waitUntil(async () => !(await alice2(['history', 'bob'])).includes('hello from bob'), { what: 'cleared on alice2' });
    if (!(await peers.bob.ok(['history', 'alice'])).includes('hello from bob')) throw new Error("bob's own history was cleared");
  });

  await step('archive from the menu: the chat moves under "Archived"; a new message brings it back', async () => {
    await rightClick(await $(row('dave')));
    await (await $(sel('chat-archive'))).click();
    await waitUntil(async () => !(await order()).includes('dave'), { what: 'dave out of the list' });
    await (await $(sel('archived-entry'))).click();
    await waitUntil(async () => (await order()).join() === 'dave', { what: 'dave in the archive' });
    const note = await (await $(sel('archived-note'))).text();
    if (!note.includes('new message brings a chat back')) throw new Error(`the archive's note: ${note}`);
    await (await $(sel('archived-entry'))).click();
    await peers.dave.ok(['send', 'alice', 'back again']);
    await waitUntil(async () => (await order()).includes('dave'), { what: 'dave back in the list' });
    await alice2(['conv', 'archive', 'dave']);
    await waitUntil(async () => !(await order()).includes('dave') && (await wd.find(sel('archived-entry'))), { what: 'archived from alice2' });
    await wd.screenshot(path.join(shots, 'chat-list-states.png'));
  });

  await step('the Settings screen: notifications, do-not-disturb, language, theme and this computer', async () => {
    await (await $(sel('nav-settings'))).click();
    await $(sel('settings-page'));
    await (await $(sel('set-show-text'))).click();
    await waitUntil(async () => JSON.parse(await alice2(['settings', 'get'])).show_text === false, { what: 'show text off on alice2' });
    await (await $(sel('set-sound'))).click();
    await waitUntil(async () => JSON.parse(await alice2(['settings', 'get'])).sound === false, { what: 'sound off on alice2' });
    await (await $(sel('set-dnd'))).click();
    await $(sel('dnd-day-sun'));
    await (await $(sel('dnd-day-sun'))).click();
    await waitUntil(async () => {
      const d = JSON.parse(await alice2(['settings', 'get'])).dnd;
      return d && d.start === '22:00' && d.end === '08:00' && !d.days.includes('sun') && d.days.length === 6;
    }, { what: 'the schedule on alice2' });
    await (await $(sel('set-autostart'))).click();
    await waitUntil(() => existsSync(autostartFile), { what: 'the autostart entry' });
    if (!readFileSync(autostartFile, 'utf8').includes('Exec=')) throw new Error('autostart entry without Exec');
    await (await $(sel('set-start-minimised'))).click();
    await waitUntil(async () => (await invoke('desktop_prefs')).start_minimised, { what: 'start minimised saved' });
    await (await $(sel('set-start-minimised'))).click();
    await waitUntil(async () => !(await invoke('desktop_prefs')).start_minimised, { what: 'start minimised off again' });
    await wd.execute("document.querySelector('[data-testid=\"settings-page\"] .content').scrollTo(0, 0)");
    await pause(200);
    await wd.screenshot(path.join(shots, 'settings.png'));
    await alice2(['settings', 'set', '--no-dnd']);
    await waitUntil(async () => (await invoke('account_settings')).dnd === null, { what: 'the schedule removed from the other device' });
    await wd.waitFor(`${sel('set-dnd')}:not(:checked)`, { what: 'the switch follows' });
  });

  await step('hidden in the tray: the muted chat notifies nothing; another does, without its text or a sound', async () => {
    await invoke('plugin:window|close', { label: 'main' });
    await waitShell((s) => !s.window_visible, 'window hidden');
    const n0 = notes().length;
    await peers.bob.ok(['send', 'alice', 'muted chat message']);
    await waitUntil(async () => (await invoke('list_conversations')).find((c) => c.peer === 'bob')?.last?.content.text === 'muted chat message', { what: "bob's message in the app" });
    await peers.carol.ok(['send', 'alice', 'secret plans']);
    await waitUntil(() => notes().length > n0, { what: "carol's notification" });
    await pause(500);
    const got = notes().slice(n0);
    if (got.length !== 1 || !got[0].summary.includes('carol')) throw new Error(`notifications: ${JSON.stringify(got)}`);
    if (got[0].body !== 'New message') throw new Error(`the text was shown: ${got[0].body}`);
    if (!got[0].hints.includes('suppress-sound')) throw new Error(`hints: ${got[0].hints}`);
  });

  await step('inside the do-not-disturb window (set on the other device) nothing notifies; after it, again', async () => {
    const d = new Date();
    const now = d.getUTCHours() * 60 + d.getUTCMinutes();
    await alice2(['settings', 'set', '--dnd', `${hhmm(now - 60)}-${hhmm(now + 60)}`, '--tz', 'UTC', '--days', 'mon,tue,wed,thu,fri,sat,sun', '--show-text', 'on']);
    await waitUntil(async () => (await invoke('account_settings')).dnd !== null, { what: 'the schedule in the app' });
    const n0 = notes().length;
    await peers.carol.ok(['send', 'alice', 'during the quiet hours']);
    await waitUntil(async () => (await invoke('list_conversations')).find((c) => c.peer === 'carol')?.last?.content.text === 'during the quiet hours', { what: "carol's message in the app" });
    await pause(800);
    if (notes().length !== n0) throw new Error(`notified inside the window: ${JSON.stringify(notes().slice(n0))}`);
    // A window that ended an hour ago.
    await alice2(['settings', 'set', '--dnd', `${hhmm(now - 180)}-${hhmm(now - 60)}`, '--tz', 'UTC', '--days', 'mon,tue,wed,thu,fri,sat,sun']);
    await waitUntil(async () => (await invoke('account_settings')).dnd?.end === hhmm(now - 60), { what: 'the new window' });
    await peers.carol.ok(['send', 'alice', 'after the quiet hours']);
    await waitUntil(() => notes().length > n0, { what: 'a notification outside the window' });
    if (notes().at(-1).body !== 'after the quiet hours') throw new Error(`body: ${notes().at(-1).body}`);
  });

  await step('after a restart: pins, mutes, archive, account settings and this computer\'s choices are all still there', async () => {
    await quitApp();
    await launch();
    await signIn();
    await waitUntil(async () => (await order())[0] === 'carol', { what: 'carol pinned first' });
    await wd.waitFor(`${row('bob')} ${sel('muted-icon')}`, { what: "bob's muted icon" });
    if ((await order()).includes('dave') || !(await wd.find(sel('archived-entry')))) throw new Error(`archive lost: ${await order()}`);
    await (await $(sel('nav-settings'))).click();
    await wd.waitFor(`${sel('set-sound')}:not(:checked)`, { what: 'sound still off' });
    await wd.waitFor(`${sel('set-dnd')}:checked`, { what: 'the schedule still on' });
    await wd.waitFor(`${sel('set-autostart')}:checked`, { what: 'autostart still on' });
    await wd.waitFor(`${sel('set-close-to-tray')}:checked`, { what: 'close to tray still on' });
    await (await $(sel('set-autostart'))).click();
    await waitUntil(() => !existsSync(autostartFile), { what: 'the autostart entry removed' });
  });
}

await runSuite('tern prefs e2e', steps, main, {
  started,
  driver: () => wd,
  quit: async () => {
    await Promise.race([wd?.quit(), pause(5000)]);
    fake?.kill('SIGTERM');
  },
});
