import { mockIPC } from '@tauri-apps/api/mocks';
import { fireEvent, render } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { files } from '../../stores/app.svelte';
import { flush, msg } from '../../test-fixtures';
import DropZone from '../DropZone.svelte';
import ConfirmOpenDialog from '../ConfirmOpenDialog.svelte';
import ImagePreview from '../ImagePreview.svelte';
import MessageBubble from '../MessageBubble.svelte';

type Call = { cmd: string; args: Record<string, unknown> };
let calls: Call[];

const doc = { id: 'f-doc', name: 'Quarterly report.pdf', size: 1_234_567, mime: 'application/pdf' };
const pic = { id: 'f-pic', name: 'cat.png', size: 20_000, mime: 'image/png' };

beforeEach(() => {
  calls = [];
  files.transfers = {};
  files.imageUrls = {};
  files.preview = null;
  files.confirmOpen = null;
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    if (cmd === 'download_file') return { file: pic.id, url: 'ternfile://localhost/f-pic' };
    // As the app does: types outside the allowlist need a confirmation.
    if (cmd === 'open_file' && !(args as { confirmed: boolean }).confirmed && String((args as { clientId: string }).clientId).startsWith('risky')) {
      throw { code: 'confirm_open', message: '“install.sh” is not a document or media file. Opening it may run a program on your computer. Open it only if you trust the sender.' };
    }
    return null;
  });
});

describe('opening a risky received file', () => {
  const script = { id: 'f-sh', name: 'install.sh', size: 120, mime: 'application/x-sh' };

  it('asks first, naming the file and warning; Cancel opens nothing', async () => {
    const m = msg({ client_id: 'risky1', seq: 7, content: { type: 'file', file: script } });
    const bubble = render(MessageBubble, { m, mine: false, onretry: () => {} });
    const dialog = render(ConfirmOpenDialog);
    expect(dialog.queryByTestId('confirm-open-dialog')).toBeNull();
    await fireEvent.click(bubble.getByTestId('file-open'));
    await flush();
    await tick();
    expect(dialog.getByTestId('confirm-open-name').textContent).toBe('install.sh');
    expect(dialog.getByTestId('confirm-open-warning').textContent).toContain('may run a program');
    expect(document.activeElement).toBe(dialog.getByTestId('confirm-open-cancel'));
    await fireEvent.click(dialog.getByTestId('confirm-open-cancel'));
    expect(dialog.queryByTestId('confirm-open-dialog')).toBeNull();
    expect(calls).toEqual([{ cmd: 'open_file', args: { conv: 'd:alice:bob', seq: 7, clientId: 'risky1', confirmed: false } }]);
  });

  it('"Open anyway" opens it with the confirmation; Esc cancels', async () => {
    const m = msg({ client_id: 'risky2', seq: 8, content: { type: 'file', file: script } });
    const bubble = render(MessageBubble, { m, mine: false, onretry: () => {} });
    const dialog = render(ConfirmOpenDialog);
    await fireEvent.click(bubble.getByTestId('file-open'));
    await flush();
    await tick();
    await fireEvent.click(dialog.getByTestId('confirm-open-ok'));
    await flush();
    expect(dialog.queryByTestId('confirm-open-dialog')).toBeNull();
    expect(calls.map((c) => c.args.confirmed)).toEqual([false, true]);
    expect(calls[1]).toEqual({ cmd: 'open_file', args: { conv: 'd:alice:bob', seq: 8, clientId: 'risky2', confirmed: true } });
    // Asked again, Esc closes it without opening.
    await fireEvent.click(bubble.getByTestId('file-open'));
    await flush();
    await tick();
    expect(dialog.getByTestId('confirm-open-dialog')).toBeTruthy();
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(dialog.queryByTestId('confirm-open-dialog')).toBeNull();
    expect(calls.length).toBe(3);
  });

  it('a document opens at once, with no dialog', async () => {
    const m = msg({ client_id: 'd9', seq: 9, content: { type: 'file', file: doc } });
    const bubble = render(MessageBubble, { m, mine: false, onretry: () => {} });
    const dialog = render(ConfirmOpenDialog);
    await fireEvent.click(bubble.getByTestId('file-open'));
    await flush();
    await tick();
    expect(dialog.queryByTestId('confirm-open-dialog')).toBeNull();
    expect(calls).toEqual([{ cmd: 'open_file', args: { conv: 'd:alice:bob', seq: 9, clientId: 'd9', confirmed: false } }]);
  });
});

describe('file messages', () => {
  it('a file card shows name, human size and Open / Save as… through the app', async () => {
    const m = msg({ client_id: 'd1', seq: 4, content: { type: 'file', file: doc } });
    const { getByTestId } = render(MessageBubble, { m, mine: false, onretry: () => {} });
    expect(getByTestId('file-name').textContent).toBe('Quarterly report.pdf');
    expect(getByTestId('file-size').textContent).toBe('1.2 MB');
    await fireEvent.click(getByTestId('file-open'));
    await fireEvent.click(getByTestId('file-save'));
    expect(calls.map((c) => c.cmd)).toEqual(['open_file', 'save_file_as']);
    expect(calls[0].args).toEqual({ conv: 'd:alice:bob', seq: 4, clientId: 'd1', confirmed: false });
  });

  it('my uploading file shows a progress bar and a cancel button', async () => {
    const m = msg({ client_id: 'u1', outgoing: true, sender: 'alice', state: 'sending', content: { type: 'file', file: doc } });
    files.transfers = { u1: { direction: 'upload', done: 617_283, total: 1_234_567, status: 'active', error: null } };
    const { getByTestId, queryByTestId } = render(MessageBubble, { m, mine: true, onretry: () => {} });
    expect(getByTestId('upload-progress').querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow')).toBe('50');
    expect(queryByTestId('file-open')).toBeNull();
    await fireEvent.click(getByTestId('upload-cancel'));
    expect(calls).toEqual([{ cmd: 'cancel_upload', args: { clientId: 'u1' } }]);
  });

  it('an image is sized from the message before it loads, then shown inline; click previews (with Save as…), Esc closes', async () => {
    const m = msg({ client_id: 'i1', seq: 5, content: { type: 'image', file: pic, width: 1600, height: 900 } });
    const { getByTestId } = render(MessageBubble, { m, mine: false, onretry: () => {} });
    const thumb = getByTestId('image-thumb') as HTMLButtonElement;
    expect(thumb.style.width).toBe('280px');
    expect(thumb.style.height).toBe('158px');
    await new Promise((r) => setTimeout(r, 0));
    await tick();
    const img = getByTestId('inline-image') as HTMLImageElement;
    expect(img.getAttribute('src')).toBe('ternfile://localhost/f-pic');
    expect(calls).toEqual([{ cmd: 'download_file', args: { conv: 'd:alice:bob', seq: 5, clientId: 'i1' } }]);
    const preview = render(ImagePreview);
    await fireEvent.click(thumb);
    expect(preview.getByTestId('image-preview')).toBeTruthy();
    // Save as… from the preview saves this message's file (the app's save dialog).
    await fireEvent.click(preview.getByTestId('image-preview-save'));
    expect(calls.at(-1)).toEqual({ cmd: 'save_file_as', args: { conv: 'd:alice:bob', seq: 5, clientId: 'i1' } });
    expect(preview.getByTestId('image-preview')).toBeTruthy();
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(preview.queryByTestId('image-preview')).toBeNull();
  });

  it('the drop overlay names the chat while files are dragged over the window', async () => {
    const { queryByTestId } = render(DropZone, { title: 'Bob Builder' });
    expect(queryByTestId('drop-overlay')).toBeNull();
    files.dragging = true;
    await tick();
    expect(queryByTestId('drop-overlay')?.textContent).toContain('Drop files to send to Bob Builder');
    files.dragging = false;
    await tick();
    expect(queryByTestId('drop-overlay')).toBeNull();
  });
});
