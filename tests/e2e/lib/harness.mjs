// Processes the end-to-end suite drives: tern-server, tern-cli users, tauri-driver.

import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { descendants } from './procs.mjs';
import { WebDriver, waitUntil } from './webdriver.mjs';

export { descendants };

const children = [];

/** Kills every process the harness started (on exit or failure). */
export function killAll() {
  for (const c of children.reverse()) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  }
}
process.on('exit', killAll);

export function bin(name) {
  const dir = process.env.TERN_BIN_DIR;
  if (!dir) throw new Error('TERN_BIN_DIR is not set (tests/e2e/run.sh sets it)');
  return path.join(dir, name);
}

export function tempDir(prefix) {
  return mkdtempSync(path.join(os.tmpdir(), `tern-e2e-${prefix}-`));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.push(child);
  const tag = path.basename(cmd);
  const log = [];
  const keep = (d) => {
    log.push(d.toString());
    if (log.length > 200) log.shift();
    if (process.env.TERN_E2E_VERBOSE) process.stderr.write(`[${tag}] ${d}`);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.log = log;
  return child;
}

/** A tern-server on a free port with a fresh data directory. */
export async function startServer(extraArgs = []) {
  const port = await freePort();
  const data = tempDir('server');
  const args = ['--listen', `127.0.0.1:${port}`, '--data-dir', data, ...extraArgs];
  const healthy = () => waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok, { timeout: 20_000, what: 'tern-server /health' });
  const server = {
    url: `ws://127.0.0.1:${port}`,
    port,
    data,
    child: start(bin('tern-server'), args),
    stop: () => server.child.kill('SIGTERM'),
    /** After `stop`: the same server again (port, data), once the old process has exited. */
    async restart() {
      const old = server.child;
      if (old.exitCode === null && old.signalCode === null) await new Promise((r) => old.once('exit', r));
      server.child = start(bin('tern-server'), args);
      await healthy();
    },
  };
  await healthy();
  return server;
}

/** A user driven by tern-cli, with its own data directory. */
export class CliUser {
  constructor(server, user, password) {
    this.server = server;
    this.user = user;
    this.password = password;
    this.dir = tempDir(`cli-${user}`);
  }

  /** Runs one tern-cli command; resolves with {code, stdout, stderr} (never rejects on exit code). */
  run(args, dir = this.dir) {
    return new Promise((resolve) => {
      execFile(bin('tern-cli'), ['--server', this.server.url, '--data-dir', dir, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }

  /** Runs a command that must succeed; returns its stdout. */
  async ok(args, dir) {
    const r = await this.run(args, dir);
    if (r.code !== 0) throw new Error(`tern-cli ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  async register() {
    await this.ok(['register', this.user, this.password]);
    await this.ok(['login', this.user, this.password]);
  }

  /**
   * Starts `tern-cli listen` (or another command that prints events, e.g.
   * `room join <id> --listen`) as a second device; returns a reader of its JSON lines.
   */
  async listen(command = ['listen']) {
    const dir = tempDir(`listen-${this.user}`);
    await this.ok(['login', this.user, this.password], dir);
    const child = start(bin('tern-cli'), ['--server', this.server.url, '--data-dir', dir, ...command], { stdio: ['pipe', 'pipe', 'pipe'] });
    const events = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        events.push(JSON.parse(line));
      } catch {
        /* not an event line */
      }
    });
    return {
      events,
      child,
      /** Waits for an event matching `pred`. */
      waitFor: (pred, what) => waitUntil(() => events.find(pred), { timeout: 20_000, what }),
      stop: () => child.stdin.end(),
    };
  }
}

/**
 * Starts the fake tray host (tests/e2e/fake_tray.py: owns org.kde.StatusNotifierWatcher
 * on the session bus, so closing the window hides it to the tray); resolves with the
 * process once it owns the name. Killed with the other harness processes.
 */
export async function startTray() {
  const child = start('/usr/bin/python3', [path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fake_tray.py')], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (l) => l === 'ready' && resolve());
    child.on('exit', (code) => reject(new Error(`fake_tray.py exited with ${code}`)));
  });
  return child;
}

/**
 * Starts a window manager (openbox, from scripts/deps.sh test) on the Xvfb display:
 * bare Xvfb has none, so nothing would carry out a minimise (iconify) request. Resolves
 * once openbox has announced itself on the root window (_NET_SUPPORTING_WM_CHECK).
 * Killed with the other harness processes.
 */
export async function startWm() {
  const child = start('openbox', ['--sm-disable']);
  await waitUntil(async () => {
    if (child.exitCode !== null) throw new Error(`openbox exited with ${child.exitCode}: ${child.log.join('')}`);
    return (await xprop(['-root', '_NET_SUPPORTING_WM_CHECK'])).includes('window id');
  }, { timeout: 15_000, what: 'openbox running' });
  return child;
}

/** `xprop args…`'s output ('' when it fails). */
export function xprop(args) {
  return new Promise((resolve) => execFile('xprop', args, (err, stdout) => resolve(err ? '' : stdout)));
}

/** tauri-driver on free ports, launching the app with `env`; returns a WebDriver session. */
export async function launchApp(env) {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = start('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], { env: { ...process.env, ...env } });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/status`).catch(() => null)) !== null, { timeout: 15_000, what: 'tauri-driver' });
  const wd = await WebDriver.connect(base, { 'tauri:options': { application: bin('tern') } });
  sessions.add(wd);
  return { wd, driver };
}

/**
 * Ends an app started by `launchApp`: its WebDriver session, tauri-driver, and the app process
 * itself. A leftover app owns the single-instance D-Bus name, so the next launch would hand over
 * to it and exit, and WebDriver would wait its 3 minutes for a window that never comes (the
 * keyring suite failed so once in CI, relaunching right after a sign-out).
 */
export async function quitApp({ wd, driver }) {
  await Promise.race([wd.quit(), new Promise((r) => setTimeout(r, 5000))]);
  driver.kill('SIGTERM');
  await waitUntil(() => driver.exitCode !== null || driver.signalCode !== null, { what: 'tauri-driver exits', timeout: 10_000 });
  const pattern = appPattern();
  const running = () => new Promise((resolve) => execFile('pgrep', ['-f', pattern], (err) => resolve(!err)));
  const exited = async (ms) => {
    for (const end = Date.now() + ms; await running(); ) {
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  };
  if (await exited(10_000)) return;
  execFile('pkill', ['-KILL', '-f', pattern], () => {});
  if (!(await exited(5_000))) throw new Error('the app process did not exit');
}

/** The WebKit web processes under `root` (the app's pid), from /proc. */
export const webProcesses = (root) => descendants(root).filter((p) => p.comm.startsWith('WebKitWebProces'));

/** A `pgrep -f` pattern matching the app process (its binary's path, then arguments or nothing). */
function appPattern() {
  return `^${bin('tern').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( |$)`;
}

/**
 * What a failure report needs to tell a crash from a slow step: whether the app and its web
 * process are alive, and the last lines tauri-driver passed on (WebKitWebDriver's and the app's
 * own output, where a panic or "web process ended" lands).
 */
async function appDiagnostics() {
  const pgrep = (args) => new Promise((resolve) => execFile('pgrep', args, (_, out) => resolve(out.trim())));
  const apps = (await pgrep(['-f', appPattern()])).split('\n').filter(Boolean).map(Number);
  const lines = apps.length
    ? apps.map((pid) => `app process ${pid}, its web processes: ${webProcesses(pid).map((p) => p.pid).join(', ') || 'none'}`)
    : ['app process: none running'];
  const driver = children.filter((c) => c.spawnfile === 'tauri-driver').at(-1);
  if (driver) {
    const tail = driver.log.join('').split('\n').slice(-40).join('\n       | ');
    lines.push(`tauri-driver (${driver.exitCode ?? driver.signalCode ?? 'running'}), its last output:\n       | ${tail}`);
  }
  return lines.join('\n       ');
}

// ---- No raw internals in what the user reads (issue 23 item 7) ----

/** App sessions whose user-facing messages every step checks. */
const sessions = new Set();

/** What the user must never read in a toast or notice: D-Bus names, exit statuses, code quotes. */
export const RAW_INTERNALS = /DBus|D-Bus|ExitStatus|unix_wait_status|`/;

/** Toasts and notices of the app: everything worded for the user that comes from an error. */
const MESSAGES = '[data-testid="toast"], [data-testid="keyring-notice"], [data-testid="remember-reason"], [data-testid="login-error"], [data-testid="ended-reason"], [data-testid="password-error"]';

/** Every text seen in `MESSAGES` since the last collect (a MutationObserver; kept in sessionStorage across reloads). */
const WATCH = `
  const KEY = 'tern-e2e-messages';
  const record = () => {
    const seen = JSON.parse(sessionStorage.getItem(KEY) || '[]');
    let changed = false;
    for (const el of document.querySelectorAll(${JSON.stringify(MESSAGES)})) {
      const t = el.dataset.testid + ': ' + el.textContent.replace(/\s+/g, ' ').trim();
      if (!seen.includes(t)) { seen.push(t); changed = true; }
    }
    if (changed) sessionStorage.setItem(KEY, JSON.stringify(seen));
  };
  if (!window.__ternWatch) {
    window.__ternWatch = new MutationObserver(record);
    window.__ternWatch.observe(document.documentElement, { subtree: true, childList: true, characterData: true });
  }
  record();
  if (arguments[0]) { const all = sessionStorage.getItem(KEY) || '[]'; sessionStorage.removeItem(KEY); return JSON.parse(all); }
  return null;`;

/** All toasts and notices seen so far, by session (for the end-of-suite summary). */
const seenMessages = [];

/** Starts (again, after a reload) recording the app's toasts and notices in every live session. */
async function watchMessages() {
  for (const wd of sessions) {
    if (wd.closed) sessions.delete(wd);
    else await wd.execute(WATCH, [false]).catch(() => {});
  }
}

/**
 * Fails when any toast or notice seen since the last check showed raw internals
 * (`DBus`, `ExitStatus`, a backtick): every suite gets this after each step.
 */
export async function checkMessages() {
  const bad = [];
  for (const wd of sessions) {
    if (wd.closed) continue;
    const seen = await wd.execute(WATCH, [true]).catch(() => []);
    seenMessages.push(...seen);
    bad.push(...seen.filter((t) => RAW_INTERNALS.test(t.slice(t.indexOf(': ') + 2))));
  }
  if (bad.length) throw new Error(`raw internals shown to the user: ${JSON.stringify(bad)}`);
}

export function cleanupDirs(...dirs) {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** Runs a script's named steps, printing `ok`/`FAIL` lines; `failed` tells whether any failed. */
export class Steps {
  failed = false;

  async step(name, fn) {
    const t = Date.now();
    try {
      await watchMessages();
      await fn();
      await checkMessages();
      console.log(`  ok   ${name} (${Date.now() - t} ms)`);
    } catch (e) {
      console.log(`  FAIL ${name}\n       ${e.stack ?? e}`);
      this.failed = true;
      throw e;
    }
  }
}

/**
 * Runs a suite's `main` and ends the process with its result: a failure outside
 * a step is reported as setup, a screenshot of the app (`driver()`, if it has
 * one) is saved, the app is quit (`quit`, default: the driver's quit bounded to
 * 5 s), every harness process is killed, and "<label>: passed|FAILED in N s"
 * is printed.
 */
export async function runSuite(label, steps, main, { started = Date.now(), driver = () => undefined, quit } = {}) {
  try {
    await main();
  } catch (e) {
    if (!steps.failed) console.log(`  FAIL setup\n       ${e.stack ?? e}`);
    steps.failed = true;
    const wd = driver();
    if (wd) {
      const shot = path.join(tempDir('failure'), 'screen.png');
      await wd.screenshot(shot).then(
        () => console.log(`       screenshot of the app: ${shot}`),
        (err) => console.log(`       (no screenshot: ${err.message})`),
      );
      console.log(`       ${await appDiagnostics().catch((err) => `(no diagnostics: ${err.message})`)}`);
    }
  } finally {
    if (quit) await quit().catch(() => {});
    else await Promise.race([driver()?.quit(), new Promise((r) => setTimeout(r, 5000))]);
    killAll();
  }
  console.log(`  (every step checked ${seenMessages.length} toast/notice texts for raw internals: DBus, ExitStatus, backticks)`);
  console.log(`${label}: ${steps.failed ? 'FAILED' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(steps.failed ? 1 : 0);
}

/** CSS selector of an element by its `data-testid`, plus optional extra selector text. */
export const sel = (testid, extra = '') => `[data-testid="${testid}"]${extra}`;

/** Calls an app command from the page of session `wd`, as the UI would. */
export async function invoke(wd, cmd, args = {}) {
  const r = await wd.cmd('POST', '/execute/async', {
    script: 'const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: String(e) }));',
    args: [cmd, args],
  });
  if ('err' in r) throw new Error(`${cmd}: ${r.err}`);
  return r.ok;
}

/**
 * What is wrong with the layout of the elements matching `selectors` (CSS) in session
 * `wd`: each must exist, have a size, lie wholly inside the window, and be the element
 * (or contain the one) found at its centre by document.elementFromPoint, i.e. not be
 * covered. Returns a list of problems, empty when all is well.
 */
export async function layoutProblems(wd, selectors) {
  return wd.execute(`const out = [];
    for (const css of arguments[0]) {
      const els = [...document.querySelectorAll(css)];
      if (!els.length) { out.push(css + ': missing'); continue; }
      for (const el of els) {
        const r = el.getBoundingClientRect();
        const box = [r.left, r.top, r.right, r.bottom].map(Math.round).join(',');
        if (r.width < 1 || r.height < 1) { out.push(css + ': no size'); continue; }
        if (r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5) out.push(css + ': outside the ' + innerWidth + 'x' + innerHeight + ' window at ' + box);
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (!hit || !(hit === el || el.contains(hit))) out.push(css + ': covered at its centre by ' + (hit ? hit.tagName + '.' + hit.className + ' ' + (hit.dataset.testid ?? '') : 'nothing'));
      }
    }
    return out;`, [selectors]);
}

/** Resizes the window of session `wd` and waits until the page has that size. */
export async function resizeWindow(wd, width, height) {
  await wd.setWindowRect(width, height);
  await waitUntil(async () => {
    const s = await wd.execute('return [innerWidth, innerHeight]');
    return s[0] === width && s[1] === height;
  }, { what: `a ${width}x${height} window`, timeout: 10_000 });
  await new Promise((r) => setTimeout(r, 300));
}

/** The id of the element that has the focus in session `wd` (its data-testid), if any. */
export function focusedTestId(wd) {
  return wd.execute('return document.activeElement?.dataset?.testid ?? document.activeElement?.tagName ?? null');
}

/** Waits until the element with data-testid `testid` has the focus. */
export async function waitFocus(wd, testid, what = testid) {
  let last;
  await waitUntil(async () => (last = await focusedTestId(wd)) === testid, { what: `focus in ${what}`, timeout: 5_000 }).catch((e) => {
    throw new Error(`${e.message}; the focus is on ${last}`);
  });
}

/** Waits until the app's `shell_state` satisfies `pred`; returns that state. */
export async function waitShell(wd, pred, what) {
  let last;
  await waitUntil(async () => pred((last = await invoke(wd, 'shell_state'))), { what, timeout: 20_000 }).catch((e) => {
    throw new Error(`${e.message}; last shell_state ${JSON.stringify(last)}`);
  });
  return last;
}
