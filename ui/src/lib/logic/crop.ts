/**
 * The square crop of an avatar: the image covers a VIEW×VIEW square at zoom 1
 * (its short side fits), is zoomed around the centre and moved by (dx, dy)
 * screen pixels, never so far that the square shows anything but the image.
 */

/** Side of the saved avatar image, in pixels. */
export const AVATAR_PX = 512;

/** Screen pixels per image pixel at zoom 1: the short side fills the square. */
export function coverScale(w: number, h: number, view: number): number {
  return view / Math.min(w, h);
}

/** An offset kept so that the scaled image (sw×sh) still covers the square. */
export function clampOffset(dx: number, dy: number, sw: number, sh: number, view: number): [number, number] {
  const mx = Math.max(0, (sw - view) / 2);
  const my = Math.max(0, (sh - view) / 2);
  return [Math.min(mx, Math.max(-mx, dx)), Math.min(my, Math.max(-my, dy))];
}

/** The source square (in image pixels) that the crop shows. */
export function cropRect(w: number, h: number, view: number, zoom: number, dx: number, dy: number): { sx: number; sy: number; size: number } {
  const s = coverScale(w, h, view) * zoom;
  const [cx, cy] = clampOffset(dx, dy, w * s, h * s, view);
  const size = view / s;
  return { sx: w / 2 - cx / s - size / 2, sy: h / 2 - cy / s - size / 2, size };
}
