import { describe, expect, it } from 'vitest';
import { meanSnr, meanSnrAt } from './mean-snr.js';

// three bands × five rows, by hand:
//  row 0: 10/2, 6/3, 4/1            → (5 + 2 + 4)/3 = 11/3
//  row 1: band 1 missing (NaN flux) → (3/1 + 8/4)/2 = 2.5
//  row 2: σ = 0 and σ = −1          → only band 2: 9/3 = 3
//  row 3: flux NaN, flux ∞, σ = ∞   → no band present: NaN
//  row 4: negative flux             → (−2/1 + 4/2 + 6/1)/3 = 2
const flux = [
  [10, 3, 5, NaN, -2],
  [6, NaN, 7, Infinity, 4],
  [4, 8, 9, 2, 6],
];
const err = [
  [2, 1, 0, 1, 1],
  [3, 1, -1, 1, 2],
  [1, 4, 3, Infinity, 1],
];

describe('meanSnr (one implementation: snr-mask, simulator snrSelection, calibration validateModel)', () => {
  it('mean of f/σ over the present bands of each row (hand computation, missing bands skipped)', () => {
    const got = Array.from(meanSnr(flux, err));
    expect(got[0]).toBeCloseTo(11 / 3, 14);
    expect(got[1]).toBe(2.5);
    expect(got[2]).toBe(3);
    expect(got[3]).toBeNaN();
    expect(got[4]).toBe(2);
  });

  it('NaN when fewer than minBands bands are present', () => {
    expect(meanSnrAt(flux, err, 0, 3)).toBeCloseTo(11 / 3, 14);
    expect(meanSnrAt(flux, err, 1, 3)).toBeNaN(); // 2 of 3 present
    expect(meanSnrAt(flux, err, 1, 2)).toBe(2.5);
    expect(meanSnrAt(flux, err, 2, 2)).toBeNaN(); // 1 of 3 present
    expect(meanSnrAt(flux, err, 2, 0)).toBe(3); // minBands < 1 means 1
    expect(Array.from(meanSnr(flux, err, 2, 3)).map((v) => Number.isNaN(v))).toEqual([false, true]);
  });

  it('meanSnr (band by band) equals meanSnrAt (row by row) bit for bit on random rows with missing and bad bands', () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 0) / 4294967296;
    const special = [NaN, Infinity, -Infinity, 0, -1];
    const n = 2000;
    const bands = 4;
    const f = Array.from({ length: bands }, () => Float32Array.from({ length: n }, () => (rnd() < 0.05 ? special[Math.floor(rnd() * 5)] : (rnd() - 0.2) * 1e3)));
    const e = Array.from({ length: bands }, () => Float64Array.from({ length: n }, () => (rnd() < 0.05 ? special[Math.floor(rnd() * 5)] : rnd() * 30)));
    for (const minBands of [1, 3, 4]) {
      const all = meanSnr(f, e, n, minBands);
      for (let i = 0; i < n; i++) expect(Object.is(all[i], meanSnrAt(f, e, i, minBands)), `row ${i} minBands ${minBands}`).toBe(true);
    }
  });
});

