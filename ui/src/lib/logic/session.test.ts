import { describe, expect, it } from 'vitest';
import { greeting, lastUser, rememberUser, signOutQuestion } from './session';

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
}

describe('login screen memory', () => {
  it('remembers the last user id (nothing else)', () => {
    const s = memory();
    expect(lastUser(s)).toBeNull();
    rememberUser('alice', s);
    expect(lastUser(s)).toBe('alice');
  });

  it('says "Welcome back" only to someone who signed in here before', () => {
    expect(greeting('login', null)).toMatch(/^Welcome to Tern/);
    expect(greeting('login', 'alice')).toMatch(/^Welcome back/);
    expect(greeting('register', 'alice')).not.toMatch(/Welcome back/);
  });

  it('asks before signing out, naming the account', () => {
    expect(signOutQuestion('alice')).toContain('Sign out alice');
    expect(signOutQuestion('alice')).toContain('password');
  });
});
