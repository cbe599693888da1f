import { describe, expect, it } from 'vitest';
import { clampOffset, coverScale, cropRect } from './crop';

describe('avatar crop', () => {
  it('at zoom 1 the centred square of a landscape image is its full height', () => {
    expect(coverScale(400, 200, 100)).toBe(0.5);
    expect(cropRect(400, 200, 100, 1, 0, 0)).toEqual({ sx: 100, sy: 0, size: 200 });
  });

  it('zooming shrinks the source square around the centre', () => {
    expect(cropRect(200, 200, 100, 2, 0, 0)).toEqual({ sx: 50, sy: 50, size: 100 });
  });

  it('moving right shows more of the left, and never past the edge', () => {
    // 400×200 at view 100: the image is 200×100 on screen, so at most 50 px either way.
    expect(clampOffset(80, 30, 200, 100, 100)).toEqual([50, 0]);
    expect(cropRect(400, 200, 100, 1, 50, 0)).toEqual({ sx: 0, sy: 0, size: 200 });
    expect(cropRect(400, 200, 100, 1, -500, 0)).toEqual({ sx: 200, sy: 0, size: 200 });
  });
});
