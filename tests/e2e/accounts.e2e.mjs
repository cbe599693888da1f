// End-to-end: several accounts at once in the real app (issue 20 item 1). Runs
// on a private D-Bus session with a real gnome-keyring-daemon (each account's
// token in its own Secret Service entry) and the fake notification server
// (tests/e2e/fake_notifyd.py); see run.sh accounts.
//   alice signs in; bob is added from the sidebar on the same server; carol
//   (tern-cli) writes to both while the window is closed to the tray: each
//   notification names its account, the tray counts both and its menu (read over
//   D-Bus from the fake tray host, tests/e2e/tray_item.py) names both accounts
//   with their counts; the switcher's badge counts alice's unread while bob is
//   shown (screenshot docs/screenshots/accounts.png); switching shows alice's
//   chats only; bob's entry in the tray menu opens the window on bob, and with
//   the window freed by tray mode alice's entry recreates it on alice; removing
//   bob from the switcher's menu while alice is shown deletes his keyring entry
//   and data and leaves alice's chats; after a restart alice is signed in, alone.

import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { CliUser, runSuite, launchApp, quitApp as quitAppOf, webProcesses, startServer, startTray, tempDir, Steps, sel, invoke as invokeIn, waitShell as waitShellIn } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const started = Date.now();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
let app;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const invoke = (cmd, args) => invokeIn(app.wd, cmd, args);
const waitShell = (pred, what) => waitShellIn(app.wd, pred, what);

const logFile = path.join(tempDir('accounts-notify'), 'notify.jsonl');
const notes = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

async function startFake() {
  const child = spawn('/usr/bin/python3', [path.join(root, 'tests/e2e/fake_notifyd.py'), logFile, 'body,actions'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (l) => l === 'ready' && resolve());
    child.on('exit', (c) => reject(new Error(`fake notification server exited (${c})`)));
  });
  return child;
}

/** Makes the fake server emit ActionInvoked(id, action), as a click would. */
function clickAction(id, action) {
  return new Promise((resolve, reject) =>
    execFile('dbus-send', ['--session', '--type=method_call', '--print-reply', '--dest=org.freedesktop.Notifications', '/org/freedesktop/Notifications', 'org.tern.FakeNotifications.Invoke', `uint32:${id}`, `string:${action}`], { timeout: 10_000 }, (err, _o, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve())),
  );
}

/** The app's keyring entries (`secret-tool search --all service im.tern.desktop`), as text. */
function keyring() {
  return new Promise((resolve) =>
    execFile('secret-tool', ['search', '--all', '--unlock', 'service', 'im.tern.desktop'], { timeout: 10_000 }, (_e, stdout, stderr) => resolve(`${stdout}${stderr}`)),
  );
}
const entries = (text) => [...text.matchAll(/attribute\.username = (\S+)/g)].map((m) => m[1]).sort();

/** The tray menu's labels as a tray host reads them over D-Bus (com.canonical.dbusmenu). */
const trayMenu = () =>
  new Promise((resolve, reject) =>
    execFile('/usr/bin/python3', [path.join(root, 'tests/e2e/tray_item.py'), 'menu'], { timeout: 10_000 }, (err, out, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(out.split('\n').filter(Boolean)))),
  );
/** Clicks the tray menu's item labelled `label`, as a tray host does. */
const trayClick = (label) =>
  new Promise((resolve, reject) =>
    execFile('/usr/bin/python3', [path.join(root, 'tests/e2e/tray_item.py'), 'click', label], { timeout: 10_000 }, (err, _o, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve())),
  );
/** Waits until the tray menu reads exactly `want`; resolves with it. */
async function trayMenuIs(want, what) {
  let last = [];
  await waitUntil(async () => {
    last = await trayMenu().catch(() => []);
    return JSON.stringify(last) === JSON.stringify(want);
  }, { what: `${what} (tray menu ${JSON.stringify(want)}, last read ${JSON.stringify(last)})`, timeout: 20_000 });
  return last;
}
/** An account's tray entry as its unread count says it should read (`user@host`, "(N unread)" when N > 0). */
const trayEntry = (a, host) => `${a.user}@${host}${a.unread > 0 ? ` (${a.unread} unread)` : ''}`;
/** The tray menu as the accounts' counts (list_accounts) say it should read. */
const wantedMenu = async (host) => ['Open Tern', ...(await invoke('list_accounts')).map((a) => trayEntry(a, host)), 'Mute notifications', 'Quit'];
/** Shown (mapped) X windows titled "Tern". */
const ternWindows = () =>
  new Promise((resolve) => execFile('xdotool', ['search', '--onlyvisible', '--name', '^Tern$'], (err, out) => resolve(err ? [] : out.split('\n').filter(Boolean))));
/** Whether a WebKitWebProcess runs under process `root` (from /proc): the window's webview lives. */
const hasWebProcess = (root) => webProcesses(root).length > 0;
/** The window was recreated (tray mode had freed it): point the WebDriver session at its page. */
async function attachNewWindow() {
  await waitUntil(async () => {
    const handles = await app.wd.cmd('GET', '/window/handles');
    for (const h of handles) {
      await app.wd.cmd('POST', '/window', { handle: h }).catch(() => {});
      if ((await app.wd.execute('return document.readyState').catch(() => null)) === 'complete') return true;
    }
    return false;
  }, { what: 'the recreated window in the WebDriver session', timeout: 30_000 });
}
/** A right-click as WebKit delivers it: a cancellable contextmenu at the element's centre. */
const rightClick = (el) =>
  app.wd.execute(`const e = arguments[0]; const r = e.getBoundingClientRect();
    e.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, button: 2, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }));`, [{ 'element-6066-11e4-a52e-4f735466cecf': el.id }]);

async function quitApp() {
  if (!app) return;
  const ending = app;
  app = undefined;
  await quitAppOf(ending);
}

/** Fills the login form (the first one, or the one over the shell) and submits it. */
async function signIn(user, password) {
  const { wd } = app;
  await wd.waitFor(sel('login-form'));
  const field = await wd.waitFor(sel('user'));
  await field.clear();
  await field.type(user);
  await (await wd.waitFor(sel('password'))).type(password);
  await (await wd.waitFor(sel('remember'))).click();
  await (await wd.waitFor(sel('submit'))).click();
  await wd.waitFor(`${sel('nav-profile')} [data-user="${user}"]`, { what: `${user} shown`, timeout: 20_000 });
  await wd.waitFor(sel('connection', '[data-state="online"]'), { what: `${user} online` });
}

async function main() {
  await startFake();
  const server = await startServer();
  const host = server.url.replace('ws://', '');
  const carol = new CliUser(server, 'carol', 'carol-password-1');
  const alice = new CliUser(server, 'alice', 'alice-password-1');
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  for (const u of [carol, alice, bob]) await u.register();
  await carol.ok(['profile', '--nickname', 'Carol']);
  await carol.ok(['friend', 'add', 'alice']);
  await carol.ok(['friend', 'add', 'bob']);
  await alice.ok(['friend', 'accept', 'carol']);
  await bob.ok(['friend', 'accept', 'carol']);
  await startTray();
  const appData = tempDir('app');
  const env = { TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: appData, XDG_DATA_HOME: tempDir('xdg-data') };
  console.log(`tern accounts e2e: server ${server.url}`);
  app = await launchApp(env);

  await step('alice signs in; bob is added from the sidebar on the same server and shown', async () => {
    await signIn('alice', alice.password);
    await (await app.wd.waitFor(sel('add-account'))).click();
    await signIn('bob', bob.password);
    await app.wd.waitFor(sel('account', '[data-user="alice"]'), { what: 'alice in the switcher' });
    const list = await invoke('list_accounts');
    if (list.map((a) => `${a.user}:${a.active}`).join(',') !== 'alice:false,bob:true') throw new Error(`accounts: ${JSON.stringify(list)}`);
  });

  await step('each account has its own keyring entry named user@server', async () => {
    const want = [`alice@${server.url}`, `bob@${server.url}`];
    await waitUntil(async () => entries(await keyring()).join() === want.join(), { what: `keyring entries ${want}`, timeout: 10_000 });
  });

  let bobNote;
  await step('carol writes to both while the window is in the tray: both arrive live, each notification names its account, the tray sums both', async () => {
    await invoke('plugin:window|close', { label: 'main' });
    await waitShell((s) => !s.window_visible, 'window hidden');
    await carol.ok(['send', 'alice', 'Hi alice, lunch?']);
    await carol.ok(['send', 'bob', 'Hi bob, coffee?']);
    await waitUntil(() => notes().length >= 2, { what: 'two Notify calls' });
    const n = notes();
    const forAlice = n.find((x) => x.body === 'Hi alice, lunch?');
    bobNote = n.find((x) => x.body === 'Hi bob, coffee?');
    if (!forAlice?.summary.startsWith(`alice@${host}: `) || !forAlice.summary.includes('Carol')) throw new Error(`alice's notification: ${JSON.stringify(forAlice)}`);
    if (!bobNote?.summary.startsWith(`bob@${host}: `)) throw new Error(`bob's notification: ${JSON.stringify(bobNote)}`);
    await waitShell((s) => s.tray_title === '2', 'the tray counts both accounts (2)');
  });

  await step('the tray menu names both accounts with their counts, in the order added; the tooltip names both', async () => {
    const menu = await trayMenuIs(['Open Tern', `alice@${host} (1 unread)`, `bob@${host} (1 unread)`, 'Mute notifications', 'Quit'], 'both accounts in the tray menu');
    console.log(`       tray menu: ${JSON.stringify(menu)}`);
    const s = await waitShell((x) => x.tray_tooltip === `alice@${host} 1 · bob@${host} 1`, 'the tooltip naming both accounts');
    if (s.tray_title !== '2') throw new Error(`tray title: ${s.tray_title}`);
    if (JSON.stringify(s.tray_accounts) !== JSON.stringify([`alice@${host} (1 unread)`, `bob@${host} (1 unread)`])) throw new Error(`tray accounts: ${JSON.stringify(s.tray_accounts)}`);
  });

  await step("a click on bob's notification shows his chat; the switcher's badge counts alice's unread (screenshot)", async () => {
    await clickAction(bobNote.id, 'default');
    await waitShell((s) => s.window_visible, 'window shown');
    await app.wd.waitFor(sel('chat-title'), { what: "bob's chat with carol open" });
    const badge = await app.wd.waitFor(`${sel('account', '[data-user="alice"]')} ${sel('account-badge')}`, { what: "alice's badge" });
    if ((await badge.text()) !== '1') throw new Error(`badge: ${await badge.text()}`);
    const shown = await (await app.wd.waitFor(sel('conversation-list'))).text();
    if (!shown.includes('coffee') || shown.includes('lunch')) throw new Error(`bob's chat list: ${shown}`);
    await app.wd.screenshot(path.join(root, 'docs/screenshots/accounts.png'));
  });

  await step("switching shows alice's chats only, and her messages keep arriving live", async () => {
    await (await app.wd.waitFor(sel('account', '[data-user="alice"]'))).click();
    await app.wd.waitFor(`${sel('nav-profile')} [data-user="alice"]`, { what: 'alice shown' });
    await app.wd.waitFor(sel('account', '[data-user="bob"]'), { what: 'bob in the switcher' });
    await waitUntil(async () => (await (await app.wd.waitFor(sel('conversation-list'))).text()).includes('lunch'), { what: "alice's chat with carol" });
    const list = await (await app.wd.waitFor(sel('conversation-list'))).text();
    if (list.includes('coffee')) throw new Error(`bob's message in alice's list: ${list}`);
    await carol.ok(['send', 'alice', 'Noon at the corner']);
    await waitUntil(async () => (await (await app.wd.waitFor(sel('conversation-list'))).text()).includes('Noon at the corner'), { what: 'the new message in the list' });
  });

  await step("a new message for bob shows in his tray entry; a click on it opens the window on bob's account", async () => {
    await invoke('plugin:window|close', { label: 'main' });
    await waitShell((s) => !s.window_visible, 'window hidden');
    await carol.ok(['send', 'bob', 'Bob, are you coming?']);
    await waitUntil(async () => (await invoke('list_accounts')).find((a) => a.user === 'bob')?.unread === 1, { what: 'bob has 1 unread' });
    const want = await wantedMenu(host);
    if (want[2] !== `bob@${host} (1 unread)`) throw new Error(`accounts: ${JSON.stringify(want)}`);
    await trayMenuIs(want, "bob's new count in his entry");
    await trayClick(`bob@${host} (1 unread)`);
    await waitShell((s) => s.window_visible, 'window shown from the tray');
    await app.wd.waitFor(`${sel('nav-profile')} [data-user="bob"]`, { what: 'bob shown', timeout: 20_000 });
    await app.wd.waitFor(sel('account', '[data-user="alice"]'), { what: 'alice in the switcher' });
    await waitUntil(async () => (await (await app.wd.waitFor(sel('conversation-list'))).text()).includes('are you coming'), { what: "bob's chat list" });
    const list = await invoke('list_accounts');
    if (list.map((a) => `${a.user}:${a.active}`).join(',') !== 'alice:false,bob:true') throw new Error(`accounts: ${JSON.stringify(list)}`);
  });

  await step("with the window freed by tray mode, alice's tray entry recreates the window on alice's account", async () => {
    const entry = (await wantedMenu(host))[1];
    const { pid } = await invoke('shell_state');
    if (!hasWebProcess(pid)) throw new Error(`no WebKitWebProcess under the app (${pid})`);
    await invoke('set_tray_free_after', { secs: 2 });
    await invoke('plugin:window|close', { label: 'main' });
    await waitShell((s) => !s.window_visible, 'window hidden');
    await waitUntil(() => !hasWebProcess(pid), { what: 'the window destroyed by tray mode (no WebKitWebProcess left)', timeout: 30_000 });
    await trayClick(entry);
    await waitUntil(async () => (await ternWindows()).length === 1, { what: 'a Tern window again', timeout: 30_000 });
    await attachNewWindow();
    await app.wd.waitFor(`${sel('nav-profile')} [data-user="alice"]`, { what: 'alice shown in the recreated window', timeout: 30_000 });
    await invoke('set_tray_free_after', { secs: 0 });
    const config = JSON.parse(readFileSync(path.join(appData, 'accounts.json'), 'utf8'));
    if (config.active !== `alice@${server.url}`) throw new Error(`accounts.json: ${JSON.stringify(config)}`);
  });

  await step("removing bob from the switcher's menu while alice is shown (confirmed): his keyring entry and data go, alice's chats stay", async () => {
    const bobDirs = () => readdirSync(appData).filter((d) => d.startsWith('bob@'));
    if (bobDirs().length !== 1) throw new Error(`bob's data dir: ${readdirSync(appData)}`);
    await app.wd.waitFor(`${sel('nav-profile')} [data-user="alice"]`, { what: 'alice shown' });
    await waitUntil(async () => (await (await app.wd.waitFor(sel('conversation-list'))).text()).includes('Noon at the corner'), { what: "alice's chats" });
    await rightClick(await app.wd.waitFor(sel('account', '[data-user="bob"]')));
    await (await app.wd.waitFor(sel('account-menu-remove'))).click();
    const q = await (await app.wd.waitFor(sel('remove-account-confirm'))).text();
    if (!q.includes(`bob@${host}`)) throw new Error(`confirmation: ${q}`);
    const shot = path.join(tempDir('accounts-shots'), 'remove-background.png');
    await app.wd.screenshot(shot);
    console.log(`       the confirmation: ${shot}`);
    await (await app.wd.waitFor(sel('remove-account-confirm-ok'))).click();
    await waitUntil(async () => entries(await keyring()).join() === `alice@${server.url}`, { what: "only alice's keyring entry", timeout: 10_000 });
    await waitUntil(() => bobDirs().length === 0, { what: "bob's data dir deleted" });
    await waitUntil(async () => !(await app.wd.find(sel('account', '[data-user="bob"]'))), { what: 'bob gone from the switcher' });
    // Alice was never switched away from: her chats are still on screen.
    if (!(await app.wd.find(`${sel('nav-profile')} [data-user="alice"]`))) throw new Error('alice no longer shown');
    const chats = await (await app.wd.waitFor(sel('conversation-list'))).text();
    if (!chats.includes('Noon at the corner') || chats.includes('are you coming')) throw new Error(`alice's chat list: ${chats}`);
    const list = await invoke('list_accounts');
    if (list.map((a) => `${a.user}:${a.active}`).join(',') !== 'alice:true') throw new Error(`accounts: ${JSON.stringify(list)}`);
    const want = await wantedMenu(host);
    if (want.length !== 4 || !want[1].startsWith(`alice@${host}`)) throw new Error(`tray menu wanted: ${JSON.stringify(want)}`);
    await trayMenuIs(want, 'only alice in the tray menu');
  });

  await quitApp();
  app = await launchApp(env);
  await step('after a restart alice is signed in again, the only account', async () => {
    await app.wd.waitFor(`${sel('nav-profile')} [data-user="alice"]`, { what: 'alice restored', timeout: 20_000 });
    await app.wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'alice online' });
    const list = await invoke('list_accounts');
    if (list.length !== 1 || list[0].user !== 'alice' || !list[0].active) throw new Error(`accounts: ${JSON.stringify(list)}`);
    const config = JSON.parse(readFileSync(path.join(appData, 'accounts.json'), 'utf8'));
    if (config.accounts.map((a) => a.user).join() !== 'alice' || config.active !== `alice@${server.url}`) throw new Error(`accounts.json: ${JSON.stringify(config)}`);
  });
}

await runSuite('tern accounts e2e', steps, main, { started, driver: () => app?.wd, quit: quitApp });
