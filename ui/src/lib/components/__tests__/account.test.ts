import { fireEvent, render } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { app } from '../../stores/app.svelte';
import { type Calls, flush, mockBackend } from '../../test-fixtures';
import AccountDialog from '../AccountDialog.svelte';
import Profile from '../Profile.svelte';
import ConnectionStatus from '../ConnectionStatus.svelte';

let calls: Calls;
let closed: number;

/** An AppError as the shell rejects a command with it. */
const refuse = (code: string, message: string) => () => {
  throw { code, message };
};

function signIn() {
  app.session.current = { user: 'alice', server_url: 'ws://srv', profile: { user: 'alice', nickname: 'Alice', avatar: null, signature: '' } };
  app.ui.toast = null;
  app.ui.accountOpen = false;
}

function open() {
  closed = 0;
  return render(AccountDialog, { onclose: () => closed++ });
}

async function fill(get: (id: string) => HTMLElement, current: string, next: string, repeat: string) {
  await fireEvent.input(get('current-password'), { target: { value: current } });
  await fireEvent.input(get('new-password'), { target: { value: next } });
  await fireEvent.input(get('repeat-password'), { target: { value: repeat } });
}

beforeEach(() => {
  calls = [];
  signIn();
});

describe('AccountDialog: change password', () => {
  it('has password inputs with autocomplete hints and focuses the current password', async () => {
    mockBackend(calls, {});
    const { getByTestId } = open();
    await flush();
    const current = getByTestId('current-password') as HTMLInputElement;
    expect(current.type).toBe('password');
    expect(current.autocomplete).toBe('current-password');
    for (const id of ['new-password', 'repeat-password']) {
      const el = getByTestId(id) as HTMLInputElement;
      expect([el.type, el.autocomplete]).toEqual(['password', 'new-password']);
    }
    expect(document.activeElement).toBe(current);
  });

  it('blocks a mismatch and empty fields without asking the app', async () => {
    mockBackend(calls, {});
    const { getByTestId } = open();
    await fill(getByTestId, 'old password', 'new password 1', 'new password 2');
    await fireEvent.submit(getByTestId('password-form'));
    await flush();
    expect(getByTestId('password-error').textContent).toBe('The new passwords do not match.');
    expect(document.activeElement).toBe(getByTestId('repeat-password'));

    await fill(getByTestId, 'old password', '', '');
    await fireEvent.click(getByTestId('change-password'));
    await flush();
    expect(getByTestId('password-error').textContent).toBe('Choose a new password.');

    await fill(getByTestId, '', 'new password 1', 'new password 1');
    await fireEvent.submit(getByTestId('password-form'));
    await flush();
    expect(getByTestId('password-error').textContent).toBe('Enter your current password.');
    expect(calls).toEqual([]);
    expect(closed).toBe(0);
  });

  it('sends the passwords as typed, closes and shows the toast', async () => {
    mockBackend(calls, { change_password: () => null });
    const { getByTestId } = open();
    await fill(getByTestId, ' old password', 'new password 1 ', 'new password 1 ');
    await fireEvent.submit(getByTestId('password-form'));
    await flush();
    expect(calls).toEqual([{ cmd: 'change_password', args: { oldPassword: ' old password', newPassword: 'new password 1 ' } }]);
    expect(closed).toBe(1);
    expect(app.ui.toast).toBe('Password changed; your other devices were signed out.');
  });

  it('shows a wrong current password inline, clears it and stays open', async () => {
    mockBackend(calls, { change_password: refuse('wrong_password', 'The current password is wrong.') });
    const { getByTestId } = open();
    await fill(getByTestId, 'nope', 'new password 1', 'new password 1');
    await fireEvent.submit(getByTestId('password-form'));
    await flush();
    const err = getByTestId('password-error');
    expect([err.dataset.code, err.textContent]).toEqual(['wrong_password', 'The current password is wrong.']);
    expect((getByTestId('current-password') as HTMLInputElement).value).toBe('');
    expect((getByTestId('new-password') as HTMLInputElement).value).toBe('new password 1');
    expect(document.activeElement).toBe(getByTestId('current-password'));
    expect(closed).toBe(0);
    expect(app.ui.toast).toBeNull();
  });

  it('shows the server length rule and a lockout inline', async () => {
    let answer = refuse('invalid_argument', 'The new password must be 8 to 256 characters.');
    mockBackend(calls, { change_password: () => answer() });
    const { getByTestId } = open();
    await fill(getByTestId, 'old password', 'short', 'short');
    await fireEvent.submit(getByTestId('password-form'));
    await flush();
    expect(getByTestId('password-error').textContent).toBe('The new password must be 8 to 256 characters.');
    expect(document.activeElement).toBe(getByTestId('new-password'));

    answer = refuse('locked_out', 'Too many wrong passwords. Try again in 60 s.');
    await fireEvent.submit(getByTestId('password-form'));
    await flush();
    expect(getByTestId('password-error').textContent).toBe('Too many wrong passwords. Try again in 60 s.');
    expect(calls.filter((c) => c.cmd === 'change_password')).toHaveLength(2);
    expect(closed).toBe(0);
  });

  it('closes on Escape', async () => {
    mockBackend(calls, {});
    open();
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(closed).toBe(1);
  });
});

describe('AccountDialog: sign out other devices', () => {
  it('asks first; Cancel does nothing, confirming signs them out with a toast', async () => {
    mockBackend(calls, { sign_out_others: () => null });
    const { getByTestId, queryByTestId } = open();
    await fireEvent.click(getByTestId('sign-out-others'));
    expect(getByTestId('sign-out-others-question').textContent).toContain('This one stays signed in');
    await fireEvent.click(getByTestId('sign-out-others-cancel'));
    expect(queryByTestId('sign-out-others-question')).toBeNull();
    expect(calls).toEqual([]);

    await fireEvent.click(getByTestId('sign-out-others'));
    await fireEvent.click(getByTestId('sign-out-others-confirm'));
    await flush();
    expect(calls).toEqual([{ cmd: 'sign_out_others', args: {} }]);
    expect(closed).toBe(1);
    expect(app.ui.toast).toBe('Your other devices were signed out.');
  });

  it('shows a failure inline and stays open', async () => {
    mockBackend(calls, { sign_out_others: refuse('offline', 'The server cannot be reached. Check the address and your connection.') });
    const { getByTestId } = open();
    await fireEvent.click(getByTestId('sign-out-others'));
    await fireEvent.click(getByTestId('sign-out-others-confirm'));
    await flush();
    expect(getByTestId('sign-out-others-error').textContent).toContain('cannot be reached');
    expect(closed).toBe(0);
    expect(app.ui.toast).toBeNull();
  });
});

describe('Profile', () => {
  it('opens the account dialog', async () => {
    mockBackend(calls, {});
    const { getByTestId, queryByTestId } = render(Profile);
    expect(queryByTestId('account-dialog')).toBeNull();
    await fireEvent.click(getByTestId('open-account'));
    expect(getByTestId('account-dialog')).toBeTruthy();
    await fireEvent.click(getByTestId('account-close'));
    expect(queryByTestId('account-dialog')).toBeNull();
  });
});

describe('ConnectionStatus', () => {
  it('says "offline" for a network failure and names a refused certificate, with what to do on hover', async () => {
    mockBackend(calls, {});
    app.session.connection = 'offline';
    app.session.certificate = null;
    const { getByTestId } = render(ConnectionStatus);
    expect(getByTestId('connection-banner').textContent).toContain('Offline');
    expect(getByTestId('connection-banner').getAttribute('title')).toBeNull();
    app.session.certificate = 'unknown_issuer';
    await flush();
    const banner = getByTestId('connection-banner');
    expect(banner.textContent).toContain('security certificate is not trusted');
    expect(banner.textContent).not.toContain('Offline');
    expect(banner.getAttribute('title')).toContain('TERN_CA_CERT');
    app.session.connection = 'online';
    app.session.certificate = null;
  });
});
