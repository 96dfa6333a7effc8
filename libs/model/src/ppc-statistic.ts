import { chiSquareSf } from '@pixsed/core/numeric';
import { AB_ZERO_POINT_NJY } from './ab-mag-features.js';

/** Posterior-predictive check of one row (dimensionless). */
export interface PpcRow {
  /** Median over the draws of χ²(y, θ_d). */
  chi2: number;
  /** Posterior-predictive p-value: mean over the draws of Q_χ²(n)(χ²(y, θ_d)). */
  pValue: number;
  /** Bands in the χ² (present: finite flux, finite σ > 0). */
  nBands: number;
}

const LN10_OVER_2P5 = Math.LN10 / 2.5;
/** 0.4 ln 10: 10^(0.4 x) = exp(MAG_TO_LN_FLUX · x). */
const MAG_TO_LN_FLUX = 0.4 * Math.LN10;

/**
 * Posterior-predictive p-value of one row with the χ² discrepancy (Gelman, Meng & Stern 1996, Stat. Sinica 6, 733):
 * p = E_{θ|y} P(T(y_rep, θ) ≥ T(y, θ)) with T(y, θ) = Σ_b (y_b − f_b(θ))² / (σ_b² + s_b(θ)²); for y_rep ~ N(f(θ), σ² + s²)
 * the inner probability is the χ²(n) survival function, so p = mean_d Q_χ²(n)(T(y, θ_d)) over the K draws θ_d.
 * `emulated` holds K rows from `base` of [AB mag per band, then ln σ_mag per band] (B bands); f_b = 10^(0.4 (31.4 − m_b)) nJy
 * and s_b = f_b · (ln 10 / 2.5) · σ_mag,b. `flux`/`err` are the row's observed nJy per band (NaN or σ ≤ 0: band missing).
 * `scratch` (length ≥ K) is reused between rows.
 */
export function ppcRow(emulated: Float32Array, base: number, k: number, flux: ArrayLike<number>, err: ArrayLike<number>, scratch: Float64Array): PpcRow {
  const b = flux.length;
  let n = 0;
  for (let j = 0; j < b; j++) if (Number.isFinite(flux[j]) && err[j] > 0 && Number.isFinite(err[j])) n++;
  if (n === 0) return { chi2: NaN, pValue: NaN, nBands: 0 };
  let pSum = 0;
  for (let d = 0; d < k; d++) {
    const o = (base + d) * 2 * b;
    let chi2 = 0;
    for (let j = 0; j < b; j++) {
      const y = flux[j];
      const s = err[j];
      if (!(Number.isFinite(y) && s > 0 && Number.isFinite(s))) continue;
      const f = Math.exp(MAG_TO_LN_FLUX * (AB_ZERO_POINT_NJY - emulated[o + j])); // 10^(0.4 (31.4 − m)), exp is ~3× faster than **
      const sf = f * LN10_OVER_2P5 * Math.exp(emulated[o + b + j]);
      const r = y - f;
      chi2 += (r * r) / (s * s + sf * sf);
    }
    scratch[d] = chi2;
    pSum += chiSquareSf(chi2, n);
  }
  const sorted = scratch.subarray(0, k).sort();
  const chi2 = k % 2 ? sorted[(k - 1) / 2] : 0.5 * (sorted[k / 2 - 1] + sorted[k / 2]);
  return { chi2, pValue: pSum / k, nBands: n };
}
