import { describe, expect, it } from 'vitest';
import { createPrng, fillNormal } from '@pixsed/core';
import { percentileRanks, percentileSorted, posteriorSummary, type PosteriorSummary } from './posterior-summary.js';

/** The implementation before selection (a full sort per row): the oracle the selection must equal bit for bit. */
function posteriorSummaryFullSort(samples: Float32Array, n: number, s: number, dims: number, d: number): PosteriorSummary {
  const out: PosteriorSummary = { mean: new Float32Array(n), std: new Float32Array(n), p16: new Float32Array(n), p50: new Float32Array(n), p84: new Float32Array(n) };
  const buf = new Float64Array(s);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    const base = i * s * dims + d;
    for (let k = 0; k < s; k++) {
      const v = samples[base + k * dims];
      buf[k] = v;
      sum += v;
    }
    const mean = sum / s;
    let ss = 0;
    for (let k = 0; k < s; k++) ss += (buf[k] - mean) ** 2;
    buf.sort();
    out.mean[i] = mean;
    out.std[i] = Math.sqrt(ss / s);
    out.p16[i] = percentileSorted(buf, 16);
    out.p50[i] = percentileSorted(buf, 50);
    out.p84[i] = percentileSorted(buf, 84);
  }
  return out;
}

/** Bit patterns of a Float32Array (so −0 ≠ +0 and NaN = NaN). */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Rows of random samples in several shapes: Gaussian, heavy ties, sorted/reversed/constant, with ±Inf, NaN, ±0, one huge outlier. */
function randomSamples(seed: number, n: number, s: number, dims: number): Float32Array {
  const rng = createPrng(seed);
  const out = fillNormal(rng, new Float32Array(n * s * dims));
  for (let i = 0; i < n; i++) {
    const row = (k: number, d: number) => (i * s + k) * dims + d;
    const kind = i % 9;
    for (let d = 0; d < dims; d++) {
      for (let k = 0; k < s; k++) {
        const j = row(k, d);
        if (kind === 1) out[j] = 0.5 + Math.round(out[j] * 2) / 2 + 10; // ties, no zeros
        else if (kind === 2) out[j] = k + 1; // ascending
        else if (kind === 3) out[j] = s - k; // descending
        else if (kind === 4) out[j] = 3.25; // constant
        else if (kind === 5 && rng.uniform() < 0.1) out[j] = rng.uniform() < 0.5 ? Infinity : -Infinity;
        else if (kind === 6 && rng.uniform() < 0.05) out[j] = NaN;
        else if (kind === 7 && rng.uniform() < 0.2) out[j] = rng.uniform() < 0.5 ? -0 : 0;
        else if (kind === 8) out[j] = k === s >> 1 ? 3e38 : 1 + out[j] * 1e-3; // all but one value in the lowest bin
      }
    }
  }
  return out;
}

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

  it('percentileRanks lists the ranks percentileSorted reads (S = 500: 79, 80, 249, 250, 419, 420)', () => {
    expect(Array.from(percentileRanks(500, [16, 50, 84]))).toEqual([79, 80, 249, 250, 419, 420]);
    expect(Array.from(percentileRanks(2, [16, 50, 84]))).toEqual([0, 1]);
    expect(Array.from(percentileRanks(101, [50]))).toEqual([50, 51]); // integer position: hi is still read
  });

  it('equals the full-sort implementation bit for bit on random data (ties, ±Inf, NaN, ±0, outliers; S from 2 to 1001)', () => {
    let rows = 0;
    for (const [seed, s] of [[1, 2], [2, 3], [3, 4], [4, 7], [5, 16], [6, 100], [7, 101], [8, 500], [9, 501], [10, 1001]] as const) {
      const n = 45;
      const dims = 3;
      const samples = randomSamples(seed, n, s, dims);
      for (let d = 0; d < dims; d++) {
        const want = posteriorSummaryFullSort(samples, n, s, dims, d);
        const got = posteriorSummary(samples, n, s, dims, d);
        for (const k of ['mean', 'std', 'p16', 'p50', 'p84'] as const) expect(bits(got[k]), `S=${s} d=${d} ${k}`).toEqual(bits(want[k]));
        rows += n;
      }
    }
    expect(rows).toBe(1350);
  });

  it('writes into given arrays at an offset', () => {
    const samples = randomSamples(21, 10, 50, 2);
    const out: PosteriorSummary = { mean: new Float32Array(15).fill(-1), std: new Float32Array(15), p16: new Float32Array(15), p50: new Float32Array(15), p84: new Float32Array(15) };
    expect(posteriorSummary(samples, 10, 50, 2, 1, out, 5)).toBe(out);
    const want = posteriorSummaryFullSort(samples, 10, 50, 2, 1);
    expect(Array.from(out.mean.subarray(0, 5))).toEqual([-1, -1, -1, -1, -1]);
    expect(bits(out.p50.subarray(5))).toEqual(bits(want.p50));
    expect(bits(out.mean.subarray(5))).toEqual(bits(want.mean));
  });
});
