/** Search result display: the text around the first match, with the matched terms marked. Pure, so unit-tested. */

export type Part = { text: string; hit: boolean };

/**
 * Splits `text` into plain and matched runs (every occurrence of any term,
 * case-insensitive). Longer than `max` characters, it is cut to a window that
 * starts a little before the first match ("…" marks the cuts).
 */
export function highlightParts(text: string, terms: readonly string[], max = 120): Part[] {
  const flat = text.replace(/\s+/g, ' ');
  const needles = terms.map((t) => t.toLowerCase()).filter(Boolean);
  const lower = flat.toLowerCase();
  let from = 0;
  if ([...flat].length > max) {
    const first = Math.min(...needles.map((n) => lower.indexOf(n)).filter((i) => i >= 0), flat.length);
    from = first < flat.length ? Math.max(0, first - 24) : 0;
  }
  const chars = [...flat.slice(from)];
  let view = chars.slice(0, max).join('');
  const cutEnd = chars.length > max;
  const prefix = from > 0 ? '…' : '';
  view = prefix + view + (cutEnd ? '…' : '');
  const low = view.toLowerCase();
  const marks = new Array<boolean>(view.length).fill(false);
  for (const n of needles) {
    for (let i = low.indexOf(n); i >= 0; i = low.indexOf(n, i + 1)) marks.fill(true, i, i + n.length);
  }
  const parts: Part[] = [];
  for (let i = 0; i < view.length; i++) {
    const last = parts[parts.length - 1];
    if (last && last.hit === marks[i]) last.text += view[i];
    else parts.push({ text: view[i], hit: marks[i] });
  }
  return parts;
}
