import { describe, expect, it } from 'vitest';
import type { Friend } from '../bindings';
import { filterFriends } from './people';

const friend = (user: string, nickname: string, remark = ''): Friend => ({ profile: { user, nickname, avatar: null, signature: '' }, remark, since: 1 });

describe('filterFriends', () => {
  const list = [friend('bob', 'Bob Builder'), friend('u2', '张三'), friend('u3', 'Carol', '韩梅梅')];

  it('finds by id, nickname or remark in any case, sorted by the shown name', () => {
    expect(filterFriends(list, 'BUILD').map((f) => f.profile.user)).toEqual(['bob']);
    expect(filterFriends(list, 'u').map((f) => f.profile.user)).toEqual(['bob', 'u2', 'u3']);
    expect(filterFriends(list, 'nobody')).toEqual([]);
  });

  it('finds a Chinese nickname or remark by its pinyin', () => {
    expect(filterFriends(list, 'zhangsan').map((f) => f.profile.user)).toEqual(['u2']);
    expect(filterFriends(list, 'hmm').map((f) => f.profile.user)).toEqual(['u3']);
  });
});
