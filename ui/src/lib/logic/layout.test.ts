import { describe, expect, it } from 'vitest';
import { layoutFor } from './layout';

describe('layoutFor', () => {
  it('the default window (1120 wide): full chat list, member panel beside the chat', () => {
    expect(layoutFor(1120)).toEqual({ listCollapsed: false, panelOverlay: false });
  });

  it('800×600 and the minimum width: avatar-only list, panel over the messages', () => {
    expect(layoutFor(800)).toEqual({ listCollapsed: true, panelOverlay: true });
    expect(layoutFor(780)).toEqual({ listCollapsed: true, panelOverlay: true });
  });

  it('in between: full list, but the panel overlays', () => {
    expect(layoutFor(1000)).toEqual({ listCollapsed: false, panelOverlay: true });
  });
});
