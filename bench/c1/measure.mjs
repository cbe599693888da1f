// C1 (issue 10): the desktop app's cold start and idle memory vs a hello-world Tauri
// app, both launched the same way (tauri-driver -> WebKitWebDriver -> the app) under
// the same Xvfb and private D-Bus session. Run by bench/c1/run.sh.
//
// Tern: spawn -> login screen rendered; then (credentials typed by WebDriver, not
// timed) submit -> the conversation list rendered with all of the user's
// conversations. Hello: spawn -> its page rendered. Then both sit idle IDLE_SECS and
// PSS (/proc/<pid>/smaps_rollup) is summed over the app process and its
// WebKitWebProcess / WebKitNetworkProcess descendants.
//
// Remembered account (issue 21: cold start to the list <= 1 s): with a Secret Service
// on the bus (run.sh starts gnome-keyring-daemon), alice signs in once with "Remember
// me"; then each run spawns Tern on that data dir and times spawn -> the conversation
// list rendered with all of her conversations, nothing typed.
//
// Tray mode (issue 20 item 7): then Tern's window is closed to the tray (a fake tray
// host, tests/e2e/fake_tray.py, is on the bus) with TERN_TRAY_FREE_AFTER_SECS=C1_TRAY_FREE_SECS;
// once the window is destroyed (no WebKitWebProcess left) the app becomes the
// tray-only program tern-tray (same process id; built beside it by run.sh) and sits
// idle IDLE_SECS more, still signed in and connected, and the same sum is read again
// (over the process, now tern-tray, and anything left under it).
//
// C3 (issue 21): carol's one chat holds C3_MESSAGES messages (sent from her own
// tern-cli device before the app starts). Each run signs her in on a fresh app,
// clicks the chat and reads the UI's measure `tern:chat-first-paint` (click -> the
// frame after the one that showed the newest messages; ui/src/lib/logic/perf.ts),
// then checks that the newest message is in the DOM.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { descendants as descendantsOf } from '../../tests/e2e/lib/procs.mjs';
import { WebDriver, waitUntil } from '../../tests/e2e/lib/webdriver.mjs';

const BIN = process.env.C1_BIN_DIR; // tern, tern-tray, tern-c1-hello
const TOOLS = process.env.C1_TOOLS_DIR ?? BIN; // tern-server, tern-cli
const FRIENDS = Number(process.env.C1_FRIENDS ?? 10);
const PER_FRIEND = Number(process.env.C1_MESSAGES ?? 5);
const IDLE_SECS = Number(process.env.C1_IDLE_SECS ?? 10);
const RUNS = Number(process.env.C1_RUNS ?? 3);
const TRAY_FREE_SECS = Number(process.env.C1_TRAY_FREE_SECS ?? 2);
const C3_MESSAGES = Number(process.env.C3_MESSAGES ?? 100_000);
const children = [];
process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM')));

const tmp = (p) => mkdtempSync(path.join(os.tmpdir(), `tern-c1-${p}-`));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sel = (id, extra = '') => `[data-testid="${id}"]${extra}`;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function start(cmd, args, env = {}) {
  const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  c.stderr.on('data', (d) => process.env.C1_VERBOSE && process.stderr.write(d));
  children.push(c);
  return c;
}

function cli(server, dir, args) {
  return execFileSync(path.join(TOOLS, 'tern-cli'), ['--server', server, '--data-dir', dir, ...args], { encoding: 'utf8', timeout: 60_000 });
}

/** tern-server with alice, FRIENDS friends, each with PER_FRIEND messages to alice. */
async function setupServer() {
  const port = await freePort();
  // Cheap password hashing (as tern-bench): the login here stands in for a remembered
  // session, so the server's argon2 time is not the app's.
  const dir = tmp('server');
  writeFileSync(path.join(dir, 'c1.toml'), 'argon2_memory_kib = 256\nargon2_iterations = 1\n');
  // The per-connection request rate is lifted (as tern-bench does) so that C3's
  // 100,000 messages are sent in seconds, not at 50 requests a second.
  start(path.join(TOOLS, 'tern-server'), ['--listen', `127.0.0.1:${port}`, '--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'c1.toml'), '--rate-per-sec', '1000000', '--rate-burst', '1000000']);
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok, { timeout: 20_000, what: 'tern-server' });
  const url = `ws://127.0.0.1:${port}`;
  const alice = tmp('alice');
  cli(url, alice, ['register', 'alice', 'alice-password-1']);
  cli(url, alice, ['login', 'alice', 'alice-password-1']);
  for (let i = 0; i < FRIENDS; i++) {
    const name = `friend${i}`;
    const dir = tmp(name);
    cli(url, dir, ['register', name, `${name}-password-1`]);
    cli(url, dir, ['login', name, `${name}-password-1`]);
    cli(url, dir, ['friend', 'add', 'alice', '--greeting', `hi from ${name}`]);
    cli(url, alice, ['friend', 'accept', name]);
    const texts = Array.from({ length: PER_FRIEND }, (_, k) => `message ${k + 1} from ${name}`);
    cli(url, dir, ['send', 'alice', ...texts]);
  }
  return url;
}

/**
 * C3: carol, whose one chat (with dave) holds C3_MESSAGES messages, sent from her
 * own tern-cli device: none is unread, so the chat opens at its newest message.
 */
function setupC3(url) {
  const carol = tmp('carol');
  const dave = tmp('dave');
  cli(url, carol, ['register', 'carol', 'carol-password-1']);
  cli(url, carol, ['login', 'carol', 'carol-password-1']);
  cli(url, dave, ['register', 'dave', 'dave-password-1']);
  cli(url, dave, ['login', 'dave', 'dave-password-1']);
  cli(url, dave, ['friend', 'add', 'carol']);
  cli(url, carol, ['friend', 'accept', 'dave']);
  const t0 = performance.now();
  execFileSync(path.join(TOOLS, 'tern-cli'), ['--server', url, '--data-dir', carol, '--timeout', '900', 'send', 'dave', 'c3 message', '--count', String(C3_MESSAGES)], { stdio: 'ignore', timeout: 600_000 });
  return performance.now() - t0;
}

/**
 * C3: signs carol in on a fresh app, clicks her chat once the list shows it and
 * reads the UI's performance measure (ui/src/lib/logic/perf.ts): click -> the
 * first frame painted with the chat's newest messages. Also checks, through
 * WebDriver, that the newest message is the one shown.
 */
async function c3(server) {
  const run = await launch('tern', { TERN_SERVER_URL: server, TERN_APP_DATA_DIR: tmp('app-c3') });
  const { wd } = run;
  await (await wd.waitFor(sel('user'))).clear();
  await (await wd.waitFor(sel('user'))).type('carol');
  await (await wd.waitFor(sel('password'))).type('carol-password-1');
  await (await wd.waitFor(sel('submit'))).click();
  const chat = await wd.waitFor(sel('conversation'), { timeout: 60_000, what: "carol's chat listed" });
  await sleep(2000); // the login's sync settles
  if (process.env.C3_PERF) {
    // perf records the whole machine (cpu-clock, call graphs) from 300 ms before the click, for 1 s.
    spawn('perf', ['record', '-a', '-g', '-e', 'cpu-clock', '-F', '10000', '-o', process.env.C3_PERF, '--', 'sleep', '1'], { stdio: 'ignore' });
    await sleep(300);
  }
  await chat.click();
  let measure = null;
  await waitUntil(
    async () => (measure = await wd.execute("const m = performance.getEntriesByName('tern:chat-first-paint'); return m.length ? m[m.length - 1].duration : null")) !== null,
    { timeout: 30_000, interval: 20, what: 'the chat-first-paint measure' },
  );
  const loaded = await wd.execute("const o = performance.getEntriesByName('tern:chat-open'), l = performance.getEntriesByName('tern:chat-loaded'); return o.length && l.length ? l[l.length - 1].startTime - o[o.length - 1].startTime : null");
  // C3_MARKS: every performance mark from the click on (e.g. marks added while profiling).
  if (process.env.C3_MARKS) console.log('c3: marks', JSON.stringify(await wd.execute(`
    const o = performance.getEntriesByName('tern:chat-open')[0].startTime;
    return performance.getEntriesByType('mark').filter((m) => m.startTime >= o - 1).map((m) => m.name.replace('tern:', '') + '@' + Math.round(m.startTime - o)).join(' ');`)),
    'rows', JSON.stringify(await wd.execute(`
    const rows = [...document.querySelectorAll('[data-testid="message-list"] [data-client-id]')].map((e) => Math.round(e.closest('.item')?.getBoundingClientRect().height ?? 0)).sort((a, b) => a - b);
    return { viewport: document.querySelector('[data-testid="message-list"]').clientHeight, mounted: rows.length, min: rows[0], median: rows[rows.length >> 1] };`)));
  const newest = `c3 message #${C3_MESSAGES}`;
  const texts = await wd.execute('return [...document.querySelectorAll(\'[data-testid="message"]\')].map((e) => e.textContent)');
  if (!texts.some((t) => t.includes(newest))) throw new Error(`C3: the newest message (${newest}) is not shown; shown: ${texts.slice(-3).join(' | ')}`);
  const shown = texts.length;
  await close(run);
  return { measure, loaded, shown };
}

/** Descendants of `root` (pid), from /proc: their pids. */
const descendants = (root) => descendantsOf(root).map((p) => p.pid);

const comm = (pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
function rollup(pid, field) {
  const m = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : 0;
}
const pssKb = (pid) => rollup(pid, 'Pss');
// Private (USS): not shared with any other process, so it does not depend on what
// else runs on the machine (PSS does: shared WebKit pages are split among users).
const ussKb = (pid) => rollup(pid, 'Private_Clean') + rollup(pid, 'Private_Dirty');

/** PSS of the app (named `appComm`) and its WebKit*Process descendants. */
function memory(driverPid, appComm) {
  const app = descendants(driverPid).find((p) => comm(p) === appComm.slice(0, 15));
  if (!app) throw new Error(`no ${appComm} process under tauri-driver`);
  // comm is cut at 15 characters: WebKitWebProces, WebKitNetworkPr.
  const under = descendants(app);
  const procs = [app, ...under.filter((p) => /^WebKit(Web|Network)P/.test(comm(p)))];
  const parts = procs.map((p) => ({ pid: p, comm: comm(p), pss: pssKb(p), uss: ussKb(p) }));
  const others = under.filter((p) => !procs.includes(p)).map((p) => `${comm(p)} ${(pssKb(p) / 1024).toFixed(1)} MB`);
  if (process.env.C1_MAPS_DIR) {
    // Every mapping's PSS per process, to compare the two apps mapping by mapping.
    for (const p of procs) writeFileSync(path.join(process.env.C1_MAPS_DIR, `${appComm}-${comm(p)}-${Date.now()}.tsv`), mappings(p).map(([k, v]) => `${v}\t${k}`).join('\n') + '\n');
  }
  return { total: parts.reduce((a, b) => a + b.pss, 0), uss: parts.reduce((a, b) => a + b.uss, 0), parts, others };
}

async function launch(app, env) {
  if (app === 'tern' && process.env.C1_TERN_ENV) env = { ...env, ...Object.fromEntries(process.env.C1_TERN_ENV.split(' ').map((kv) => kv.split('='))) };
  const port = await freePort();
  const driver = start('tauri-driver', ['--port', String(port), '--native-port', String(await freePort())], env);
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/status`).catch(() => null)) !== null, { timeout: 15_000, what: 'tauri-driver' });
  const t0 = performance.now();
  const wd = await WebDriver.connect(base, { 'tauri:options': { application: path.join(BIN, app) } });
  return { wd, driver, t0 };
}

async function close({ wd, driver }) {
  // In tray mode the session is gone (WebKit ends it with the network process the
  // trim ends): the app is ended by its process id, so that no instance is left to
  // take the next run's launch (the single-instance plugin would hand it over).
  const apps = descendants(driver.pid).filter((p) => ['tern', 'tern-tray', 'tern-c1-hello'].includes(comm(p)));
  await Promise.race([wd.quit().catch(() => {}), sleep(5000)]);
  driver.kill('SIGTERM');
  for (const p of apps) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  await sleep(1500);
}

/** The fake tray host of the e2e suite, so closing the window hides it to the tray. */
async function startTray() {
  const c = spawn('/usr/bin/python3', [path.join(path.dirname(new URL(import.meta.url).pathname), '../../tests/e2e/fake_tray.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  await new Promise((resolve, reject) => {
    c.stdout.on('data', (d) => d.toString().includes('ready') && resolve());
    c.on('exit', (code) => reject(new Error(`fake_tray.py exited with ${code}`)));
  });
}

/** Closes Tern's window to the tray and waits until tray mode destroyed it; then idles and reads memory. */
async function trayMode(run) {
  await run.wd.cmd('POST', '/execute/async', {
    script: 'const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke("plugin:window|close", { label: "main" }).then(() => done(1), () => done(0));',
    args: [],
  });
  const app = descendants(run.driver.pid).find((p) => comm(p) === 'tern');
  await waitUntil(() => !descendants(app).some((p) => comm(p).startsWith('WebKitWebProces')), { timeout: 60_000, what: 'the window freed (no WebKitWebProcess)' });
  if (process.env.C1_PERF_FAULTS) spawn('perf', ['record', '-e', 'page-faults', '-c', '1', '-p', String(app), '-o', process.env.C1_PERF_FAULTS, '--', 'sleep', '12'], { stdio: 'ignore' });
  // The app becomes tern-tray (src-tauri/handoff.rs): its WebKit network process ends with it.
  await waitUntil(() => comm(app) === 'tern-tray', { timeout: 60_000, what: 'the app became tern-tray' });
  await waitUntil(() => !descendants(app).some((p) => comm(p).startsWith('WebKit')), { timeout: 60_000, what: 'the network process ended' });
  await sleep(500);
  if (process.env.C1_VERBOSE) console.log(`c1: tray mode just after the trim: PSS ${(pssKb(app) / 1024).toFixed(1)} MB; largest mappings:\n${mappings(app).slice(0, 12).map(([k, v]) => `   ${(v / 1024).toFixed(1).padStart(6)} MB  ${k}`).join('\n')}`);
  await sleep(IDLE_SECS * 1000);
  if (process.env.C1_VERBOSE) console.log(`c1: tray mode, the app's largest mappings by PSS:\n${mappings(app).slice(0, 25).map(([k, v]) => `   ${(v / 1024).toFixed(1).padStart(6)} MB  ${k}`).join('\n')}`);
  return memory(run.driver.pid, 'tern-tray');
}

/** PSS (kB) per mapped file (or [heap], [stack], anonymous) of `pid`, largest first. */
function mappings(pid) {
  const sums = new Map();
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = line.match(/^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/);
    if (head) name = `${head[2] || '[anonymous]'} ${head[1]}`;
    const pss = line.match(/^Pss:\s+(\d+) kB/);
    if (pss) sums.set(name, (sums.get(name) ?? 0) + Number(pss[1]));
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}

async function hello() {
  const run = await launch('tern-c1-hello', {});
  await waitUntil(() => run.wd.find('#hello'), { timeout: 60_000, interval: 10, what: 'hello page' });
  const shown = performance.now() - run.t0;
  await sleep(IDLE_SECS * 1000);
  if (process.env.C1_SHOT) await run.wd.screenshot(path.join(process.env.C1_SHOT, `hello-idle-${Date.now()}.png`));
  const mem = memory(run.driver.pid, 'tern-c1-hello');
  await close(run);
  return { shown, mem };
}

async function tern(server) {
  const run = await launch('tern', { TERN_SERVER_URL: server, TERN_APP_DATA_DIR: tmp('app'), TERN_TRAY_FREE_AFTER_SECS: String(TRAY_FREE_SECS) });
  const { wd } = run;
  await waitUntil(() => wd.find(sel('login-form')), { timeout: 60_000, interval: 10, what: 'login screen' });
  const loginShown = performance.now() - run.t0;
  // (From the second run on, the login screen offers the last user id: replaced.)
  await (await wd.waitFor(sel('user'))).clear();
  await (await wd.waitFor(sel('user'))).type('alice');
  await (await wd.waitFor(sel('password'))).type('alice-password-1');
  const submit = await wd.waitFor(sel('submit'));
  const t1 = performance.now();
  await submit.click();
  await waitUntil(async () => (await wd.findAll(sel('conversation'))).length >= FRIENDS, { timeout: 60_000, what: `${FRIENDS} conversations listed`, interval: 10 }).catch(async (e) => {
    const shot = path.join(tmp('failure'), 'screen.png');
    await wd.screenshot(shot).then(() => console.log(`c1: screenshot of the app: ${shot}`), () => {});
    throw e;
  });
  const listShown = performance.now() - t1;
  await sleep(IDLE_SECS * 1000);
  if (process.env.C1_SHOT) await wd.screenshot(path.join(process.env.C1_SHOT, `tern-idle-${Date.now()}.png`));
  if (process.env.C1_SNAPSHOT) {
    // The idle screen as a static page (its DOM and every style rule, no script), for the
    // hello-world app to show in its place: what the page costs without the UI's JavaScript.
    const html = await wd.execute(`const css = [...document.styleSheets].map((s) => [...s.cssRules].map((r) => r.cssText).join('\\n')).join('\\n');
      const doc = document.documentElement.cloneNode(true);
      doc.querySelectorAll('script, link[rel="stylesheet"], style').forEach((e) => e.remove());
      const style = document.createElement('style');
      style.textContent = css;
      doc.querySelector('head').append(style);
      doc.querySelector('body').insertAdjacentHTML('beforeend', '<div id="hello" hidden></div>');
      return '<!doctype html>' + doc.outerHTML;`);
    writeFileSync(process.env.C1_SNAPSHOT, html);
  }
  const mem = memory(run.driver.pid, 'tern');
  const tray = await trayMode(run);
  await close(run);
  return { loginShown, listShown, mem, tray };
}

/** Alice signs in once with "Remember me" on data dir `dir`; the app is closed after. */
async function remember(server, dir) {
  const run = await launch('tern', { TERN_SERVER_URL: server, TERN_APP_DATA_DIR: dir });
  const { wd } = run;
  await (await wd.waitFor(sel('user'))).clear();
  await (await wd.waitFor(sel('user'))).type('alice');
  await (await wd.waitFor(sel('password'))).type('alice-password-1');
  const box = await wd.waitFor(sel('remember'));
  if (await box.prop('disabled')) throw new Error('"Remember me" is off: no Secret Service on the bus (gnome-keyring-daemon)');
  await box.click();
  await (await wd.waitFor(sel('submit'))).click();
  await waitUntil(async () => (await wd.findAll(sel('conversation'))).length >= FRIENDS, { timeout: 60_000, what: `${FRIENDS} conversations listed` });
  await close(run);
}

/** Spawn -> the conversation list rendered, signed in from the keyring (nothing typed). */
async function rememberedStart(server, dir) {
  const run = await launch('tern', { TERN_SERVER_URL: server, TERN_APP_DATA_DIR: dir });
  await waitUntil(async () => (await run.wd.findAll(sel('conversation'))).length >= FRIENDS, { timeout: 60_000, interval: 10, what: `${FRIENDS} conversations listed (remembered account)` });
  const listed = performance.now() - run.t0;
  if (await run.wd.find(sel('login-form'))) throw new Error('the login screen showed: the account was not remembered');
  await close(run);
  return listed;
}

const ms = (x) => `${x.toFixed(0)} ms`;
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const server = await setupServer();
  await startTray();
  console.log(`c1: server ${server}, alice with ${FRIENDS} friends x ${PER_FRIEND} messages; ${RUNS} runs each, alternating; idle ${IDLE_SECS} s before reading PSS`);
  const H = [];
  const T = [];
  if (process.env.C3_ONLY) {
    // Only C3 (e.g. while working on it).
    console.log(`c3: carol sent ${C3_MESSAGES} messages to dave from tern-cli in ${ms(setupC3(server))}`);
    for (let i = 0; i < RUNS; i++) {
      const r = await c3(server);
      console.log(`c3: run ${i + 1}: click -> first frame with the newest messages painted ${r.measure.toFixed(1)} ms (its first page back from the backend at ${r.loaded?.toFixed(1)} ms; ${r.shown} messages in the DOM)`);
    }
    return;
  }
  for (let i = 0; i < RUNS; i++) {
    const h = await hello();
    console.log(`c1: hello run ${i + 1}: window content shown ${ms(h.shown)}, PSS ${mb(h.mem.total)}, USS ${mb(h.mem.uss)} (${h.mem.parts.map((p) => `${p.comm} ${mb(p.pss)}`).join(', ')}; not counted: ${h.mem.others.join(', ') || 'none'})`);
    H.push(h);
    const t = await tern(server);
    console.log(`c1: tern  run ${i + 1}: login screen ${ms(t.loginShown)}, submit -> ${FRIENDS} conversations listed ${ms(t.listShown)}, PSS ${mb(t.mem.total)}, USS ${mb(t.mem.uss)} (${t.mem.parts.map((p) => `${p.comm} ${mb(p.pss)}`).join(', ')}; not counted: ${t.mem.others.join(', ') || 'none'})`);
    console.log(`c1: tern  run ${i + 1}: tray mode (window freed, signed in): PSS ${mb(t.tray.total)}, USS ${mb(t.tray.uss)} (${t.tray.parts.map((p) => `${p.comm} ${mb(p.pss)}`).join(', ')}; not counted: ${t.tray.others.join(', ') || 'none'})`);
    T.push(t);
  }
  const sendMs = setupC3(server);
  console.log(`c3: carol sent ${C3_MESSAGES} messages to dave from tern-cli in ${ms(sendMs)}`);
  const C3 = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await c3(server);
    console.log(`c3: run ${i + 1}: click -> first frame with the newest messages painted ${r.measure.toFixed(1)} ms (its first page back from the backend at ${r.loaded?.toFixed(1)} ms; ${r.shown} messages in the DOM)`);
    C3.push(r.measure);
  }
  const remembered = [];
  const dir = tmp('remembered');
  await remember(server, dir);
  for (let i = 0; i < RUNS; i++) {
    remembered.push(await rememberedStart(server, dir));
    console.log(`c1: tern  run ${i + 1}: remembered account, spawn -> ${FRIENDS} conversations listed ${ms(remembered[i])}`);
  }
  const hShown = median(H.map((h) => h.shown));
  const hPss = median(H.map((h) => h.mem.total));
  const tLogin = median(T.map((t) => t.loginShown));
  const tList = median(T.map((t) => t.listShown));
  const tPss = median(T.map((t) => t.mem.total));
  const hUss = median(H.map((h) => h.mem.uss));
  const tUss = median(T.map((t) => t.mem.uss));
  const trayPss = median(T.map((t) => t.tray.total));
  const trayUss = median(T.map((t) => t.tray.uss));
  console.log('\n| C1 (medians of ' + RUNS + ' runs) | hello-world Tauri | Tern | difference |');
  console.log('|---|---|---|---|');
  console.log(`| spawn -> first screen rendered (hello page / login screen) | ${ms(hShown)} | ${ms(tLogin)} | +${ms(tLogin - hShown)} |`);
  console.log(`| login submitted -> conversation list rendered (${FRIENDS} conversations) | — | ${ms(tList)} | — |`);
  console.log(`| cold start to conversation list (sum of the two, typing excluded) | — | ${ms(tLogin + tList)} | — |`);
  const rStart = median(remembered);
  console.log(`| cold start to conversation list, remembered account (spawn -> list, nothing typed) | — | ${ms(rStart)} | target ≤ 1 s: ${rStart <= 1000 ? 'met' : 'NOT met'} |`);
  console.log(`| idle PSS after ${IDLE_SECS} s (app + WebKitWebProcess + WebKitNetworkProcess) | ${mb(hPss)} | ${mb(tPss)} | +${mb(tPss - hPss)} (target ≤ +40 MB: ${tPss - hPss <= 40 * 1024 ? 'met' : 'NOT met'}) |`);
  console.log(`| context: idle private memory (USS) of the same processes | ${mb(hUss)} | ${mb(tUss)} | +${mb(tUss - hUss)} |`);
  console.log(`| tray mode: PSS after the window was freed + ${IDLE_SECS} s (same processes; signed in, connected) | — | ${mb(trayPss)} | target < 40 MB: ${trayPss < 40 * 1024 ? 'met' : 'NOT met'} |`);
  console.log(`| context: tray mode USS | — | ${mb(trayUss)} | — |`);
  const c3Median = median(C3);
  console.log(`| C3: open a chat of ${C3_MESSAGES} messages, click -> first paint of the newest (performance marks) | — | ${c3Median.toFixed(1)} ms | target < 100 ms: ${c3Median < 100 ? 'met' : 'NOT met'} |`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`c1: failed: ${e.stack ?? e}`);
    process.exit(1);
  },
);
