import { mockIPC } from '@tauri-apps/api/mocks';
import { fireEvent, render } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { msg } from '../../test-fixtures';
import Composer from '../Composer.svelte';
import MessageBubble from '../MessageBubble.svelte';
import MessageList from '../MessageList.svelte';
import { setLocaleChoice } from '../../i18n/index.svelte';

type Call = { cmd: string; args: Record<string, unknown> };
let calls: Call[];

beforeEach(() => {
  calls = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    if (cmd === 'send_text') return msg({ client_id: 'o', outgoing: true, sender: 'alice' });
    return null;
  });
});

describe('MessageBubble', () => {
  it('renders user text as text, never as markup', () => {
    const evil = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    const { container, getByTestId } = render(MessageBubble, { m: msg({ client_id: 'a', content: { type: 'text', text: evil } }), mine: false, onretry: () => {} });
    expect(getByTestId('message-text').textContent).toBe(evil);
    expect(container.querySelector('img, script')).toBeNull();
  });

  it('links web and e-mail addresses only and opens them through the checked command', async () => {
    const text = 'go https://example.com/a or www.example.org, mail bob@example.com, not javascript:alert(1)';
    const { container } = render(MessageBubble, { m: msg({ client_id: 'a', content: { type: 'text', text } }), mine: false, onretry: () => {} });
    const links = container.querySelectorAll('a');
    expect([...links].map((a) => a.getAttribute('href'))).toEqual(['https://example.com/a', 'http://www.example.org', 'mailto:bob@example.com']);
    for (const a of links) await fireEvent.click(a);
    expect(calls.map((c) => c.args.url)).toEqual(['https://example.com/a', 'http://www.example.org', 'mailto:bob@example.com']);
  });

  it('shows delivery state on my messages and a retry on failure', async () => {
    let retried = '';
    const { getByTestId } = render(MessageBubble, {
      m: msg({ client_id: 'f', outgoing: true, sender: 'alice', state: 'failed' }),
      mine: true,
      onretry: (m) => (retried = m.client_id),
    });
    expect(getByTestId('delivery').dataset.state).toBe('failed');
    await fireEvent.click(getByTestId('retry'));
    expect(retried).toBe('f');
  });

  it('names the delivery state in words of the app language, not the raw state', () => {
    onTestFinished(() => setLocaleChoice('system'));
    const mine = (state: 'sending' | 'sent' | 'read' | 'failed') =>
      render(MessageBubble, { m: msg({ client_id: state, outgoing: true, sender: 'alice', state }), mine: true, onretry: () => {} });
    setLocaleChoice('en');
    expect(mine('read').getAllByTestId('delivery').at(-1)?.getAttribute('title')).toBe('Read');
    setLocaleChoice('zh-CN');
    expect(mine('sending').getAllByTestId('delivery').at(-1)?.getAttribute('title')).toBe('发送中…');
  });
});

describe('Composer', () => {
  it('sends on Enter, inserts a newline on Shift+Enter, and clears the draft', async () => {
    const { getByTestId } = render(Composer, { conv: 'd:alice:bob', initialDraft: '' });
    const area = getByTestId('composer') as HTMLTextAreaElement;
    await fireEvent.input(area, { target: { value: 'line one' } });
    await fireEvent.keyDown(area, { key: 'Enter', shiftKey: true });
    expect(calls.some((c) => c.cmd === 'send_text')).toBe(false);
    await fireEvent.keyDown(area, { key: 'Enter' });
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.find((c) => c.cmd === 'send_text')?.args).toEqual({ conv: 'd:alice:bob', text: 'line one' });
    expect(calls.find((c) => c.cmd === 'set_draft')?.args).toEqual({ conv: 'd:alice:bob', draft: '' });
    expect(area.value).toBe('');
  });

  it('starts from the chat draft and pastes only plain text', async () => {
    const { getByTestId } = render(Composer, { conv: 'd:alice:bob', initialDraft: 'saved ' });
    const area = getByTestId('composer') as HTMLTextAreaElement;
    expect(area.value).toBe('saved ');
    area.setSelectionRange(6, 6);
    const data = { getData: (t: string) => (t === 'text/plain' ? 'plain' : '<b>bold</b>') };
    await fireEvent.paste(area, { clipboardData: data });
    expect(area.value).toBe('saved plain');
  });

  it('inserts an emoji from the picker', async () => {
    const { getByTestId, getAllByTestId } = render(Composer, { conv: 'd:alice:bob', initialDraft: '' });
    await fireEvent.click(getByTestId('emoji-button'));
    await fireEvent.click(getAllByTestId('emoji')[0]);
    expect((getByTestId('composer') as HTMLTextAreaElement).value).toBe('😀');
  });
});

/** A ResizeObserver that reports every observed element as 800×600 (jsdom has no layout). */
class FixedSizeObserver {
  constructor(private cb: ResizeObserverCallback) {}
  observe(target: Element): void {
    const size = [{ inlineSize: 800, blockSize: 600 }];
    const entry = { target, contentRect: { width: 800, height: 600 }, borderBoxSize: size, contentBoxSize: size, devicePixelContentBoxSize: size };
    queueMicrotask(() => this.cb([entry as unknown as ResizeObserverEntry], this as unknown as ResizeObserver));
  }
  unobserve(): void {}
  disconnect(): void {}
}

/** A FixedSizeObserver whose observed rows can later be reported at another height (measured after mount, an image decoded). */
class ResizingObserver extends FixedSizeObserver {
  static all: ResizingObserver[] = [];
  targets: Element[] = [];
  constructor(private notify: ResizeObserverCallback) {
    super(notify);
    ResizingObserver.all.push(this);
  }
  override observe(target: Element): void {
    this.targets.push(target);
    super.observe(target);
  }
  /** Reports every observed element except `keep` at `height`. */
  static resize(height: number, keep: Element): void {
    for (const o of ResizingObserver.all) {
      const size = [{ inlineSize: 800, blockSize: height }];
      const entries = o.targets.filter((t) => t !== keep).map((target) => ({ target, contentRect: { width: 800, height }, borderBoxSize: size, contentBoxSize: size, devicePixelContentBoxSize: size }));
      if (entries.length) o.notify(entries as unknown as ResizeObserverEntry[], o as unknown as ResizeObserver);
    }
  }
}

describe('MessageList', () => {
  it('mounts only a window of rows for a 100,000-message chat', async () => {
    const saved = globalThis.ResizeObserver;
    globalThis.ResizeObserver = FixedSizeObserver as unknown as typeof ResizeObserver;
    onTestFinished(() => {
      globalThis.ResizeObserver = saved;
    });
    const messages = Array.from({ length: 100_000 }, (_, i) => msg({ client_id: `m${i}`, seq: i + 1, sent_at: 1_700_000_000_000 + i * 1000 }));
    const { getByTestId, getAllByTestId } = render(MessageList, { messages, hasOlder: false, onolder: async () => false, onretry: () => {} });
    expect(getByTestId('message-list').dataset.count).toBe('100000');
    await new Promise((r) => setTimeout(r, 20));
    const rows = getAllByTestId('message');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(200);
  });
});

describe('MessageList reading', () => {
  const three = [1, 2, 3].map((i) => msg({ client_id: `m${i}`, seq: i, content: { type: 'text', text: `text ${i}` } }));
  const withSize = () => {
    const saved = globalThis.ResizeObserver;
    globalThis.ResizeObserver = FixedSizeObserver as unknown as typeof ResizeObserver;
    onTestFinished(() => {
      globalThis.ResizeObserver = saved;
    });
  };

  it('a chat shown with 2 unread: "Unread messages" above the first of them', async () => {
    withSize();
    const { getByTestId } = render(MessageList, { messages: three, hasOlder: false, onolder: async () => false, onretry: () => {}, unread: 2 });
    await new Promise((r) => setTimeout(r, 20));
    const divider = getByTestId('unread-divider');
    expect(divider.textContent).toBe('Unread messages');
    expect(divider.parentElement?.querySelector('[data-testid="message-text"]')?.textContent).toBe('text 2');
  });

  it('nothing unread: no divider, and the list reports that it shows the newest message', async () => {
    withSize();
    const seen: boolean[] = [];
    const { queryByTestId } = render(MessageList, { messages: three, hasOlder: false, onolder: async () => false, onretry: () => {}, unread: 0, onbottom: (at: boolean) => seen.push(at) });
    await new Promise((r) => setTimeout(r, 20));
    expect(queryByTestId('unread-divider')).toBeNull();
    expect(queryByTestId('new-below')).toBeNull();
    expect(seen).toEqual([true]);
  });

  it('while the first page loads nothing is reported; once loaded, it is', async () => {
    withSize();
    const seen: boolean[] = [];
    const props = { messages: [] as typeof three, hasOlder: false, onolder: async () => false, onretry: () => {}, unread: 1, loading: true, onbottom: (at: boolean) => seen.push(at) };
    const { rerender, getByTestId } = render(MessageList, props);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
    await rerender({ ...props, messages: three, loading: false });
    await new Promise((r) => setTimeout(r, 20));
    expect(getByTestId('unread-divider').parentElement?.querySelector('[data-testid="message-text"]')?.textContent).toBe('text 3');
  });
});

describe('MessageList following', () => {
  const msgs = (n: number) => Array.from({ length: n }, (_, i) => msg({ client_id: `m${i + 1}`, seq: i + 1, content: { type: 'text', text: `text ${i + 1}` } }));

  /** Renders three messages, then holds animation frames back and records the list's scroll writes. */
  async function heldFrames() {
    const saved = globalThis.ResizeObserver;
    ResizingObserver.all = [];
    globalThis.ResizeObserver = ResizingObserver as unknown as typeof ResizeObserver;
    // virtua measures only rows with an offsetParent (jsdom has none): each row 600 px high, the
    // list's viewport 600 px, so three rows overflow it and there is somewhere to scroll to.
    const parent = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'offsetParent');
    Object.defineProperty(HTMLElement.prototype, 'offsetParent', { configurable: true, get() { return this.parentElement; } });
    const props = { messages: msgs(3), hasOlder: false, onolder: async () => false, onretry: () => {}, unread: 0 };
    const view = render(MessageList, props);
    await new Promise((r) => setTimeout(r, 50));
    const frames: FrameRequestCallback[] = [];
    const raf = globalThis.requestAnimationFrame;
    globalThis.requestAnimationFrame = (cb) => frames.push(cb);
    onTestFinished(() => {
      globalThis.ResizeObserver = saved;
      globalThis.requestAnimationFrame = raf;
      if (parent) Object.defineProperty(HTMLElement.prototype, 'offsetParent', parent);
    });
    const vlist = view.getByTestId('message-list').querySelector('.vlist') as HTMLElement;
    // virtua and the follow scroll with element.scrollTo({ top }); jsdom has no layout, so the
    // position is kept here and announced with a scroll event as a browser does.
    const writes: unknown[] = [];
    let top = 0;
    Object.defineProperty(vlist, 'scrollTop', { configurable: true, get: () => top, set: (v: number) => (top = v) });
    vlist.scrollTo = ((o: ScrollToOptions) => {
      writes.push(o.top);
      top = o.top ?? top;
      vlist.dispatchEvent(new Event('scroll'));
    }) as typeof vlist.scrollTo;
    const flush = () => frames.splice(0).forEach((cb) => cb(performance.now()));
    return { view, props, vlist, writes, flush };
  }

  it('a new message while following scrolls to it after layout (the frame this test holds back)', async () => {
    const { view, props, writes, flush } = await heldFrames();
    await view.rerender({ ...props, messages: msgs(4) });
    expect(writes).toEqual([]);
    flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(writes.length).toBeGreaterThan(0);
  });

  it('a follow queued before the user scrolled up does not pull them back down (a burst on a busy machine)', async () => {
    const { view, props, vlist, writes, flush } = await heldFrames();
    await view.rerender({ ...props, messages: msgs(4) });
    await fireEvent.wheel(vlist, { deltaY: -600 });
    flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(writes).toEqual([]);
  });

  it('rows measured after the user scrolled up do not pull them back down (virtua#595: scrollToIndex re-scrolls on size changes)', async () => {
    const { view, props, vlist, writes, flush } = await heldFrames();
    await view.rerender({ ...props, messages: msgs(4) });
    flush();
    await new Promise((r) => setTimeout(r, 5));
    flush();
    await new Promise((r) => setTimeout(r, 5));
    const followed = writes.length;
    expect(followed).toBeGreaterThan(0);
    await fireEvent.wheel(vlist, { deltaY: -600 });
    vlist.scrollTop = 0;
    await fireEvent.scroll(vlist);
    // Within virtua's 150 ms: the rows are measured taller.
    ResizingObserver.resize(900, vlist);
    for (let i = 0; i < 5; i++) {
      flush();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(writes.slice(followed)).toEqual([]);
    expect(vlist.scrollTop).toBe(0);
  });

  it('a wheel turn down (towards the newest) does not cancel the queued follow', async () => {
    const { view, props, vlist, writes, flush } = await heldFrames();
    await view.rerender({ ...props, messages: msgs(4) });
    await fireEvent.wheel(vlist, { deltaY: 120 });
    flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(writes.length).toBeGreaterThan(0);
  });
});

describe('Composer focus', () => {
  it('opening a chat puts the caret in its composer, also after switching chats', async () => {
    const { getByTestId, rerender } = render(Composer, { conv: 'd:alice:bob', initialDraft: '' });
    const area = getByTestId('composer');
    expect(document.activeElement).toBe(area);
    area.blur();
    await rerender({ conv: 'd:alice:carol', initialDraft: '' });
    expect(document.activeElement).toBe(getByTestId('composer'));
  });
});

describe('Composer drafts', () => {
  it('saves the draft of the chat being left and shows the draft of the chat opened', async () => {
    const { getByTestId, rerender } = render(Composer, { conv: 'd:alice:bob', initialDraft: '' });
    const area = getByTestId('composer') as HTMLTextAreaElement;
    await fireEvent.input(area, { target: { value: 'half a thought' } });
    await rerender({ conv: 'd:alice:carol', initialDraft: 'carol draft' });
    expect(area.value).toBe('carol draft');
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.filter((c) => c.cmd === 'set_draft').map((c) => c.args)).toContainEqual({ conv: 'd:alice:bob', draft: 'half a thought' });
  });

  it('saves typing debounced, takes a draft from another device unless I typed since, and clears it on send', async () => {
    // Debounced saves of earlier tests' composers land first; this test counts its own.
    await new Promise((r) => setTimeout(r, 450));
    calls.length = 0;
    const { getByTestId, rerender } = render(Composer, { conv: 'd:alice:bob', initialDraft: '' });
    const area = getByTestId('composer') as HTMLTextAreaElement;
    // Another device saved a draft: the untouched composer shows it.
    await rerender({ conv: 'd:alice:bob', initialDraft: 'from my laptop' });
    expect(area.value).toBe('from my laptop');
    await fireEvent.input(area, { target: { value: 'mine now' } });
    expect(calls.some((c) => c.cmd === 'set_draft')).toBe(false);
    await new Promise((r) => setTimeout(r, 450));
    expect(calls.filter((c) => c.cmd === 'set_draft').map((c) => c.args)).toEqual([{ conv: 'd:alice:bob', draft: 'mine now' }]);
    // A newer draft from elsewhere while I have my own text: mine stays.
    await rerender({ conv: 'd:alice:bob', initialDraft: 'laptop again' });
    expect(area.value).toBe('mine now');
    await fireEvent.keyDown(area, { key: 'Enter' });
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.find((c) => c.cmd === 'send_text')?.args).toMatchObject({ conv: 'd:alice:bob', text: 'mine now' });
    expect(calls.filter((c) => c.cmd === 'set_draft').at(-1)?.args).toEqual({ conv: 'd:alice:bob', draft: '' });
    expect(area.value).toBe('');
  });
});

describe('SettingsPage', () => {
  it('opens the keyboard shortcuts list (otherwise only Ctrl+/ finds it)', async () => {
    const { app } = await import('../../stores/app.svelte');
    const SettingsPage = (await import('../SettingsPage.svelte')).default;
    app.ui.shortcutsOpen = false;
    const { getByTestId } = render(SettingsPage);
    await fireEvent.click(getByTestId('open-shortcuts'));
    expect(app.ui.shortcutsOpen).toBe(true);
    app.ui.shortcutsOpen = false;
  });
});

describe('QuickSwitcher', () => {
  it('gives the caret back where it was when dismissed with Esc', async () => {
    const QuickSwitcher = (await import('../QuickSwitcher.svelte')).default;
    const composer = document.createElement('textarea');
    document.body.append(composer);
    onTestFinished(() => composer.remove());
    composer.focus();
    let closed = false;
    const { getByTestId } = render(QuickSwitcher, { onclose: () => (closed = true) });
    const input = getByTestId('quick-switcher-input');
    await new Promise((r) => setTimeout(r, 0)); // its own focusing (a microtask) is done
    expect(document.activeElement).toBe(input);
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(closed).toBe(true);
    expect(document.activeElement).toBe(composer);
  });
});
