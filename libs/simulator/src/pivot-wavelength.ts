import type { FilterCurve } from './filter-curve.js';

/**
 * Pivot wavelength [Å] of a photon-counting bandpass, λ_p² = ∫T λ dλ / ∫T/λ dλ (Tokunaga & Vacca 2005, eq. A11;
 * the f_ν ↔ f_λ conversion wavelength), trapezoid rule on the curve's own samples.
 */
export function pivotWavelengthAngstrom(f: FilterCurve): number {
  const w = f.wavelengthAngstrom;
  const t = f.throughput;
  let num = 0;
  let den = 0;
  for (let i = 1; i < w.length; i++) {
    const dl = w[i] - w[i - 1];
    num += 0.5 * dl * (t[i] * w[i] + t[i - 1] * w[i - 1]);
    den += 0.5 * dl * (t[i] / w[i] + t[i - 1] / w[i - 1]);
  }
  return Math.sqrt(num / den);
}
