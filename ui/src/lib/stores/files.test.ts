/**
 * File sending and transfers against a mocked IPC layer: a native drop sends to
 * the open chat through `send_files`, progress events drive the upload bar,
 * a cancelled upload disappears, images get a URL from `download_file`.
 */
import { emit } from '@tauri-apps/api/event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FileDrop, LocalMessage } from '../bindings';
import type { FilesStore } from './files.svelte';
import { App } from './app.svelte';
import { type Calls, type Handler, conv, emitCore as core, flush, mockBackend, msg } from '../test-fixtures';

const CONV = 'd:alice:bob';

const file = { id: 'f-1', name: 'big.bin', size: 5_000_000, mime: 'application/octet-stream' };
const image = { id: 'f-img', name: 'cat.png', size: 2_000, mime: 'image/png' };

function fileMsg(over: Partial<LocalMessage> & { client_id: string }): LocalMessage {
  return msg({ sender: 'alice', outgoing: true, state: 'sending', content: { type: 'file', file }, ...over });
}

function backend(calls: Calls, over: Record<string, Handler> = {}) {
  const session = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
  const base: Record<string, Handler> = {
    default_server_url: () => 'ws://default:7878',
    restore_session: () => ({ session: null, notice: null }),
    keyring_notice: () => null,
    connection_state: () => 'online',
    login: () => session,
    list_conversations: () => [conv({ conv: CONV, last_activity: 1 })],
    load_messages: () => [msg({ client_id: 'm1', seq: 1 })],
    mark_read: () => null,
    ...over,
  };
  // Lists this test does not care about (friends, groups, ...) are empty.
  mockBackend(calls, base, (cmd) => (cmd.startsWith('list_') ? [] : null));
}

const drop = (e: FileDrop) => emit('file-drop', e);

describe('FilesStore', () => {
  let calls: Calls;
  let app: App;
  let files: FilesStore;

  beforeEach(async () => {
    calls = [];
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
  });
  afterEach(() => {
    files?.stop();
    app?.stop();
    vi.restoreAllMocks();
  });

  async function open(over: Record<string, Handler> = {}) {
    backend(calls, over);
    app = new App();
    files = app.files;
    await app.start();
    await files.start();
    await app.session.login('ws://srv', 'alice', 'pw');
    await app.chats.openConversation(CONV);
  }

  it('shows the drop target while dragging and sends dropped files to the open chat', async () => {
    await open({ send_files: (a) => (a.paths as string[]).map((_, i) => fileMsg({ client_id: `up${i}` })) });
    await drop({ kind: 'over', paths: [] });
    expect(files.dragging).toBe(true);
    await drop({ kind: 'drop', paths: ['/tmp/a.bin', '/tmp/b.bin'] });
    await flush();
    expect(files.dragging).toBe(false);
    expect(calls.find((c) => c.cmd === 'send_files')?.args).toEqual({ conv: CONV, paths: ['/tmp/a.bin', '/tmp/b.bin'] });
    expect(app.messages.loaded[CONV].map((m) => m.client_id)).toEqual(['m1', 'up0', 'up1']);
  });

  it('an ack that arrives before send_files returns is not undone by the returned copy', async () => {
    const sending = fileMsg({ client_id: 'fast' });
    await open({
      send_files: async () => {
        // A small upload: the ack event comes first, the command's answer after.
        await core({ type: 'message_acked', message: { ...sending, seq: 2, id: 2, state: 'sent' } });
        return [sending];
      },
    });
    await files.sendFiles(CONV, ['/tmp/small.txt']);
    expect(app.messages.loaded[CONV].find((m) => m.client_id === 'fast')?.state).toBe('sent');
  });

  it('a drag that leaves sends nothing; a drop with no chat open asks to open one', async () => {
    await open();
    await drop({ kind: 'over', paths: [] });
    await drop({ kind: 'leave', paths: [] });
    expect(files.dragging).toBe(false);
    app.chats.activeConv = null;
    await drop({ kind: 'drop', paths: ['/tmp/a.bin'] });
    await flush();
    expect(calls.some((c) => c.cmd === 'send_files')).toBe(false);
    expect(app.ui.toast).toMatch(/Open a chat/);
  });

  it('shows the app\'s refusal (too large, not dropped) as a toast', async () => {
    await open({
      send_files: () => {
        throw { code: 'file_too_large', message: 'big.iso is 3.2 GB; the server accepts files up to 100 MB.' };
      },
    });
    await files.sendFiles(CONV, ['/tmp/big.iso']);
    expect(app.ui.toast).toBe('big.iso is 3.2 GB; the server accepts files up to 100 MB.');
  });

  it('follows upload progress and removes a cancelled upload', async () => {
    const m = fileMsg({ client_id: 'up1' });
    await open({ send_files: () => [m], cancel_upload: () => null });
    await files.sendFiles(CONV, ['/tmp/a.bin']);
    await core({ type: 'transfer_progress', transfer: 'up1', direction: 'upload', done: 1_000_000, total: 5_000_000 });
    expect(files.upload(m)).toMatchObject({ done: 1_000_000, total: 5_000_000, status: 'active' });
    expect(files.download(m)).toBeUndefined();
    await files.cancel(m);
    expect(calls.find((c) => c.cmd === 'cancel_upload')?.args).toEqual({ clientId: 'up1' });
    await core({ type: 'message_removed', conv: CONV, client_id: 'up1' });
    expect(app.messages.loaded[CONV].some((x) => x.client_id === 'up1')).toBe(false);
  });

  it('keeps an upload cancelled before send_files returned out of the chat', async () => {
    const m = fileMsg({ client_id: 'up1' });
    // The core queued the file, the user cancelled it and `message_removed` came,
    // all before the command's result reached the UI.
    await open({ send_files: () => [m] });
    await core({ type: 'message_removed', conv: CONV, client_id: 'up1' });
    await files.sendFiles(CONV, ['/tmp/a.bin']);
    expect(app.messages.loaded[CONV].some((x) => x.client_id === 'up1')).toBe(false);
  });

  it('tracks downloads by file id', async () => {
    await open();
    const m = msg({ client_id: 'r1', seq: 2, content: { type: 'file', file } });
    await core({ type: 'transfer_progress', transfer: file.id, direction: 'download', done: 50, total: 100 });
    expect(files.download(m)).toMatchObject({ done: 50, status: 'active' });
    await core({ type: 'transfer_finished', transfer: file.id, direction: 'download', ok: true, error: null });
    expect(files.download(m)?.status).toBe('done');
  });

  it('loads an image once and keeps its URL; the preview opens and closes', async () => {
    let downloads = 0;
    await open({
      download_file: () => {
        downloads++;
        return { file: image.id, url: 'ternfile://localhost/f-img' };
      },
    });
    const m = msg({ client_id: 'i1', seq: 3, content: { type: 'image', file: image, width: 640, height: 480 } });
    const [a, b] = await Promise.all([files.loadImage(m), files.loadImage(m)]);
    expect(a).toBe('ternfile://localhost/f-img');
    expect(b).toBe(a);
    expect(downloads).toBe(1);
    expect(calls.find((c) => c.cmd === 'download_file')?.args).toEqual({ conv: CONV, seq: 3, clientId: 'i1' });
    expect(files.imageUrls[image.id]).toBe(a);
    files.showPreview(a!, image.name);
    expect(files.preview?.name).toBe('cat.png');
    files.closePreview();
    expect(files.preview).toBeNull();
  });

  it('an image the app will not show inline (no URL) is remembered as a file, once', async () => {
    let downloads = 0;
    await open({
      download_file: () => {
        downloads++;
        return { file: image.id, url: null };
      },
    });
    const m = msg({ client_id: 'i2', seq: 4, content: { type: 'image', file: image, width: 30000, height: 30000 } });
    expect(await files.loadImage(m)).toBeNull();
    expect(await files.loadImage(m)).toBeNull();
    expect(downloads).toBe(1);
    expect(files.notShown[image.id]).toBe(true);
    expect(files.imageUrls[image.id]).toBeUndefined();
  });

  it('the paperclip sends what the dialog returned', async () => {
    await open({ pick_files: () => [fileMsg({ client_id: 'p1' })] });
    await files.pick(CONV);
    expect(calls.find((c) => c.cmd === 'pick_files')?.args).toEqual({ conv: CONV });
    expect(app.messages.loaded[CONV].some((x) => x.client_id === 'p1')).toBe(true);
  });
});
