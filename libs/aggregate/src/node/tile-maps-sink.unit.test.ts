import { describe, expect, it } from 'vitest';
import { tileMapsResult } from './tile-maps-sink.js';

describe('tileMapsResult', () => {
  it('maps a Gaussian head onto the per-pixel map statistics: p50 = μ, p16/p84 = μ ∓ σ, std = σ; MASK = the segment (flags ≥ 0)', () => {
    const r = tileMapsResult(
      { box: { id: 9, x0: 0, x1: 1, y0: 0, y1: 1, nPixels: 3 }, z: 2, mean: [Float32Array.from([1, 2, NaN, 4])], sigma: [Float32Array.from([0.5, 0.25, NaN, 1])], flags: Int32Array.from([0, 16, -1, 1]) },
      [{ name: 'log_mstar' }],
    );
    expect(Array.from(r.maps.log_mstar_p50)).toEqual([1, 2, NaN, 4]);
    expect(Array.from(r.maps.log_mstar_p16)).toEqual([0.5, 1.75, NaN, 3]);
    expect(Array.from(r.maps.log_mstar_p84)).toEqual([1.5, 2.25, NaN, 5]);
    expect(Array.from(r.maps.log_mstar_std)).toEqual([0.5, 0.25, NaN, 1]);
    expect(Array.from(r.mask)).toEqual([1, 1, 0, 1]);
    expect(Array.from(r.flags)).toEqual([0, 16, 0, 1]);
    expect([r.id, r.z, r.nPixels]).toEqual([9, 2, 3]);
  });
});
