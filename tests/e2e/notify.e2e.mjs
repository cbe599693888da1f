// End-to-end desktop notifications against a fake org.freedesktop.Notifications
// server (tests/e2e/fake_notifyd.py) on a private D-Bus session. See run.sh notify.
// Also: bodies escaped for a body-markup server, and a NotificationReplied signal
// from a bus client other than the daemon ignored (issue 16). Issue 20: the unread
// count on the dock's launcher icon (com.canonical.Unity.LauncherEntry.Update, seen
// by tests/e2e/launcher_listener.py on the same private bus), and the texts of the
// Rust side (tray menu and tooltip, notification actions and previews) in the app's
// language after a switch to 中文.

import { execFile, spawn } from 'node:child_process';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { CliUser, runSuite, launchApp, startServer, startTray, tempDir, Steps, sel, invoke as invokeIn, waitShell as waitShellIn } from './lib/harness.mjs';

/** Starts the launcher-entry listener; resolves with its parsed signals (a live array). */
async function startLauncherListener() {
  const child = spawn('/usr/bin/python3', [path.join(path.dirname(new URL(import.meta.url).pathname), 'launcher_listener.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const seen = [];
  await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      if (l === 'ready') resolve();
      else seen.push(JSON.parse(l));
    });
    child.on('exit', (c) => reject(new Error(`launcher listener exited (${c})`)));
  });
  return { seen, child };
}
import { waitUntil } from './lib/webdriver.mjs';

const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
let fake;
let launcher;

const invoke = (cmd, args) => invokeIn(wd, cmd, args);
const waitShell = (pred, what) => waitShellIn(wd, pred, what);

const logFile = path.join(tempDir('notify'), 'notify.jsonl');
const notes = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

/** Makes the fake server emit ActionInvoked(id, action). */
function clickAction(id, action) {
  return fakeCall('Invoke', id, action);
}

/** (Re)starts the fake notification server advertising `caps`. */
async function startFake(caps) {
  if (fake) {
    const old = fake;
    old.kill('SIGTERM');
    await waitUntil(() => old.exitCode !== null || old.signalCode !== null, { what: 'old fake server exits' });
  }
  fake = spawn('/usr/bin/python3', [path.join(path.dirname(new URL(import.meta.url).pathname), 'fake_notifyd.py'), logFile, caps], { stdio: ['ignore', 'pipe', 'inherit'] });
  const child = fake;
  await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (l) => l === 'ready' && resolve());
    child.on('exit', (c) => reject(new Error(`fake notification server exited (${c})`)));
  });
}

function fakeCall(method, id, text) {
  return new Promise((resolve, reject) =>
    execFile('dbus-send', ['--session', '--type=method_call', '--print-reply', '--dest=org.freedesktop.Notifications', '/org/freedesktop/Notifications', `org.tern.FakeNotifications.${method}`, `uint32:${id}`, `string:${text}`], { timeout: 10_000 }, (err, _o, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve())),
  );
}

async function main() {
  await startFake('body,actions');
  const server = await startServer();
  const host = server.url.replace('ws://', '');
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const alice = new CliUser(server, 'alice', 'alice-password-1');
  await bob.register();
  await bob.ok(['profile', '--nickname', 'Bob Builder']);
  await alice.register();
  await bob.ok(['friend', 'add', 'alice']);
  await alice.ok(['friend', 'accept', 'bob']);
  const listener = await bob.listen();
  // A tray host, so closing the window hides it to the tray (without one it would minimise).
  await startTray();
  console.log(`tern notify e2e: server ${server.url}`);

  // Its own XDG_DATA_HOME (the webview's localStorage): this suite switches the language to 中文,
  // which must not carry over to the suites after it.
  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: tempDir('app'), XDG_DATA_HOME: tempDir('xdg-data') }));
  await wd.waitFor(sel('login-form'));
  await (await wd.waitFor(sel('user'))).clear(); // the last user id may be pre-filled
  await (await wd.waitFor(sel('user'))).type('alice');
  await (await wd.waitFor(sel('password'))).type('alice-password-1');
  await (await wd.waitFor(sel('submit'))).click();
  await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'alice online' });
  // Not focused: closed to the tray.
  await invoke('plugin:window|close', { label: 'main' });
  await waitShell((s) => !s.window_visible, 'window hidden');

  let conv;
  await step('a message while the window is not focused yields exactly one notification with sender and preview', async () => {
    await bob.ok(['send', 'alice', 'Lunch at noon?']);
    await waitUntil(() => notes().length >= 1, { what: 'a Notify call' });
    const n = notes();
    if (n.length !== 1) throw new Error(`notifications: ${JSON.stringify(n)}`);
    if (!n[0].summary.includes('Bob') || n[0].body !== 'Lunch at noon?') throw new Error(`content: ${JSON.stringify(n[0])}`);
    if (!n[0].actions.includes('default') || !n[0].actions.includes('read')) throw new Error(`actions: ${n[0].actions}`);
    if (n[0].actions.includes('inline-reply')) throw new Error('inline reply offered by a server without the capability');
    const convs = await invoke('list_conversations');
    conv = convs.find((c) => c.peer === 'bob').conv;
  });

  await step('a muted chat yields none (and the global mute none); unmuted, the next one notifies', async () => {
    await invoke('edit_conv', { conv, edit: { op: 'mute', until: null } });
    await bob.ok(['send', 'alice', 'muted chat message']);
    await invoke('edit_conv', { conv, edit: { op: 'unmute' } });
    await invoke('set_notifications_muted', { muted: true });
    await waitShell((s) => s.muted, 'global mute on');
    await bob.ok(['send', 'alice', 'globally muted message']);
    await waitShell((s) => s.tray_title === '3', 'three unread');
    await invoke('set_notifications_muted', { muted: false });
    await bob.ok(['send', 'alice', 'after unmuting']);
    await waitUntil(() => notes().length >= 2, { what: 'the second Notify call' });
    const bodies = notes().map((n) => n.body);
    if (JSON.stringify(bodies) !== JSON.stringify(['Lunch at noon?', 'after unmuting'])) throw new Error(`bodies: ${JSON.stringify(bodies)}`);
  });

  await step('"Mark as read" on a notification clears the unread count', async () => {
    await waitShell((s) => s.tray_title === '4', 'four unread');
    await clickAction(notes()[1].id, 'read');
    await waitShell((s) => s.tray_title === null && !s.tray_badge, 'nothing unread');
  });

  await step('the default action shows the window on that chat', async () => {
    await bob.ok(['send', 'alice', 'open me']);
    await waitUntil(() => notes().length >= 3, { what: 'the third Notify call' });
    await clickAction(notes()[2].id, 'default');
    await waitShell((s) => s.window_visible, 'window shown');
    const title = await wd.waitFor(sel('chat-title'), { what: 'the chat open' });
    const text = await title.text();
    if (!text.includes('Bob')) throw new Error(`chat title: ${text}`);
  });

  await step('with a server advertising inline-reply, a typed reply is sent to the chat', async () => {
    await invoke('plugin:window|close', { label: 'main' });
    await waitShell((s) => !s.window_visible, 'window hidden again');
    await startFake('body,actions,inline-reply');
    await bob.ok(['send', 'alice', 'reply inline please']);
    await waitUntil(() => notes().length >= 4, { what: 'the fourth Notify call' });
    const n = notes()[3];
    if (!n.actions.includes('inline-reply')) throw new Error(`actions: ${n.actions}`);
    await fakeCall('Reply', n.id, 'typed in the notification');
    await listener.waitFor((e) => JSON.stringify(e).includes('typed in the notification'), 'bob receives the inline reply');
  });

  await step('a body-markup server gets an escaped body; a reply signal forged by another bus client is ignored', async () => {
    await startFake('body,body-markup,actions,inline-reply');
    await bob.ok(['send', 'alice', '<a href="https://evil.example">win</a> & more']);
    await waitUntil(() => notes().length >= 5, { what: 'the fifth Notify call' });
    const n = notes()[4];
    const want = '&lt;a href=&quot;https://evil.example&quot;&gt;win&lt;/a&gt; &amp; more';
    if (n.body !== want) throw new Error(`body: ${JSON.stringify(n.body)}, want ${JSON.stringify(want)}`);
    // Another process on the session bus sends the daemon's signal itself. Were it
    // taken, it would be sent to bob and use up the notification's reply.
    await new Promise((resolve, reject) =>
      execFile('dbus-send', ['--session', '--type=signal', '/org/freedesktop/Notifications', 'org.freedesktop.Notifications.NotificationReplied', `uint32:${n.id}`, 'string:forged by an impostor'], { timeout: 10_000 }, (err, _o, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve())),
    );
    await fakeCall('Reply', n.id, 'the genuine reply');
    await listener.waitFor((e) => JSON.stringify(e).includes('the genuine reply'), 'bob receives the genuine reply');
    if (listener.events.some((e) => JSON.stringify(e).includes('forged by an impostor'))) throw new Error('the forged reply was sent');
  });

  await step('the launcher badge: Update signals on the session bus carry the unread count, hidden at 0', async () => {
    const l = await startLauncherListener();
    launcher = l.child;
    await bob.ok(['send', 'alice', 'count me on the dock']);
    const shell = await waitShell((s) => s.tray_title !== null, 'something unread');
    const want = Number(shell.tray_title);
    await waitUntil(() => l.seen.some((s) => s.count === want && s.count_visible === true), { what: `a launcher Update with count ${want}` });
    const sig = l.seen.find((s) => s.count === want);
    if (sig.app_uri !== 'application://Tern.desktop') throw new Error(`app_uri: ${sig.app_uri}`);
    for (const c of await invoke('list_conversations')) if (c.unread > 0) await invoke('mark_read', { conv: c.conv });
    await waitUntil(() => l.seen.some((s) => s.count === 0 && s.count_visible === false), { what: 'a launcher Update with count 0, not visible' });
    if (l.seen.some((s) => s.count > 0 && !s.count_visible)) throw new Error(`a hidden non-zero count: ${JSON.stringify(l.seen)}`);
  });

  await step('after switching the app to 中文, the tray menu and tooltip and the notification actions and previews are Chinese', async () => {
    const before = await invoke('shell_state');
    if (JSON.stringify(before.tray_menu) !== JSON.stringify(['Open Tern', 'Mute notifications', 'Quit'])) throw new Error(`English menu: ${JSON.stringify(before.tray_menu)}`);
    // One account: the menu just names it (nothing unread now).
    if (JSON.stringify(before.tray_accounts) !== JSON.stringify([`alice@${host}`])) throw new Error(`tray accounts: ${JSON.stringify(before.tray_accounts)}`);
    await (await wd.waitFor(sel('nav-profile'))).click();
    await wd.execute(`const s = document.querySelector(arguments[0]); s.value = 'zh-CN'; s.dispatchEvent(new Event('change', { bubbles: true }));`, [sel('language')]);
    await waitShell((s) => JSON.stringify(s.tray_menu) === JSON.stringify(['打开 Tern', '通知静音', '退出']), 'the tray menu in Chinese');
    await invoke('plugin:window|close', { label: 'main' });
    await waitShell((s) => !s.window_visible, 'window hidden');
    const n0 = notes().length;
    await bob.ok(['send', 'alice', '周末见']);
    // A 1×1 PNG: its notification's preview is "[图片]".
    const pixel = path.join(tempDir('pixel'), 'dot.png');
    writeFileSync(pixel, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));
    await bob.ok(['send-file', 'alice', pixel]);
    await waitUntil(() => notes().length >= n0 + 2, { what: 'two Notify calls in Chinese' });
    const [n, img] = notes().slice(n0);
    if (!n.actions.includes('打开') || !n.actions.includes('标为已读')) throw new Error(`actions: ${JSON.stringify(n.actions)}`);
    if (n.body !== '周末见' || img.body !== '[图片]') throw new Error(`bodies: ${JSON.stringify([n.body, img.body])}`);
  });

  await step("with an avatar set (tern-cli), bob's notification shows it as the icon (a cached image file)", async () => {
    const n0 = notes().length;
    const img = path.join(tempDir('avatar'), 'bob.png');
    writeFileSync(img, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));
    await bob.ok(['profile', '--avatar', img]);
    await waitUntil(async () => (await invoke('list_conversations')).find((c) => c.peer === 'bob')?.avatar, { what: "bob's avatar known to the app" });
    await bob.ok(['send', 'alice', 'with my face']);
    await waitUntil(() => notes().length > n0 && notes().at(-1).body === 'with my face', { what: 'the Notify call' });
    const icon = notes().at(-1).icon;
    if (!icon.endsWith('/avatar') || !existsSync(icon) || !readFileSync(icon).equals(readFileSync(img))) throw new Error(`icon: ${icon}`);
    const s = await waitShell((x) => x.tray_title !== null, 'unread again');
    if (s.tray_tooltip !== `Tern：${s.tray_title} 条未读消息`) throw new Error(`tooltip: ${s.tray_tooltip}`);
    await waitShell((x) => JSON.stringify(x.tray_accounts) === JSON.stringify([`alice@${host}（${x.tray_title} 条未读）`]), 'the account\'s tray entry in Chinese with its count');
  });
}

await runSuite('tern notify e2e', steps, main, {
  started,
  driver: () => wd,
  quit: async () => {
    await Promise.race([wd?.quit(), new Promise((r) => setTimeout(r, 5000))]);
    fake?.kill('SIGTERM');
    launcher?.kill('SIGTERM');
  },
});
