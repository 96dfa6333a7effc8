import { describe, expect, it } from 'vitest';
import { rampWeights, tileOrigins } from './tile-plan.js';

describe('tileOrigins', () => {
  it('centres a box no larger than the input in one tile', () => {
    expect(tileOrigins(10, 16, 4)).toEqual([-3]); // canvas columns 3..12 hold the box
    expect(tileOrigins(16, 16, 4)).toEqual([0]);
  });
  it('covers a longer box with tiles inside it, overlapping by at least `overlap`, the last flush with the far edge', () => {
    for (const [len, size, ov] of [[17, 16, 4], [40, 16, 4], [100, 64, 16], [129, 64, 0]] as const) {
      const o = tileOrigins(len, size, ov);
      expect(o[0]).toBe(0);
      expect(o[o.length - 1]).toBe(len - size);
      const covered = new Uint8Array(len);
      for (const s of o) for (let t = s; t < s + size; t++) covered[t] = 1;
      expect(covered.every((c) => c === 1)).toBe(true);
      for (let k = 1; k < o.length; k++) expect(o[k - 1] + size - o[k]).toBeGreaterThanOrEqual(ov);
    }
  });
  it('refuses an overlap not smaller than the input', () => {
    expect(() => tileOrigins(40, 16, 16)).toThrow(/overlap 16/);
  });
});

describe('rampWeights', () => {
  it('is a positive linear ramp over the overlap at both ends, 1 in the middle, symmetric', () => {
    const w = rampWeights(16, 4, false);
    expect(Array.from(w.slice(0, 4))).toEqual([0.125, 0.375, 0.625, 0.875]);
    expect(w[8]).toBe(1);
    for (let t = 0; t < 16; t++) expect(w[t]).toBeCloseTo(w[15 - t], 7);
    expect(Math.min(...w)).toBeGreaterThan(0);
  });
  it('is flat for a single tile or no overlap', () => {
    expect(Array.from(rampWeights(8, 4, true))).toEqual(new Array(8).fill(1));
    expect(Array.from(rampWeights(8, 0, false))).toEqual(new Array(8).fill(1));
  });
});
