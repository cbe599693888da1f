// End-to-end: forwarding and @mentions in the real Tern app (issue 17), with
// bob and carol on tern-cli against a real tern-server. The message menu's
// Forward (search, one target) reaches carol; multi-select (Esc leaves) of
// three messages forwarded as one chat history with a comment reaches carol as
// ONE message; a target that refuses (alice muted in a group) is named in the
// dialog while the other target gets it; carol forwards that history back
// inside a new merged one: alice opens the card in the viewer, the nested
// history on top, Back, and downloads bob's file from it; in a group the mention
// picker (type @, keyboard pick) sends a mention bob's client sees (the @names
// are marked in the bubbles, a mention of alice more strongly), and a reply
// carries its mention too; with the group muted and the window hidden, a plain
// message notifies nothing and a mention of alice does (fake notification
// server). axe-core on the Forward dialog and the viewer. Screenshots:
// docs/screenshots/forward.png, zh-CN-forward-800x600.png (the viewer).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CliUser, runSuite, launchApp, startServer, startTray, tempDir, Steps, sel, resizeWindow, layoutProblems, invoke as invokeIn, waitShell as waitShellIn } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';
import { axeViolations } from './lib/axe.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.resolve(here, '../../docs/screenshots');
const started = Date.now();
let wd;
let fake;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const $ = (css, what) => wd.waitFor(css, { what });
const json = (s) => JSON.parse(s);
const textOf = async (css) => (await (await $(css)).text()).trim();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ref = (el) => ({ 'element-6066-11e4-a52e-4f735466cecf': el.id });
const invoke = (cmd, args) => invokeIn(wd, cmd, args);

const logFile = path.join(tempDir('forward'), 'notify.jsonl');
const notes = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

async function startFake() {
  fake = spawn('/usr/bin/python3', [path.join(here, 'fake_notifyd.py'), logFile, 'body,actions'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const child = fake;
  await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (l) => l === 'ready' && resolve());
    child.on('exit', (c) => reject(new Error(`fake notification server exited (${c})`)));
  });
}

/** A right-click as WebKit delivers it (see app.e2e.mjs): a cancellable contextmenu at the element's centre. */
const rightClick = (el) => wd.execute(`const e = arguments[0]; const r = e.getBoundingClientRect();
  e.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, button: 2, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 }));`, [ref(el)]);

/** The bubble of the message whose text is `text`. */
async function bubbleOf(text) {
  return waitUntil(async () => {
    const id = await wd.execute(`const t = [...document.querySelectorAll('[data-testid="message-text"]')].find((e) => e.textContent === arguments[0]);
      return t ? t.closest('[data-testid="message"]').dataset.clientId : null;`, [text]);
    return id ? wd.find(`${sel('message', `[data-client-id="${id}"]`)} .bubble`) : null;
  }, { what: `the message "${text}"` });
}

/** Opens the menu of the message `text` and picks `action`. */
async function menu(text, action) {
  await rightClick(await bubbleOf(text));
  await (await $(sel(`menu-${action}`), `menu item ${action}`)).click();
}

/** Ticks the chat `conv` in the Forward dialog. */
async function pickTarget(conv) {
  await (await $(`${sel('forward-target', `[data-conv="${conv}"]`)} input`, `target ${conv}`)).click();
  await $(sel('forward-target', `[data-conv="${conv}"][data-picked="true"]`), `target ${conv} picked`);
}

const gone = (css, what) => waitUntil(async () => (await wd.find(css)) === null, { what });

/** Picks an option of a <select> as the user's choice would. */
const choose = (testid, value) =>
  wd.execute(`const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true }));`, [sel(testid), value]);

/** axe-core's serious or critical violations on the current screen fail the step. */
async function expectAccessible(wd, what) {
  const v = await axeViolations(wd);
  const bad = v.filter((x) => x.impact === 'serious' || x.impact === 'critical');
  if (bad.length) throw new Error(`axe-core on ${what}: ${JSON.stringify(bad, null, 1)}`);
}

async function main() {
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  const carol = new CliUser(server, 'carol', 'carol-password-1');
  const alice = new CliUser(server, 'alice', 'alice-password-1');
  console.log(`tern e2e (forward): server ${server.url}`);
  mkdirSync(shots, { recursive: true });
  for (const u of [bob, carol, alice]) await u.register();
  await bob.ok(['profile', '--nickname', 'Bob']);
  await carol.ok(['profile', '--nickname', 'Carol']);
  await alice.ok(['profile', '--nickname', 'Alice']);
  for (const [a, b] of [[bob, alice], [carol, alice], [carol, bob]]) {
    await a.ok(['friend', 'add', b.user]);
    await b.ok(['friend', 'accept', a.user]);
  }
  const ONE = 'Trail plan: start at 9 from the north gate';
  const TWO = 'I will bring water for everyone';
  const THREE = 'And the map, printed';
  await bob.ok(['send', 'alice', ONE]);
  await alice.ok(['send', 'bob', TWO]);
  await bob.ok(['send', 'alice', THREE]);
  const filePath = path.join(tempDir('file'), 'route.txt');
  writeFileSync(filePath, 'north gate → lake → summit\n');
  const file = json(await bob.ok(['send-file', 'alice', filePath]));
  const group = json(await bob.ok(['group', 'create', 'Trail crew', '--members', 'alice,carol'])).group;
  const GCONV = `g:${group}`;
  await bob.ok(['send', GCONV, 'Crew: who is in?']);
  const carolEvents = await carol.listen();
  const bobEvents = await bob.listen();

  await startFake();
  await startTray();
  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: tempDir('app'), XDG_DATA_HOME: tempDir('xdg-data'), LANG: 'en_US.UTF-8', LANGUAGE: 'en_US' }));
  await $(sel('login-form'));
  await (await $(sel('user'))).clear();
  await (await $(sel('user'))).type('alice');
  await (await $(sel('password'))).type('alice-password-1');
  await (await $(sel('submit'))).click();
  await $(sel('connection', '[data-state="online"]'), 'alice online');
  await $(sel('conversation', `[data-group="${group}"]`), 'the group in the chat list');
  await (await $(sel('conversation', '[data-peer="bob"]'), 'the chat with bob')).click();
  await bubbleOf(THREE);
  const CAROL = 'd:alice:carol';

  await step('the message menu offers Forward and Select; Forward → search "car" → carol only → Send: carol receives the message', async () => {
    await rightClick(await bubbleOf(ONE));
    const items = await wd.execute(`return [...document.querySelectorAll('[data-testid="message-menu"] [role="menuitem"]')].map((b) => b.dataset.testid)`);
    if (!items.includes('menu-forward') || !items.includes('menu-select')) throw new Error(`menu: ${JSON.stringify(items)}`);
    await (await $(sel('menu-forward'))).click();
    await $(sel('forward-dialog', '[data-merged="false"]'), 'the Forward dialog');
    // Recent chats first: the group (newest activity) before carol.
    const all = await wd.execute(`return [...document.querySelectorAll('[data-testid="forward-target"]')].map((e) => e.dataset.conv)`);
    if (all.length < 3 || all[0] !== GCONV) throw new Error(`targets, recent first: ${JSON.stringify(all)}`);
    await (await $(sel('forward-search'))).type('car');
    await waitUntil(async () => JSON.stringify(await wd.execute(`return [...document.querySelectorAll('[data-testid="forward-target"]')].map((e) => e.dataset.conv)`)) === JSON.stringify([CAROL]), { what: 'only carol matches "car"' });
    await pickTarget(CAROL);
    await (await $(sel('forward-send'))).click();
    await gone(sel('forward-dialog'), 'the dialog closed');
    const ev = await carolEvents.waitFor((e) => e.type === 'new_message' && e.message?.content?.text === ONE, 'the forwarded message at carol');
    if (ev.message.sender !== 'alice' || ev.message.conv !== CAROL) throw new Error(`at carol: ${JSON.stringify(ev.message)}`);
  });

  let historySeqAtCarol;
  await step('Select → Esc leaves; Select again, click two more (3 selected) → Forward as chat history + comment: carol gets ONE chat history of the three, then the comment', async () => {
    await menu(ONE, 'select');
    await $(sel('select-bar', '[data-count="1"]'), 'the selection bar');
    await wd.execute(`document.activeElement?.blur?.(); document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))`);
    await gone(sel('select-bar'), 'Esc leaves multi-select');
    await $(sel('composer'), 'the composer back');
    await menu(ONE, 'select');
    await (await bubbleOf(TWO)).click();
    await (await bubbleOf(THREE)).click();
    await $(sel('select-bar', '[data-count="3"]'), 'three selected');
    const checked = await wd.execute(`return [...document.querySelectorAll('[data-testid="select-message"]:checked')].length`);
    if (checked !== 3) throw new Error(`checked boxes: ${checked}`);
    await (await $(sel('forward-merged'))).click();
    await $(sel('forward-dialog', '[data-merged="true"]'), 'the dialog, merged');
    await pickTarget(CAROL);
    await (await $(sel('forward-comment'))).type('FYI, the plan');
    await expectAccessible(wd, 'the Forward dialog');
    // The toast of the forward before gone, for the screenshot.
    await waitUntil(async () => !(await wd.execute(`return [...document.querySelectorAll('[role="status"], .toast')].some((e) => e.textContent.includes('Forwarded'))`)), { what: 'the earlier toast gone', timeout: 10_000 }).catch(() => {});
    await sleep(300);
    await wd.screenshot(path.join(shots, 'forward.png'));
    const before = carolEvents.events.length;
    await (await $(sel('forward-send'))).click();
    await gone(sel('forward-dialog'), 'the dialog closed');
    await gone(sel('select-bar'), 'multi-select ended');
    const comment = await carolEvents.waitFor((e) => e.type === 'new_message' && e.message?.content?.text === 'FYI, the plan', 'the comment at carol');
    const fresh = carolEvents.events.slice(before).filter((e) => e.type === 'new_message' && e.message.conv === CAROL);
    const histories = fresh.filter((e) => e.message.content.type === 'chat_history');
    if (histories.length !== 1) throw new Error(`chat histories at carol: ${histories.length}`);
    const h = histories[0].message;
    const texts = h.content.items.map((i) => i.content.text);
    if (JSON.stringify(texts) !== JSON.stringify([ONE, TWO, THREE])) throw new Error(`items: ${JSON.stringify(texts)}`);
    if (JSON.stringify(h.content.items.map((i) => i.sender)) !== JSON.stringify(['bob', 'alice', 'bob'])) throw new Error('senders');
    if (fresh.some((e) => [ONE, TWO, THREE].includes(e.message.content.text))) throw new Error('the three came one by one too');
    if (!(comment.message.seq > h.seq)) throw new Error('the comment came before the history');
    historySeqAtCarol = h.seq;
  });

  await step('a target that refuses (alice muted in the group) is named in the dialog with its reason; carol still gets the message', async () => {
    await bob.ok(['group', 'mute', group, 'alice', '10']);
    await sleep(500);
    await menu(THREE, 'forward');
    await $(sel('forward-dialog'));
    await pickTarget(GCONV);
    await pickTarget(CAROL);
    await (await $(sel('forward-send'))).click();
    const err = await $(sel('forward-error', `[data-conv="${GCONV}"]`), 'the group’s refusal in the dialog');
    const words = (await err.text()).trim();
    if (!words.startsWith('Trail crew:') || words.length < 'Trail crew: '.length + 8) throw new Error(`refusal: ${words}`);
    await carolEvents.waitFor((e) => e.type === 'new_message' && e.message?.content?.text === THREE && e.message.conv === CAROL, 'the message at carol');
    const still = await wd.execute(`return [...document.querySelectorAll('[data-testid="forward-target"][data-picked="true"]')].map((e) => e.dataset.conv)`);
    if (JSON.stringify(still) !== JSON.stringify([GCONV])) throw new Error(`still picked: ${JSON.stringify(still)}`);
    await (await $(sel('forward-cancel'))).click();
    await gone(sel('forward-dialog'), 'the dialog closed');
    await bob.ok(['group', 'mute', group, 'alice', '0']);
  });

  let outerSeq;
  await step('carol forwards the history and bob’s file back inside a new chat history: alice opens the card in the viewer, the nested one, Back, and downloads the file', async () => {
    // Bob's file goes to carol first (a forward by reference: no new upload).
    const alice2 = json(await alice.ok(['history', 'bob', '--limit', '20']));
    const fileSeq = alice2.find((m) => m.content?.type === 'file')?.seq;
    await alice.ok(['forward', 'bob', String(fileSeq), '--to', 'carol']);
    await carol.ok(['sync']);
    await carol.ok(['send', 'alice', 'Looks good to me']);
    const hist = json(await carol.ok(['history', 'alice', '--limit', '50']));
    const seqOf = (pred, what) => {
      const m = hist.find(pred);
      if (!m?.seq) throw new Error(`no ${what} in carol's history`);
      return m.seq;
    };
    const fwdFile = seqOf((m) => m.content?.type === 'file', 'file');
    const good = seqOf((m) => m.content?.text === 'Looks good to me', 'reply');
    const r = json(await carol.ok(['forward', 'alice', String(historySeqAtCarol), String(fwdFile), String(good), '--to', 'alice', '--merged']));
    outerSeq = r.results[0].seqs[0];
    await (await $(sel('conversation', '[data-peer="carol"]'))).click();
    const OUTER = `${sel('message', `[data-seq="${outerSeq}"]`)} ${sel('history-card')}`;
    const card = await $(OUTER, 'the history card in carol’s chat');
    const title = await textOf(`${OUTER} ${sel('history-card-title')}`);
    if (title !== 'Chat history: You and Carol') throw new Error(`card title: ${title}`);
    const lines = await wd.execute(`return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent)`, [`${OUTER} ${sel('history-card-line')}`]);
    if (lines[0] !== 'You: [Chat history] Chat history' || !lines[1].includes('route.txt') || lines[2] !== 'Carol: Looks good to me') throw new Error(`lines: ${JSON.stringify(lines)}`);
    await card.click();
    await $(sel('history-viewer', '[data-depth="1"]'), 'the viewer');
    const senders = await wd.execute(`return [...document.querySelectorAll('[data-testid="history-item-sender"]')].map((e) => e.textContent)`);
    if (JSON.stringify(senders) !== JSON.stringify(['You', 'You', 'Carol'])) throw new Error(`senders: ${JSON.stringify(senders)}`);
    const times = await wd.execute(`return [...document.querySelectorAll('[data-testid="history-item-time"]')].map((e) => e.textContent)`);
    if (times.length !== 3 || times.some((t) => !/\d/.test(t))) throw new Error(`times: ${JSON.stringify(times)}`);
    await expectAccessible(wd, 'the chat history viewer');
    await (await $(sel('history-nested'))).click();
    await $(sel('history-viewer', '[data-depth="2"]'), 'the nested history on top');
    const inner = await wd.execute(`return [...document.querySelectorAll('[data-testid="history-item-text"]')].map((e) => e.textContent)`);
    if (JSON.stringify(inner) !== JSON.stringify([ONE, TWO, THREE])) throw new Error(`nested: ${JSON.stringify(inner)}`);
    if ((await textOf(sel('history-title'))) !== 'Chat history: Bob and You') throw new Error(`nested title: ${await textOf(sel('history-title'))}`);
    await (await $(sel('history-back'))).click();
    await $(sel('history-viewer', '[data-depth="1"]'), 'Back');
    await $(sel('history-file', '[data-file-name="route.txt"]'), 'bob’s file in the history');
    // The file of item 1 (no upload by carol: the same file id), fetched as the Save button would.
    const conv = 'd:alice:carol';
    const msgs = await invoke('load_messages', { conv, before: null, limit: 20 });
    const m = msgs.find((x) => x.seq === outerSeq);
    const d = await invoke('download_history_file', { conv, seq: outerSeq, clientId: m.client_id, item: [1] });
    if (d.file !== file.content.file.id) throw new Error(`downloaded ${d.file}, bob sent ${file.content.file.id}`);
    // A path to something that is not a file is refused.
    const bad = await invoke('download_history_file', { conv, seq: outerSeq, clientId: m.client_id, item: [2] }).then(() => null, (e) => String(e));
    if (!bad) throw new Error('a text item was downloadable');
  });

  await step('in Chinese at 800×600 the viewer speaks Chinese; screenshot docs/screenshots/zh-CN-forward-800x600.png; Esc closes it', async () => {
    await (await $(sel('history-close'))).click();
    await gone(sel('history-viewer'), 'closed');
    await (await $(sel('nav-profile'))).click();
    await choose('language', 'zh-CN');
    await waitUntil(async () => (await textOf(sel('nav-chats'))).includes('聊天'), { what: 'Chinese' });
    await (await $(sel('nav-chats'))).click();
    await (await $(sel('conversation', '[data-peer="carol"]'))).click();
    const rect = await wd.cmd('GET', '/window/rect');
    await resizeWindow(wd, 800, 600);
    const card = await $(`${sel('message', `[data-seq="${outerSeq}"]`)} ${sel('history-card')}`);
    await wd.execute(`arguments[0].scrollIntoView({ block: 'center' }); arguments[0].focus(); arguments[0].click();`, [ref(card)]);
    await $(sel('history-viewer'), 'the viewer at 800×600');
    const title = await textOf(sel('history-title'));
    if (!title.includes('聊天记录')) throw new Error(`title: ${title}`);
    const problems = await layoutProblems(wd, [sel('history-viewer'), sel('history-close')]);
    if (problems.length) throw new Error(`at 800×600: ${problems.join('; ')}`);
    await sleep(300);
    await wd.screenshot(path.join(shots, 'zh-CN-forward-800x600.png'));
    await wd.execute(`document.querySelector('[data-testid="history-close"]').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))`);
    await gone(sel('history-viewer'), 'Esc closes the viewer');
    await resizeWindow(wd, rect.width, rect.height);
    await (await $(sel('nav-profile'))).click();
    await choose('language', 'en');
    await waitUntil(async () => (await textOf(sel('nav-chats'))).includes('Chats'), { what: 'English again' });
    await (await $(sel('nav-chats'))).click();
  });

  await step('in the group: type @b, pick Bob with the keyboard, send: bob’s client gets the mention; a reply picked the same way carries its mention', async () => {
    await (await $(sel('conversation', `[data-group="${group}"]`))).click();
    await bubbleOf('Crew: who is in?');
    const composer = await $(sel('composer'));
    await composer.type('@b');
    await $(sel('mention-picker'), 'the mention picker');
    await composer.type('\uE007'); // Enter picks the highlighted member
    await gone(sel('mention-picker'), 'the picker closed');
    await composer.type('count me in');
    const typed = await wd.execute(`return document.querySelector('[data-testid="composer"]').value`);
    if (typed !== '@Bob count me in') throw new Error(`composer: ${typed}`);
    await composer.type('\uE007');
    const ev = await bobEvents.waitFor((e) => e.type === 'new_message' && e.message?.content?.text === '@Bob count me in', 'the mention at bob');
    if (JSON.stringify(ev.message.mentions?.users) !== JSON.stringify(['bob'])) throw new Error(`mentions: ${JSON.stringify(ev.message.mentions)}`);
    // The @names a message mentions are marked in its bubble; a mention of me more strongly.
    const marks = (text) => wd.execute(`const t = [...document.querySelectorAll('[data-testid="message-text"]')].find((e) => e.textContent === arguments[0]);
      return t ? JSON.stringify([...t.querySelectorAll('[data-testid="mention"]')].map((e) => [e.textContent, e.dataset.me, getComputedStyle(e).fontWeight])) : null;`, [text]);
    await waitUntil(async () => (await marks('@Bob count me in')) === '[["@Bob","false","600"]]', { what: 'my mention of Bob marked in my bubble' });
    await bob.ok(['send', GCONV, '@Alice bring the stove', '--mention', 'alice']);
    await waitUntil(async () => (await marks('@Alice bring the stove')) === '[["@Alice","true","600"]]', { what: 'bob’s mention of me marked as mine' });
    const ask = json(await bob.ok(['history', GCONV, '--limit', '20'])).find((m) => m.content?.text === 'Crew: who is in?');
    await menu('Crew: who is in?', 'reply');
    await $(sel('composer-mode', '[data-kind="reply"]'), 'the reply banner');
    await composer.type('@b');
    await $(sel('mention-picker'));
    await composer.type('\uE004'); // Tab picks too
    await composer.type('yes');
    await composer.type('\uE007');
    const r = await bobEvents.waitFor((e) => e.type === 'new_message' && e.message?.content?.text === '@Bob yes', 'the reply at bob');
    if (r.message.reply_to !== ask.seq) throw new Error(`reply_to: ${r.message.reply_to}, want ${ask.seq}`);
    if (JSON.stringify(r.message.mentions?.users) !== JSON.stringify(['bob'])) throw new Error(`reply mentions: ${JSON.stringify(r.message.mentions)}`);
  });

  await step('in Chinese: an @ right after Chinese text opens the picker, which finds a member by the pinyin initials of my remark for him; the picked mention is his nickname', async () => {
    await invoke('set_remark', { user: 'bob', remark: '鲍勃' });
    const composer = await $(sel('composer'));
    await composer.type('好的@bb');
    const picker = await $(sel('mention-picker'), 'the mention picker after Chinese text');
    await waitUntil(async () => (await picker.text()).includes('鲍勃'), { what: 'bob found by "bb" (鲍勃)' });
    await composer.type('\uE007');
    await gone(sel('mention-picker'), 'the picker closed');
    const typed = await wd.execute(`return document.querySelector('[data-testid="composer"]').value`);
    if (typed !== '好的@Bob ') throw new Error(`composer: ${JSON.stringify(typed)}`);
    await composer.type('\uE009a\uE000\uE003'); // Ctrl+A, Backspace: the draft goes
    await waitUntil(async () => (await wd.execute(`return document.querySelector('[data-testid="composer"]').value`)) === '', { what: 'the composer emptied' });
    await invoke('set_remark', { user: 'bob', remark: '' });
  });

  await step('the group muted and the window hidden: a plain message notifies nothing, a mention of alice does', async () => {
    await (await $(sel('chat-menu'))).click();
    await (await $(sel('chat-mute-1h'), 'mute for an hour')).click();
    await $(`${sel('conversation', `[data-group="${group}"]`)} ${sel('muted-icon')}`, 'the group muted');
    await invoke('plugin:window|close', { label: 'main' });
    await waitShellIn(wd, (s) => !s.window_visible, 'window hidden');
    const n0 = notes().length;
    await bob.ok(['send', GCONV, 'plain news for the crew']);
    await waitUntil(async () => (await invoke('list_conversations')).find((c) => c.conv === GCONV)?.last?.content.text === 'plain news for the crew', { what: 'the plain message in the app' });
    await sleep(1500);
    if (notes().length !== n0) throw new Error(`the muted group notified: ${JSON.stringify(notes().slice(n0))}`);
    await bob.ok(['send', GCONV, '@Alice please confirm', '--mention', 'alice']);
    await waitUntil(() => notes().length > n0, { what: 'the mention’s notification' });
    await sleep(500);
    const got = notes().slice(n0);
    if (got.length !== 1 || !JSON.stringify(got[0]).includes('please confirm')) throw new Error(`notifications: ${JSON.stringify(got)}`);
  });
}

await runSuite('tern e2e (forward)', steps, main, {
  started,
  driver: () => wd,
  quit: async () => {
    await Promise.race([wd?.quit(), sleep(5000)]);
    fake?.kill('SIGTERM');
  },
});
