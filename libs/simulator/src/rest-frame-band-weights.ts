import type { FilterIntegrationWeights } from './filter-integration-weights.js';
import { lowerBound, upperBound } from './sorted-array-internals.js';

/**
 * Weights W_i on the rest-frame grid `wl` over [start, start + weights.length) such that Σ W_i L(wl_i) equals the
 * filter sum Σ_p num_p L(λ_p/(1+z)) with L linearly interpolated between rest-grid points (IGM not applied).
 * A filter point with λ/(1+z) in (wl_j, wl_j+1] adds num·(1−u) to j and num·u to j+1, u linear in λ; the sums
 * come from the prefix sums: Σ num·u = (Σ num·λ/(1+z) − wl_j Σ num)/(wl_j+1 − wl_j).
 */
export function restFrameBandWeights(f: FilterIntegrationWeights, wl: Float64Array, zp1: number): { start: number; weights: Float64Array } {
  const { w, s0, s1 } = f;
  const nW = wl.length;
  // rest-frame index range touched by this filter
  const rFirst = w[0] / zp1;
  const rLast = w[w.length - 1] / zp1;
  // i0: last index with wl[i0 + 1] ≥ rFirst (≤ nW − 2); i1: first index ≥ i0 with wl[i1] ≥ rLast (≤ nW − 1)
  const i0 = Math.min(Math.max(lowerBound(wl, rFirst, 1) - 1, 0), nW - 2);
  const i1 = Math.min(lowerBound(wl, rLast, i0), nW - 1);
  const acc = new Float64Array(i1 - i0 + 1);
  let pA = i0 === 0 ? lowerBound(w, wl[0] * zp1, 0) : upperBound(w, wl[i0] * zp1, 0);
  const nF = w.length;
  for (let j = i0; j < i1; j++) {
    // upperBound(w, wl[j + 1] (1+z), pA) by a linear scan: consecutive rest points cover few filter points
    const x = wl[j + 1] * zp1;
    let pB = pA;
    while (pB < nF && w[pB] <= x) pB++;
    if (pB > pA) {
      const sn = s0[pB] - s0[pA];
      const su = ((s1[pB] - s1[pA]) / zp1 - wl[j] * sn) / (wl[j + 1] - wl[j]);
      acc[j - i0] += sn - su;
      acc[j + 1 - i0] += su;
    }
    pA = pB;
  }
  return { start: i0, weights: acc };
}
