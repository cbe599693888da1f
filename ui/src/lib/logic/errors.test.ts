import { describe, expect, it } from 'vitest';
import { CommandError, errorText, humanError, keyringSentence, logLine, RAW_INTERNALS, rememberBlocked, sentence } from './errors';

describe('humanError', () => {
  it('words every server code by its number, never with the server text', () => {
    const muted = { code: 'server_4002', message: 'you are muted in group `team` for another 300 s (until 1764000000000)' };
    expect(humanError(muted)).toBe('You are muted in this group, so you cannot post right now.');
    expect(humanError({ code: 'server_3001', message: 'bob has blocked you' })).toContain('has blocked you');
    expect(humanError({ code: 'server_2001', message: 'x' })).toBe('Wrong user id or password.');
    expect(humanError({ code: 'server_9999', message: 'what `is` this' })).toBe('The server refused that. Try again later.');
    for (const n of [1000, 1001, 1003, 1004, 1005, 1006, 2000, 2002, 2003, 2004, 2005, 3000, 3002, 3003, 3004, 3005, 4000, 4001, 4003, 4004, 4005, 4006, 5000, 5001]) {
      const s = humanError({ code: `server_${n}`, message: 'raw `text` ExitStatus' });
      expect(s).not.toMatch(RAW_INTERNALS);
      expect(s).not.toContain('raw');
    }
  });

  it('keeps the server words of an invalid argument, without code quotes', () => {
    expect(humanError({ code: 'server_1002', message: 'group `name` must not be empty' })).toBe('Group name must not be empty.');
    expect(humanError({ code: 'server_1002', message: '' })).toBe('The server did not accept that.');
  });

  it('shows the moderation hook’s reason as written for the user, else a plain sentence', () => {
    expect(humanError({ code: 'server_4007', message: 'no spam here, please' })).toBe('No spam here, please.');
    expect(humanError({ code: 'server_4007', message: '手机号码不能发在这里' })).toBe('手机号码不能发在这里。');
    expect(humanError({ code: 'server_4007', message: '' })).toBe("The server's moderation did not accept this.");
    expect(humanError({ code: 'server_4007', message: 'hook `x` ExitStatus' })).toBe("The server's moderation did not accept this.");
  });

  it('says plainly that no application can open a file (no gio launcher, no exit status)', () => {
    const raw = 'Launcher "gio" "open" "/tmp/x.sh" failed with ExitStatus(unix_wait_status(512))';
    const s = humanError({ code: 'open_failed', message: raw });
    expect(s).toContain('No application');
    expect(s).not.toMatch(RAW_INTERNALS);
  });

  it('shows the app’s own words for input errors, but never internals', () => {
    expect(humanError({ code: 'wrong_password', message: 'The current password is wrong.' })).toBe('The current password is wrong.');
    expect(humanError({ code: 'file_too_large', message: 'too-big.iso is 25 MB; the server accepts files up to 20 MB.' })).toBe(
      'too-big.iso is 25 MB; the server accepts files up to 20 MB.',
    );
    expect(humanError({ code: 'invalid_argument', message: 'org.freedesktop.DBus.Error.ServiceUnknown' })).toBe(humanError({ code: 'internal', message: '' }));
    expect(humanError({ code: 'internal', message: 'database is locked' })).toContain('log');
    expect(humanError({ code: 'offline', message: 'connection refused' })).toContain('cannot be reached');
    // A refused certificate is not "cannot be reached": it says what is wrong and what to do.
    const cert = humanError({ code: 'certificate_unknown_issuer', message: 'invalid peer certificate: UnknownIssuer' });
    expect(cert).toContain('not trusted');
    expect(cert).toContain('TERN_CA_CERT');
    expect(cert).not.toContain('UnknownIssuer');
    expect(humanError({ code: 'certificate_expired', message: 'x' })).toContain('date and time');
  });
});

describe('CommandError and the log', () => {
  it('shows the sentence and logs the raw text', () => {
    const lines: string[] = [];
    const e = CommandError.from({ code: 'server_4000', message: 'only the owner or an admin of group `g1` may do this' }, (l) => lines.push(l));
    expect(e.message).toBe('You are not allowed to do that.');
    expect(e.code).toBe('server_4000');
    expect(e.raw).toContain('g1');
    expect(lines).toEqual(['tern: server_4000: only the owner or an admin of group `g1` may do this']);
    expect(errorText(e)).toBe(e.message);
  });

  it('logs nothing more when the sentence is the message', () => {
    expect(logLine({ code: 'wrong_password', message: 'The current password is wrong.' }, 'The current password is wrong.')).toBeNull();
  });

  it('words anything unexpected generically, logging it', () => {
    const lines: string[] = [];
    expect(errorText(new Error('IPC `x` failed'), (l) => lines.push(l))).toContain('Something went wrong');
    expect(lines[0]).toContain('IPC `x` failed');
  });
});

describe('keyring', () => {
  it('words each keyring state without D-Bus names', () => {
    for (const kind of ['unavailable', 'locked', 'refused', 'failed'] as const) {
      const s = keyringSentence({ kind, user: 'alice' });
      expect(s).not.toMatch(RAW_INTERNALS);
      expect(s.length).toBeGreaterThan(20);
    }
    expect(keyringSentence({ kind: 'refused', user: 'alice' })).toContain('for alice');
  });

  it('turns "Remember me" off only when there is no Secret Service', () => {
    expect(rememberBlocked({ kind: 'unavailable', user: null })).toContain('no system keyring');
    expect(rememberBlocked({ kind: 'locked', user: null })).toBeNull();
    expect(rememberBlocked(null)).toBeNull();
  });
});

describe('sentence', () => {
  it('strips code quotes and ends with a full stop', () => {
    expect(sentence('`minutes` is 99999')).toBe('Minutes is 99999.');
    expect(sentence('Done!')).toBe('Done!');
  });
});
