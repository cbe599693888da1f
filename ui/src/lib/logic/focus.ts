/**
 * Focus on open: a dialog or form puts the caret in its first field, so typing
 * goes somewhere. Used as a Svelte action: `<form use:focusFirst>`.
 */

const FIELDS = 'input:not([type="hidden"]):not([type="checkbox"]):not([type="radio"]), textarea, select';

/**
 * The first enabled, editable, shown text field inside `root` (itself included), if
 * any; with `empty`, the first one still empty (a pre-filled server address is
 * skipped), else the first.
 */
export function firstField(root: Element, empty = false): HTMLElement | null {
  const all = root.matches(FIELDS) ? [root] : [...root.querySelectorAll(FIELDS)];
  const usable = all.filter((el): el is HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement => {
    if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)) return false;
    if (el.disabled || el.hidden || el.closest('[hidden]')) return false;
    return !((el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) && el.readOnly);
  });
  return (empty ? usable.find((el) => el.value === '') : undefined) ?? usable[0] ?? null;
}

/** Svelte action: focuses the first field of `node` (`'empty'`: the first empty one) once it is shown. */
export function focusFirst(node: HTMLElement, which?: 'empty'): void {
  queueMicrotask(() => firstField(node, which === 'empty')?.focus());
}

/** Svelte action: focuses `node` itself once it is shown (a confirmation's safe answer). */
export function focusSelf(node: HTMLElement): void {
  queueMicrotask(() => node.focus());
}
