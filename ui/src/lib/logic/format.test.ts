import { describe, expect, it } from 'vitest';
import { avatarColor, badgeText, dayLabel, fullDate, hhmm, initials, listTime, presenceLabel, shownName } from './format';

describe('initials', () => {
  it('takes first and last word initials', () => {
    expect(initials('Alice Smith')).toBe('AS');
    expect(initials('bob')).toBe('B');
    expect(initials('mary.jane.watson')).toBe('MW');
    expect(initials('李雷')).toBe('李');
    expect(initials('周末登山 Hiking Club')).toBe('周');
    expect(initials('爱丽丝 Alice')).toBe('爱');
    expect(initials('Alice 爱丽丝')).toBe('A爱');
    expect(initials('  ')).toBe('?');
    expect(initials('Dave (design)')).toBe('DD');
  });
});

describe('avatarColor', () => {
  it('is stable per id', () => {
    expect(avatarColor('alice')).toBe(avatarColor('alice'));
    expect(avatarColor('alice')).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe('badgeText', () => {
  it('caps at 99+', () => {
    expect(badgeText(5)).toBe('5');
    expect(badgeText(99)).toBe('99');
    expect(badgeText(100)).toBe('99+');
  });
});

describe('listTime', () => {
  const now = new Date(2026, 10, 22, 15, 30);
  it('shows the time today, Yesterday, a weekday, then a date', () => {
    expect(listTime(new Date(2026, 10, 22, 9, 5).getTime(), now, 'en-GB')).toBe('09:05');
    expect(listTime(new Date(2026, 10, 21, 23, 0).getTime(), now, 'en-GB')).toBe('Yesterday');
    expect(listTime(new Date(2026, 10, 18, 12, 0).getTime(), now, 'en-GB')).toBe('Wed');
    expect(listTime(new Date(2026, 0, 2, 12, 0).getTime(), now, 'en-GB')).toBe('02/01/2026');
    expect(listTime(0, now)).toBe('');
  });

  it('follows the locale, not a hard-coded en-GB', () => {
    const jan2 = new Date(2026, 0, 2, 12, 0).getTime();
    expect(listTime(jan2, now, 'en-US')).toBe('01/02/2026');
    expect(listTime(jan2, now, 'de-DE')).toBe('02.01.2026');
    expect(hhmm(new Date(2026, 10, 22, 14, 5), 'en-US')).toMatch(/^2:05\sPM$/);
    expect(hhmm(new Date(2026, 10, 22, 14, 5), 'en-GB')).toBe('14:05');
    expect(dayLabel(jan2, now, 'de-DE')).toBe('2. Januar 2026');
  });
});

describe('fullDate and presence', () => {
  it('gives the whole date and time for the tooltip', () => {
    const t = new Date(2026, 10, 22, 9, 5).getTime();
    expect(fullDate(t, 'en-GB')).toMatch(/^Sunday,? 22 November 2026 at 09:05$/);
    expect(fullDate(t, 'zh-CN')).toContain('2026年11月22日');
  });

  it('says online, or when last seen', () => {
    const now = new Date(2026, 10, 22, 15, 30);
    expect(presenceLabel(true, undefined, now)).toBe('online');
    expect(presenceLabel(false, undefined, now)).toBeNull();
    expect(presenceLabel(false, new Date(2026, 10, 22, 14, 5).getTime(), now, 'en-GB')).toBe('last seen today at 14:05');
    expect(presenceLabel(false, new Date(2026, 10, 3, 14, 5).getTime(), now, 'en-GB')).toBe('last seen 3 Nov');
  });
});

describe('shownName', () => {
  it('drops direction controls, so a name cannot pass for another', () => {
    expect(shownName('Invoice-\u202Efdp.desktop')).toBe('Invoice-fdp.desktop');
    expect(shownName('\u2067bob\u2069\u200F')).toBe('bob');
    expect(shownName('张三 Zhang')).toBe('张三 Zhang');
    expect(shownName('عربي')).toBe('عربي');
  });
});
