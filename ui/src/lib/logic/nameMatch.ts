/**
 * Whether a name matches what someone typed to find it: the text itself (any
 * case), or, for a Chinese name, its pinyin — whole syllables or initials, also
 * for characters with several readings ("zhang" or "zs" finds 张三). Used by every
 * name search of the app (chats, friends, the @mention picker, the forward
 * dialog), so each finds the same people. Simplified characters (pinyin-match's
 * simplified dictionary: 張 is not found by "zhang", 张 is). Pure, so unit-tested.
 */
import PinyinMatch from 'pinyin-match';

const HAN = /\p{Script=Han}/u;
/** What pinyin is typed with: Latin letters (a space or apostrophe between syllables). */
const PINYIN = /^[a-z][a-z' ]*$/i;
/**
 * Longest query read as pinyin: a three-character name's full pinyin fits (张双双,
 * zhangshuangshuang, is 17 letters). pinyin-match tries every way to split the
 * query into syllables, which grows exponentially with runs like "ananan…" (16
 * letters: 6 ms a name; 36 letters of "ao": 7 s); realistic queries take < 1 ms.
 */
const MAX_PINYIN = 18;

/** Where in `name` a match of `needle` (already trimmed and lower-cased) starts, or -1. */
export function matchAt(name: string, needle: string): number {
  if (!needle) return 0;
  const at = name.toLowerCase().indexOf(needle);
  if (at >= 0 || !HAN.test(name) || !PINYIN.test(needle)) return at;
  const letters = needle.replace(/['\s]/g, '');
  if (letters.length > MAX_PINYIN) return -1;
  const hit = PinyinMatch.match(name, letters);
  return hit ? hit[0] : -1;
}

/** Whether `name` matches `needle` (trimmed and lower-cased) anywhere. */
export function nameMatches(name: string, needle: string): boolean {
  return matchAt(name, needle) >= 0;
}

/** `query` as the matchers take it: trimmed, lower case. */
export function needleOf(query: string): string {
  return query.trim().toLowerCase();
}
