import { describe, expect, it } from 'vitest';
import { piecewiseSfh, nonParametricBinEdges, dirichletSfh, continuitySfh } from './sfh-piecewise.js';
import { delayedTauSfh } from './sfh-delayed-tau.js';
import { sfhSummary, sspAgeBinEdges, sspMassFractions } from './sfh-summary.js';
import { createPrng } from './prng.js';

const ages = Float64Array.from([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10]);

describe('SFH mass bookkeeping', () => {
  it('constant SFR: formed mass = SFR × duration, surviving fraction applied, SFR10/100 and ages exact', () => {
    const duration = 2; // Gyr
    const sfrMsunPerYr = 5;
    const sfh = piecewiseSfh([0, duration], [1]);
    const formed = sfrMsunPerYr * duration * 1e9;
    const edges = sspAgeBinEdges(ages);
    const w = sspMassFractions(sfh, edges);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // bin j holds (min(e_{j+1}, 2) − e_j)/2 of the mass
    for (let j = 0; j < ages.length; j++) {
      const want = Math.max(0, Math.min(edges[j + 1], duration) - edges[j]) / duration;
      expect(w[j]).toBeCloseTo(want, 12);
    }
    const surv = Float64Array.from(ages, (a) => (a < 0.1 ? 1 : 0.6));
    const s = sfhSummary(sfh, w, surv);
    const expectSurv = w.reduce((acc, v, j) => acc + v * surv[j], 0);
    expect(s.survivingFraction).toBeCloseTo(expectSurv, 12);
    expect(formed * s.sfr100PerFormed).toBeCloseTo(sfrMsunPerYr, 9);
    expect(formed * s.sfr10PerFormed).toBeCloseTo(sfrMsunPerYr, 9);
    expect(s.massWeightedAgeGyr).toBeCloseTo(1, 12);
    expect(s.t50Gyr).toBeCloseTo(1, 9);
  });

  it('delayed-τ: fractions integrate ψ ∝ t e^{−t/τ} (checked by numerical quadrature) and the mean age', () => {
    const tau = 0.7;
    const dur = 3;
    const sfh = delayedTauSfh(tau, dur);
    const n = 300000; // step 1e-5 Gyr: bin edges 0.2 and 1.3 fall on cell boundaries
    let tot = 0;
    let part = 0;
    let tw = 0;
    for (let i = 0; i < n; i++) {
      const lb = ((i + 0.5) / n) * dur; // lookback
      const s = dur - lb;
      const psi = s * Math.exp(-s / tau);
      tot += psi;
      tw += psi * lb;
      if (lb >= 0.2 && lb < 1.3) part += psi;
    }
    expect(sfh.massFractionBetween(0.2, 1.3)).toBeCloseTo(part / tot, 6);
    expect(sfh.massFractionBetween(0, 100)).toBeCloseTo(1, 12);
    expect(sfh.massWeightedAgeGyr()).toBeCloseTo(tw / tot, 5);
    // tiny τ/duration ratios stay finite
    expect(delayedTauSfh(10, 0.001).massWeightedAgeGyr()).toBeGreaterThan(0);
  });

  it('non-parametric bins stop at the age of the universe and priors give normalised histories', () => {
    const e = nonParametricBinEdges(8, 1.5);
    expect(e[0]).toBe(0);
    expect(e[1]).toBeCloseTo(0.01);
    expect(e[2]).toBeCloseTo(0.1);
    expect(e[8]).toBeCloseTo(1.5, 12);
    const prng = createPrng(3);
    for (const sfh of [dirichletSfh(prng, 8, 1, 1.5), continuitySfh(prng, 8, 1.5)]) {
      expect(sfh.massFractionBetween(0, 1.5)).toBeCloseTo(1, 12);
      expect(sfh.durationGyr).toBeCloseTo(1.5, 12);
    }
  });
});
