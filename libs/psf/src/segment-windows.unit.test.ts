import { describe, expect, it } from 'vitest';
import { copyRect, segmentWindows } from './segment-windows.js';

describe('segmentWindows', () => {
  const rows = 60;
  const width = 200;
  const region = { rows, width, rowStart: 10, rowEnd: 50, colStart: 10, colEnd: 190 };
  const wanted = (pixels: [number, number][]) => {
    const set = new Set(pixels.map(([y, x]) => y * width + x));
    return (i: number) => set.has(i);
  };

  it('covers every wanted pixel in an interior padded by the reach (clipped to the strip), nothing for none', () => {
    const pixels: [number, number][] = [[12, 11], [20, 30], [49, 100], [30, 101], [15, 189]];
    const reach = 6;
    const windows = segmentWindows(wanted(pixels), region, reach);
    for (const [y, x] of pixels) {
      const w = windows.find((v) => y >= v.r0 && y < v.r1 && x >= v.c0 && x < v.c1);
      expect(w, `pixel ${y},${x}`).toBeDefined();
      // the whole footprint of an interior pixel lies in the window or outside the strip
      expect(w!.y0).toBe(Math.max(0, w!.r0 - reach));
      expect(w!.y1).toBe(Math.min(rows, w!.r1 + reach));
      expect(w!.x0).toBeLessThanOrEqual(Math.max(0, w!.c0 - reach));
      expect(w!.x1).toBeGreaterThanOrEqual(Math.min(width, w!.c1 + reach));
      expect((w!.x1 - w!.x0) % 32 === 0 || w!.x1 - w!.x0 === width).toBe(true);
    }
    expect(segmentWindows(() => false, region, reach)).toEqual([]);
  });

  it('merges column runs less than 2 × reach apart, keeps farther ones apart, and spans the rows of its pixels only', () => {
    const reach = 5;
    const close = segmentWindows(wanted([[20, 50], [40, 59]]), region, reach); // gap 8 < 10
    expect(close).toHaveLength(1);
    expect(close[0]).toMatchObject({ c0: 50, c1: 60, r0: 20, r1: 41 });
    const far = segmentWindows(wanted([[20, 50], [40, 61]]), region, reach); // gap 10
    expect(far.map((w) => [w.c0, w.c1, w.r0, w.r1])).toEqual([[50, 51, 20, 21], [61, 62, 40, 41]]);
    // pixels outside the region (halo rows/columns) are never wanted
    expect(segmentWindows(wanted([[5, 50], [20, 5], [20, 195]]), region, reach)).toEqual([]);
  });

  it('copyRect copies rows and columns of a row-major array', () => {
    const a = Float32Array.from({ length: 4 * 5 }, (_, i) => i);
    expect(Array.from(copyRect(a, 5, { y0: 1, y1: 3, x0: 2, x1: 4 }))).toEqual([7, 8, 12, 13]);
    expect(Array.from(copyRect(Array.from(a), 5, { y0: 3, y1: 4, x0: 0, x1: 2 }))).toEqual([15, 16]);
  });
});
