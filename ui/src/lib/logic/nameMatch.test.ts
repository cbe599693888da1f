import { describe, expect, it } from 'vitest';
import { matchAt, nameMatches, needleOf } from './nameMatch';

describe('nameMatches', () => {
  it('finds a name by its text in any case', () => {
    expect(nameMatches('Bob Builder', needleOf(' bob '))).toBe(true);
    expect(nameMatches('Bob Builder', 'build')).toBe(true);
    expect(nameMatches('Bob Builder', 'carol')).toBe(false);
    expect(nameMatches('张三', '张')).toBe(true);
    expect(nameMatches('anything', '')).toBe(true);
  });

  it('finds a Chinese name by its pinyin: whole syllables, initials, a mix', () => {
    expect(nameMatches('张三', 'zhangsan')).toBe(true);
    expect(nameMatches('张三', 'zhang')).toBe(true);
    expect(nameMatches('张三', 'zs')).toBe(true);
    expect(nameMatches('张三', 'zhangs')).toBe(true);
    expect(nameMatches('王小明', 'xiaoming')).toBe(true);
    expect(nameMatches('王小明', "xiao'ming")).toBe(true);
    expect(nameMatches('王小明', 'xm')).toBe(true);
    expect(nameMatches('张三', 'lisi')).toBe(false);
    expect(nameMatches('张三', 'zhangsi')).toBe(false);
  });

  it('knows a character with several readings by each of them', () => {
    // 曾 reads zeng (a surname) and ceng.
    expect(nameMatches('曾小贤', 'zeng')).toBe(true);
    expect(nameMatches('曾小贤', 'ceng')).toBe(true);
  });

  it('gives where the match starts, for ranking prefixes first', () => {
    expect(matchAt('张三', 'zhang')).toBe(0);
    expect(matchAt('王小明', 'xiao')).toBe(1);
    expect(matchAt('Bob', 'ob')).toBe(1);
    expect(matchAt('Bob', 'x')).toBe(-1);
  });

  it('gives up on pinyin for a query longer than any name (pinyin-match splits it every way)', () => {
    // Without the cap this call does not return within the test's time limit.
    expect(nameMatches('张三', 'ao'.repeat(30))).toBe(false);
    expect(nameMatches('张双双', 'zhangshuangshuang')).toBe(true);
  });

  it('does not read pinyin into names without Chinese, or from typed Chinese', () => {
    expect(nameMatches('Zhang Wei', 'zw')).toBe(false);
    expect(nameMatches('张三', '李')).toBe(false);
  });
});
