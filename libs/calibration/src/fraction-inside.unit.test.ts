import { describe, expect, it } from 'vitest';
import { fractionInside, intervalCoverage } from './interval-coverage.js';
import { sortedPosterior } from './sorted-posterior.js';
import { selectMockRows } from './node/validate-model.js';

describe('fractionInside (coverage of given intervals)', () => {
  it('counts bounds inclusively, NaN bounds as outside, and checks lengths', () => {
    expect(fractionInside([0, 0, 0, NaN], [1, 1, 1, 1], [0, 1, 1.5, 0.5])).toBe(0.5);
    expect(fractionInside([], [], [])).toBeNaN();
    expect(() => fractionInside([0], [1, 2], [0])).toThrow(/lo \(1\), hi \(2\) and truth \(1\)/);
  });

  it('equals intervalCoverage when the bounds are the samples’ quantiles (5 samples: 16/84 % by linear interpolation)', () => {
    // one object, samples 0..4: q16 = 0.64, q84 = 3.36 (NumPy linear); truths just inside and outside
    const samples = Float32Array.from([3, 1, 4, 0, 2, 3, 1, 4, 0, 2]);
    const sorted = sortedPosterior(samples, 2, 5, 1, 0);
    expect(intervalCoverage(sorted, 2, 5, [0.65, 0.63], 0.68)).toBe(0.5);
    expect(fractionInside([0.64, 0.64], [3.36, 3.36], [0.65, 0.63])).toBe(0.5);
  });
});

describe('selectMockRows (pixsed validate’s row rule)', () => {
  const columns = {
    flux_a_njy: Float64Array.from([50, 50, 100, 100, 120, 100, NaN]),
    flux_a_err_njy: Float64Array.from([10, 10, 10, 10, 10, 10, 10]),
    flux_b_njy: Float64Array.from([50, 50.0001, 100, 100, 80, 100, 100]),
    flux_b_err_njy: Float64Array.from([10, 10, 10, 10, 10, 10, 10]),
    p: Float64Array.from([1, 1, 1, NaN, 1, 1, 1]),
  };
  // mean S/N per row: 5, 5.000005, 10, 10 (NaN truth), 10, 10, 10 (band a missing: only b counts)
  it('keeps minMeanSnr < S/N ≤ maxMeanSnr with finite truths and counts S/N failures before truth failures', () => {
    expect(selectMockRows(columns, 7, { snrBands: ['a', 'b'], minMeanSnr: 5 }, ['p'])).toEqual({ keep: [1, 2, 4, 5, 6], nFailedSnr: 1, nNonFiniteTruth: 1 });
    expect(selectMockRows(columns, 7, { snrBands: ['a', 'b'], minMeanSnr: 5, maxMeanSnr: 5.1 }, ['p'])).toEqual({ keep: [1], nFailedSnr: 6, nNonFiniteTruth: 0 });
    expect(selectMockRows(columns, 7, { snrBands: ['a', 'b'], minMeanSnr: 9.99, maxMeanSnr: 10 }, [])).toEqual({ keep: [2, 3, 4, 5, 6], nFailedSnr: 2, nNonFiniteTruth: 0 });
  });
});
