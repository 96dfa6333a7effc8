import { PHYS } from './constants.js';
import type { FilterCurve } from './filter-curve.js';

/** A filter prepared for f_ν = ∫ f_λ λ T dλ / ∫ (c/λ) T dλ on its own wavelength grid (trapezoid rule). */
export interface FilterIntegrationWeights {
  /** Filter wavelengths [Å] and throughput (the curve's own arrays). */
  w: Float64Array;
  t: Float64Array;
  /** Per filter point: c_i λ_i T_i / den / (1 nJy), c_i the trapezoid weight, so Σ num_i f_λ(λ_i) = f_ν [nJy]. */
  num: Float64Array;
  /** den = Σ c_i (c/λ_i) T_i [Hz], the normalisation ∫ (c/λ) T dλ. */
  den: number;
  /** Prefix sums s0[k] = Σ_{i<k} num_i and s1[k] = Σ_{i<k} num_i λ_i (length n + 1). */
  s0: Float64Array;
  s1: Float64Array;
}

/** Trapezoid weights, normalisation and prefix sums of one filter (independent of redshift). */
export function filterIntegrationWeights(f: FilterCurve): FilterIntegrationWeights {
  const w = f.wavelengthAngstrom;
  const t = f.throughput;
  const n = w.length;
  const c = new Float64Array(n);
  let den = 0;
  for (let i = 0; i < n; i++) {
    const left = i > 0 ? w[i] - w[i - 1] : 0;
    const right = i < n - 1 ? w[i + 1] - w[i] : 0;
    c[i] = 0.5 * (left + right);
    den += c[i] * (PHYS.cAngstromPerS / w[i]) * t[i];
  }
  // numerator weight per filter point: c λ T / den, converted to nJy
  const num = Float64Array.from(w, (l, i) => (c[i] * l * t[i]) / den / PHYS.njyCgs);
  // prefix sums Σ num and Σ num·λ: the resampling onto the rest grid then costs O(rest points) per node
  const s0 = new Float64Array(n + 1);
  const s1 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    s0[i + 1] = s0[i] + num[i];
    s1[i + 1] = s1[i] + num[i] * w[i];
  }
  return { w, t, num, den, s0, s1 };
}
