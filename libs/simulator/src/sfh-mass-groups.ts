/**
 * Runs of consecutive SSP ages whose formed masses are, within a relative tolerance η per SSP, those of a linear SFR
 * α + β t over the run: m̂_j = α Δe_j + β Δh_j (Δe, Δh from `sspAgePrefixSums`), α and β matching the run's mass and
 * mass-weighted bin centre. Because every SSP spectrum is ≥ 0, |Σ_j (m_j − m̂_j) L_j(λ)| ≤ η Σ_j m_j L_j(λ) at every λ,
 * so every band flux is within a factor 1 ± η of the per-SSP sum (|Δmag| ≤ 1.086 η). A piecewise-constant SFR (the
 * non-parametric priors) is reproduced exactly; a smooth one (delayed-τ) merges the finely sampled young SSPs.
 */
export interface SfhMassGroups {
  /** Number of runs written. */
  n: number;
  /** Run j ∈ [start[g], end[g]) with m̂_j = alpha[g] Δe_j + beta[g] Δh_j. */
  start: Int32Array;
  end: Int32Array;
  alpha: Float64Array;
  beta: Float64Array;
}

/** Scratch for `sfhMassGroups` on a grid of nAge SSPs. */
export function createSfhMassGroups(nAge: number): SfhMassGroups & { pm: Float64Array; pmc: Float64Array; pe: Float64Array; ph: Float64Array; pq: Float64Array } {
  return {
    n: 0,
    start: new Int32Array(nAge),
    end: new Int32Array(nAge),
    alpha: new Float64Array(nAge),
    beta: new Float64Array(nAge),
    pm: new Float64Array(nAge + 1),
    pmc: new Float64Array(nAge + 1),
    pe: new Float64Array(nAge + 1),
    ph: new Float64Array(nAge + 1),
    pq: new Float64Array(nAge + 1),
  };
}

/**
 * Split the SSPs [jLo, jHi) with masses m (≥ 0; zero-mass SSPs are left out of every run) into runs (see above), none
 * crossing `split` (the young/old boundary when their dust differs; pass jLo for none). η = 0 gives exact runs only
 * (single SSPs, or runs that are exactly linear). Greedy: a run of ≥ 3 SSPs is extended by doubling, then by bisection.
 */
export function sfhMassGroups(
  m: ArrayLike<number>,
  jLo: number,
  jHi: number,
  split: number,
  binWidthGyr: Float64Array,
  binMomentGyr2: Float64Array,
  eta: number,
  out: ReturnType<typeof createSfhMassGroups>,
): SfhMassGroups {
  const { pm, pmc, pe, ph, pq } = out;
  pm[jLo] = pmc[jLo] = pe[jLo] = ph[jLo] = pq[jLo] = 0;
  for (let j = jLo; j < jHi; j++) {
    const we = binWidthGyr[j];
    const wh = binMomentGyr2[j];
    const c = wh / we;
    pm[j + 1] = pm[j] + m[j];
    pmc[j + 1] = pmc[j] + m[j] * c;
    pe[j + 1] = pe[j] + we;
    ph[j + 1] = ph[j] + wh;
    pq[j + 1] = pq[j] + wh * c;
  }
  let n = 0;
  // linear SFR over [s, e) matching Σ m and Σ m c (c = Δh/Δe, the bin centre), written into fit[0..1]; checked per SSP
  const fit = [0, 0];
  const fits = (s: number, e: number): boolean => {
    if (e - s === 1) {
      fit[0] = m[s] / binWidthGyr[s];
      fit[1] = 0;
      return true;
    }
    const M = pm[e] - pm[s];
    const T = pmc[e] - pmc[s];
    const E = pe[e] - pe[s];
    const H = ph[e] - ph[s];
    const Q = pq[e] - pq[s];
    const det = E * Q - H * H;
    if (!(det > 0)) return false;
    const a = (M * Q - T * H) / det;
    const b = (T * E - M * H) / det;
    for (let j = s; j < e; j++) {
      const mj = m[j];
      if (!(Math.abs(mj - (a * binWidthGyr[j] + b * binMomentGyr2[j])) <= eta * mj)) return false;
    }
    fit[0] = a;
    fit[1] = b;
    return true;
  };
  let s = jLo;
  while (s < jHi) {
    if (!(m[s] > 0)) {
      s++;
      continue;
    }
    // the run may not pass a zero-mass SSP or the split
    let limit = s + 1;
    const cap = s < split ? Math.min(split, jHi) : jHi;
    while (limit < cap && m[limit] > 0) limit++;
    // a linear run of 3+ SSPs costs two prefix rows; shorter runs are single SSPs (exact, one row each)
    let good = s + 1;
    if (s + 3 <= limit && fits(s, s + 3)) {
      good = s + 3;
      let bad = limit + 1;
      let len = 6;
      while (s + len <= limit && fits(s, s + len)) {
        good = s + len;
        len *= 2;
      }
      if (s + len <= limit) bad = s + len;
      while (bad - good > 1) {
        const mid = (good + bad) >> 1;
        if (fits(s, mid)) good = mid;
        else bad = mid;
      }
    }
    fits(s, good);
    out.start[n] = s;
    out.end[n] = good;
    out.alpha[n] = fit[0];
    out.beta[n] = fit[1];
    n++;
    s = good;
  }
  out.n = n;
  return out;
}
