import { describe, expect, it } from 'vitest';
import { firstField, focusFirst, focusSelf } from './focus';
import { flush } from '../test-fixtures';

function form(html: string): HTMLElement {
  const f = document.createElement('form');
  f.innerHTML = html;
  document.body.replaceChildren(f);
  return f;
}

describe('firstField', () => {
  it('skips hidden, read-only, disabled inputs, checkboxes and buttons', () => {
    const f = form(`
      <button type="button">Close</button>
      <input type="text" name="username" readonly hidden>
      <input type="checkbox">
      <input disabled>
      <input id="want">
      <textarea></textarea>`);
    expect(firstField(f)?.id).toBe('want');
  });

  it("'empty': the first field still empty, else the first", () => {
    const f = form('<input id="server" value="ws://x"><input id="user"><input id="pw">');
    expect(firstField(f, true)?.id).toBe('user');
    expect(firstField(f)?.id).toBe('server');
    expect(firstField(form('<input id="a" value="1"><input id="b" value="2">'), true)?.id).toBe('a');
  });

  it('a textarea or select counts; none at all gives null', () => {
    expect(firstField(form('<textarea id="t"></textarea><input>'))?.id).toBe('t');
    expect(firstField(form('<button>Only a button</button>'))).toBeNull();
  });
});

describe('focusFirst', () => {
  it('puts the focus in the first field', async () => {
    const f = form('<label>Name <input id="name"></label><input id="other">');
    focusFirst(f);
    await flush();
    expect(document.activeElement?.id).toBe('name');
  });
});

describe('focusSelf', () => {
  it('puts the focus on the element itself', async () => {
    const f = form('<input id="before"><button type="button" id="cancel">Cancel</button>');
    focusSelf(f.querySelector('#cancel') as HTMLElement);
    await flush();
    expect(document.activeElement?.id).toBe('cancel');
  });
});
