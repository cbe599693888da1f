/** The emoji picker's built-in set: common faces, gestures and objects, grouped. */
import { t } from '../i18n/index.svelte';
export const EMOJI_GROUPS: { name: string; emoji: string[] }[] = [
  {
    get name() { return t('emoji.smileys'); },
    emoji: ['😀', '😃', '😄', '😁', '😆', '😅', '😂', '🤣', '😊', '😇', '🙂', '😉', '😍', '🥰', '😘', '😋', '😎', '🤩', '🥳', '🤔', '🤗', '🤭', '😐', '😶', '🙄', '😏', '😴', '😌', '😔', '😢', '😭', '😤', '😡', '🤯', '😳', '🥺', '😱', '🤒', '🤧', '😷'],
  },
  {
    get name() { return t('emoji.gestures'); },
    emoji: ['👍', '👎', '👌', '✌️', '🤞', '🤝', '👏', '🙌', '👋', '🙏', '💪', '👀', '🫶', '✍️', '🤙', '👉'],
  },
  {
    get name() { return t('emoji.things'); },
    emoji: ['❤️', '🧡', '💛', '💚', '💙', '💜', '💔', '✨', '🔥', '⭐', '🎉', '🎁', '☕', '🍵', '🍕', '🍰', '🍻', '⚽', '🎵', '📎', '📅', '⏰', '✅', '❌', '❓', '💡', '🚀', '🌙', '☀️', '🌧️'],
  },
];

/**
 * Inserts `insert` into `text` replacing the selection [start, end), and returns
 * the new text with the caret placed after the insertion.
 */
export function insertAt(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  const s = Math.max(0, Math.min(start, text.length));
  const e = Math.max(s, Math.min(end, text.length));
  return { text: text.slice(0, s) + insert + text.slice(e), caret: s + insert.length };
}
