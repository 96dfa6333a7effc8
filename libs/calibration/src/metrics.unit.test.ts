import { describe, expect, it } from 'vitest';
import { createPrng } from '@pixsed/core';
import { chiSquareSf } from '@pixsed/core';
import { intervalCoverage } from './interval-coverage.js';
import { pointMetrics } from './point-metrics.js';
import { logGamma, regularizedGammaQ } from '@pixsed/core';
import { median, nmad } from './robust-statistics.js';
import { sbcRanks } from './sbc-ranks.js';
import { countAtOrBelow, countBelow, sortedPosterior } from './sorted-posterior.js';
import { tarpCoverage } from './tarp-coverage.js';

/**
 * Gaussian toy with an exactly known posterior: per object a mean μ ~ N(0, 3²) (the "observation"), truth
 * θ ~ N(μ, σ_true), samples ~ N(μ + shift, σ_post); calibrated when σ_post = σ_true and shift = 0.
 * (Centring the samples on θ + noise instead is not calibrated under the N(0, 3²) prior: TARP sees it.)
 */
function gaussianToy(n: number, s: number, dims: number, sigmaTrue: number, sigmaPost: number, seed = 1, shift = 0) {
  const rng = createPrng(seed);
  const truth = Array.from({ length: dims }, () => new Float64Array(n));
  const samples = new Float32Array(n * s * dims);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dims; d++) {
      const mu = 3 * rng.normal();
      truth[d][i] = mu + sigmaTrue * rng.normal();
      for (let k = 0; k < s; k++) samples[(i * s + k) * dims + d] = mu + shift + sigmaPost * rng.normal();
    }
  }
  return { truth, samples };
}

describe('special functions', () => {
  it('logGamma matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9);
  });
  it('χ² survival function: closed forms for 2 dof (e^{−x/2}) and 1 dof (erfc √(x/2))', () => {
    for (const x of [0.1, 1, 5, 30, 200]) expect(chiSquareSf(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 12);
    expect(chiSquareSf(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSf(0, 19)).toBe(1);
    expect(regularizedGammaQ(3, Infinity)).toBe(0);
  });
});

describe('point metrics', () => {
  it('median and NMAD: analytic values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([1, NaN, 3])).toBe(2);
    expect(nmad([1, 2, 3, 4, 100])).toBeCloseTo(1.4826, 12); // |x − 3| = 2,1,0,1,97 → median 1
  });
  it('perfect predictions: R² = 1, no bias, no scatter, no outliers', () => {
    const t = [1, 2, 3, 4];
    expect(pointMetrics({ pred: t, truth: t, sigma: [1, 1, 1, 1] })).toMatchObject({ r2: 1, bias: 0, scatterNmad: 0, outlierFraction: 0, rmse: 0 });
  });
  it('a constant offset: bias = offset, NMAD 0, R² = 1 − n·c²/SS_tot, outliers by σ', () => {
    const t = [1, 2, 3, 4];
    const m = pointMetrics({ pred: t.map((x) => x + 0.5), truth: t, sigma: [1, 0.1, 1, 0.1] });
    expect(m.bias).toBeCloseTo(0.5, 14);
    expect(m.meanBias).toBeCloseTo(0.5, 14);
    expect(m.scatterNmad).toBe(0);
    expect(m.r2).toBeCloseTo(1 - (4 * 0.25) / 5, 14);
    expect(m.outlierFraction).toBe(0.5);
  });
  it('predicting the mean gives R² = 0', () => {
    expect(pointMetrics({ pred: [2.5, 2.5, 2.5, 2.5], truth: [1, 2, 3, 4], sigma: [1, 1, 1, 1] }).r2).toBeCloseTo(0, 14);
  });
});

describe('sorted posterior, coverage and SBC', () => {
  it('sorts each object’s samples of one parameter; counts by binary search', () => {
    const samples = Float32Array.from([3, 10, 1, 20, 2, 30]); // n=1, s=3, dims=2
    expect(Array.from(sortedPosterior(samples, 1, 3, 2, 0))).toEqual([1, 2, 3]);
    expect(Array.from(sortedPosterior(samples, 1, 3, 2, 1))).toEqual([10, 20, 30]);
    expect(countBelow([1, 2, 2, 3], 2)).toBe(1);
    expect(countAtOrBelow([1, 2, 2, 3], 2)).toBe(3);
  });
  it('a calibrated Gaussian posterior covers 68 % / 95 % and has uniform SBC ranks', () => {
    const n = 4000;
    const s = 200;
    const { truth, samples } = gaussianToy(n, s, 1, 1, 1);
    const sorted = sortedPosterior(samples, n, s, 1, 0);
    expect(intervalCoverage(sorted, n, s, truth[0], 0.68)).toBeGreaterThan(0.65);
    expect(intervalCoverage(sorted, n, s, truth[0], 0.68)).toBeLessThan(0.71);
    expect(Math.abs(intervalCoverage(sorted, n, s, truth[0], 0.95) - 0.95)).toBeLessThan(0.015);
    const sbc = sbcRanks(sorted, n, s, truth[0], { bins: 20, rng: createPrng(0) });
    expect(sbc.histogram.reduce((a, b) => a + b, 0)).toBe(n);
    expect(sbc.expected.reduce((a, b) => a + b, 0)).toBeCloseTo(n, 9);
    expect(sbc.pValue).toBeGreaterThan(0.001);
  });
  it('an over-confident posterior (σ halved) under-covers and fails SBC', () => {
    const n = 4000;
    const s = 200;
    const { truth, samples } = gaussianToy(n, s, 1, 1, 0.5);
    const sorted = sortedPosterior(samples, n, s, 1, 0);
    // truth − mean ~ N(0, 1), interval ±0.994·0.5 → P(|Z| < 0.497) ≈ 0.381
    expect(Math.abs(intervalCoverage(sorted, n, s, truth[0], 0.68) - 0.381)).toBeLessThan(0.03);
    expect(sbcRanks(sorted, n, s, truth[0], { bins: 20, rng: createPrng(0) }).pValue).toBeLessThan(1e-10);
  });
  it('SBC ties are broken at random: a truth equal to every sample gets a uniform rank', () => {
    const n = 2000;
    const s = 9;
    const sorted = new Float32Array(n * s); // all zeros
    const sbc = sbcRanks(sorted, n, s, new Float64Array(n), { bins: 10, rng: createPrng(3) });
    expect(sbc.pValue).toBeGreaterThan(0.001);
  });
});

describe('TARP', () => {
  it('a calibrated posterior gives ECP ≈ α and |ATC| small; marginal and joint', () => {
    const n = 3000;
    const s = 200;
    const { truth, samples } = gaussianToy(n, s, 2, 1, 1);
    for (const params of [[0], [1], [0, 1]]) {
      const t = tarpCoverage({ samples, n, s, dims: 2, truth, params, alphaBins: 50, rng: createPrng(7) });
      expect(t.alpha).toHaveLength(51);
      expect(t.ecp[0]).toBe(0);
      expect(t.ecp[50]).toBe(1);
      expect(Math.abs(t.atcMean)).toBeLessThan(0.02);
      expect(t.maxDeviation).toBeLessThan(0.05);
    }
  });
  it('under-dispersed → ATC < 0, over-dispersed → ATC > 0 (sbi sign convention)', () => {
    const n = 3000;
    const s = 200;
    const narrow = gaussianToy(n, s, 2, 1, 0.5);
    const wide = gaussianToy(n, s, 2, 1, 2);
    const a = tarpCoverage({ ...narrow, n, s, dims: 2, alphaBins: 50, rng: createPrng(7) });
    const b = tarpCoverage({ ...wide, n, s, dims: 2, alphaBins: 50, rng: createPrng(7) });
    expect(a.atcMean).toBeLessThan(-0.05);
    expect(b.atcMean).toBeGreaterThan(0.05);
    expect(a.atcSum).toBeCloseTo(a.atcMean * 26, 10); // K = 50: 26 terms over α ≥ 0.5
    expect(a.atc).toBeCloseTo(a.atcSum / 50, 12); // the area: each term × Δα = 1/50
    // the area does not depend on K (up to discretisation), the plain sum does
    const a200 = tarpCoverage({ ...narrow, n, s, dims: 2, alphaBins: 200, rng: createPrng(7) });
    expect(Math.abs(a200.atc / a.atc - 1)).toBeLessThan(0.05);
    expect(a200.atcSum / a.atcSum).toBeGreaterThan(3.5);
  });
  it('a biased posterior (shifted by 2σ) is flagged by the joint TARP', () => {
    const n = 3000;
    const s = 200;
    const biased = gaussianToy(n, s, 2, 1, 1, 1, 2);
    const t = tarpCoverage({ ...biased, n, s, dims: 2, alphaBins: 50, rng: createPrng(7) });
    expect(t.maxDeviation).toBeGreaterThan(0.15);
  });
  it('the bootstrap standard error of the ATC matches the analytic one for a calibrated posterior', () => {
    // f ~ U(0, 1) when calibrated, so ECP is an empirical CDF: Var(Σ_k ECP(α_k)) = Σ_k Σ_l (min(α_k, α_l) − α_k α_l) / n
    const n = 3000;
    const s = 200;
    const { truth, samples } = gaussianToy(n, s, 2, 1, 1);
    const t = tarpCoverage({ samples, n, s, dims: 2, truth, params: [0], alphaBins: 50, rng: createPrng(7) });
    const a = t.alpha.slice(25);
    let v = 0;
    for (const x of a) for (const y of a) v += Math.min(x, y) - x * y;
    const analytic = Math.sqrt(v / n) / 50; // × Δα: atc is the area
    expect(analytic).toBeGreaterThan(0.001);
    expect(t.atcStdErr / analytic).toBeGreaterThan(0.8);
    expect(t.atcStdErr / analytic).toBeLessThan(1.2);
    expect(Math.abs(t.atc)).toBeLessThan(3 * t.atcStdErr);
  });
  it('is deterministic for a seed', () => {
    const { truth, samples } = gaussianToy(200, 50, 2, 1, 1);
    const run = (seed: number) => tarpCoverage({ samples, n: 200, s: 50, dims: 2, truth, rng: createPrng(seed) }).ecp;
    expect(run(5)).toEqual(run(5));
  });
});
