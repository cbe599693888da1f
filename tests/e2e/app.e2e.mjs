// End-to-end: the real Tern app (WebKitGTK via tauri-driver) against a real
// tern-server, with a second user driven by tern-cli. See tests/e2e/run.sh.
// With TERN_E2E_SHOTS=<dir>, screenshots of the account dialog (also at 800×600)
// go there for a look by eye.

import { CliUser, runSuite, launchApp, startServer, tempDir, Steps, sel, layoutProblems, resizeWindow, waitFocus } from './lib/harness.mjs';
import path from 'node:path';
import { waitUntil } from './lib/webdriver.mjs';

const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);

const $ = (css) => wd.waitFor(css);

async function textOf(css) {
  const el = await wd.find(css);
  return el ? await el.text() : null;
}

async function main() {
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const appData = tempDir('app');
  console.log(`tern e2e: server ${server.url}`);

  await step('tern-cli user bob registers and listens on a second device', async () => {
    await bob.register();
    await bob.ok(['profile', '--nickname', 'Bob Builder']);
  });
  const listener = await bob.listen();

  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: appData }));

  await step('app starts on the login screen with the server pre-filled', async () => {
    await $(sel('login-form'));
    const server_ = await wd.waitFor(sel('server'));
    await waitUntil(async () => (await server_.prop('value')) === server.url, { what: 'server URL pre-filled' });
    // Nobody signed in here before: no "Welcome back".
    const hello = await textOf(sel('greeting'));
    if (!hello?.startsWith('Welcome to Tern')) throw new Error(`greeting for a new user: ${hello}`);
  });

  await step('register alice in the app and land signed in and online', async () => {
    await (await $(sel('toggle-mode'))).click();
    await (await $(sel('user'))).type('alice');
    await (await $(sel('password'))).type('alice-password-1');
    await (await $(sel('confirm'))).type('alice-password-1');
    await (await $(sel('submit'))).click();
    await $(sel('nav-chats'));
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'connection online' });
  });

  await step('security: new windows are denied and the CSP blocks injected inline scripts', async () => {
    await wd.execute("window.open('https://example.com/', '_blank')");
    await new Promise((r) => setTimeout(r, 500));
    const handles = await wd.cmd('GET', '/window/handles');
    if (handles.length !== 1) throw new Error(`window.open made ${handles.length} windows`);
    const ran = await wd.execute("const s = document.createElement('script'); s.textContent = 'window.__injected = 1'; document.body.appendChild(s); return window.__injected === 1");
    if (ran) throw new Error('an injected inline script ran: no strict CSP');
    await $(sel('nav-chats'));
  });

  await step('bob sends a friend application -> it appears in the app and alice accepts it', async () => {
    await bob.ok(['friend', 'add', 'alice', '--greeting', 'Hi Alice, it is Bob']);
    await wd.waitFor(sel('nav-badge-friends'), { what: 'pending request badge' });
    await (await $(sel('nav-friends'))).click();
    await (await $(sel('tab-requests'))).click();
    const app = await wd.waitFor(sel('received-application', '[data-user="bob"]'));
    const text = await app.text();
    if (!text.includes('Hi Alice, it is Bob')) throw new Error(`greeting not shown: ${text}`);
    await (await app.find(sel('accept'))).click();
    await (await $(sel('tab-friends'))).click();
    await wd.waitFor(sel('friend', '[data-user="bob"]'), { what: 'bob in the friend list' });
    await waitUntil(async () => (await bob.ok(['friend', 'list'])).includes('alice'), { what: 'alice in bob\'s friends (CLI)' });
  });

  await step('bob sends a message -> it appears in the chat list with an unread badge', async () => {
    await (await $(sel('nav-chats'))).click();
    await bob.ok(['send', 'alice', 'Hello from the command line 👋']);
    const row = await wd.waitFor(sel('conversation', '[data-peer="bob"]'), { what: 'conversation with bob' });
    await waitUntil(async () => (await textOf(`${sel('conversation', '[data-peer="bob"]')} ${sel('unread')}`)) === '1', { what: 'unread badge 1' });
    const preview = await textOf(`${sel('conversation', '[data-peer="bob"]')} ${sel('preview')}`);
    if (!preview?.includes('Hello from the command line')) throw new Error(`preview: ${preview}`);
    if (!(await row.text()).includes('Bob Builder')) throw new Error('conversation title is not bob\'s nickname');
  });

  const reply = `Hi Bob, got it at ${Date.now()}`;
  await step('alice opens the chat and replies -> bob\'s tern-cli listen receives it', async () => {
    await (await $(sel('conversation', '[data-peer="bob"]'))).click();
    await waitUntil(async () => {
      const texts = await Promise.all((await wd.findAll(sel('message-text'))).map((e) => e.text()));
      return texts.some((t) => t.includes('Hello from the command line'));
    }, { what: 'bob\'s message in the chat' });
    await waitUntil(async () => (await wd.find(`${sel('conversation', '[data-peer="bob"]')} ${sel('unread')}`)) === null, { what: 'badge cleared after reading' });
    await bob.ok(['typing', 'alice']);
    await wd.waitFor(sel('typing'), { what: 'bob typing… in the chat header' });
    const composer = await $(sel('composer'));
    await composer.type(reply);
    await composer.type('\uE007'); // Enter
    await listener.waitFor((e) => e.type === 'new_message' && e.message?.content?.text === reply, 'reply at bob\'s listener');
    await wd.waitFor(`${sel('message', '[data-state="sent"]')}, ${sel('message', '[data-state="read"]')}`, { what: 'reply acknowledged (sent tick)' });
  });

  await step('Chinese renders with real CJK glyphs (a CJK font is installed and in the font stack)', async () => {
    const zh = 'hello 你好，世界';
    await bob.ok(['send', 'alice', zh]);
    const el = await wd.waitFor(`${sel('message-text')}`, { what: 'a message' });
    void el;
    await waitUntil(async () => {
      const texts = await Promise.all((await wd.findAll(sel('message-text'))).map((e) => e.text()));
      return texts.includes(zh);
    }, { what: 'the Chinese message in the chat' });
    // In the message's own font: ten 你 against ten U+10FFFD (private use, no font has it).
    // Without a CJK font both are the same missing-glyph box; with one, 你 is a full-width
    // glyph, one em wide.
    const m = await wd.execute(`
      const t = [...document.querySelectorAll('[data-testid="message-text"]')].find((e) => e.textContent === arguments[0]);
      const probe = (s) => { const x = document.createElement('span'); x.textContent = s; x.style.whiteSpace = 'pre'; t.appendChild(x);
        const w = x.getBoundingClientRect().width; x.remove(); return w; };
      const size = parseFloat(getComputedStyle(t).fontSize);
      return { cjk: probe('你'.repeat(10)), missing: probe('\\u{10FFFD}'.repeat(10)), size, family: getComputedStyle(t).fontFamily };
    `, [zh]);
    console.log(`  CJK probe: ${JSON.stringify(m)}`);
    if (!m.family.includes('Noto Sans CJK SC')) throw new Error(`no CJK family in the font stack: ${m.family}`);
    if (Math.abs(m.cjk - 10 * m.size) > m.size) throw new Error(`10×你 is ${m.cjk}px, not full-width (${10 * m.size}px): no CJK glyphs`);
    if (Math.abs(m.cjk - m.missing) < 1) throw new Error(`10×你 (${m.cjk}px) is as wide as 10 missing glyphs (${m.missing}px): drawn as boxes`);
  });

  await step('10,001 characters: a counter and a reason show, Send is disabled and Enter sends nothing', async () => {
    const before = (await wd.findAll(sel('message'))).length;
    const setDraft = (v) => wd.execute(`const a = document.querySelector('[data-testid="composer"]'); a.value = arguments[0];
      a.dispatchEvent(new Event('input', { bubbles: true }));`, [v]);
    await setDraft('x'.repeat(7_100));
    await new Promise((r) => setTimeout(r, 300));
    if (await wd.find(sel('char-counter'))) throw new Error('the counter shows far below the limit');
    await setDraft('x'.repeat(7_300));
    const near = await wd.waitFor(sel('char-counter', '[data-over="false"]'), { what: 'the counter near the limit' });
    if ((await near.text()) !== '7,300 / 8,000') throw new Error(`counter: ${await near.text()}`);
    if (await (await $(sel('send'))).prop('disabled')) throw new Error('Send disabled below the limit');
    await setDraft('x'.repeat(10_001));
    const over = await wd.waitFor(sel('char-counter', '[data-over="true"]'), { what: 'the counter over the limit' });
    const text = await over.text();
    if (!text.startsWith('10,001 / 8,000') || !text.includes('too long to send')) throw new Error(`counter: ${text}`);
    await wd.waitFor(sel('too-long'), { what: 'the reason' });
    if (!(await (await $(sel('send'))).prop('disabled'))) throw new Error('Send is enabled over the limit');
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'too-long.png'));
    await (await $(sel('composer'))).type('\uE007'); // Enter
    await new Promise((r) => setTimeout(r, 500));
    if ((await wd.findAll(sel('message'))).length !== before) throw new Error('an over-long message was sent');
    if ((await (await $(sel('composer'))).prop('value')).length < 10_001) throw new Error('the draft was lost');
    await setDraft('');
    await waitUntil(async () => (await wd.find(sel('char-counter'))) === null, { what: 'the counter gone' });
  });

  // A right-click as WebKit delivers it: a cancellable contextmenu at the element's centre.
  // (Real WebDriver pointer actions with button 2 do the same here - seen: the event is cancelled
  // and the app's menu opens - but afterwards WebKitWebDriver types without Shift, so
  // "Did this reach you?" arrives as "did this reach you/" in the later steps.)
  const rightClick = (el) => wd.execute(`const e = arguments[0]; const r = e.getBoundingClientRect();
    e.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, button: 2, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }));`,
  [{ 'element-6066-11e4-a52e-4f735466cecf': el.id }]);

  await step('right-click: no webview menu anywhere; the app\'s menu on a message (inside an 800×600 window); Shift+F10 and Esc; Recall reaches bob', async () => {
    const text = `recall me ${Date.now()}`;
    const composer = await $(sel('composer'));
    await composer.type(text);
    await composer.type('\uE007');
    await listener.waitFor((e) => e.type === 'new_message' && e.message?.content?.text === text, 'the message at bob\'s listener');
    const mine = async () => {
      const id = await wd.execute(`const t = [...document.querySelectorAll('[data-testid="message-text"]')].find((e) => e.textContent === arguments[0]);
        return t ? t.closest('[data-testid="message"]').dataset.clientId : null;`, [text]);
      return id && wd.find(sel('message', `[data-client-id="${id}"]`));
    };
    const row = await waitUntil(async () => {
      const r = await mine();
      return r && ['sent', 'read'].includes(await r.attr('data-state')) ? r : null;
    }, { what: 'the message acknowledged' });
    const clientId = await row.attr('data-client-id');
    // Record, after the app's handlers ran, whether each contextmenu was cancelled.
    await wd.execute(`window.__ctx = []; window.addEventListener('contextmenu', (e) => window.__ctx.push({ t: e.target.closest('[data-testid]')?.dataset.testid ?? e.target.tagName, prevented: e.defaultPrevented }));`);
    // Elsewhere (the chat header): the webview's menu is cancelled and no app menu opens.
    await rightClick(await $(sel('chat-title')));
    await new Promise((r) => setTimeout(r, 300));
    if (await wd.find(sel('message-menu'))) throw new Error('a message menu opened outside a message');
    // In the composer the native menu stays (copy/paste). (A synthetic event: a real native
    // GTK menu would grab the pointer under Xvfb.)
    await wd.execute(`document.querySelector('[data-testid="composer"]').dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true }))`);
    const log = await wd.execute('return window.__ctx');
    console.log(`  contextmenu events: ${JSON.stringify(log)}`);
    if (log.length < 2) throw new Error(`right-click gave ${log.length} contextmenu events`);
    if (!log[0].prevented) throw new Error(`the webview menu was not cancelled outside text fields: ${JSON.stringify(log[0])}`);
    if (log[1].prevented) throw new Error('the composer lost its copy/paste menu');

    // At 800×600, right-click the message near the bottom-right: the menu stays inside.
    const rect = await wd.cmd('GET', '/window/rect');
    await wd.setWindowRect(800, 600);
    await new Promise((r) => setTimeout(r, 600));
    const bubble = await (await mine()).find('.bubble');
    await rightClick(bubble);
    const menu = await wd.waitFor(sel('message-menu'), { what: 'the app\'s message menu' });
    const items = await wd.execute(`return [...document.querySelectorAll('[data-testid="message-menu"] [role="menuitem"]')].map((b) => b.textContent)`);
    if (JSON.stringify(items) !== JSON.stringify(['Reply', 'Forward', 'Edit', 'React', 'Copy text', 'Pin', 'Recall', 'Select', 'Delete for me'])) throw new Error(`menu items: ${JSON.stringify(items)}`);
    const last = (await wd.execute('return window.__ctx')).at(-1);
    if (!last.prevented) throw new Error('the webview menu was not cancelled on a message');
    const box = await wd.execute(`const r = arguments[0].getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom, w: innerWidth, h: innerHeight };`, [{ 'element-6066-11e4-a52e-4f735466cecf': menu.id }]);
    if (box.l < 0 || box.t < 0 || box.r > box.w || box.b > box.h) throw new Error(`the menu leaves the window: ${JSON.stringify(box)}`);
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'message-menu.png'));
    // Esc at the focused menu item (element keys: WebDriver key actions leave a stuck Shift
    // in WebKitWebDriver that breaks later typing).
    await (await $(sel('menu-copy'))).type('\uE00C');
    await waitUntil(async () => (await wd.find(sel('message-menu'))) === null, { what: 'Esc to close the menu' });
    // A click outside closes it too.
    await rightClick(bubble);
    await wd.waitFor(sel('message-menu'));
    await new Promise((r) => setTimeout(r, 400));
    // (The header's subtitle: the name opens the person's profile card.)
    await (await $(sel('chat-subtitle'))).click();
    await waitUntil(async () => (await wd.find(sel('message-menu'))) === null, { what: 'a click outside to close the menu' });
    await wd.setWindowRect(rect.width, rect.height);
    await new Promise((r) => setTimeout(r, 400));

    // From the keyboard: focus the message, Shift+F10, then Recall.
    await wd.execute(`document.querySelector('[data-testid="message"][data-client-id="' + arguments[0] + '"]').focus()`, [clientId]);
    // WebKitWebDriver's key actions do not deliver F10 to the page (GTK takes it) and leave its
    // Shift state stuck for later typing, so send the keydown the webview delivers.
    await wd.execute(`document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'F10', shiftKey: true, bubbles: true, cancelable: true }))`);
    await wd.waitFor(sel('message-menu'), { what: 'the menu from Shift+F10' });
    const focused = await wd.execute(`return document.activeElement?.dataset.testid`);
    if (focused !== 'menu-reply') throw new Error(`focus is not in the menu: ${focused}`);
    await (await $(sel('menu-recall'))).click();
    await waitUntil(async () => (await textOf(`${sel('message', `[data-client-id="${clientId}"]`)} ${sel('message-text')}`)) === 'You recalled a message', {
      what: 'the bubble recalled in the app',
    });
    const ev = await listener.waitFor((e) => e.type === 'recalled' && e.by === 'alice', 'the recall at bob\'s listener');
    await waitUntil(async () => {
      const h = await bob.ok(['history', 'alice', '--limit', '5']);
      return !h.includes(text);
    }, { what: 'the text gone from bob\'s history' });
    console.log(`  bob saw: ${JSON.stringify(ev)}`);
  });

  await step('alice blocks bob in the blacklist screen -> bob\'s next message is refused, and he is told, as the Blocked page says', async () => {
    await (await $(sel('nav-blacklist'))).click();
    // The page's promise matches what happens (docs/protocol.md 5.5: the blocked user is told).
    const intro = await textOf(sel('blacklist-intro'));
    if (!intro?.includes('Tern tells them that you blocked them') || intro.includes('not told')) throw new Error(`Blocked page copy: ${intro}`);
    await (await $(sel('block-input'))).type('bob');
    await (await $(sel('block-submit'))).click();
    await wd.waitFor(sel('blocked-user', '[data-user="bob"]'), { what: 'bob in the blacklist' });
    const r = await bob.run(['send', 'alice', 'You should not see this']);
    if (r.code === 0) throw new Error('send to a blocker succeeded');
    if (!r.stderr.includes('3001')) throw new Error(`expected error code 3001 (blocked), got: ${r.stderr}`);
    if (!r.stderr.includes('alice has blocked you')) throw new Error(`bob is not told he is blocked: ${r.stderr}`);
  });

  await step('alice unblocks bob -> messages flow again', async () => {
    await (await $(sel('blocked-user', '[data-user="bob"]') + ' ' + sel('unblock'))).click();
    await wd.waitFor(sel('blacklist-empty'), { what: 'empty blacklist' });
    await bob.ok(['send', 'alice', 'Back again']);
    await (await $(sel('nav-chats'))).click();
    await (await $(sel('conversation', '[data-peer="bob"]'))).click();
    await waitUntil(async () => {
      const texts = await Promise.all((await wd.findAll(sel('message-text'))).map((e) => e.text()));
      return texts.some((t) => t === 'Back again');
    }, { what: '"Back again" in the chat' });
    const texts = await Promise.all((await wd.findAll(sel('message-text'))).map((e) => e.text()));
    if (texts.some((t) => t.includes('You should not see this'))) throw new Error('the refused message was delivered');
  });

  await step('bob blocks alice -> her message fails with a retry; bob unblocks -> retry delivers it once', async () => {
    await bob.ok(['block', 'alice']);
    const composer = await $(sel('composer'));
    await composer.type('Did this reach you?');
    await composer.type('\uE007');
    const failed = await wd.waitFor(sel('message', '[data-state="failed"]'), { what: 'a failed message' });
    const toast = await wd.waitFor(sel('toast'), { what: 'the refusal explained' });
    const said = await toast.text();
    if (!said.includes('has blocked you')) throw new Error(`toast: ${said}`);
    // The toast sits clear of the composer (top-centre), never over it.
    const overlap = await wd.execute(`const a = document.querySelector('[data-testid="toast"]').getBoundingClientRect();
      const b = document.querySelector('[data-testid="composer"]').closest('.composer').getBoundingClientRect();
      return !(a.bottom <= b.top || a.top >= b.bottom || a.right <= b.left || a.left >= b.right);`);
    if (overlap) throw new Error('the toast covers the composer');
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'toast-blocked.png'));
    await bob.ok(['unblock', 'alice']);
    await (await failed.find(sel('retry'))).click();
    await listener.waitFor((e) => e.type === 'new_message' && e.message?.content?.text === 'Did this reach you?', 'the retried message at bob\'s listener');
    await waitUntil(async () => (await wd.find(sel('message', '[data-state="failed"]'))) === null, { what: 'no failed message left' });
    const copies = listener.events.filter((e) => e.type === 'new_message' && e.message?.content?.text === 'Did this reach you?');
    if (copies.length !== 1) throw new Error(`bob received ${copies.length} copies`);
  });

  await step('a failed message\'s menu offers Retry and Delete; Delete removes it from this device for good, and bob never gets it', async () => {
    await bob.ok(['block', 'alice']);
    const text = `delete me ${Date.now()}`;
    const composer = await $(sel('composer'));
    await composer.type(text);
    await composer.type('\uE007');
    const failed = await wd.waitFor(sel('message', '[data-state="failed"]'), { what: 'the failed message' });
    const clientId = await failed.attr('data-client-id');
    await rightClick(await failed.find('.bubble'));
    await wd.waitFor(sel('message-menu'), { what: 'the menu of the failed message' });
    const items = await wd.execute(`return [...document.querySelectorAll('[data-testid="message-menu"] [role="menuitem"]')].map((b) => b.textContent)`);
    if (JSON.stringify(items) !== JSON.stringify(['Copy text', 'Retry', 'Delete'])) throw new Error(`menu items: ${JSON.stringify(items)}`);
    await (await $(sel('menu-delete'))).click();
    await waitUntil(async () => (await wd.find(sel('message', `[data-client-id="${clientId}"]`))) === null, { what: 'the failed message gone' });
    // Gone from tern-core's cache too: a reload of the UI does not bring it back.
    await wd.execute('location.reload()');
    // The list re-renders as the reloaded UI loads it: click until the chat opens.
    await waitUntil(async () => {
      await (await $(sel('conversation', '[data-peer="bob"]'))).click();
      return (await textOf(sel('chat-title'))) === 'Bob Builder';
    }, { what: 'bob\'s chat reopened after the reload' });
    await waitUntil(async () => (await wd.findAll(sel('message'))).length > 0, { what: 'the chat reopened' });
    const texts = await wd.execute(`return [...document.querySelectorAll('[data-testid="message-text"]')].map(e => e.textContent)`);
    if (texts.includes(text)) throw new Error('the deleted message came back after a reload');
    const preview = await textOf(`${sel('conversation', '[data-peer="bob"]')} ${sel('preview')}`);
    if (preview?.includes(text)) throw new Error(`the chat list still shows it: ${preview}`);
    await bob.ok(['unblock', 'alice']);
    await new Promise((r) => setTimeout(r, 1500));
    if (listener.events.some((e) => e.type === 'new_message' && e.message?.content?.text === text)) throw new Error('bob got the deleted message');
  });

  await step('"Delete for me" removes bob\'s message from this device only (also after a reload); bob still has it', async () => {
    const text = `only for me ${Date.now()}`;
    await bob.ok(['send', 'alice', text]);
    const id = await waitUntil(() => wd.execute(`const t = [...document.querySelectorAll('[data-testid="message-text"]')].find((e) => e.textContent === arguments[0]);
      return t ? t.closest('[data-testid="message"]').dataset.clientId : null;`, [text]), { what: 'bob\'s message in the chat' });
    const row = await $(sel('message', `[data-client-id="${id}"]`));
    await rightClick(await row.find('.bubble'));
    await (await $(sel('menu-delete_local'))).click();
    await waitUntil(async () => (await wd.find(sel('message', `[data-client-id="${id}"]`))) === null, { what: 'the message gone' });
    await wd.execute('location.reload()');
    await waitUntil(async () => {
      await (await $(sel('conversation', '[data-peer="bob"]'))).click();
      return (await textOf(sel('chat-title'))) === 'Bob Builder';
    }, { what: 'bob\'s chat reopened after the reload' });
    await waitUntil(async () => (await wd.findAll(sel('message'))).length > 0, { what: 'the chat reopened' });
    if ((await wd.execute(`return [...document.querySelectorAll('[data-testid="message-text"]')].map(e => e.textContent)`)).includes(text)) throw new Error('the deleted message came back');
    if (!(await bob.ok(['history', 'alice', '--limit', '5'])).includes(text)) throw new Error('it was deleted for bob too');
  });

  await step('a long history loads older pages on scroll-up while only a window of rows is in the DOM; drafts survive a reload', async () => {
    await bob.ok(['send', 'alice', 'history line', '--count', '260']);
    const list = sel('message-list');
    await waitUntil(async () => {
      const texts = await Promise.all((await wd.findAll(sel('message-text'))).map((e) => e.text()));
      return texts.some((t) => t === 'history line #260');
    }, { what: 'the newest history line', timeout: 30_000 });
    const count = async () => Number(await (await wd.find(list)).attr('data-count'));
    // Leave an unsent draft, then reload the UI: the session survives in the shell, the draft
    // comes back from tern-core, and the chat reopens with only its newest page.
    await (await $(sel('composer'))).type('an unsent draft');
    await new Promise((r) => setTimeout(r, 800));
    await wd.execute('location.reload()');
    await $(sel('nav-chats'));
    await waitUntil(async () => (await textOf(sel('conversation', '[data-peer="bob"]')))?.includes('Draft: an unsent draft'), {
      what: 'the draft listed after the reload',
    });
    await (await $(sel('conversation', '[data-peer="bob"]'))).click();
    await waitUntil(async () => (await (await $(sel('composer'))).prop('value')) === 'an unsent draft', { what: 'the draft back in the composer' });
    await waitUntil(async () => (await count()) > 0, { what: 'the reopened chat' });
    const initial = await count();
    // Scroll the virtual list to the top until the whole history (plus earlier messages) is loaded.
    await waitUntil(async () => {
      await wd.execute(`document.querySelector('${list} .vlist').scrollTop = 0`);
      return (await count()) >= 263;
    }, { what: `older pages to load (had ${initial})`, timeout: 30_000, interval: 300 });
    const rows = (await wd.findAll(sel('message'))).length;
    if (initial >= 263) throw new Error(`the first page already held everything (${initial})`);
    if (rows > 120) throw new Error(`${rows} message rows mounted for ${await count()} messages: not virtualised`);
    await waitUntil(async () => {
      await wd.execute(`document.querySelector('${list} .vlist').scrollTop = 0`);
      const texts = await wd.execute(`return [...document.querySelectorAll('[data-testid="message-text"]')].map(e => e.textContent)`);
      return texts.includes('Hello from the command line 👋');
    }, { what: 'the oldest message at the top of the history', interval: 300 });
  });

  listener.stop();

  const carol = new CliUser(server, 'cw_2049', 'carol-password-1');
  await step('a friend request shows the sender\'s nickname and @id, as search does', async () => {
    await carol.register();
    await carol.ok(['profile', '--nickname', 'Carol Wu']);
    await carol.ok(['friend', 'add', 'alice', '--greeting', 'Hi from Carol']);
    await (await $(sel('nav-friends'))).click();
    await (await $(sel('tab-requests'))).click();
    const row = sel('received-application', '[data-user="cw_2049"]');
    await waitUntil(async () => (await textOf(`${row} ${sel('applicant-name')}`)) === 'Carol Wu', { what: 'the nickname on the request' });
    if (!(await textOf(row)).includes('@cw_2049')) throw new Error(`request row: ${await textOf(row)}`);
    await (await (await $(row)).find(sel('accept'))).click();
    await waitUntil(async () => (await carol.ok(['friend', 'list'])).includes('alice'), { what: 'alice in carol\'s friends' });
  });

  await step('"New message" on the Chats screen: pick a friend, her chat opens, the message reaches her', async () => {
    await (await $(sel('nav-chats'))).click();
    await (await $(sel('new-chat'))).click();
    await (await $(sel('new-chat-search'))).type('cw_');
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'new-message-dialog.png'));
    await (await $(sel('new-chat-friend', '[data-user="cw_2049"]'))).click();
    await waitUntil(async () => (await textOf(sel('chat-title'))) === 'Carol Wu', { what: 'carol\'s chat open' });
    if (await wd.find(sel('new-chat-dialog'))) throw new Error('the dialog stayed open');
    const composer = await $(sel('composer'));
    await composer.type('Hello Carol');
    await composer.type('\uE007');
    await waitUntil(async () => (await carol.ok(['history', 'alice', '--limit', '5'])).includes('Hello Carol'), { what: 'the message at carol' });
  });

  await step('message times: the user\'s locale, with the full date as a tooltip', async () => {
    const t = await wd.execute(`const el = [...document.querySelectorAll('[data-testid="message-time"]')].at(-1);
      const d = new Date(el.getAttribute('datetime'));
      return { title: el.title, text: el.textContent, want: d.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' }),
        short: d.toLocaleTimeString(undefined, { timeStyle: 'short' }), year: String(d.getFullYear()) };`);
    if (!t.title || t.title !== t.want || !t.title.includes(t.year)) throw new Error(`tooltip: ${JSON.stringify(t)}`);
    if (t.text !== t.short) throw new Error(`time not in the locale's format: ${JSON.stringify(t)}`);
  });

  await step('chat search matches the user id (not only the title); × clears it', async () => {
    const search = await $(sel('chat-search'));
    await search.type('cw_20');
    await waitUntil(async () => {
      const rows = await wd.findAll(sel('conversation'));
      return rows.length === 1 && (await rows[0].attr('data-peer')) === 'cw_2049';
    }, { what: 'only carol\'s chat, found by her user id' });
    await (await $(sel('chat-search-clear'))).click();
    await waitUntil(async () => (await wd.findAll(sel('conversation'))).length >= 2, { what: 'every chat back' });
    if ((await (await $(sel('chat-search'))).prop('value')) !== '') throw new Error('the search box was not cleared');
  });

  await step('a muted chat shows a muted icon, and its unread messages are not in the total', async () => {
    await (await $(sel('chat-menu'))).click();
    await (await $(sel('chat-mute-forever'))).click();
    await (await $(sel('conversation', '[data-peer="bob"]'))).click();
    await waitUntil(async () => (await textOf(sel('chat-title'))) === 'Bob Builder', { what: 'bob\'s chat open' });
    await carol.ok(['send', 'alice', 'are you there?']);
    const row = sel('conversation', '[data-peer="cw_2049"]');
    await waitUntil(async () => (await textOf(`${row} ${sel('unread')}`)) === '1', { what: 'carol\'s unread badge' });
    await wd.waitFor(`${row} ${sel('muted-icon')}`, { what: 'the muted icon' });
    await new Promise((r) => setTimeout(r, 300));
    if (await wd.find(sel('nav-badge-chats'))) throw new Error(`the total counts a muted chat: ${await textOf(sel('nav-badge-chats'))}`);
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'chat-list-muted.png'));
  });

  await step('a chat removed from the list stays away (also after a reload) until its next message', async () => {
    const row = sel('conversation', '[data-peer="cw_2049"]');
    await (await $(row)).click();
    await (await $(sel('chat-menu'))).click();
    await (await $(sel('chat-hide'))).click();
    await waitUntil(async () => (await wd.find(row)) === null, { what: 'carol\'s chat gone from the list' });
    await wd.execute('location.reload()');
    await $(sel('conversation', '[data-peer="bob"]'));
    await new Promise((r) => setTimeout(r, 800));
    if (await wd.find(row)) throw new Error('the removed chat is back after a reload');
    await carol.ok(['send', 'alice', 'knock knock']);
    await wd.waitFor(row, { what: 'carol\'s chat back with her new message' });
  });

  await step('messages from strangers wait under "Message requests", out of the list and the total; Block blocks, Accept moves the chat to the list', async () => {
    const zed = new CliUser(server, 'zed', 'zed-password-1');
    const yan = new CliUser(server, 'yan', 'yan-password-1');
    await zed.register();
    await yan.register();
    await (await $(sel('nav-chats'))).click();
    const badgeBefore = await textOf(sel('nav-badge-chats'));
    await zed.ok(['send', 'alice', 'hi, we have not met']);
    await yan.ok(['send', 'alice', 'cheap watches']);
    await waitUntil(async () => (await textOf(sel('message-requests-count'))) === '2', { what: 'two message requests' });
    if (await wd.find(sel('conversation', '[data-peer="zed"]'))) throw new Error('a stranger\'s chat is in the chat list');
    if ((await textOf(sel('nav-badge-chats'))) !== badgeBefore) throw new Error(`requests counted in the total: ${await textOf(sel('nav-badge-chats'))}`);
    await (await $(sel('message-requests'))).click();
    await wd.waitFor(sel('request-actions', '[data-peer="zed"]'), { what: 'zed\'s request with its actions' });
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'message-requests.png'));
    await (await $(sel('message-requests'))).click(); // ← Back to chats
    await wd.waitFor(sel('message-requests-count'), { what: 'the requests closed' });
    // At 800×600 the chat list is a column of avatars that still has New message, New group,
    // a search button and the requests (with their count); requests and search open the full list.
    const rect = await wd.cmd('GET', '/window/rect');
    await resizeWindow(wd, 800, 600);
    await wd.waitFor(sel('chat-list-pane', '[data-collapsed="true"]'), { what: 'the chat list collapsed to avatars' });
    const tools = await layoutProblems(wd, [sel('new-chat'), sel('new-group'), sel('chat-search-open'), sel('message-requests'), sel('message-requests-count')]);
    if (tools.length) throw new Error(`the avatar column at 800×600: ${tools.join('; ')}`);
    if ((await textOf(sel('message-requests-count'))) !== '2') throw new Error(`collapsed request count: ${await textOf(sel('message-requests-count'))}`);
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'chat-list-collapsed-800x600.png'));
    await (await $(sel('chat-search-open'))).click();
    await wd.waitFor(sel('chat-list-pane', '[data-collapsed="false"]'), { what: 'the full list for searching' });
    await waitFocus(wd, 'chat-search', 'the search box of the opened list');
    await (await $(sel('chat-search'))).type('bob');
    await waitUntil(async () => (await wd.findAll(sel('conversation'))).length === 1, { what: 'only bob\'s chat found' });
    await (await $(sel('chat-search'))).type('\uE00C'); // Esc clears the search ...
    await waitUntil(async () => (await wd.findAll(sel('conversation'))).length >= 2, { what: 'every chat back' });
    await (await $(sel('chat-search'))).type('\uE00C'); // ... and, with nothing to clear, folds the list back to avatars
    await wd.waitFor(sel('chat-list-pane', '[data-collapsed="true"]'), { what: 'the avatar column again' });
    await (await $(sel('message-requests'))).click();
    await wd.waitFor(sel('chat-list-pane', '[data-collapsed="false"]'), { what: 'the full list for the requests' });
    const actions = await layoutProblems(wd, [sel('request-accept'), sel('request-block'), sel('request-delete')]);
    if (actions.length) throw new Error(`request actions at 800×600: ${actions.join('; ')}`);
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'message-requests-800x600.png'));
    await resizeWindow(wd, rect.width, rect.height);
    await (await $(`${sel('request-actions', '[data-peer="yan"]')} ${sel('request-block')}`)).click();
    await waitUntil(async () => (await wd.find(sel('conversation', '[data-peer="yan"]'))) === null, { what: 'yan\'s request gone' });
    const r = await yan.run(['send', 'alice', 'hello?']);
    if (r.code === 0 || !r.stderr.includes('3001')) throw new Error(`yan is not blocked: ${r.code} ${r.stderr}`);
    await (await $(`${sel('request-actions', '[data-peer="zed"]')} ${sel('request-accept')}`)).click();
    await waitUntil(async () => (await wd.find(sel('message-requests'))) === null, { what: 'no requests left' });
    await wd.waitFor(sel('conversation', '[data-peer="zed"]'), { what: 'zed\'s chat in the list' });
  });

  await step('remark editor: Esc cancels, Enter saves', async () => {
    await (await $(sel('nav-friends'))).click();
    await (await $(sel('tab-friends'))).click();
    await (await $(sel('friend', '[data-user="cw_2049"]'))).click();
    await (await $(sel('edit-remark'))).click();
    const input = await $(sel('remark-input'));
    await input.type('Caz');
    await input.type('\uE00C'); // Esc
    await waitUntil(async () => (await wd.find(sel('remark-input'))) === null, { what: 'Esc closes the editor' });
    if ((await textOf(sel('friend-name'))) !== 'Carol Wu') throw new Error(`Esc saved: ${await textOf(sel('friend-name'))}`);
    await (await $(sel('edit-remark'))).click();
    const again = await $(sel('remark-input'));
    if ((await again.prop('value')) !== '') throw new Error('the cancelled text came back');
    await again.type('Caz');
    await again.type('\uE007'); // Enter
    await waitUntil(async () => (await textOf(sel('friend-name'))) === 'Caz', { what: 'Enter saved the remark' });
    if (await wd.find(sel('remark-input'))) throw new Error('the editor stayed open');
  });

  await step('profile: Save is disabled again after a trimmed save; sign-out asks first and Cancel keeps me in', async () => {
    await (await $(sel('nav-profile'))).click();
    const nick = await $(sel('nickname'));
    await nick.clear();
    await nick.type('  Alice A  ');
    const save = await $(sel('save-profile'));
    await waitUntil(async () => !(await save.prop('disabled')), { what: 'Save enabled' });
    await save.click();
    await waitUntil(async () => (await textOf(sel('toast'))) === 'Profile saved.', { what: 'saved' });
    if ((await (await $(sel('nickname'))).prop('value')) !== 'Alice A') throw new Error('the form does not show the saved (trimmed) nickname');
    if (!(await (await $(sel('save-profile'))).prop('disabled'))) throw new Error('Save is still enabled after the save');
    await (await $(sel('logout'))).click();
    const q = await textOf(sel('logout-confirm'));
    if (!q?.includes('Sign out alice')) throw new Error(`confirmation: ${q}`);
    await (await $(sel('logout-cancel'))).click();
    await new Promise((r) => setTimeout(r, 300));
    if (await wd.find(sel('login-form'))) throw new Error('Cancel signed out');
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'still signed in' });
  });

  // alice is signed in in the app; tern-cli logs her in as a second (and third) device.
  const aliceCli = new CliUser(server, 'alice', 'alice-password-1');
  const exitCode = (child) => waitUntil(() => child.exitCode ?? null, { what: 'tern-cli listen to exit', timeout: 20_000 }).catch(() => child.exitCode);
  const openAccount = async () => {
    await (await $(sel('nav-profile'))).click();
    await (await $(sel('open-account'))).click();
    await $(sel('account-dialog'));
  };

  await step('account dialog: "Sign out all other devices" (after a confirm) kicks alice\'s tern-cli listen, which exits', async () => {
    const other = await aliceCli.listen();
    await other.waitFor((e) => e.type === 'sync_finished', 'alice\'s tern-cli device synced');
    await openAccount();
    if (process.env.TERN_E2E_SHOTS) {
      await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'account-dialog.png'));
      // The same dialog at the smallest supported window size.
      const rect = await wd.cmd('GET', '/window/rect');
      await wd.setWindowRect(800, 600);
      await new Promise((r) => setTimeout(r, 600));
      await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'account-dialog-800x600.png'));
      await wd.setWindowRect(rect.width, rect.height);
    }
    await (await $(sel('sign-out-others'))).click();
    await (await $(sel('sign-out-others-confirm'))).click();
    await waitUntil(async () => (await textOf(sel('toast'))) === 'Your other devices were signed out.', { what: 'the sign-out toast' });
    if (await wd.find(sel('account-dialog'))) throw new Error('the dialog stayed open');
    const kicked = await other.waitFor((e) => e.type === 'kicked_offline', 'kicked_offline at alice\'s tern-cli listen');
    if (kicked.reason !== 'logged_out') throw new Error(`kick reason: ${JSON.stringify(kicked)}`);
    const code = await exitCode(other.child);
    if (code !== 5) throw new Error(`tern-cli listen exited with ${code}, expected 5 (session ended)`);
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'the app still signed in and online' });
  });

  await step('account dialog: a wrong current password is refused inline; the change (Enter) signs out the other device; tern-cli logs in with the new password only', async () => {
    const other = await aliceCli.listen();
    await other.waitFor((e) => e.type === 'sync_finished', 'alice\'s tern-cli device synced');
    await openAccount();
    await (await $(sel('current-password'))).type('not-my-password');
    await (await $(sel('new-password'))).type('alice-password-2');
    const repeat = await $(sel('repeat-password'));
    await repeat.type('alice-password-2');
    await repeat.type('\uE007'); // Enter
    const err = await wd.waitFor(sel('password-error', '[data-code="wrong_password"]'), { what: 'the wrong-password error' });
    if ((await err.text()) !== 'The current password is wrong.') throw new Error(`error: ${await err.text()}`);
    if (other.child.exitCode !== null) throw new Error('a refused change ended the other device');
    if (process.env.TERN_E2E_SHOTS) await wd.screenshot(path.join(process.env.TERN_E2E_SHOTS, 'account-dialog-wrong-password.png'));
    const current = await $(sel('current-password'));
    if ((await current.prop('value')) !== '') throw new Error('the wrong current password was not cleared');
    await current.type('alice-password-1');
    await current.type('\uE007');
    await waitUntil(async () => (await textOf(sel('toast'))) === 'Password changed; your other devices were signed out.', { what: 'the password toast' });
    if (await wd.find(sel('account-dialog'))) throw new Error('the dialog stayed open');
    const kicked = await other.waitFor((e) => e.type === 'kicked_offline', 'kicked_offline at alice\'s tern-cli listen');
    if (kicked.reason !== 'password_changed') throw new Error(`kick reason: ${JSON.stringify(kicked)}`);
    const code = await exitCode(other.child);
    if (code !== 5) throw new Error(`tern-cli listen exited with ${code}, expected 5`);
    const dir = tempDir('cli-alice-new');
    await aliceCli.ok(['login', 'alice', 'alice-password-2'], dir);
    const old = await aliceCli.run(['login', 'alice', 'alice-password-1'], tempDir('cli-alice-old'));
    if (old.code === 0) throw new Error('the old password still signs in');
    if (!old.stderr.includes('2001')) throw new Error(`expected BadCredentials (2001) for the old password, got: ${old.stderr}`);
    // The app's own session stays: it still sends.
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'the app still signed in and online' });
    await (await $(sel('nav-chats'))).click();
    await (await $(sel('conversation', '[data-peer="bob"]'))).click();
    const composer = await $(sel('composer'));
    await composer.type('still here after the password change');
    await composer.type('\uE007');
    await waitUntil(async () => (await bob.ok(['history', 'alice', '--limit', '5'])).includes('still here after the password change'), { what: 'the message at bob' });
  });

  await step('signing in elsewhere (single-session server) returns the app to login with an explanation', async () => {
    const single = await startServer(['--multi-device', 'single']);
    const dora = new CliUser(single, 'dora', 'dora-password-1');
    await dora.register();
    await (await $(sel('nav-profile'))).click();
    await (await $(sel('logout'))).click();
    // The confirmation takes the focus on its safe answer.
    await waitFocus(wd, 'logout-cancel', 'Cancel of the sign-out confirmation');
    await (await $(sel('logout-confirm-ok'))).click();
    // The login screen remembers who signed in, and greets them as returning; the caret
    // goes to the first empty field, the password.
    await waitUntil(async () => (await (await $(sel('user'))).prop('value')) === 'alice', { what: 'the user id remembered' });
    const hello = await textOf(sel('greeting'));
    if (!hello?.startsWith('Welcome back')) throw new Error(`greeting: ${hello}`);
    await waitFocus(wd, 'password', 'the password (the user id is pre-filled)');
    const server_ = await $(sel('server'));
    await server_.clear();
    await server_.type(single.url);
    const user = await $(sel('user'));
    await user.clear();
    await user.type('dora');
    const pw = await $(sel('password'));
    await pw.clear();
    await pw.type('dora-password-1');
    await (await $(sel('submit'))).click();
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'dora online in the app' });
    await dora.ok(['login', 'dora', 'dora-password-1']);
    const reason = await wd.waitFor(sel('ended-reason'), { what: 'the explanation on the login screen' });
    const text = await reason.text();
    if (!text.includes('another device')) throw new Error(`explanation: ${text}`);
    await $(sel('login-form'));
  });

  await step('a token that expires while connected returns the app to login with an explanation', async () => {
    const short = await startServer(['--token-ttl-secs', '3']);
    await new CliUser(short, 'erin', 'erin-password-1').ok(['register', 'erin', 'erin-password-1']);
    const server_ = await $(sel('server'));
    await server_.clear();
    await server_.type(short.url);
    const user = await $(sel('user'));
    await user.clear();
    await user.type('erin');
    const pw = await $(sel('password'));
    await pw.clear();
    await pw.type('erin-password-1');
    await (await $(sel('submit'))).click();
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'erin online in the app' });
    const reason = await wd.waitFor(sel('ended-reason'), { what: 'the expiry explained on the login screen', timeout: 20_000 });
    const text = await reason.text();
    if (!text.includes('expired')) throw new Error(`explanation: ${text}`);
  });
}

await runSuite('tern e2e', steps, main, { started, driver: () => wd });
