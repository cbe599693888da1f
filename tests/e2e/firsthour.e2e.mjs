// End-to-end: what a new user runs into in the first hour (issue 23), in the real
// Tern app (WebKitGTK via tauri-driver) against a real tern-server, with bob on
// tern-cli: the caret where typing should go (sign-in, register, the opened chat,
// every dialog), the register form at 800×600 and at the minimum window size, and
// read marks only for messages shown (scrolled up: "↓ N new", no receipt; an
// "Unread messages" divider when a chat opens with unread ones), and TLS: a server
// whose certificate is not trusted is named as such on the sign-in form and in the
// connection banner, not as "offline". See tests/e2e/run.sh
// firsthour. With TERN_E2E_SHOTS=<dir>, shots of the button and the divider go there.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliUser, runSuite, invoke, launchApp, startServer, tempDir, Steps, sel, layoutProblems, resizeWindow, waitFocus } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const $ = (css) => wd.waitFor(css);

/** The text of every element matching `css`. */
const allTexts = async (css) => Promise.all((await wd.findAll(css)).map((e) => e.text()));

async function textOf(css) {
  const el = await wd.find(css);
  return el ? await el.text() : null;
}

/**
 * Certificates for localhost in a temporary dir: `ca.pem` (a private CA the app is
 * told to trust), `trusted.pem`/`.key` signed by it, and `untrusted.pem`/`.key`
 * (self-signed, CA:FALSE: as the README says to make one, but not given to the app).
 */
function makeCertificates() {
  const dir = tempDir('tls');
  const f = (name) => path.join(dir, name);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: 'ignore' });
  const leaf = ['-addext', 'subjectAltName=DNS:localhost', '-addext', 'basicConstraints=critical,CA:FALSE'];
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Tern e2e CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('trusted.key'), '-out', f('trusted.csr'));
  writeFileSync(f('leaf.ext'), 'subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\n');
  ssl('x509', '-req', '-in', f('trusted.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('leaf.ext'), '-out', f('trusted.pem'));
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', ...leaf, '-keyout', f('untrusted.key'), '-out', f('untrusted.pem'));
  const pair = (name) => ({ key: readFileSync(f(`${name}.key`)), cert: readFileSync(f(`${name}.pem`)) });
  return { ca: f('ca.pem'), trusted: pair('trusted'), untrusted: pair('untrusted') };
}

/**
 * A TLS front on 127.0.0.1 for `upstreamPort` (tern-server's plain port) presenting
 * `pair`; `use(pair)` swaps the certificate and drops the open connections, as a
 * server restarted with another certificate would.
 */
async function tlsFront(upstreamPort, pair) {
  const open = new Set();
  const front = tls.createServer(pair, (s) => {
    const up = net.connect(upstreamPort, '127.0.0.1');
    open.add(s);
    s.on('close', () => open.delete(s));
    s.pipe(up).pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
  });
  front.on('tlsClientError', () => {});
  await new Promise((r) => front.listen(0, '127.0.0.1', r));
  return {
    url: `wss://localhost:${front.address().port}/ws`,
    use(next) {
      front.setSecureContext(next);
      for (const s of open) s.destroy();
    },
    close: () => front.close(),
  };
}

async function main() {
  const certs = makeCertificates();
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  console.log(`tern e2e (first hour): server ${server.url}`);
  await bob.register();
  await bob.ok(['profile', '--nickname', 'Bob Builder']);
  const listener = await bob.listen();

  // A device nobody signed in on: the webview's storage (the remembered user id) lives
  // under XDG_DATA_HOME, which tests/e2e/run.sh shares between the suites of one run.
  // The app trusts the private CA (TERN_CA_CERT, as README "Behind TLS" says); nothing else changes.
  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: tempDir('app'), XDG_DATA_HOME: tempDir('xdg-data'), TERN_CA_CERT: certs.ca }));
  await $(sel('login-form'));

  await step('focus: the sign-in form puts the caret in the user id (the server is pre-filled); so does "Create an account"', async () => {
    await waitFocus(wd, 'user', 'the user id of the sign-in form');
    await (await $(sel('toggle-mode'))).click();
    await $(sel('confirm'));
    await waitFocus(wd, 'user', 'the user id of the register form');
  });

  await step('800×600: the register form fits (every field and button inside the window, uncovered); at the minimum size (780×520) it scrolls to its last button; screenshot', async () => {
    const rect = await wd.cmd('GET', '/window/rect');
    const form = ['server', 'user', 'password', 'confirm', 'remember', 'submit', 'toggle-mode'].map((t) => sel(t));
    await resizeWindow(wd, 800, 600);
    const problems = await layoutProblems(wd, form);
    if (problems.length) throw new Error(`at 800×600: ${problems.join('; ')}`);
    mkdirSync(path.join(root, 'docs/screenshots'), { recursive: true });
    await wd.screenshot(path.join(root, 'docs/screenshots/small-window-register.png'));
    // The smallest window tauri.conf.json allows: the card scrolls instead of being clipped.
    await resizeWindow(wd, 780, 520);
    await wd.execute(`document.querySelector('[data-testid="toggle-mode"]').scrollIntoView({ block: 'end' })`);
    await new Promise((r) => setTimeout(r, 200));
    const low = await layoutProblems(wd, [sel('submit'), sel('toggle-mode')]);
    if (low.length) throw new Error(`at 780×520 after scrolling: ${low.join('; ')}`);
    await wd.execute(`document.querySelector('[data-testid="server"]').scrollIntoView({ block: 'start' })`);
    await new Promise((r) => setTimeout(r, 200));
    const high = await layoutProblems(wd, [sel('server')]);
    if (high.length) throw new Error(`at 780×520 scrolled back up: ${high.join('; ')}`);
    await resizeWindow(wd, rect.width, rect.height);
    // Back to the sign-in form for the next step.
    await (await $(sel('toggle-mode'))).click();
    await waitUntil(async () => (await wd.find(sel('confirm'))) === null, { what: 'the sign-in form' });
  });

  await step('a server with a self-signed certificate: signing in says the certificate is not trusted and what to do, not "cannot be reached"; screenshot', async () => {
    const tlsServer = tls.createServer(certs.untrusted, (s) => s.destroy());
    tlsServer.on('tlsClientError', () => {});
    await new Promise((r) => tlsServer.listen(0, '127.0.0.1', r));
    try {
      const serverField = await $(sel('server'));
      await serverField.clear();
      await serverField.type(`wss://localhost:${tlsServer.address().port}/ws`);
      await (await $(sel('user'))).type('alice');
      await (await $(sel('password'))).type('alice-password-1');
      await (await $(sel('submit'))).click();
      const error = await wd.waitFor(sel('login-error'), { what: 'the sign-in error' });
      const text = await error.text();
      if (!/security certificate is not trusted/.test(text) || !/TERN_CA_CERT/.test(text) || /cannot be reached/.test(text)) {
        throw new Error(`the sign-in error does not name the certificate: ${text}`);
      }
      if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'untrusted-certificate.png'));
      await serverField.clear();
      await serverField.type(server.url);
      await (await $(sel('user'))).clear();
      await (await $(sel('password'))).clear();
    } finally {
      tlsServer.close();
    }
  });

  await step('alice registers; bob (a friend) sends; opening the chat puts the caret in the composer', async () => {
    await (await $(sel('toggle-mode'))).click();
    await (await $(sel('user'))).type('alice');
    await (await $(sel('password'))).type('alice-password-1');
    await (await $(sel('confirm'))).type('alice-password-1');
    await (await $(sel('submit'))).click();
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'alice online' });
    await bob.ok(['friend', 'add', 'alice']);
    await waitUntil(async () => (await invoke(wd, 'list_applications')).received.length === 1, { what: 'bob\'s request at alice' });
    await invoke(wd, 'accept_friend', { user: 'bob' });
    await bob.ok(['send', 'alice', 'hello alice']);
    await (await wd.waitFor(sel('conversation', '[data-peer="bob"]'), { what: 'the chat with bob' })).click();
    await waitFocus(wd, 'composer', 'the composer of the opened chat');
  });

  await step('bob sends a long history; alice follows it to the newest line', async () => {
    await bob.ok(['send', 'alice', 'history line', '--count', '80']);
    await waitUntil(async () => (await allTexts(sel('message-text'))).includes('history line #80'), { what: 'the newest history line', timeout: 30_000 });
    await waitUntil(async () => (await wd.find(`${sel('conversation', '[data-peer="bob"]')} ${sel('unread')}`)) === null, { what: 'all read' });
  });

  /** The read mark bob has from alice (tern-cli: his conversation with her). */
  const bobSeesRead = async () => {
    const convs = JSON.parse((await bob.ok(['conversations'])).trim());
    const c = convs.find((x) => x.peer === 'alice');
    return { read: c?.peer_read_seq ?? 0, max: c?.max_seq ?? 0 };
  };
  const unreadBadge = () => textOf(`${sel('conversation', '[data-peer="bob"]')} ${sel('unread')}`);

  await step('scrolled up, a new message is not read: bob\'s read mark stays, "↓ 1 new" shows, the list keeps the unread badge; the button scrolls down and reads it', async () => {
    const list = sel('message-list');
    // Scroll up as a user does (a wheel turn, then the scroll it makes).
    await wd.execute(`const v = document.querySelector('${list} .vlist');
      v.dispatchEvent(new WheelEvent('wheel', { bubbles: true, deltaY: -600 })); v.scrollTop = 0;`);
    await wd.waitFor(sel('new-below'), { what: 'the scroll-down button while scrolled up' });
    const before = await bobSeesRead();
    const receipts = listener.events.filter((e) => e.type === 'read_receipt').length;
    await bob.ok(['send', 'alice', 'are you still there?']);
    await waitUntil(async () => (await unreadBadge()) === '1', { what: 'the chat list keeps an unread badge 1' });
    await waitUntil(async () => (await textOf(sel('new-below'))) === '↓ 1 new', { what: 'the "↓ 1 new" button' });
    await new Promise((r) => setTimeout(r, 1500));
    const after = await bobSeesRead();
    if (after.read !== before.read) throw new Error(`bob's read mark moved while alice was scrolled up: ${JSON.stringify({ before, after })}`);
    if (after.max <= after.read) throw new Error(`bob sees his new message read: ${JSON.stringify(after)}`);
    if (listener.events.filter((e) => e.type === 'read_receipt').length !== receipts) throw new Error('a read receipt reached bob while alice was scrolled up');
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'new-below.png'));
    await (await $(sel('new-below'))).click();
    await waitUntil(async () => (await allTexts(sel('message-text'))).includes('are you still there?'), { what: 'the new message in view' });
    await waitUntil(async () => (await unreadBadge()) === null, { what: 'the unread badge gone' });
    await waitUntil(async () => (await wd.find(sel('new-below'))) === null, { what: 'the button gone at the bottom' });
    await listener.waitFor((e) => e.type === 'read_receipt' && e.seq >= after.max, 'alice\'s read receipt at bob');
    await waitUntil(async () => {
      const now = await bobSeesRead();
      return now.read >= after.max;
    }, { what: 'bob\'s read mark at his newest message' });
  });

  await step('a chat opened with unread messages shows "Unread messages" above the first of them', async () => {
    await (await $(sel('nav-friends'))).click();
    await bob.ok(['send', 'alice', 'first unread', 'second unread']);
    await wd.waitFor(sel('nav-badge-chats'), { what: 'the unread badge on Chats' });
    await (await $(sel('nav-chats'))).click();
    await (await $(sel('conversation', '[data-peer="bob"]'))).click();
    const divider = await wd.waitFor(sel('unread-divider'), { what: 'the unread divider' });
    if ((await divider.text()) !== 'Unread messages') throw new Error(`divider: ${await divider.text()}`);
    const next = await wd.execute(`const d = document.querySelector('[data-testid="unread-divider"]');
      return d.parentElement.querySelector('[data-testid="message-text"]')?.textContent ?? null`);
    if (next !== 'first unread') throw new Error(`the divider is above "${next}", not the first unread message`);
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'unread-divider.png'));
    // Both fit in the view: shown, so read.
    await waitUntil(async () => (await unreadBadge()) === null, { what: 'read once shown' });
  });

  await step('focus: New group, Join by id, Add friend (search, greeting), remark and Account put the caret in their first field', async () => {
    await (await $(sel('new-group'))).click();
    await $(sel('create-group-dialog'));
    await waitFocus(wd, 'group-name', 'the New group dialog');
    await (await $(sel('join-instead'))).click();
    await waitFocus(wd, 'join-group-id', 'the Join a group dialog');
    await (await $(sel('join-group-id'))).type('\uE00C'); // Esc
    await waitUntil(async () => (await wd.find(sel('join-group-dialog'))) === null, { what: 'Esc to close the dialog' });
    const carol = new CliUser(server, 'carol', 'carol-password-1');
    await carol.register();
    await (await $(sel('nav-friends'))).click();
    await (await $(sel('tab-add'))).click();
    await waitFocus(wd, 'user-search', 'the Add friend search');
    const search = await $(sel('user-search'));
    // Results come as you type (no Enter).
    await search.type('carol');
    await (await wd.waitFor(`${sel('user-result', '[data-user="carol"]')} ${sel('add-friend')}`, { what: 'carol in the results as typed, without Enter' })).click();
    await waitFocus(wd, 'greeting', 'the friend request greeting');
    await (await $(sel('cancel-application'))).click();
    await (await $(sel('tab-friends'))).click();
    await (await $(sel('friend', '[data-user="bob"]'))).click();
    await (await $(sel('edit-remark'))).click();
    await waitFocus(wd, 'remark-input', 'the remark editor');
    if (process.env.TERN_E2E_SHOTS) {
      const rect = await wd.cmd('GET', '/window/rect');
      await resizeWindow(wd, 800, 600);
      await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'friends-800x600.png'));
      await (await $(sel('nav-chats'))).click();
      await wd.waitFor(sel('chat-list-pane', '[data-collapsed="true"]'));
      await new Promise((r) => setTimeout(r, 300));
      await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'chats-800x600.png'));
      await resizeWindow(wd, rect.width, rect.height);
      await (await $(sel('nav-friends'))).click();
    }
    await (await $(sel('nav-profile'))).click();
    await (await $(sel('open-account'))).click();
    await $(sel('account-dialog'));
    await waitFocus(wd, 'current-password', 'the Account dialog');
    await (await $(sel('account-close'))).click();
    await (await $(sel('nav-chats'))).click();
  });

  await step('the server goes away: the banner says so and offers "Reconnect now"; once the server is back, it brings the app online at once instead of after the grown reconnect delay', async () => {
    server.stop();
    await wd.waitFor(sel('connection-banner'), { what: 'the offline banner' });
    await $(sel('reconnect-now'));
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'offline-banner.png'));
    // Failed attempts grow the delay (0.5, 1, 2, 4, 8 s, …): the next one is many seconds away.
    await new Promise((r) => setTimeout(r, 16_000));
    await server.restart();
    const t0 = Date.now();
    await (await $(sel('reconnect-now'))).click();
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'online after "Reconnect now"', timeout: 5_000 });
    console.log(`       online ${Date.now() - t0} ms after "Reconnect now"`);
    if (await wd.find(sel('connection-banner'))) throw new Error('the banner stayed');
  });

  await step('over TLS with a CA the app trusts: signed in; the server comes back with an untrusted certificate -> the banner says so (what to do on hover), not "offline"; the trusted one again -> "Reconnect now" brings it online', async () => {
    const front = await tlsFront(server.port, certs.trusted);
    try {
      await (await $(sel('nav-profile'))).click();
      await (await $(sel('logout'))).click();
      await (await $(sel('logout-confirm-ok'))).click();
      const serverField = await $(sel('server'));
      await serverField.clear();
      await serverField.type(front.url);
      const user = await $(sel('user'));
      await user.clear(); // the last user id is remembered
      await user.type('alice');
      await (await $(sel('password'))).type('alice-password-1');
      await (await $(sel('submit'))).click();
      await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'alice online over wss with the private CA' });
      front.use(certs.untrusted);
      await waitUntil(async () => /security certificate is not trusted/.test((await textOf(sel('connection-banner'))) ?? ''), { what: 'the banner naming the certificate', timeout: 20_000 });
      const banner = await $(sel('connection-banner'));
      if (!/TERN_CA_CERT/.test((await banner.attr('title')) ?? '')) throw new Error(`banner title: ${await banner.attr('title')}`);
      if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'certificate-banner.png'));
      front.use(certs.trusted);
      await (await $(sel('reconnect-now'))).click();
      await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'online with the trusted certificate again', timeout: 10_000 });
      if (await wd.find(sel('connection-banner'))) throw new Error('the banner stayed');
    } finally {
      front.close();
    }
  });

  listener.stop();
}

await runSuite('tern e2e (first hour)', steps, main, { started, driver: () => wd });
