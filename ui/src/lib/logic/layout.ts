/**
 * The responsive layout, down to the window's minimum size (tauri.conf.json:
 * 780×520; 800×600 must work): below `LIST_COLLAPSE_BELOW` the chat list shrinks
 * to a column of avatars; below `PANEL_OVERLAY_BELOW` a group's member panel lies
 * over the message area (header and composer stay usable) instead of taking a
 * column of its own, which would crush the chat.
 */

/** Window widths (CSS px) below which the chat list shows avatars only. */
export const LIST_COLLAPSE_BELOW = 960;
/** Window widths below which the member panel overlays the messages. */
export const PANEL_OVERLAY_BELOW = 1100;

export interface Layout {
  /** The chat list is a narrow column of avatars (names on hover). */
  listCollapsed: boolean;
  /** The member panel lies over the message area instead of beside the chat. */
  panelOverlay: boolean;
}

export function layoutFor(width: number): Layout {
  return { listCollapsed: width < LIST_COLLAPSE_BELOW, panelOverlay: width < PANEL_OVERLAY_BELOW };
}
