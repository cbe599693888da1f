import { execFile } from 'node:child_process';

// A minimal W3C WebDriver client over fetch: just what the suite needs.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriver {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async connect(base, capabilities) {
    const res = await request(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new WebDriver(base, res.sessionId);
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  async quit() {
    this.closed = true;
    await this.cmd('DELETE', '').catch(() => {});
  }

  async findAll(css) {
    // WebKitWebDriver fails the whole lookup when one match leaves the DOM while it
    // collects them (a virtualised list re-rendering): look again, for at most 2 s.
    const deadline = Date.now() + 2_000;
    for (;;) {
      try {
        const els = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
        return els.map((e) => new Element(this, e[ELEMENT]));
      } catch (e) {
        if (!/stale element reference/.test(e.message) || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async find(css) {
    const [el] = await this.findAll(css);
    return el ?? null;
  }

  /** Waits until `css` matches a displayed element, and returns it. */
  async waitFor(css, { timeout = 15_000, what = css } = {}) {
    let el = null;
    await waitUntil(async () => {
      el = await this.find(css);
      return el !== null;
    }, { timeout, what: `element ${what}` });
    return el;
  }

  execute(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /**
   * A PNG of the app window. WebKitWebDriver's screenshot endpoint hangs under
   * Xvfb, so grab the X screen with ImageMagick and crop to the window.
   */
  async screenshot(file) {
    const r = await this.cmd('GET', '/window/rect').catch(() => null);
    const geometry = r ? [`-crop`, `${r.width}x${r.height}+${r.x}+${r.y}`, '+repage'] : [];
    await new Promise((resolve, reject) =>
      execFile('import', ['-window', 'root', ...geometry, file], (err) => (err ? reject(err) : resolve())),
    );
    return file;
  }

  async setWindowRect(width, height) {
    await this.cmd('POST', '/window/rect', { width, height }).catch(() => {});
  }
}

export class Element {
  constructor(driver, id) {
    this.driver = driver;
    this.id = id;
  }
  cmd(method, path, body) {
    return this.driver.cmd(method, `/element/${this.id}${path}`, body);
  }
  /**
   * Clicks like a user would: first waits until the element stops moving (a chat list
   * still gliding to a message that just arrived moved a button away between WebDriver
   * reading its place and clicking there: the click landed beside it, CI on 441b96d);
   * when something transient covers the element (a toast, a dialog still fading out),
   * waits for it to go, as Playwright's actionability checks do, for at most 5 s; any
   * other error, or a cover that stays, fails at once / then.
   */
  async click() {
    const deadline = Date.now() + 5_000;
    await this.stopsMoving(deadline);
    for (;;) {
      try {
        return await this.cmd('POST', '/click', {});
      } catch (e) {
        // Both are transient while the chat list re-lays out (a new message arriving, an image
        // decoding, a smooth scroll to the bottom): the element is there, just moving.
        if (!/element click intercepted|element not interactable/.test(e.message) || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  /** Waits (until `deadline`) for two readings of the element's box 50 ms apart to agree. */
  async stopsMoving(deadline) {
    let last = null;
    while (Date.now() < deadline) {
      const r = await this.cmd('GET', '/rect').catch(() => null);
      if (!r) return; // gone or not rendered: the click says so
      if (last && r.x === last.x && r.y === last.y && r.width === last.width && r.height === last.height) return;
      last = r;
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  type(text) {
    return this.cmd('POST', '/value', { text });
  }
  clear() {
    return this.cmd('POST', '/clear', {});
  }
  /** The element's text content (WebKitWebDriver's rendered-text endpoint drops ellipsised text). */
  text() {
    return this.driver.execute('return arguments[0].textContent.replace(/\\s+/g, " ").trim()', [{ [ELEMENT]: this.id }]);
  }
  attr(name) {
    return this.cmd('GET', `/attribute/${name}`);
  }
  prop(name) {
    return this.cmd('GET', `/property/${name}`);
  }
  async find(css) {
    const els = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return els.length ? new Element(this.driver, els[0][ELEMENT]) : null;
  }
}

async function request(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    // Creating a session launches the app (WebKit, GTK): on a loaded 2-core CI
    // machine that alone took over 60 s once, so it gets 3 minutes.
    signal: AbortSignal.timeout(method === 'POST' && path === '/session' ? 180_000 : 60_000),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const v = json.value ?? {};
    throw new Error(`WebDriver ${method} ${path}: ${res.status} ${v.error ?? ''} ${v.message ?? JSON.stringify(json)}`);
  }
  return json.value;
}

/** Polls `check` until it returns truthy; fails with `what` after `timeout` ms. */
export async function waitUntil(check, { timeout = 15_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
