// End-to-end desktop shell: the tray's unread label follows the unread total and
// closing the window hides it to the tray while the session stays connected.
// Checked through the app's `shell_state` command. See tests/e2e/run.sh shell.

import { CliUser, runSuite, launchApp, startServer, tempDir, Steps, sel, invoke as invokeIn, waitShell as waitShellIn } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);

const invoke = (cmd, args) => invokeIn(wd, cmd, args);
const waitShell = (pred, what) => waitShellIn(wd, pred, what);

async function main() {
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const alice = new CliUser(server, 'alice', 'alice-password-1');
  await bob.register();
  await alice.register();
  await bob.ok(['friend', 'add', 'alice']);
  await alice.ok(['friend', 'accept', 'bob']);
  console.log(`tern shell e2e: server ${server.url}`);

  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: tempDir('app') }));

  await step('alice signs in; the window is shown and the tray has no unread label', async () => {
    await wd.waitFor(sel('login-form'));
    await (await wd.waitFor(sel('user'))).clear(); // the last user id may be pre-filled
    await (await wd.waitFor(sel('user'))).type('alice');
    await (await wd.waitFor(sel('password'))).type('alice-password-1');
    await (await wd.waitFor(sel('submit'))).click();
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'alice online' });
    await waitShell((s) => s.window_visible && s.tray_title === null && !s.tray_badge && !s.muted, 'visible window, empty tray label');
  });

  await step('bob sends -> the tray label shows the unread total 1 with the badge icon', async () => {
    await bob.ok(['send', 'alice', 'first from bob']);
    await waitShell((s) => s.tray_title === '1' && s.tray_badge, 'tray label 1');
  });

  await step('closing the window hides it to the tray instead of quitting', async () => {
    await invoke('plugin:window|close', { label: 'main' });
    await waitShell((s) => !s.window_visible, 'window hidden');
  });

  await step('while hidden the app stays connected: bob\'s next messages raise the label to 3', async () => {
    await bob.ok(['send', 'alice', 'second from bob', 'third from bob']);
    const s = await waitShell((s) => s.tray_title === '3', 'tray label 3');
    if (s.window_visible) throw new Error('window shown again');
    if ((await wd.execute('return document.querySelector(\'[data-testid="connection"]\')?.dataset.state')) !== 'online') throw new Error('not online');
  });

  await step('muting bob\'s chat takes its unread messages out of the tray total; unmuting brings them back', async () => {
    await invoke('set_chat_muted', { conv: 'd:alice:bob', muted: true });
    await waitShell((s) => s.tray_title === null && !s.tray_badge, 'no tray label for a muted chat');
    await bob.ok(['send', 'alice', 'fourth from bob']);
    await new Promise((r) => setTimeout(r, 800));
    const s = await invoke('shell_state');
    if (s.tray_title !== null) throw new Error(`a muted chat's message raised the label: ${s.tray_title}`);
    await invoke('set_chat_muted', { conv: 'd:alice:bob', muted: false });
    await waitShell((s) => s.tray_title === '4' && s.tray_badge, 'tray label 4 after unmuting');
  });
}

await runSuite('tern shell e2e', steps, main, { started, driver: () => wd });
