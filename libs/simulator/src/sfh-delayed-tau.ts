import type { Sfh } from './sfh.js';

/** Lower regularised-free incomplete gamma γ(n, x) for integer n ≥ 1 (series for small x, closed form otherwise). */
function lowerGammaInt(n: number, x: number): number {
  if (x <= 0) return 0;
  if (n === 2 && x > 1e-2) return -Math.expm1(-x) - x * Math.exp(-x); // γ(2,x) = 1 − e^{−x}(1 + x)
  if (x < n + 10) {
    // γ(a,x) = x^a e^{-x} Σ_k x^k / (a (a+1) ... (a+k))  (Abramowitz & Stegun 6.5.29)
    let term = 1 / n;
    let sum = term;
    for (let k = 1; k < 500; k++) {
      term *= x / (n + k);
      sum += term;
      if (term < sum * 1e-16) break;
    }
    return Math.pow(x, n) * Math.exp(-x) * sum;
  }
  // γ(n,x) = (n-1)! [1 − e^{-x} Σ_{k<n} x^k/k!]
  let fact = 1;
  for (let k = 2; k < n; k++) fact *= k;
  let s = 0;
  let t = 1;
  for (let k = 0; k < n; k++) {
    s += t;
    t *= x / (k + 1);
  }
  return fact * (1 - Math.exp(-x) * s);
}

/**
 * Delayed-τ SFH (e.g. Carnall et al. 2019 eq. 5): ψ(s) ∝ s e^{−s/τ}, s = time since the onset of star formation,
 * which began `durationGyr` before the observation. Cumulative mass ∝ τ² γ(2, s/τ).
 */
export function delayedTauSfh(tauGyr: number, durationGyr: number): Sfh {
  if (!(tauGyr > 0) || !(durationGyr > 0)) throw new RangeError(`delayed-τ needs τ > 0 and duration > 0 (got τ=${tauGyr}, duration=${durationGyr})`);
  const total = lowerGammaInt(2, durationGyr / tauGyr);
  const cum = (s: number): number => (s <= 0 ? 0 : lowerGammaInt(2, Math.min(s, durationGyr) / tauGyr) / total);
  return {
    kind: 'delayed-tau',
    durationGyr,
    params: { tauGyr, durationGyr },
    massFractionBetween(t1, t2) {
      const a = Math.max(0, t1);
      const b = Math.min(durationGyr, t2);
      if (b <= a) return 0;
      return cum(durationGyr - a) - cum(durationGyr - b);
    },
    massWeightedAgeGyr() {
      // mean s = τ γ(3,X)/γ(2,X), X = duration/τ; lookback age = duration − mean s
      const x = durationGyr / tauGyr;
      return durationGyr - (tauGyr * lowerGammaInt(3, x)) / lowerGammaInt(2, x);
    },
  };
}
