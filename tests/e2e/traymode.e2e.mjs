// End-to-end tray mode that frees the webview (issue 20 item 7): with a tray host
// (tests/e2e/fake_tray.py) and a notification server (tests/e2e/fake_notifyd.py) on a
// private D-Bus session, closing the window to the tray destroys it after
// TERN_TRAY_FREE_AFTER_SECS, so no WebKitWebProcess of the app is left (/proc), and
// then no WebKitNetworkProcess either (src-tauri/trim.rs); the
// app stays connected: a message from bob (tern-cli) raises the tray's label (read
// from the tray item over D-Bus, tests/e2e/tray_item.py) and shows a notification;
// clicking the notification recreates the window at bob's chat; freed again, the
// tray menu's "Open Tern" brings it back at the chat that was open. That app keeps the
// network process (TERN_TRAY_KEEP_NETWORK=1: WebKit ends the WebDriver session with
// it); a second app lets the trim end it too, and its recreated window is checked
// through the tray label (the page reads the message). See run.sh traymode.

import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { CliUser, runSuite, launchApp, descendants, webProcesses, startServer, startTray, tempDir, Steps, sel, invoke as invokeIn, waitShell as waitShellIn } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const started = Date.now();
const here = path.dirname(new URL(import.meta.url).pathname);
/** Seconds hidden before the window is destroyed (the setting's default is 60). */
const FREE_AFTER = 3;
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const invoke = (cmd, args) => invokeIn(wd, cmd, args);
const waitShell = (pred, what) => waitShellIn(wd, pred, what);

const logFile = path.join(tempDir('traymode'), 'notify.jsonl');
const notes = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

const run = (cmd, args) =>
  new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: 10_000 }, (err, out, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(out))),
  );

/** The fake notification server (actions, no inline reply). */
async function startNotifyd() {
  const child = spawn('/usr/bin/python3', [path.join(here, 'fake_notifyd.py'), logFile, 'body,actions'], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => child.exitCode === null && child.kill('SIGTERM'));
  await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (l) => l === 'ready' && resolve());
    child.on('exit', (c) => reject(new Error(`fake notification server exited (${c})`)));
  });
}

/** The user clicks notification `id` (the fake server emits ActionInvoked(id, "default")). */
const clickNotification = (id) =>
  run('dbus-send', ['--session', '--type=method_call', '--print-reply', '--dest=org.freedesktop.Notifications', '/org/freedesktop/Notifications', 'org.tern.FakeNotifications.Invoke', `uint32:${id}`, 'string:default']);

/** The tray item's label (the unread count) as a tray host reads it. */
const trayLabel = async () => (await run('/usr/bin/python3', [path.join(here, 'tray_item.py'), 'label'])).trim();

/** The web process runs with `JSC_useJIT=0` (the app puts it in its environment, unless it was there). */
function jitOff(pid) {
  const vars = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  if (!vars.includes('JSC_useJIT=0')) throw new Error(`web process ${pid} without JSC_useJIT=0: ${vars.filter((v) => v.startsWith('JSC_')).join(' ') || 'no JSC_ variable'}`);
}
/**
 * The sign-in screen's language picker names Chinese in Chinese (简体中文) from the UI's
 * 2.7 KB subset font (ui/src/lib/logic/fonts.ts), so the web process never maps the
 * system's CJK font for it (1.9 MB; the chats here are in English).
 */
const SYSTEM_CJK_FONT = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
function noSystemCjkFont(pid) {
  if (!existsSync(SYSTEM_CJK_FONT)) throw new Error(`${SYSTEM_CJK_FONT} is missing (scripts/deps.sh test installs fonts-noto-cjk)`);
  const mapped = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter((l) => l.includes('/fonts/')).map((l) => l.split('/').pop());
  if (mapped.some((f) => f.startsWith('NotoSansCJK'))) throw new Error(`web process ${pid} maps the system's CJK font: ${[...new Set(mapped)].join(', ')}`);
}
const alive = (pid) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (ended, not yet reaped by its parent) is not alive.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

/** Shown (mapped) X windows titled "Tern". */
const ternWindows = () =>
  new Promise((resolve) => execFile('xdotool', ['search', '--onlyvisible', '--name', '^Tern$'], (err, out) => resolve(err ? [] : out.split('\n').filter(Boolean))));

/** The window was recreated: point the WebDriver session at its page. */
async function attachNewWindow() {
  await waitUntil(async () => {
    const handles = await wd.cmd('GET', '/window/handles');
    for (const h of handles) {
      await wd.cmd('POST', '/window', { handle: h }).catch(() => {});
      if ((await wd.execute('return document.readyState').catch(() => null)) === 'complete') return true;
    }
    return false;
  }, { what: 'the recreated window in the WebDriver session', timeout: 30_000 });
}

/** Closes the window to the tray and waits until tray mode destroyed it (no web process
 * left) and, unless the app keeps it (TERN_TRAY_KEEP_NETWORK=1), trimmed it (no network
 * process left either). */
async function closeAndFree(pid, { keepsNetwork = true } = {}) {
  if (webProcesses(pid).length === 0) throw new Error('no WebKitWebProcess under the app before closing');
  await invoke('plugin:window|close', { label: 'main' });
  await waitShell((s) => !s.window_visible, 'window hidden to the tray');
  const t = Date.now();
  await waitUntil(() => webProcesses(pid).length === 0, { what: 'no WebKitWebProcess of the app left', timeout: 30_000 });
  const waited = (Date.now() - t) / 1000;
  if (waited < FREE_AFTER - 1.5) throw new Error(`freed after ${waited} s, before the ${FREE_AFTER} s delay`);
  await waitUntil(async () => (await ternWindows()).length === 0, { what: 'no Tern window shown' });
  if (!keepsNetwork) {
    // Then the trim (src-tauri/trim.rs) ends WebKit's network process too.
    await waitUntil(() => descendants(pid).every((p) => !p.comm.startsWith('WebKit')), { what: 'no WebKit process of the app left (network process ended)', timeout: 30_000 });
  }
  if (!alive(pid)) throw new Error('the app quit instead of staying in the tray');
  const pss = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m)?.[1];
  console.log(`       tray mode: the app's PSS ${(Number(pss) / 1024).toFixed(1)} MB (debug build; bench/c1 measures release)`);
}

/** Alice signs in (on the login screen of session `wd`) and opens bob's chat. */
async function signIn() {
  await wd.waitFor(sel('login-form'));
  await (await wd.waitFor(sel('user'))).clear();
  await (await wd.waitFor(sel('user'))).type('alice');
  await (await wd.waitFor(sel('password'))).type('alice-password-1');
  await (await wd.waitFor(sel('submit'))).click();
  await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'alice online' });
  await (await wd.waitFor(sel('conversation', '[data-peer="bob"]'))).click();
  await wd.waitFor(sel('chat-title'), { what: 'bob\'s chat open' });
}

/** The app whose WebDriver session the trim ended: ended by its process id. */
let trimmedApp = 0;

async function main() {
  await startNotifyd();
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const alice = new CliUser(server, 'alice', 'alice-password-1');
  await bob.register();
  await bob.ok(['profile', '--nickname', 'Bob Builder']);
  await alice.register();
  await bob.ok(['friend', 'add', 'alice']);
  await alice.ok(['friend', 'accept', 'bob']);
  await bob.ok(['send', 'alice', 'before the tray']);
  await startTray();
  console.log(`tern traymode e2e: server ${server.url}`);
  // This first app keeps tray mode in its own process (TERN_TRAY_IN_PROCESS=1, as
  // when tern-tray is not installed) and WebKit's network process
  // (TERN_TRAY_KEEP_NETWORK=1: WebKit ends a WebDriver session with it), so the
  // recreated windows can be driven; the apps after it become tern-tray and are
  // checked from outside.
  const env = { TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: tempDir('app'), XDG_DATA_HOME: tempDir('xdg-data'), TERN_TRAY_FREE_AFTER_SECS: String(FREE_AFTER) };
  ({ wd } = await launchApp({ ...env, TERN_TRAY_KEEP_NETWORK: '1', TERN_TRAY_IN_PROCESS: '1' }));

  let pid = 0;
  await step('alice signs in and opens bob\'s chat; the app has its WebKitWebProcess, JavaScriptCore\'s JIT off in it (src-tauri/engine.rs), no system CJK font mapped for the sign-in screen\'s 简体中文 (ui/src/lib/logic/fonts.ts)', async () => {
    await signIn();
    pid = (await waitShell((s) => s.tray_host && s.window_visible, 'a tray host and a visible window')).pid;
    if (webProcesses(pid).length === 0) throw new Error(`no WebKitWebProcess under ${pid}: ${JSON.stringify(descendants(pid))}`);
    for (const p of webProcesses(pid)) jitOff(p.pid);
    for (const p of webProcesses(pid)) noSystemCjkFont(p.pid);
    if ((await invoke('tray_free_after')) !== FREE_AFTER) throw new Error('the delay from the environment is not in effect');
  });

  await step(`closed to the tray, after ${FREE_AFTER} s the window is destroyed: no WebKitWebProcess of the app left, the app still runs`, async () => {
    await closeAndFree(pid);
    console.log(`       left under the app: ${descendants(pid).map((p) => p.comm).join(', ') || 'nothing'}`);
  });

  let note;
  await step('a message from bob arrives: the tray label shows 1 and a notification names bob', async () => {
    const before = notes().length;
    await bob.ok(['send', 'alice', 'are you there, tray?']);
    await waitUntil(async () => (await trayLabel()) === '1', { what: 'tray label 1', timeout: 20_000 });
    note = await waitUntil(() => notes().slice(before).find((n) => n.body === 'are you there, tray?'), { what: 'a notification for bob\'s message' });
    if (!note.summary.includes('Bob')) throw new Error(`summary: ${note.summary}`);
    if (webProcesses(pid).length) throw new Error('a web process came back without the window');
  });

  await step('clicking the notification recreates the window at bob\'s chat; the message is read', async () => {
    await clickNotification(note.id);
    await waitUntil(async () => (await ternWindows()).length === 1, { what: 'a Tern window again', timeout: 30_000 });
    await attachNewWindow();
    await wd.waitFor(sel('chat-title'), { what: 'a chat open in the new window', timeout: 30_000 });
    await waitUntil(async () => (await wd.execute('return document.querySelector(\'[data-testid="message-list"]\')?.textContent ?? ""')).includes('are you there, tray?'), { what: 'bob\'s message shown' });
    await waitShell((s) => s.window_visible && s.pid === pid, 'the same process shows the window');
    await waitUntil(async () => (await trayLabel()) === '', { what: 'the tray label cleared (read)', timeout: 20_000 });
  });

  await step('freed again, the tray menu\'s "Open Tern" brings the window back at the chat that was open', async () => {
    await closeAndFree(pid);
    await run('/usr/bin/python3', [path.join(here, 'tray_item.py'), 'click', 'Open Tern']);
    await waitUntil(async () => (await ternWindows()).length === 1, { what: 'a Tern window again', timeout: 30_000 });
    await attachNewWindow();
    await wd.waitFor(sel('conversation', '[data-peer="bob"][aria-current="true"]'), { what: 'bob\'s chat the open one', timeout: 30_000 });
    const title = await wd.execute('return document.querySelector(\'[data-testid="chat-title"]\')?.textContent ?? null');
    if (!title || !title.includes('Bob')) throw new Error(`the chat shown: ${title}`);
    if (webProcesses(pid).length === 0) throw new Error('no web process for the recreated window');
    for (const p of webProcesses(pid)) jitOff(p.pid);
  });

  // The second and third apps have tern-tray next to them (as the .deb installs it):
  // once the window is destroyed, the app hands its account to it and becomes it.
  const commOf = (p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const pssMb = (p) => (Number(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m)?.[1]) / 1024).toFixed(1);
  /** Launches an app with tern-tray beside it, signs alice in at bob's chat, closes the
   * window and waits until the process (same id) is tern-tray with no child left. */
  async function toTrayProcess(dir) {
    await Promise.race([wd.quit().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
    // The first app quits with its WebDriver session; an app that came back from
    // tern-tray has none (exec ended it) and is ended by its process id.
    await waitUntil(() => !alive(pid), { what: 'the previous app quit with its session', timeout: 5_000 }).catch(() => process.kill(pid, 'SIGTERM'));
    await waitUntil(() => !alive(pid), { what: 'the previous app ended', timeout: 20_000 });
    ({ wd } = await launchApp({ ...env, TERN_APP_DATA_DIR: dir }));
    await signIn();
    pid = (await waitShell((s) => s.tray_host && s.window_visible, 'a tray host and a visible window')).pid;
    trimmedApp = pid;
    await invoke('plugin:window|close', { label: 'main' });
    await waitUntil(() => commOf(pid) === 'tern-tray', { what: 'the app process became tern-tray', timeout: 30_000 });
    await waitUntil(() => descendants(pid).length === 0, { what: 'no WebKit process (nor any child) left under it', timeout: 30_000 });
    await waitUntil(async () => (await trayLabel().catch(() => null)) === '', { what: 'tern-tray\'s tray item registered (no unread)', timeout: 20_000 });
    console.log(`       tern-tray: PSS ${pssMb(pid)} MB (debug build; bench/c1 measures release)`);
  }

  const listener = await bob.listen();
  await step('a second app, tern-tray beside it: closed to the tray, the app becomes tern-tray (same process id, no WebKit process left); its tray menu lists the account', async () => {
    await toTrayProcess(tempDir('app2'));
    const menu = (await run('/usr/bin/python3', [path.join(here, 'tray_item.py'), 'menu'])).trim().split('\n');
    if (menu[0] !== 'Open Tern' || !/^alice@127\.0\.0\.1:\d+$/.test(menu[1]) || menu.at(-2) !== 'Mute notifications' || menu.at(-1) !== 'Quit') throw new Error(`tern-tray's menu: ${JSON.stringify(menu)}`);
  });

  await step('a message from bob: tern-tray shows tray label 1 and a notification naming bob; clicking it, the process becomes the app again at bob\'s chat: the page reads the message (bob gets the read receipt)', async () => {
    const before = notes().length;
    await bob.ok(['send', 'alice', 'after the handoff']);
    await waitUntil(async () => (await trayLabel()) === '1', { what: 'tray label 1', timeout: 20_000 });
    const n = await waitUntil(() => notes().slice(before).find((x) => x.body === 'after the handoff'), { what: 'a notification for bob\'s message' });
    if (!n.summary.includes('Bob')) throw new Error(`summary: ${n.summary}`);
    await clickNotification(n.id);
    await waitUntil(() => commOf(pid) === 'tern', { what: 'the process became the app again', timeout: 30_000 });
    await waitUntil(async () => (await ternWindows()).length === 1, { what: 'a Tern window again', timeout: 30_000 });
    // (Bob's messages so far: "before the tray" 1, "are you there, tray?" 2, this one 3.)
    await listener.waitFor((e) => e.type === 'read_receipt' && e.user === 'alice' && e.seq >= 3, 'the read receipt at bob: the window opened bob\'s chat and read it');
    const kinds = descendants(pid).map((p) => p.comm);
    if (!kinds.some((c) => c.startsWith('WebKitWebProces'))) throw new Error(`WebKit processes under the app: ${kinds.join(', ')}`);
    // Back through two `exec`s (tern -> tern-tray -> tern), the environment is still the engine's.
    for (const p of webProcesses(pid)) jitOff(p.pid);
  });

  await step('a third app: tern-tray again; a message arrives (label 1), then the tray menu\'s "Open Tern" brings the app back at the chat that was open, which reads it', async () => {
    await toTrayProcess(tempDir('app3'));
    await bob.ok(['send', 'alice', 'open from the tray']);
    await waitUntil(async () => (await trayLabel()) === '1', { what: 'tray label 1', timeout: 20_000 });
    await run('/usr/bin/python3', [path.join(here, 'tray_item.py'), 'click', 'Open Tern']);
    await waitUntil(() => commOf(pid) === 'tern', { what: 'the process became the app again', timeout: 30_000 });
    await waitUntil(async () => (await ternWindows()).length === 1, { what: 'a Tern window again', timeout: 30_000 });
    await listener.waitFor((e) => e.type === 'read_receipt' && e.user === 'alice' && e.seq >= 4, 'a second read receipt at bob: bob\'s chat open again');
  });
}

/** Ends the apps: the live session's, and the one whose session the trim ended. */
async function quit() {
  await Promise.race([wd?.quit().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  if (trimmedApp && alive(trimmedApp)) process.kill(trimmedApp, 'SIGTERM');
}

await runSuite('tern traymode e2e', steps, main, { started, driver: () => wd, quit });
