// End-to-end: the app's language and theme (issue 20 items 2 and 3) in the real
// Tern app (WebKitGTK via tauri-driver) against a real tern-server, with bob on
// tern-cli. First launch: LANG=zh_CN.UTF-8 — the main screens speak Chinese
// (login, chat list, chat, friends, profile), dates too; the in-app switch to
// English survives a reload, "System" goes back to Chinese; the theme switch
// applies; message search (issue 20 item 5): a Chinese and an English term found
// across chats and the jump landing on the message, Ctrl+F in the open chat;
// shortcuts (item 6): Ctrl+Shift+U, Alt+↑/↓, Ctrl+K, Ctrl+/ and Esc. Second launch: English with GTK_THEME=Adwaita:dark — the app follows
// the system's dark preference; Light overrides it. Screenshots:
// docs/screenshots/zh-CN-chat.png, zh-CN-chat-800x600.png, dark-chat.png.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliUser, runSuite, invoke, launchApp, startServer, tempDir, Steps, sel, resizeWindow, layoutProblems } from './lib/harness.mjs';
import { waitUntil } from './lib/webdriver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(root, 'docs/screenshots');
const started = Date.now();
let wd;
const steps = new Steps();
const step = (name, fn) => steps.step(name, fn);
const $ = (css) => wd.waitFor(css);
const textOf = async (css) => (await (await $(css)).text()).trim();
const attrOf = (css, name) => wd.execute(`return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? null`, [css, name]);
const HAN = /[\u4e00-\u9fff]/;

/** Picks an option of a <select> as the user's choice would (value + change event). */
const choose = (testid, value) =>
  wd.execute(`const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true }));`, [sel(testid), value]);

/** Every visible text of the page that contains Latin words (ids, names and messages aside). */
const englishLeft = (allowed) =>
  wd.execute(`const allowed = arguments[0];
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const t = n.textContent.trim();
      if (!/[A-Za-z]{3,}/.test(t) || n.parentElement.closest('[aria-hidden="true"], svg, style, script')) continue;
      if (n.parentElement.offsetParent === null) continue;
      if (!allowed.some((a) => t.includes(a))) out.push(t);
    }
    for (const el of document.querySelectorAll('[title], [placeholder], [aria-label]')) {
      for (const a of ['title', 'placeholder', 'aria-label']) {
        const v = el.getAttribute(a);
        if (v && /[A-Za-z]{3,}/.test(v) && !allowed.some((x) => v.includes(x))) out.push(a + '=' + v);
      }
    }
    return out;`, [allowed]);

async function main() {
  const server = await startServer();
  const bob = new CliUser(server, 'bob', 'bob-password-1');
  console.log(`tern e2e (look): server ${server.url}`);
  await bob.register();
  await bob.ok(['profile', '--nickname', 'Bob']);
  mkdirSync(shots, { recursive: true });
  const appData = tempDir('app');
  const xdgData = tempDir('xdg-data');

  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: appData, XDG_DATA_HOME: xdgData, LANG: 'zh_CN.UTF-8', LANGUAGE: 'zh_CN', LC_ALL: '' }));
  await $(sel('login-form'));
  // Names, ids, the server address and the product name stay as they are.
  const allowed = ['Tern', 'alice', 'bob', 'Bob', 'ws://', 'English', 'Enter', 'Esc', 'Ctrl', 'hello', 'PNG', 'JPEG', 'WebP', 'GIF', 'Secret Service'];

  await step('zh-CN from the environment: the login screen is Chinese (<html lang>, title, fields, buttons), no English left', async () => {
    const langs = await wd.execute('return [navigator.language, document.documentElement.lang]');
    if (langs[1] !== 'zh-CN') throw new Error(`navigator.language ${langs[0]}, <html lang> ${langs[1]}`);
    if ((await textOf(sel('submit'))) !== '登录') throw new Error(`submit: ${await textOf(sel('submit'))}`);
    if (!HAN.test(await textOf(sel('greeting')))) throw new Error('the greeting is not Chinese');
    const left = await englishLeft(allowed);
    if (left.length) throw new Error(`English on the login screen: ${JSON.stringify(left)}`);
  });

  await step('alice registers in Chinese; bob sends Chinese and English; the chat list, the chat (day label 今天) and the composer are Chinese; screenshots at 1400×900 and 800×600; at 800×600 Ctrl+Shift+F opens the search box of the avatars-only list', async () => {
    await (await $(sel('toggle-mode'))).click();
    await (await $(sel('user'))).type('alice');
    await (await $(sel('password'))).type('alice-password-1');
    await (await $(sel('confirm'))).type('alice-password-1');
    await (await $(sel('submit'))).click();
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'alice online' });
    await bob.ok(['friend', 'add', 'alice']);
    await waitUntil(async () => (await invoke(wd, 'list_applications')).received.length === 1, { what: "bob's request" });
    await invoke(wd, 'accept_friend', { user: 'bob' });
    await bob.ok(['send', 'alice', '你好，周末一起去爬山吗？']);
    await bob.ok(['send', 'alice', 'hello alice, the weather looks good']);
    await (await wd.waitFor(sel('conversation', '[data-peer="bob"]'), { what: 'the chat with bob' })).click();
    await waitUntil(async () => (await wd.findAll(sel('message-text'))).length >= 2, { what: 'two messages' });
    const nav = await Promise.all(['nav-chats', 'nav-friends', 'nav-blacklist'].map((t) => textOf(sel(t))));
    if (nav.join('|') !== '聊天|好友|屏蔽') throw new Error(`rail: ${nav.join('|')}`);
    if ((await textOf(sel('connection'))) !== '在线') throw new Error(`connection: ${await textOf(sel('connection'))}`);
    const day = await wd.execute(`return [...document.querySelectorAll('.day span')].map((e) => e.textContent.trim())`);
    if (!day.includes('今天')) throw new Error(`day labels: ${JSON.stringify(day)}`);
    if ((await attrOf(sel('chat-search'), 'placeholder')) !== '搜索聊天') throw new Error('search placeholder');
    if ((await attrOf(sel('composer'), 'placeholder')) !== '输入消息…') throw new Error('composer placeholder');
    const left = await englishLeft([...allowed, 'the weather looks good']);
    if (left.length) throw new Error(`English on the chat screen: ${JSON.stringify(left)}`);
    await new Promise((r) => setTimeout(r, 300));
    await wd.screenshot(path.join(shots, 'zh-CN-chat.png'));
    const rect = await wd.cmd('GET', '/window/rect');
    await resizeWindow(wd, 800, 600);
    const problems = await layoutProblems(wd, [sel('composer'), sel('send'), sel('nav-chats'), sel('nav-profile')]);
    if (problems.length) throw new Error(`at 800×600: ${problems.join('; ')}`);
    await wd.screenshot(path.join(shots, 'zh-CN-chat-800x600.png'));
    // The list is avatars only here: Ctrl+Shift+F shows it whole with its search box, focused;
    // Esc goes back to the avatars.
    if (await wd.find(sel('chat-search'))) throw new Error('at 800×600 the chat list shows its search box');
    await wd.execute(`document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'F', ctrlKey: true, shiftKey: true, bubbles: true }))`);
    await waitUntil(async () => (await wd.execute(`return document.activeElement?.dataset.testid ?? null`)) === 'chat-search', { what: 'Ctrl+Shift+F at 800×600: the search box shown and focused' });
    await wd.execute(`document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))`);
    await waitUntil(async () => (await wd.find(sel('chat-search'))) === null, { what: 'Esc: the list back to avatars' });
    await resizeWindow(wd, rect.width, rect.height);
  });

  /** The marked (found) message in the open chat: its text, and whether it lies inside the list's view. */
  const foundInView = () =>
    wd.execute(`const el = document.querySelector('[data-found="true"]');
      if (!el) return null;
      const r = el.getBoundingClientRect(), v = document.querySelector('[data-testid="message-list"]').getBoundingClientRect();
      return { text: el.textContent, inView: r.top >= v.top - 1 && r.bottom <= v.bottom + 1 };`);

  await step('search across chats: a Chinese term far back in the history is found (grouped under its chat, term marked) and the click lands on it', async () => {
    await bob.ok(['send', 'alice', 'filler line', '--count', '70']);
    await waitUntil(async () => (await wd.execute(`return [...document.querySelectorAll('[data-testid="message-text"]')].some((e) => e.textContent === 'filler line #70')`)), { what: 'the newest filler line', timeout: 30_000 });
    await (await $(sel('chat-search'))).type('爬山');
    const hit = await wd.waitFor(sel('search-hit', '[data-conv]'), { what: 'a search hit' });
    const marks = await wd.execute(`return [...document.querySelectorAll('[data-testid="search-mark"]')].map((e) => e.textContent)`);
    if (!marks.includes('爬山')) throw new Error(`marked: ${JSON.stringify(marks)}`);
    if ((await textOf(sel('search-group-title'))) !== 'Bob') throw new Error('the group is not titled by the chat');
    if ((await textOf('[data-testid="search-results"] .head')) !== '消息') throw new Error('the results heading is not Chinese');
    await hit.click();
    await waitUntil(async () => (await foundInView())?.inView, { what: 'the found message scrolled into view' });
    const f = await foundInView();
    if (!f.text.includes('你好，周末一起去爬山吗？')) throw new Error(`found: ${f.text}`);
    // The history above and below it is loaded (the filler lines after it, the newest too).
    const count = Number(await attrOf(sel('message-list'), 'data-count'));
    if (count < 72) throw new Error(`only ${count} messages loaded around the jump`);
  });

  await step('search across chats: an English term is found and the click lands on it; clearing the box clears the results', async () => {
    const box = await $(sel('chat-search'));
    await box.clear();
    await box.type('weather');
    await waitUntil(async () => (await wd.findAll(sel('search-hit'))).length === 1 && (await wd.execute(`return document.querySelector('[data-testid="search-mark"]')?.textContent`)) === 'weather', { what: 'one hit for weather' });
    await (await $(sel('search-hit'))).click();
    await waitUntil(async () => (await foundInView())?.text.includes('the weather looks good') && (await foundInView()).inView, { what: 'the English message found and shown' });
    await (await $(sel('chat-search-clear'))).click();
    await waitUntil(async () => (await wd.find(sel('search-results'))) === null, { what: 'no results once cleared' });
  });

  await step('Ctrl+F searches the open chat: the count (Chinese), Enter steps to the next older match, Esc closes', async () => {
    await bob.ok(['send', 'alice', '爬山的照片在这里']);
    await wd.execute(`document.querySelector('[data-testid="composer"]').focus()`);
    await wd.execute(`document.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', ctrlKey: true, bubbles: true }))`);
    const find = await wd.waitFor(sel('chat-find'), { what: 'the find bar' });
    await find.type('爬山');
    await waitUntil(async () => (await textOf(sel('chat-find-count'))) === '第 1 条，共 2 条', { what: 'match 1 of 2' });
    await waitUntil(async () => (await foundInView())?.text.includes('爬山的照片在这里'), { what: 'the newest match shown' });
    await wd.execute(`document.querySelector('[data-testid="chat-find"]').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))`);
    await waitUntil(async () => (await textOf(sel('chat-find-count'))) === '第 2 条，共 2 条', { what: 'match 2 of 2' });
    await waitUntil(async () => (await foundInView())?.text.includes('周末一起去爬山') && (await foundInView()).inView, { what: 'the older match shown' });
    await wd.execute(`document.querySelector('[data-testid="chat-find"]').dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))`);
    await waitUntil(async () => (await wd.find(sel('chat-find-bar'))) === null, { what: 'the find bar closed' });
  });

  await step('the friends and profile screens are Chinese too', async () => {
    await (await $(sel('nav-friends'))).click();
    await waitUntil(async () => HAN.test(await textOf('.pane-title')), { what: 'a Chinese title on the friends screen' });
    let left = await englishLeft(allowed);
    if (left.length) throw new Error(`English on the friends screen: ${JSON.stringify(left)}`);
    await (await $(sel('nav-profile'))).click();
    await $(sel('language'));
    left = await englishLeft(allowed);
    if (left.length) throw new Error(`English on the profile screen: ${JSON.stringify(left)}`);
  });

  await step('the language switch: English at once, kept across a reload; "System" is Chinese again', async () => {
    await choose('language', 'en');
    await waitUntil(async () => (await textOf(sel('nav-chats'))) === 'Chats', { what: 'English rail' });
    await wd.execute('location.reload()');
    await wd.waitFor(sel('nav-chats'), { what: 'the app after the reload', timeout: 30_000 });
    await waitUntil(async () => (await textOf(sel('nav-chats'))) === 'Chats', { what: 'still English after the reload' });
    await (await $(sel('nav-profile'))).click();
    await choose('language', 'system');
    await waitUntil(async () => (await textOf(sel('nav-chats'))) === '聊天', { what: 'Chinese again' });
  });

  await step('the theme switch: Dark sets the dark colours, Light the light ones, System follows the desktop (light here)', async () => {
    const bg = () => wd.execute(`return [document.documentElement.dataset.theme, getComputedStyle(document.documentElement).backgroundColor]`);
    if ((await bg())[0] !== 'light') throw new Error(`system theme without GTK dark: ${JSON.stringify(await bg())}`);
    await choose('theme', 'dark');
    await waitUntil(async () => (await bg()).join() === 'dark,rgb(26, 30, 37)', { what: 'dark colours' });
    await choose('theme', 'light');
    await waitUntil(async () => (await bg()).join() === 'light,rgb(255, 255, 255)', { what: 'light colours' });
    await choose('theme', 'system');
  });

  const press = (key, mods = {}) => wd.execute(`document.dispatchEvent(new KeyboardEvent('keydown', { key: arguments[0], bubbles: true, cancelable: true, ...arguments[1] }))`, [key, mods]);
  const activeTitle = () => textOf(sel('chat-title'));

  await step('keyboard: Ctrl+Shift+U opens the next chat with unread messages, Alt+↓/Alt+↑ step through the list, Ctrl+K opens a chat by name, Ctrl+/ shows the shortcuts (Chinese), Esc closes them', async () => {
    const carol = new CliUser(server, 'carol', 'carol-password-1');
    await carol.register();
    await carol.ok(['friend', 'add', 'alice']);
    await waitUntil(async () => (await invoke(wd, 'list_applications')).received.some((a) => a.from === 'carol'), { what: "carol's request" });
    await invoke(wd, 'accept_friend', { user: 'carol' });
    await (await $(sel('nav-chats'))).click();
    await (await wd.waitFor(sel('conversation', '[data-peer="bob"]'))).click();
    await waitUntil(async () => (await activeTitle()) === 'Bob', { what: 'the chat with bob open' });
    await carol.ok(['send', 'alice', 'ping from carol']);
    await wd.waitFor(`${sel('conversation', '[data-peer="carol"]')} ${sel('unread')}`, { what: "carol's unread badge" });
    await press('U', { ctrlKey: true, shiftKey: true });
    await waitUntil(async () => (await activeTitle()) === 'carol', { what: "Ctrl+Shift+U: carol's chat" });
    // The list: carol (newest) above bob.
    await press('ArrowDown', { altKey: true });
    await waitUntil(async () => (await activeTitle()) === 'Bob', { what: 'Alt+↓: bob' });
    await press('ArrowUp', { altKey: true });
    await waitUntil(async () => (await activeTitle()) === 'carol', { what: 'Alt+↑: carol' });
    // Ctrl+K: type part of a name, Enter opens that chat.
    await press('k', { ctrlKey: true });
    const quick = await wd.waitFor(sel('quick-switcher-input'), { what: 'the quick switcher' });
    await quick.type('bo');
    await waitUntil(async () => (await wd.findAll(sel('quick-switcher-item'))).length === 1, { what: 'one match for "bo"' });
    await wd.execute(`document.querySelector('[data-testid="quick-switcher-input"]').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))`);
    await waitUntil(async () => (await activeTitle()) === 'Bob' && (await wd.find(sel('quick-switcher'))) === null, { what: 'Ctrl+K → bob' });
    await press('/', { ctrlKey: true });
    const dialog = await wd.waitFor(sel('shortcuts-dialog'), { what: 'the shortcuts dialog' });
    if (!(await dialog.text()).includes('键盘快捷键')) throw new Error(`dialog: ${await dialog.text()}`);
    await press('Escape');
    await waitUntil(async () => (await wd.find(sel('shortcuts-dialog'))) === null, { what: 'the dialog closed' });
  });

  await wd.quit();
  ({ wd } = await launchApp({ TERN_SERVER_URL: server.url, TERN_APP_DATA_DIR: tempDir('app2'), XDG_DATA_HOME: tempDir('xdg-data2'), LANG: 'en_US.UTF-8', LANGUAGE: 'en_US', GTK_THEME: 'Adwaita:dark' }));
  await $(sel('login-form'));

  await step('GTK_THEME=Adwaita:dark: the app follows the system into the dark theme (English from LANG); alice signs in; screenshot of the chat', async () => {
    const theme = await wd.execute(`return [document.documentElement.dataset.theme, matchMedia('(prefers-color-scheme: dark)').matches, document.documentElement.lang]`);
    if (theme[0] !== 'dark' || theme[2] !== 'en') throw new Error(`theme/lang: ${JSON.stringify(theme)}`);
    if ((await textOf(sel('submit'))) !== 'Sign in') throw new Error('not English');
    await (await $(sel('user'))).clear();
    await (await $(sel('user'))).type('alice');
    await (await $(sel('password'))).type('alice-password-1');
    await (await $(sel('submit'))).click();
    await wd.waitFor(sel('connection', '[data-state="online"]'), { what: 'alice online' });
    await bob.ok(['send', 'alice', 'dark mode looks calm at night']);
    // Wait for the new message to reach the list (it moves bob's row to the top) before clicking,
    // and click again if a re-sort raced the click onto another row.
    await waitUntil(async () => (await textOf(sel('conversation', '[data-peer="bob"]'))).includes('dark mode looks calm'), { what: 'the new message in the chat list' });
    const openTitle = () => wd.execute(`return document.querySelector(arguments[0])?.textContent.trim() ?? null`, [sel('chat-title')]);
    await waitUntil(async () => {
      if ((await openTitle()) !== 'Bob') await (await $(sel('conversation', '[data-peer="bob"]'))).click();
      await new Promise((r) => setTimeout(r, 100));
      return (await openTitle()) === 'Bob';
    }, { what: 'the chat with bob open' });
    await waitUntil(async () => (await wd.findAll(sel('message-text'))).length >= 3, { what: 'the messages' });
    await new Promise((r) => setTimeout(r, 300));
    await wd.screenshot(path.join(shots, 'dark-chat.png'));
  });

  await step('Light overrides the dark system theme; System follows it again', async () => {
    await (await $(sel('nav-profile'))).click();
    await choose('theme', 'light');
    await waitUntil(async () => (await wd.execute('return document.documentElement.dataset.theme')) === 'light', { what: 'light' });
    await choose('theme', 'system');
    await waitUntil(async () => (await wd.execute('return document.documentElement.dataset.theme')) === 'dark', { what: 'dark again' });
  });
  await step('an edit from bob (tern-cli) replaces the text in the open chat, with the "edited" mark', async () => {
    await (await $(sel('nav-chats'))).click();
    await (await wd.waitFor(sel('conversation', '[data-peer="bob"]'), { what: 'the chat with bob' })).click();
    await bob.ok(['send', 'alice', 'see you at noen']);
    await waitUntil(async () => (await wd.execute(`return [...document.querySelectorAll(arguments[0])].some((e) => e.textContent.includes('see you at noen'))`, [sel('message-text')])), { what: 'the typo in the chat' });
    const history = JSON.parse(await bob.ok(['history', 'alice', '--limit', '5']));
    const sent = history.find((m) => m.content?.text === 'see you at noen');
    if (!sent?.seq) throw new Error(`no seq in bob's history: ${JSON.stringify(history).slice(0, 300)}`);
    await bob.ok(['edit', 'alice', String(sent.seq), 'see you at noon']);
    await waitUntil(async () => (await wd.execute(`return [...document.querySelectorAll(arguments[0])].map((e) => e.closest('[data-testid="message"]')).some((m) => m && m.textContent.includes('see you at noon') && m.querySelector('[data-testid="message-edited"]'))`, [sel('message-text')])), { what: 'the new text with the edited mark' });
    const old = await wd.execute(`return [...document.querySelectorAll(arguments[0])].some((e) => e.textContent.includes('see you at noen'))`, [sel('message-text')]);
    if (old) throw new Error('the old text is still shown');
  });
}

runSuite('tern e2e (look)', steps, main, { started, driver: () => wd });
