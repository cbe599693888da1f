// End-to-end: rich messaging (issue 17) in the real Tern app (WebKitGTK via
// tauri-driver) against a real tern-server, with bob and carol on tern-cli.
// Reply from the message menu (bob's tern-cli gets reply_to); bob's reply to a
// message 60 messages back: the quote shows, a click loads older pages and
// lands on the original; Up-arrow edits alice's last message (Esc cancels; bob
// gets the edit) and bob's edit shows live with the mark; a reaction from the
// keyboard (⋯ → menu → React → 👍), bob's count, his own reaction, a chip click
// taking hers back; pins: the bar, stepping through two pins with jumps, unpin
// from the bar; read-by in a group (who read / not) and the group turning it
// off; links in a message (http(s), www., an e-mail address after Chinese text)
// open in the desktop's default browser and mail program (a stand-in handler
// registered through mimeapps.list records what it was given). Screenshots:
// docs/screenshots/rich.png, zh-CN-rich-800x600.png.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliUser, runSuite, launchApp, startServer, tempDir, Steps, sel, resizeWindow, layoutProblems } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'docs/screenshots');
const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const $ = (css, what) => wd.waitFor(css, { what });
const json = (s) => JSON.parse(s);
const textOf = async (css) => (await (await $(css)).text()).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ref = (el) => ({ 'element-6066-11e4-a52e-4f735466cecf': el.id });

/** A right-click as WebKit delivers it (see app.e2e.mjs): a cancellable contextmenu at the element's centre. */
const rightClick = (el) => wd.execute(`const e = arguments[0]; const r = e.getBoundingClientRect();
  e.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, button: 2, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }));`, [ref(el)]);

/** The message row whose text is `text` (exactly, or containing it with `part`), or null. */
async function rowOf(text, part = false) {
  const id = await wd.execute(`const t = [...document.querySelectorAll('[data-testid="message-text"]')].find((e) => arguments[1] ? e.textContent.includes(arguments[0]) : e.textContent === arguments[0]);
    return t ? t.closest('[data-testid="message"]').dataset.clientId : null;`, [text, part]);
  return id ? wd.find(sel('message', `[data-client-id="${id}"]`)) : null;
}
const row = (text, part = false) => waitUntil(() => rowOf(text, part), { what: `the message "${text}"` });

/** `css` inside the row of `text` (null when absent), found again if the list re-created the row meanwhile. */
async function inRow(text, css) {
  for (let i = 0; ; i++) {
    try {
      const r = await row(text);
      return await r.find(css);
    } catch (e) {
      if (i >= 5 || !String(e).includes('stale')) throw e;
      await sleep(150);
    }
  }
}
/** The row of `text` as a handle whose `find` always looks in the current row. */
const rowHandle = (text) => ({ find: (css) => inRow(text, css) });
const bubbleOf = (text) => inRow(text, '.bubble');

/** The marked (jumped-to) message: its text and whether it lies inside the list's view. */
const foundInView = () =>
  wd.execute(`const el = document.querySelector('[data-found="true"]');
    if (!el) return null;
    const r = el.getBoundingClientRect(), v = document.querySelector('[data-testid="message-list"]').getBoundingClientRect();
    return { text: el.textContent, inView: r.top >= v.top - 1 && r.bottom <= v.bottom + 1 };`);

/** Picks an option of a <select> as the user's choice would. */
const choose = (testid, value) =>
  wd.execute(`const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true }));`, [sel(testid), value]);

/** Back to the newest message of the open chat (the "↓ new" button, when shown). */
async function toNewest() {
  const b = await wd.find(sel('new-below'));
  if (b) await b.click();
  await sleep(400);
}

/**
 * The desktop's default handler of http, https and mailto links for the app: a
 * desktop entry (XDG_DATA_HOME/applications) named the default in mimeapps.list
 * (XDG_CONFIG_HOME), whose program appends each URI it is given to a file.
 */
function linkHandler() {
  const data = tempDir('xdg-data'), config = tempDir('xdg-config'), bin = tempDir('handler');
  const log = path.join(bin, 'opened.txt');
  const script = path.join(bin, 'open-uri.sh');
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${log}'\n`);
  chmodSync(script, 0o755);
  mkdirSync(path.join(data, 'applications'));
  const schemes = ['http', 'https', 'mailto'].map((s) => `x-scheme-handler/${s}`);
  writeFileSync(path.join(data, 'applications', 'tern-e2e-browser.desktop'),
    `[Desktop Entry]\nType=Application\nName=E2E browser\nExec=${script} %u\nNoDisplay=true\nMimeType=${schemes.join(';')};\n`);
  writeFileSync(path.join(config, 'mimeapps.list'), `[Default Applications]\n${schemes.map((s) => `${s}=tern-e2e-browser.desktop`).join('\n')}\n`);
  return {
    env: { XDG_DATA_HOME: data, XDG_CONFIG_HOME: config },
    uris: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

async function main() {
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const carol = new CliUser(server, 'carol', 'carol-password-1');
  const alice = new CliUser(server, 'alice', 'alice-password-1');
  console.log(`tern e2e (rich): server ${server.url}`);
  mkdirSync(shots, { recursive: true });
  for (const u of [bob, carol, alice]) await u.register();
  await bob.ok(['profile', '--nickname', 'Bob']);
  await carol.ok(['profile', '--nickname', 'Carol']);
  await alice.ok(['profile', '--nickname', 'Alice']);
  for (const [a, b] of [[bob, alice], [carol, alice], [carol, bob]]) {
    await a.ok(['friend', 'add', b.user]);
    await b.ok(['friend', 'accept', a.user]);
  }
  const ORIGINAL = 'Plan: meet at the trailhead at 9, bring water';
  await bob.ok(['send', 'alice', ORIGINAL]);
  await bob.ok(['send', 'alice', 'filler', '--count', '60']);
  const bobEvents = await bob.listen();
  const seqOf = async (text) => {
    const h = json(await bob.ok(['history', 'alice', '--limit', '200']));
    const m = h.find((x) => x.content?.text === text);
    if (!m?.seq) throw new Error(`no "${text}" in bob's history`);
    return m.seq;
  };

  const opened = linkHandler();
  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: tempDir('app'), ...opened.env, LANG: 'en_US.UTF-8', LANGUAGE: 'en_US' }));
  await $(sel('login-form'));
  await (await $(sel('user'))).clear();
  await (await $(sel('user'))).type('alice');
  await (await $(sel('password'))).type('alice-password-1');
  await (await $(sel('submit'))).click();
  await $(sel('connection', '[data-state="online"]'), 'alice online');
  await (await $(sel('conversation', '[data-peer="bob"]'), 'the chat with bob')).click();
  await row('filler #60');

  const SIXTY = 'got all sixty';
  let sixty;
  await step('right-click → Reply: the composer shows who and what is quoted; sent, the reply shows the quote and bob’s tern-cli gets reply_to', async () => {
    await rightClick(await bubbleOf('filler #60'));
    await $(sel('message-menu'), 'the message menu');
    const items = await wd.execute(`return [...document.querySelectorAll('[data-testid="message-menu"] [role="menuitem"]')].map((b) => b.dataset.testid)`);
    if (JSON.stringify(items) !== JSON.stringify(['menu-reply', 'menu-forward', 'menu-react', 'menu-copy', 'menu-pin', 'menu-select', 'menu-delete_local'])) throw new Error(`menu on bob's message: ${JSON.stringify(items)}`);
    await (await $(sel('menu-reply'))).click();
    await $(sel('composer-mode', '[data-kind="reply"]'), 'the reply banner');
    // The banner makes the list's view shorter: the newest message stays in view.
    await waitUntil(() => wd.execute(`const rows = document.querySelectorAll('[data-testid="message"]'), last = rows[rows.length - 1];
      const r = last.getBoundingClientRect(), v = document.querySelector('[data-testid="message-list"]').getBoundingClientRect();
      return r.bottom <= v.bottom + 1;`), { what: 'the newest message still in view with the reply banner open', timeout: 3_000 });
    const banner = await textOf(sel('composer-mode'));
    if (!banner.includes('Replying to Bob') || !banner.includes('filler #60')) throw new Error(`banner: ${banner}`);
    if ((await wd.execute('return document.activeElement?.dataset.testid')) !== 'composer') throw new Error('the caret is not in the composer');
    const composer = await $(sel('composer'));
    await composer.type(SIXTY);
    await composer.type('\uE007');
    const sixtySeq = await seqOf('filler #60');
    const ev = await bobEvents.waitFor((e) => e.type === 'new_message' && e.message?.content?.text === SIXTY, 'the reply at bob');
    sixty = ev.message.seq;
    if (ev.message.reply_to !== sixtySeq) throw new Error(`reply_to at bob: ${ev.message.reply_to}, want ${sixtySeq}`);
    await waitUntil(async () => (await wd.find(sel('composer-mode'))) === null, { what: 'the banner gone after sending' });
    await waitUntil(async () => (await (await (await row(SIXTY)).find(sel('quote-text')))?.text())?.trim() === 'filler #60', { what: 'the quote on the sent reply' });
  });

  const REPLY = 'Yes, 9 sharp. Who brings the map?';
  const REPLY_EDITED = 'Yes, 9 sharp at the trailhead. Who brings the map?';
  await step('bob replies (tern-cli) to his message 61 back: alice sees the quote; a click loads older pages, lands on the original and marks it briefly', async () => {
    const seqA = await seqOf(ORIGINAL);
    await bob.ok(['reply', 'alice', String(seqA), REPLY]);
    const r = rowHandle(REPLY);
    await waitUntil(async () => (await (await r.find(sel('quote-text')))?.text())?.trim() === ORIGINAL, { what: 'the quote of the original (not loaded: asked of tern-core)' });
    if ((await (await r.find(sel('quote-sender'))).text()).trim() !== 'Bob') throw new Error('the quote does not name bob');
    const before = Number(await (await $(sel('message-list'))).attr('data-count'));
    if ((await rowOf(ORIGINAL)) !== null || before >= 63) throw new Error(`the original is already loaded (${before} messages)`);
    await (await r.find(sel('message-quote'))).click();
    await waitUntil(async () => (await foundInView())?.text.includes(ORIGINAL) && (await foundInView()).inView, { what: 'the original scrolled into view and marked' });
    const after = Number(await (await $(sel('message-list'))).attr('data-count'));
    if (after < 63) throw new Error(`older pages not loaded: ${after} messages`);
    await waitUntil(async () => (await foundInView()) === null, { what: 'the mark gone after a moment', timeout: 6000 });
    await toNewest();
  });

  await step('Up-arrow in the empty composer edits my last message ("Editing"; Esc cancels); Enter saves: bob gets the new text; bob’s edit shows live with the mark', async () => {
    const composer = await $(sel('composer'));
    await composer.click();
    await composer.type('\uE013'); // ArrowUp
    await $(sel('composer-mode', '[data-kind="edit"]'), 'the edit banner');
    if (!(await textOf(sel('composer-mode'))).includes('Editing')) throw new Error('no "Editing"');
    if ((await composer.prop('value')) !== SIXTY) throw new Error(`composer: ${await composer.prop('value')}`);
    await composer.type('\uE00C'); // Esc
    await waitUntil(async () => (await wd.find(sel('composer-mode'))) === null && (await composer.prop('value')) === '', { what: 'Esc: back to a new, empty message' });
    await composer.type('\uE013');
    await $(sel('composer-mode', '[data-kind="edit"]'));
    await wd.execute(`const a = document.querySelector('[data-testid="composer"]'); a.setSelectionRange(a.value.length, a.value.length);`);
    await composer.type(', bringing the map');
    await composer.type('\uE007');
    const ev = await bobEvents.waitFor((e) => e.type === 'edited' && e.text === `${SIXTY}, bringing the map`, 'the edit at bob');
    if (ev.seq !== sixty) throw new Error(`edited message ${ev.seq}, not ${sixty}`);
    await waitUntil(async () => (await (await row(`${SIXTY}, bringing the map`)).find(sel('message-edited'))) !== null, { what: 'the edited mark on my message' });
    const n = await wd.execute(`return document.querySelectorAll('[data-testid="message"][data-state]').length`);
    await bob.ok(['edit', 'alice', String(await seqOf(REPLY)), REPLY_EDITED]);
    await waitUntil(async () => (await (await row(REPLY_EDITED)).find(sel('message-edited'))) !== null, { what: 'the edited mark on bob’s reply' });
    if ((await rowOf(REPLY)) !== null) throw new Error('the old text is still shown');
    if ((await wd.execute(`return document.querySelectorAll('[data-testid="message"][data-state]').length`)) !== n) throw new Error('an edit added a message');
  });

  let replySeq;
  await step('react from the keyboard (⋯ → Enter → ↓ ↓ → React → 👍): bob sees 1; bob reacts too: 2, mine marked, names in the tooltip; a click takes mine back: bob sees 1', async () => {
    replySeq = await seqOf(REPLY_EDITED);
    const r = rowHandle(REPLY_EDITED);
    const btn = await r.find(sel('message-menu-button'));
    await wd.execute('arguments[0].focus()', [ref(btn)]);
    await btn.type('\uE007');
    await $(sel('message-menu'));
    if ((await wd.execute('return document.activeElement?.dataset.testid')) !== 'menu-reply') throw new Error('the menu did not take the focus');
    await (await $(sel('menu-reply'))).type('\uE015'); // ArrowDown
    if ((await wd.execute('return document.activeElement?.dataset.testid')) !== 'menu-forward') throw new Error('↓ did not reach Forward');
    await (await $(sel('menu-forward'))).type('\uE015');
    if ((await wd.execute('return document.activeElement?.dataset.testid')) !== 'menu-react') throw new Error('↓ ↓ did not reach React');
    await (await $(sel('menu-react'))).type('\uE007');
    await $(sel('reaction-picker'), 'the emoji picker');
    const thumbs = await wd.execute(`return [...document.querySelectorAll('[data-testid="reaction-picker"] [data-testid="emoji"]')].find((b) => b.textContent === '👍')`);
    await wd.execute('arguments[0].click()', [thumbs]);
    const chip = sel('reaction-chip', '[data-emoji="👍"]');
    await waitUntil(async () => (await r.find(`${chip}[data-count="1"][data-mine="true"]`)) !== null, { what: 'my 👍 chip' });
    await bobEvents.waitFor((e) => e.type === 'reactions_changed' && e.seq === replySeq && e.reactions.some((x) => x.emoji === '👍' && x.count === 1 && x.users.includes('alice')), 'alice’s 👍 at bob');
    await bob.ok(['react', 'alice', String(replySeq), '👍']);
    await waitUntil(async () => (await r.find(`${chip}[data-count="2"][data-mine="true"]`)) !== null, { what: '👍 2, mine' });
    const title = await (await r.find(chip)).attr('title');
    if (!title.includes('Bob') || !title.includes('You')) throw new Error(`tooltip: ${title}`);
    const c = await r.find(chip);
    await wd.execute('arguments[0].scrollIntoView({ block: "nearest" })', [ref(c)]);
    await c.click();
    await waitUntil(async () => (await r.find(`${chip}[data-count="1"][data-mine="false"]`)) !== null, { what: '👍 1, not mine' });
    await bobEvents.waitFor((e) => e.type === 'reactions_changed' && e.seq === replySeq && e.reactions.some((x) => x.emoji === '👍' && x.count === 1 && !x.users.includes('alice')), 'the unreact at bob');
  });

  await step('pins: alice pins bob’s reply (menu) → the pin bar; bob pins filler #5 → "1 of 2"; clicks jump to each in turn; unpin from the bar', async () => {
    await rightClick(await bubbleOf(REPLY_EDITED));
    await (await $(sel('menu-pin'))).click();
    await waitUntil(async () => (await textOf(sel('pin-bar-text'))).includes(REPLY_EDITED), { what: 'the pin bar with bob’s reply' });
    await bobEvents.waitFor((e) => e.type === 'pins_changed' && e.pins.some((p) => p.seq === replySeq && p.by === 'alice'), 'the pin at bob');
    const five = await seqOf('filler #5');
    await bob.ok(['pin', 'alice', String(five)]);
    await $(sel('pin-bar', '[data-count="2"]'), 'two pins');
    if ((await textOf(sel('pin-bar-text'))) !== 'Bob: filler #5') throw new Error(`bar: ${await textOf(sel('pin-bar-text'))}`);
    if (!(await textOf(sel('pin-bar-open'))).includes('Pinned message 1 of 2')) throw new Error('no "1 of 2"');
    await (await $(sel('pin-bar-open'))).click();
    await waitUntil(async () => (await foundInView())?.text.includes('filler #5') && (await foundInView()).inView, { what: 'the jump to filler #5' });
    await waitUntil(async () => (await textOf(sel('pin-bar-text'))).includes(REPLY_EDITED), { what: 'the bar on the next pin' });
    await (await $(sel('pin-bar-open'))).click();
    await waitUntil(async () => (await foundInView())?.text.includes(REPLY_EDITED) && (await foundInView()).inView, { what: 'the jump to bob’s reply' });
    // Back to the first pin (filler #5), then unpin it from the bar.
    await waitUntil(async () => (await textOf(sel('pin-bar-text'))) === 'Bob: filler #5', { what: 'the bar wrapped around' });
    await (await $(sel('pin-bar-unpin'))).click();
    await $(sel('pin-bar', '[data-count="1"]'), 'one pin left');
    await bobEvents.waitFor((e) => e.type === 'pins_changed' && e.pins.length === 1 && e.pins[0].seq === replySeq, 'the unpin at bob');
  });

  await step('screenshot docs/screenshots/rich.png: a reply with its quote, a reaction, the edited mark and the pin bar in one chat', async () => {
    await toNewest();
    await bob.ok(['react', 'alice', String(sixty), '🎉']);
    await waitUntil(async () => (await (await row(`${SIXTY}, bringing the map`)).find(sel('reaction-chip', '[data-emoji="🎉"]'))) !== null, { what: 'bob’s 🎉 on my message' });
    const seen = await wd.execute(`const v = document.querySelector('[data-testid="message-list"]').getBoundingClientRect();
      const inView = (el) => { const r = el.getBoundingClientRect(); return r.top >= v.top && r.bottom <= v.bottom; };
      return ['message-quote', 'reaction-chip', 'message-edited'].map((t) => [...document.querySelectorAll('[data-testid="' + t + '"]')].some(inView)).concat(!!document.querySelector('[data-testid="pin-bar"]'));`);
    if (seen.includes(false)) throw new Error(`not all in view (quote, reaction, edited, pin bar): ${JSON.stringify(seen)}`);
    await sleep(300);
    await wd.screenshot(path.join(shots, 'rich.png'));
  });

  await step('in Chinese at 800×600: the pin bar, quote and menu speak Chinese; screenshot docs/screenshots/zh-CN-rich-800x600.png', async () => {
    await (await $(sel('nav-profile'))).click();
    await choose('language', 'zh-CN');
    await waitUntil(async () => (await textOf(sel('nav-chats'))) === '聊天', { what: 'Chinese' });
    await (await $(sel('nav-chats'))).click();
    await (await $(sel('conversation', '[data-peer="bob"]'))).click();
    await row(REPLY_EDITED);
    const rect = await wd.cmd('GET', '/window/rect');
    await resizeWindow(wd, 800, 600);
    await toNewest();
    // The newest messages at the bottom (the list's own scroller), the pointer off the messages.
    await wd.execute(`const v = document.querySelector('[data-testid="message-list"] .vlist'); if (v) v.scrollTop = v.scrollHeight;`);
    await (await $(sel('composer'))).click();
    await sleep(400);
    if (!(await textOf(sel('pin-bar-open'))).includes('置顶消息')) throw new Error(`pin bar: ${await textOf(sel('pin-bar-open'))}`);
    const edited = await textOf(sel('message-edited'));
    if (edited === 'edited') throw new Error('the edited mark is English');
    const problems = await layoutProblems(wd, [sel('composer'), sel('send'), sel('pin-bar')]);
    if (problems.length) throw new Error(`at 800×600: ${problems.join('; ')}`);
    await sleep(300);
    await wd.screenshot(path.join(shots, 'zh-CN-rich-800x600.png'));
    await resizeWindow(wd, rect.width, rect.height);
    await (await $(sel('nav-profile'))).click();
    await choose('language', 'en');
    await waitUntil(async () => (await textOf(sel('nav-chats'))) === 'Chats', { what: 'English again' });
    await (await $(sel('nav-chats'))).click();
  });

  await step('read-by in a group: alice’s message lists bob (read) and carol (not yet); once the group turns read-by off, the dialog says so', async () => {
    const group = json(await bob.ok(['group', 'create', 'Trail crew', '--members', 'alice,carol'])).group;
    const conv = `g:${group}`;
    await bob.ok(['send', conv, 'Trail crew, assemble']);
    await (await $(sel('conversation', `[data-group="${group}"]`), 'the group in the chat list')).click();
    const ASK = 'Who has read this?';
    const composer = await $(sel('composer'));
    await composer.type(ASK);
    await composer.type('\uE007');
    await waitUntil(async () => ['sent', 'read'].includes(await (await row(ASK)).attr('data-state')), { what: 'my group message acknowledged' });
    await bob.ok(['sync']);
    await bob.ok(['read', conv]);
    const open = async () => {
      await rightClick(await bubbleOf(ASK));
      await (await $(sel('menu-read_by'))).click();
      return $(sel('read-by-dialog'), 'the read-by dialog');
    };
    const close = async () => {
      await (await $(sel('read-by-close'))).click();
      await waitUntil(async () => (await wd.find(sel('read-by-dialog'))) === null, { what: 'the dialog closed' });
    };
    await waitUntil(async () => {
      await open();
      await $(sel('read-by-dialog', '[data-loading="false"]'), 'the first page');
      const users = await wd.execute(`const of = (k) => [...document.querySelectorAll('[data-testid="read-by-' + k + '"] [data-testid="read-by-user"]')].map((e) => e.dataset.user); return [of('read'), of('unread')];`);
      const ok = users[0].includes('bob') && users[1].includes('carol');
      if (!ok) await close();
      return ok;
    }, { what: 'bob read, carol not yet', timeout: 20_000 });
    await close();
    await bob.ok(['group', 'read-by', group, 'off']);
    await waitUntil(async () => {
      await open();
      const off = (await (await $(sel('read-by-dialog'))).attr('data-off')) === 'true';
      if (!off) await close();
      return off;
    }, { what: 'the read-by-off note', timeout: 20_000 });
    if (!(await textOf(sel('read-by-off'))).includes('turned read receipts off')) throw new Error(`note: ${await textOf(sel('read-by-off'))}`);
    await close();
  });

  await step('links in a message: http(s), www. and an e-mail address right after Chinese text are links; each click opens the default browser or mail program, the window stays on the app', async () => {
    const TEXT = 'Trail map: www.example.org/trail, photos https://example.com/p?id=1. 有问题发邮件给bob@example.com。';
    await bob.ok(['send', 'alice', TEXT]);
    await (await $(sel('conversation', '[data-peer="bob"]'), 'the chat with bob')).click();
    await row(TEXT);
    const links = await wd.execute(`const t = [...document.querySelectorAll('[data-testid="message-text"]')].find((e) => e.textContent === arguments[0]);
      return [...t.querySelectorAll('a')].map((a) => [a.textContent, a.getAttribute('href')]);`, [TEXT]);
    const want = [['www.example.org/trail', 'http://www.example.org/trail'], ['https://example.com/p?id=1', 'https://example.com/p?id=1'], ['bob@example.com', 'mailto:bob@example.com']];
    if (JSON.stringify(links) !== JSON.stringify(want)) throw new Error(`links: ${JSON.stringify(links)}`);
    const page = await wd.execute('return location.href');
    // Each click is the app's (openLink prevents the webview's own navigation), not a navigation the window let through.
    await wd.execute(`window.__linkClicks = []; window.addEventListener('click', (e) => { if (e.target.closest?.('a')) window.__linkClicks.push(e.defaultPrevented); });`);
    for (const [i, [text]] of want.entries()) {
      const a = await inRow(TEXT, `a[href="${want[i][1]}"]`);
      if (!a || (await a.text()) !== text) throw new Error(`no link "${text}"`);
      await a.click();
      await waitUntil(() => opened.uris().length === i + 1, { what: `the handler given ${want[i][1]}`, timeout: 15_000 });
    }
    if (JSON.stringify(opened.uris()) !== JSON.stringify(want.map((w) => w[1]))) throw new Error(`opened: ${JSON.stringify(opened.uris())}`);
    if ((await wd.execute('return location.href')) !== page) throw new Error('the webview navigated');
    const handled = await wd.execute('return window.__linkClicks');
    if (JSON.stringify(handled) !== '[true,true,true]') throw new Error(`clicks handled by the app: ${JSON.stringify(handled)}`);
  });
}

runSuite('tern e2e (rich)', steps, main, { started, driver: () => wd });
