// End-to-end "Remember me" against the OS keyring (Secret Service on a private
// D-Bus session; tests/e2e/run.sh keyring sets it up).
//   TERN_E2E_KEYRING=present: a real gnome-keyring-daemon owns org.freedesktop.secrets.
//   TERN_E2E_KEYRING=absent:  nothing does; the app must say so and still sign in.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { CliUser, runSuite, launchApp, quitApp as quitAppOf, startServer, tempDir, Steps, sel, RAW_INTERNALS } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const mode = process.env.TERN_E2E_KEYRING;
if (mode !== 'present' && mode !== 'absent') throw new Error('TERN_E2E_KEYRING must be present or absent');
const started = Date.now();
let app;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);

/** `secret-tool search --all service im.tern.desktop`: the stored entry as text, '' when none. */
function keyringEntry() {
  return new Promise((resolve) => {
    execFile('secret-tool', ['search', '--all', '--unlock', 'service', 'im.tern.desktop'], { timeout: 10_000 }, (_err, stdout, stderr) =>
      resolve(`${stdout}${stderr}`.includes('secret =') ? `${stdout}${stderr}` : ''),
    );
  });
}

async function quitApp() {
  if (!app) return;
  const ending = app;
  app = undefined;
  await quitAppOf(ending);
}

async function signIn(wd, user, password, remember) {
  await wd.waitFor(sel('login-form'));
  const userField = await wd.waitFor(sel('user'));
  await userField.clear(); // the last user id may be pre-filled
  await userField.type(user);
  await (await wd.waitFor(sel('password'))).type(password);
  const box = await wd.waitFor(sel('remember'));
  if (remember) await box.click().catch((e) => {
    // A disabled checkbox (no keyring) may refuse the click: that is the point.
    if (!/not interactable|intercepted/.test(e.message)) throw e;
  });
  await (await wd.waitFor(sel('submit'))).click();
  await wd.waitFor(sel('connection', '[data-state="online"]'), { what: `${user} online in the app` });
}

async function main() {
  const server = await startServer();
  const password = 'alice-password-1';
  await new CliUser(server, 'alice', password).ok(['register', 'alice', password]);
  const appData = tempDir('app');
  const env = { TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: appData };
  console.log(`tern keyring e2e (${mode}): server ${server.url}`);

  if (mode === 'absent') {
    app = await launchApp(env);
    await step('with no Secret Service on the bus "Remember me" is disabled with a short reason, and no D-Bus error shows', async () => {
      const why = await app.wd.waitFor(sel('remember-reason'), { what: 'the reason "Remember me" is off', timeout: 20_000 });
      const text = await why.text();
      if (!text.includes('no system keyring')) throw new Error(`reason: ${text}`);
      if (!(await (await app.wd.waitFor(sel('remember'))).prop('disabled'))) throw new Error('"Remember me" is enabled without a keyring');
      const screen = await (await app.wd.waitFor(sel('login-form'))).text();
      if (RAW_INTERNALS.test(screen)) throw new Error(`raw internals on the login screen: ${screen}`);
      if (process.env.TERN_E2E_SHOTS) await app.wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'login-no-keyring.png'));
    });
    await step('signing in still works without the keyring (and a click on the disabled box changes nothing)', async () => {
      await signIn(app.wd, 'alice', password, true);
      if (await keyringEntry()) throw new Error('something was stored');
    });
    return;
  }

  app = await launchApp(env);
  await step('with a keyring the login screen shows no notice; sign in with "Remember me"', async () => {
    await app.wd.waitFor(sel('login-form'));
    if (await app.wd.find(sel('keyring-notice'))) throw new Error(`unexpected notice: ${await (await app.wd.find(sel('keyring-notice'))).text()}`);
    if ((await (await app.wd.waitFor(sel('remember'))).prop('disabled')) || (await app.wd.find(sel('remember-reason')))) throw new Error('"Remember me" is off with a keyring');
    await signIn(app.wd, 'alice', password, true);
  });

  await step('the keyring holds server, user and token, never the password', async () => {
    const entry = await waitUntil(keyringEntry, { what: 'the keyring entry', timeout: 10_000 });
    if (!entry.includes('"user":"alice"') || !entry.includes(server.url) || !entry.includes('"token":"')) throw new Error(`entry: ${entry}`);
    if (entry.includes(password)) throw new Error('the password is in the keyring');
  });

  await quitApp();
  app = await launchApp(env);
  await step('restarting the app signs in automatically with the remembered token', async () => {
    await app.wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'auto-login online', timeout: 20_000 });
    if (await app.wd.find(sel('login-form'))) throw new Error('login form shown');
  });

  await step('signing out deletes the keyring entry', async () => {
    await (await app.wd.waitFor(sel('nav-profile'))).click();
    await (await app.wd.waitFor(sel('logout'))).click();
    await (await app.wd.waitFor(sel('logout-confirm-ok'))).click();
    await app.wd.waitFor(sel('login-form'));
    await waitUntil(async () => (await keyringEntry()) === '', { what: 'the keyring entry is gone', timeout: 10_000 });
  });

  await quitApp();
  app = await launchApp(env);
  await step('after signing out, a restart shows the login screen', async () => {
    await app.wd.waitFor(sel('login-form'));
    await new Promise((r) => setTimeout(r, 1000));
    if (await app.wd.find(sel('nav-chats'))) throw new Error('signed in after logout');
  });
}

await runSuite(`tern keyring e2e (${mode})`, steps, main, { started, driver: () => app?.wd, quit: quitApp });
