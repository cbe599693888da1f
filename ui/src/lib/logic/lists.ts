/** Small immutable list helpers for the stores. */

/** `list` with `item` replacing the entry of the same key, or appended when there is none. */
export function upsertBy<T>(list: readonly T[], item: T, key: (x: T) => string): T[] {
  const k = key(item);
  const i = list.findIndex((x) => key(x) === k);
  if (i < 0) return [...list, item];
  const out = list.slice();
  out[i] = item;
  return out;
}
