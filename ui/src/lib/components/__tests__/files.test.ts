import { mockIPC } from '@tauri-apps/api/mocks';
import { fireEvent, render } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { files } from '../../files.svelte';
import { msg } from '../../test-fixtures';
import DropZone from '../DropZone.svelte';
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
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    if (cmd === 'download_file') return { file: pic.id, url: 'ternfile://localhost/f-pic' };
    return null;
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
    expect(calls[0].args).toEqual({ conv: 'd:alice:bob', seq: 4, clientId: 'd1' });
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

  it('an image is sized from the message before it loads, then shown inline; click previews, Esc closes', async () => {
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
