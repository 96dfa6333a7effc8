import type { Sfh } from './sfh.js';
import type { Prng } from './prng.js';

/** Piecewise-constant SFR in lookback-time bins `edgesGyr` (increasing, edges[0] = 0) with formed-mass fractions. */
export function piecewiseSfh(edgesGyr: ArrayLike<number>, massFractions: ArrayLike<number>, kind = 'piecewise'): Sfh {
  const n = massFractions.length;
  if (edgesGyr.length !== n + 1) throw new RangeError(`need ${n + 1} bin edges for ${n} bins, got ${edgesGyr.length}`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!(massFractions[i] >= 0)) throw new RangeError(`mass fraction ${i} must be ≥ 0`);
    if (!(edgesGyr[i + 1] > edgesGyr[i])) throw new RangeError(`bin edges must increase (edge ${i + 1})`);
    sum += massFractions[i];
  }
  if (!(sum > 0)) throw new RangeError('mass fractions sum to 0');
  const e = Float64Array.from(edgesGyr);
  const m = Float64Array.from(massFractions, (v) => v / sum);
  return {
    kind,
    durationGyr: e[n],
    params: { edgesGyr: Array.from(e), massFractions: Array.from(m) },
    massFractionBetween(t1, t2) {
      let f = 0;
      for (let i = 0; i < n; i++) {
        const a = Math.max(t1, e[i]);
        const b = Math.min(t2, e[i + 1]);
        if (b > a) f += (m[i] * (b - a)) / (e[i + 1] - e[i]);
      }
      return f;
    },
    massWeightedAgeGyr() {
      let s = 0;
      for (let i = 0; i < n; i++) s += m[i] * 0.5 * (e[i] + e[i + 1]);
      return s;
    },
  };
}

/**
 * Lookback-time bins of Leja et al. (2019): [0, 10 Myr], [10, 100 Myr], then nBins−2 bins log-spaced from 100 Myr
 * to the age of the universe at z (all log-spaced from 1 Myr when that age is ≤ 150 Myr).
 */
export function nonParametricBinEdges(nBins: number, ageUniverseGyr: number): Float64Array {
  if (nBins < 3) throw new RangeError('need ≥ 3 bins');
  const e = new Float64Array(nBins + 1);
  if (ageUniverseGyr <= 0.15) {
    const lo = Math.log10(0.001);
    const hi = Math.log10(ageUniverseGyr);
    for (let i = 1; i <= nBins; i++) e[i] = Math.pow(10, lo + ((hi - lo) * (i - 1)) / (nBins - 1));
    return e;
  }
  e[1] = 0.01;
  e[2] = 0.1;
  const lo = Math.log10(0.1);
  const hi = Math.log10(ageUniverseGyr);
  for (let i = 3; i <= nBins; i++) e[i] = Math.pow(10, lo + ((hi - lo) * (i - 2)) / (nBins - 2));
  return e;
}

/** Non-parametric SFH with Dirichlet(α) formed-mass fractions per bin (dense_basis-like prior, Iyer et al. 2019). */
export function dirichletSfh(prng: Prng, nBins: number, alpha: number, ageUniverseGyr: number): Sfh {
  const edges = nonParametricBinEdges(nBins, ageUniverseGyr);
  const f = prng.dirichlet(new Float64Array(nBins).fill(alpha));
  return piecewiseSfh(edges, f, 'nonparametric-dirichlet');
}

/**
 * Non-parametric SFH with the Prospector continuity prior (Leja et al. 2019): log10(SFR_i/SFR_{i+1}) ~ Student-t
 * (df = 2, scale 0.3), clipped to ±5; bin masses = SFR_i Δt_i.
 */
export function continuitySfh(prng: Prng, nBins: number, ageUniverseGyr: number, scale = 0.3, df = 2): Sfh {
  const edges = nonParametricBinEdges(nBins, ageUniverseGyr);
  const sfr = new Float64Array(nBins);
  sfr[0] = 1;
  for (let i = 1; i < nBins; i++) {
    const r = Math.max(-5, Math.min(5, scale * prng.studentT(df)));
    sfr[i] = sfr[i - 1] / Math.pow(10, r);
  }
  const m = sfr.map((s, i) => s * (edges[i + 1] - edges[i]));
  return piecewiseSfh(edges, m, 'nonparametric-continuity');
}
