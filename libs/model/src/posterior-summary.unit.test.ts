import { describe, expect, it } from 'vitest';
import { percentileSorted, posteriorSummary } from './posterior-summary.js';

describe('posterior summaries', () => {
  it('percentiles interpolate like numpy.percentile (linear)', () => {
    // np.percentile([1, 2, 3, 4], [16, 50, 84]) = [1.48, 2.5, 3.52]
    expect(percentileSorted([1, 2, 3, 4], 16)).toBeCloseTo(1.48, 12);
    expect(percentileSorted([1, 2, 3, 4], 50)).toBeCloseTo(2.5, 12);
    expect(percentileSorted([1, 2, 3, 4], 84)).toBeCloseTo(3.52, 12);
  });

  it('summarises one parameter of [N, S, D] samples', () => {
    // n = 1, s = 4, d = 2: parameter 1 holds 4, 1, 3, 2
    const samples = new Float32Array([0, 4, 0, 1, 0, 3, 0, 2]);
    const s = posteriorSummary(samples, 1, 4, 2, 1);
    expect(s.mean[0]).toBe(2.5);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(1.25), 6);
    expect(s.p50[0]).toBe(2.5);
    expect(s.p16[0]).toBeCloseTo(1.48, 6);
  });
});
