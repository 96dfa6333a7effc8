import type { Prng } from '@pixsed/core';
import { chiSquareSf } from '@pixsed/core';
import { countAtOrBelow, countBelow } from './sorted-posterior.js';

export interface SbcResult {
  /** Posterior samples per object (L); ranks take the L + 1 values 0…L. */
  samples: number;
  bins: number;
  /** Counts per bin; rank r falls in bin ⌊r·B/(L+1)⌋. */
  histogram: number[];
  /** Expected counts per bin under uniform ranks: n × (rank values in the bin)/(L + 1). */
  expected: number[];
  /** Pearson χ² = Σ (O − E)²/E and its degrees of freedom B − 1. */
  chi2: number;
  dof: number;
  /** P(χ²_{B−1} > chi2): small values reject uniformity (Talts et al. 2018, arXiv 1804.06788). */
  pValue: number;
}

/**
 * Simulation-based calibration (Talts et al. 2018): rank of each truth among its L posterior samples,
 * r = #{samples < truth} (ties broken uniformly at random with `rng`), histogrammed in B bins and
 * tested for uniformity with Pearson's χ² (B − 1 dof). Also returns the ranks.
 */
export function sbcRanks(sorted: Float32Array, n: number, s: number, truth: ArrayLike<number>, opts: { bins?: number; rng: Prng }): SbcResult & { ranks: Int32Array } {
  const bins = Math.min(opts.bins ?? 20, s + 1);
  const ranks = new Int32Array(n);
  const histogram = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const row = sorted.subarray(i * s, (i + 1) * s);
    const t = truth[i];
    const lt = countBelow(row, t);
    const le = countAtOrBelow(row, t);
    const r = le > lt ? lt + Math.floor(opts.rng.uniform() * (le - lt + 1)) : lt;
    ranks[i] = r;
    histogram[Math.floor((r * bins) / (s + 1))]++;
  }
  const perBin = new Array<number>(bins).fill(0);
  for (let r = 0; r <= s; r++) perBin[Math.floor((r * bins) / (s + 1))]++;
  const expected = perBin.map((c) => (n * c) / (s + 1));
  let chi2 = 0;
  for (let b = 0; b < bins; b++) chi2 += (histogram[b] - expected[b]) ** 2 / expected[b];
  const dof = bins - 1;
  return { samples: s, bins, histogram, expected, chi2, dof, pValue: n > 0 ? chiSquareSf(chi2, dof) : NaN, ranks };
}
