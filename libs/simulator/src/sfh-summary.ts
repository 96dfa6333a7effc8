import type { Sfh } from './sfh.js';

/** Lookback-age bin edges around SSP ages: geometric midpoints, first edge 0, last edge +∞. */
export function sspAgeBinEdges(ageGyr: Float64Array): Float64Array {
  const n = ageGyr.length;
  const e = new Float64Array(n + 1);
  for (let j = 1; j < n; j++) e[j] = Math.sqrt(ageGyr[j - 1] * ageGyr[j]);
  e[n] = Number.POSITIVE_INFINITY;
  return e;
}

/** Formed-mass fraction assigned to each SSP age: the SFH integrated over that SSP's age bin (sums to 1). */
export function sspMassFractions(sfh: Sfh, binEdgesGyr: Float64Array, out?: Float64Array): Float64Array {
  const n = binEdgesGyr.length - 1;
  const w = out ?? new Float64Array(n);
  for (let j = 0; j < n; j++) w[j] = binEdgesGyr[j] >= sfh.durationGyr ? 0 : sfh.massFractionBetween(binEdgesGyr[j], binEdgesGyr[j + 1]);
  return w;
}

export interface SfhSummary {
  /** Surviving (living + remnant) stellar mass per unit formed mass. */
  survivingFraction: number;
  /** SFR averaged over the last 10 Myr per unit formed mass [1/yr]. */
  sfr10PerFormed: number;
  /** SFR averaged over the last 100 Myr per unit formed mass [1/yr]. */
  sfr100PerFormed: number;
  /** Formed-mass-weighted lookback age [Gyr]. */
  massWeightedAgeGyr: number;
  /** Lookback time by which half of the mass had formed [Gyr] (bisection). */
  t50Gyr: number;
}

/** Derived quantities of an SFH; survivingFraction = Σ_j w_j f_surv,j with the SSP weights and surviving fractions. */
export function sfhSummary(sfh: Sfh, sspFractions: ArrayLike<number>, survivingFractionPerSsp: ArrayLike<number>): SfhSummary {
  let surv = 0;
  for (let j = 0; j < sspFractions.length; j++) surv += sspFractions[j] * survivingFractionPerSsp[j];
  let lo = 0;
  let hi = sfh.durationGyr;
  for (let it = 0; it < 50; it++) {
    const mid = 0.5 * (lo + hi);
    if (sfh.massFractionBetween(0, mid) < 0.5) lo = mid;
    else hi = mid;
  }
  return {
    survivingFraction: surv,
    sfr10PerFormed: sfh.massFractionBetween(0, 0.01) / 1e7,
    sfr100PerFormed: sfh.massFractionBetween(0, 0.1) / 1e8,
    massWeightedAgeGyr: sfh.massWeightedAgeGyr(),
    t50Gyr: 0.5 * (lo + hi),
  };
}
