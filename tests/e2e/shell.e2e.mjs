// End-to-end desktop shell: the tray's unread label follows the unread total; with a
// tray host on the session bus (tests/e2e/fake_tray.py) closing the window hides it to
// the tray while the session stays connected; a muted chat's unread messages are left
// out of the tray total; a second launch on the same data
// directory shows and focuses the running window and exits; with no tray host closing
// the window minimises it (a hidden window without a tray icon could not be reached):
// the app keeps running and receiving, and a second launch restores and focuses it;
// the rail's Quit button and Ctrl+Q quit; a killed web process is replaced by a reloaded page
// (signed in, the open chat reading), and after four crashes within a minute by a page of the
// app's own whose "Reload now" brings the app back. A real window manager (openbox) runs on the
// Xvfb display, so minimising has an effect to check. Checked through the app's
// `shell_state` command, the X server's windows (xdotool, xprop: WM_STATE and
// _NET_WM_STATE), the page's visibility and the app's process. See tests/e2e/run.sh shell.
// With TERN_E2E_SHOTS=<dir>, shots of the whole screen (minimised, restored) go there.

import { spawn, execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CliUser, runSuite, launchApp, quitApp, webProcesses, startServer, startTray, startWm, xprop, tempDir, Steps, sel, bin, resizeWindow, invoke as invokeIn, waitShell as waitShellIn } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);

const invoke = (cmd, args) => invokeIn(wd, cmd, args);
const waitShell = (pred, what) => waitShellIn(wd, pred, what);

/** With TERN_E2E_SHOTS set, the whole X screen (window manager frames included) as `<name>.png` there. */
const screenShot = (name) =>
  process.env.TERN_E2E_SHOTS
    ? new Promise((resolve, reject) => execFile('import', ['-window', 'root', `${process.env.TERN_E2E_SHOTS}/${name}.png`], (err) => (err ? reject(err) : resolve())))
    : Promise.resolve();

/** Whether process `pid` is still running. */
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Whether process `pid` runs (exists and is not a zombie waiting for its parent). */
const running = (pid) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** How long ago `pid` started, in ms (from /proc: its start time in clock ticks since boot;
 * Linux's USER_HZ is 100), or Infinity when it is gone. */
const processAgeMs = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return uptime * 1000 - startTicks * 10;
  } catch {
    return Infinity;
  }
};

/** The X windows titled "Tern" that are mapped (shown). */
const shownTernWindows = () =>
  new Promise((resolve) =>
    execFile('xdotool', ['search', '--onlyvisible', '--name', '^Tern$'], (err, stdout) => resolve(err ? [] : stdout.split('\n').filter(Boolean))),
  );

async function signIn(user, password) {
  await wd.waitFor(sel('login-form'));
  await (await wd.waitFor(sel('user'))).clear(); // the last user id may be pre-filled
  await (await wd.waitFor(sel('user'))).type(user);
  await (await wd.waitFor(sel('password'))).type(password);
  await (await wd.waitFor(sel('submit'))).click();
  await wd.waitFor(sel('connection', '[data-state="online"]'), { what: `${user} online` });
}

async function main() {
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const alice = new CliUser(server, 'alice', 'alice-password-1');
  await bob.register();
  await alice.register();
  await bob.ok(['friend', 'add', 'alice']);
  await alice.ok(['friend', 'accept', 'bob']);
  console.log(`tern shell e2e: server ${server.url}`);

  await startWm();
  const tray = await startTray();
  const env = { TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: tempDir('app') };
  ({ wd } = await launchApp(env));

  await step('alice signs in; the window is shown, a tray host is seen, and the tray has no unread label', async () => {
    await signIn('alice', 'alice-password-1');
    await waitShell((s) => s.window_visible && s.tray_host && s.tray_title === null && !s.tray_badge && !s.muted, 'visible window, tray host, empty tray label');
  });

  await step('bob sends -> the tray label shows the unread total 1 with the badge icon', async () => {
    await bob.ok(['send', 'alice', 'first from bob']);
    await waitShell((s) => s.tray_title === '1' && s.tray_badge, 'tray label 1');
  });

  await step('with a tray host, closing the window hides it to the tray instead of quitting', async () => {
    await invoke('plugin:window|close', { label: 'main' });
    await waitShell((s) => !s.window_visible, 'window hidden');
  });

  await step('while hidden the app stays connected: bob\'s next messages raise the label to 3 (hidden, nothing is read)', async () => {
    await bob.ok(['send', 'alice', 'second from bob', 'third from bob']);
    const s = await waitShell((s) => s.tray_title === '3', 'tray label 3');
    if (s.window_visible) throw new Error('window shown again');
    if ((await wd.execute('return document.querySelector(\'[data-testid="connection"]\')?.dataset.state')) !== 'online') throw new Error('not online');
  });

  await step('muting bob\'s chat takes its unread messages out of the tray total; unmuting brings them back', async () => {
    await invoke('edit_conv', { conv: 'd:alice:bob', edit: { op: 'mute', until: null } });
    await waitShell((s) => s.tray_title === null && !s.tray_badge, 'no tray label for a muted chat');
    await bob.ok(['send', 'alice', 'fourth from bob']);
    await new Promise((r) => setTimeout(r, 800));
    const s = await invoke('shell_state');
    if (s.tray_title !== null) throw new Error(`a muted chat's message raised the label: ${s.tray_title}`);
    await invoke('edit_conv', { conv: 'd:alice:bob', edit: { op: 'unmute' } });
    await waitShell((s) => s.tray_title === '4' && s.tray_badge, 'tray label 4 after unmuting');
  });

  let pid = 0;
  /** bob's view of his chat with alice: her read mark and his newest message. */
  const bobSeesRead = async () => {
    const c = JSON.parse((await bob.ok(['conversations'])).trim()).find((x) => x.peer === 'alice');
    return { read: c?.peer_read_seq ?? 0, max: c?.max_seq ?? 0 };
  };
  await step('a second launch on the same data directory shows and focuses the running window and exits; still one Tern window', async () => {
    pid = (await invoke('shell_state')).pid;
    const second = spawn(bin('tern'), [], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const code = await new Promise((resolve) => {
      const t = setTimeout(() => resolve('still running after 20 s'), 20_000);
      second.on('exit', (c, sig) => {
        clearTimeout(t);
        resolve(c ?? sig);
      });
    });
    if (code !== 0) {
      if (second.exitCode === null) second.kill('SIGTERM');
      throw new Error(`the second launch did not hand over and exit 0: ${code}`);
    }
    await waitShell((s) => s.window_visible && s.window_focused && s.pid === pid, 'the first window shown and focused');
    const windows = await waitUntil(async () => {
      const w = await shownTernWindows();
      return w.length ? w : null;
    }, { what: 'a shown Tern window' });
    if (windows.length !== 1) throw new Error(`${windows.length} Tern windows are shown: ${windows}`);
  });

  await step('an unfocused window reads nothing: bob\'s message to the open chat stays unread (his read mark unchanged) until the window has the focus again', async () => {
    await (await wd.waitFor(sel('conversation', '[data-peer="bob"]'))).click();
    await waitShell((s) => s.tray_title === null, 'the chat read on opening');
    await waitUntil(async () => {
      const r = await bobSeesRead();
      return r.read >= r.max;
    }, { what: 'bob sees his messages read' });
    const [tern] = await shownTernWindows();
    // Another X client takes the focus (as switching to another app does).
    const other = spawn('xmessage', ['-name', 'tern-e2e-other', 'another app'], { stdio: 'ignore' });
    try {
      const xid = await waitUntil(async () => {
        const ids = await new Promise((resolve) => execFile('xdotool', ['search', '--onlyvisible', '--classname', 'tern-e2e-other'], (err, out) => resolve(err ? [] : out.split('\n').filter(Boolean))));
        return ids[0];
      }, { what: 'the other window' });
      await new Promise((resolve, reject) => execFile('xdotool', ['windowfocus', '--sync', xid], (err) => (err ? reject(err) : resolve())));
      await waitShell((s) => !s.window_focused, 'the Tern window unfocused');
      await waitUntil(async () => (await wd.execute('return document.hasFocus()')) === false, { what: 'the page unfocused' });
      const before = await bobSeesRead();
      await bob.ok(['send', 'alice', 'are you at your desk?']);
      await waitShell((s) => s.tray_title === '1', 'tray label 1 for the new message');
      await new Promise((r) => setTimeout(r, 1500));
      const after = await bobSeesRead();
      if (after.read !== before.read || after.max <= after.read) throw new Error(`read while unfocused: ${JSON.stringify({ before, after })}`);
      if ((await invoke('shell_state')).tray_title !== '1') throw new Error('the unread label went away while unfocused');
      // Back to Tern: now it is shown and read.
      await new Promise((resolve, reject) => execFile('xdotool', ['windowfocus', '--sync', tern], (err) => (err ? reject(err) : resolve())));
      await waitShell((s) => s.window_focused && s.tray_title === null, 'read once the window has the focus');
      await waitUntil(async () => (await bobSeesRead()).read >= after.max, { what: 'bob\'s read mark at his newest message' });
    } finally {
      other.kill('SIGTERM');
    }
  });

  let xid = '';
  await step('no tray host on the bus: closing the window minimises it (iconic for the window manager, the page hidden); the app keeps running', async () => {
    tray.kill('SIGTERM');
    await waitShell((s) => !s.tray_host, 'the tray host gone');
    // (Retried: xdotool's search can fail on a window vanishing meanwhile, as xmessage just did.)
    xid = await waitUntil(async () => (await shownTernWindows())[0], { what: 'the shown Tern window before closing' });
    await invoke('plugin:window|close', { label: 'main' });
    await waitShell((s) => s.window_minimized && !s.window_focused, 'the window minimised and unfocused');
    // The window manager's view (ICCCM WM_STATE and EWMH _NET_WM_STATE), not only the app's.
    await waitUntil(async () => (await xprop(['-id', xid, 'WM_STATE'])).includes('Iconic'), { what: `WM_STATE Iconic on ${xid}` });
    const net = await xprop(['-id', xid, '_NET_WM_STATE']);
    if (!net.includes('_NET_WM_STATE_HIDDEN')) throw new Error(`_NET_WM_STATE: ${net}`);
    const shown = await shownTernWindows();
    if (shown.length) throw new Error(`Tern windows still shown (mapped): ${shown}`);
    await waitUntil(async () => (await wd.execute('return document.visibilityState')) === 'hidden', { what: 'the page hidden' });
    if (!alive(pid)) throw new Error(`the app (pid ${pid}) quit`);
    if ((await invoke('shell_state')).pid !== pid) throw new Error('another process answers');
    await screenShot('shell-minimised');
  });

  let unread;
  await step('minimised, the app stays connected: bob\'s message raises the unread total and is not read (his read mark unchanged)', async () => {
    const before = await bobSeesRead();
    await bob.ok(['send', 'alice', 'still there?']);
    await waitShell((s) => s.tray_title === '1' && s.window_minimized, 'unread total 1 while minimised');
    if ((await wd.execute('return document.querySelector(\'[data-testid="connection"]\')?.dataset.state')) !== 'online') throw new Error('not online');
    await new Promise((r) => setTimeout(r, 1500));
    unread = await bobSeesRead();
    if (unread.read !== before.read || unread.max <= unread.read) throw new Error(`read while minimised: ${JSON.stringify({ before, after: unread })}`);
  });

  await step('a second launch restores the minimised window (WM_STATE Normal, visible page), focuses it and exits; the message is then read', async () => {
    const second = spawn(bin('tern'), [], { env: { ...process.env, ...env }, stdio: 'ignore' });
    const code = await new Promise((resolve) => {
      const t = setTimeout(() => resolve('still running after 20 s'), 20_000);
      second.on('exit', (c, sig) => {
        clearTimeout(t);
        resolve(c ?? sig);
      });
    });
    if (code !== 0) {
      if (second.exitCode === null) second.kill('SIGTERM');
      throw new Error(`the second launch did not hand over and exit 0: ${code}`);
    }
    await waitShell((s) => s.window_visible && !s.window_minimized && s.window_focused && s.pid === pid, 'the first window restored and focused');
    await waitUntil(async () => (await xprop(['-id', xid, 'WM_STATE'])).includes('Normal'), { what: `WM_STATE Normal on ${xid}` });
    const net = await xprop(['-id', xid, '_NET_WM_STATE']);
    if (net.includes('_NET_WM_STATE_HIDDEN')) throw new Error(`still hidden: ${net}`);
    const shown = await shownTernWindows();
    if (shown.length !== 1 || shown[0] !== xid) throw new Error(`shown Tern windows: ${shown} (want ${xid})`);
    if ((await wd.execute('return document.visibilityState')) !== 'visible') throw new Error('the page is not visible');
    await waitShell((s) => s.tray_title === null, 'the message read once restored');
    await waitUntil(async () => (await bobSeesRead()).read >= unread.max, { what: 'bob\'s read mark at his newest message' });
    await screenShot('shell-restored');
  });

  await step('signed in, the rail\'s Quit button quits', async () => {
    await (await wd.waitFor(sel('quit'))).click().catch(() => {});
    await waitUntil(() => !alive(pid), { what: `the app (pid ${pid}) to exit on Quit`, timeout: 15_000 });
  });

  await step('Ctrl+Q quits from the login screen', async () => {
    await wd.quit();
    ({ wd } = await launchApp(env));
    await wd.waitFor(sel('login-form'));
    const { pid: p } = await invoke('shell_state');
    if (p === pid) throw new Error('the old process is still the one answering');
    // The keydown the webview delivers for Ctrl+Q (WebDriver key actions leave modifiers stuck in WebKitWebDriver).
    // (The app may be gone before WebDriver answers: that error is the point.)
    await wd.execute(`document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'q', ctrlKey: true, bubbles: true, cancelable: true }))`).catch(() => {});
    await waitUntil(() => !alive(p), { what: `the app (pid ${p}) to exit on Ctrl+Q`, timeout: 15_000 });
  });

  /** Signs alice in and opens her chat with bob (its composer and messages shown: the app has been
   * told which chat is open); returns the app's pid. */
  const openBobsChat = async () => {
    await signIn('alice', 'alice-password-1');
    await (await wd.waitFor(sel('conversation', '[data-peer="bob"]'))).click();
    await wd.waitFor(sel('composer'), { what: 'the chat with bob open' });
    await wd.waitFor(sel('message-text'), { what: 'bob\'s messages shown' });
    return (await invoke('shell_state')).pid;
  };

  /** SIGKILLs the app's one web process (as a crash is) and waits for a new one to replace it.
   * The process is killed once it is a second old: WebKitGTK's launcher reads a new web process's
   * pid from it first thing, and a child dead before that takes the app down inside WebKit
   * (`g_error` "readPIDFromPeer: Unexpected short read", an abort) — a kill within the first
   * milliseconds after exec, which the test's polling could hit and a real crash of a page does not. */
  const killWebProcess = async (pid, what) => {
    const before = webProcesses(pid).map((p) => p.pid);
    if (before.length !== 1) throw new Error(`${what}: the app's web processes: ${before}`);
    await waitUntil(() => processAgeMs(before[0]) >= 1000, { what: `${what}: the web process a second old` });
    process.kill(before[0], 'SIGKILL');
    await waitUntil(() => !running(before[0]), { what: `${what}: the killed web process gone` });
    await waitUntil(() => {
      const now = webProcesses(pid).map((p) => p.pid);
      return now.length === 1 && now[0] !== before[0];
    }, { what: `${what}: a new web process under the app` });
  };

  await step('the window\'s web process is killed (as a crash is: SIGKILL): the app logs it and reloads the page in a new web process, which is signed in and reads bob\'s next message in the open chat', async () => {
    // WebDriver's session ends with the page it automated, so the new page is checked from outside:
    // a new web process under the same app, the app's log line, and bob's read mark (the page reopens
    // the chat that was open and reads what arrives while the window has the focus).
    const launched = await launchApp(env);
    wd = launched.wd;
    try {
      const pid = await openBobsChat();
      wd = undefined; // the session ends with the page: no screenshot through it on a failure
      await killWebProcess(pid, 'the crash');
      await waitUntil(() => launched.driver.log.join('').includes('web process ended; reloading the page'), { what: 'the app\'s log line for the crash' });
      if (!running(pid)) throw new Error('the app process is gone');
      await bob.ok(['send', 'alice', 'after the crash']);
      const sent = (await bobSeesRead()).max;
      await waitUntil(async () => (await bobSeesRead()).read >= sent, { what: 'bob\'s message read by the reloaded page', timeout: 30_000 });
    } finally {
      await quitApp(launched);
    }
  });

  await step('the web process killed four times within a minute (the app in Chinese, its window 800×600): the first three crashes reload the page; after the fourth the window shows a page of its own (what happened, "Reload now"; nothing reads meanwhile), and "Reload now" (Tab, Enter) brings the app\'s page back, signed in, reading bob\'s next message in the open chat', async () => {
    const launched = await launchApp({ ...env, LANG: 'zh_CN.UTF-8', LANGUAGE: 'zh_CN', LC_ALL: '' });
    wd = launched.wd;
    const log = () => launched.driver.log.join('');
    const count = (text) => log().split(text).length - 1;
    try {
      await resizeWindow(wd, 800, 600);
      const pid = await openBobsChat();
      wd = undefined; // the session ends with the first page
      for (let crash = 1; crash <= 4; crash++) {
        await killWebProcess(pid, `crash ${crash}`);
        if (crash < 4) {
          await waitUntil(() => count('web process ended; reloading the page') === crash, { what: `crash ${crash}: the app's log line for the reload` });
        }
      }
      await waitUntil(() => log().includes('showing a page that reloads the app'), { what: 'the app\'s log line for the page of its own' });
      if (count('web process ended; reloading the page') !== 3) throw new Error('the fourth crash reloaded the page');
      await new Promise((r) => setTimeout(r, 1500));
      await screenShot('shell-window-stopped');
      await bob.ok(['send', 'alice', 'after four crashes']);
      const sent = (await bobSeesRead()).max;
      await new Promise((r) => setTimeout(r, 3000));
      if ((await bobSeesRead()).read >= sent) throw new Error('read while the page of its own showed: the app\'s page was back already');
      const [win] = await shownTernWindows();
      if (!win) throw new Error('no Tern window shown');
      await new Promise((resolve, reject) =>
        execFile('xdotool', ['windowactivate', '--sync', win, 'key', '--delay', '200', 'Tab', 'Return'], (err) => (err ? reject(err) : resolve())),
      );
      // Within 12 s: the page's own refresh comes 30 s after the fourth crash (about 24 s from here).
      await waitUntil(async () => (await bobSeesRead()).read >= sent, { what: 'bob\'s message read by the app\'s page after "Reload now"', timeout: 12_000 });
      if (!running(pid)) throw new Error('the app process is gone');
    } finally {
      await quitApp(launched);
    }
  });
}

await runSuite('tern shell e2e', steps, main, { started, driver: () => wd });
