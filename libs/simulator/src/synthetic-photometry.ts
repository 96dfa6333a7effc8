import { PHYS } from './constants.js';
import type { FilterCurve } from './filter-curve.js';

/**
 * Photon-counting AB synthetic photometry (e.g. Bessell & Murphy 2012 eq. A12; Fukugita et al. 1996):
 * f_ν = ∫ f_λ λ T dλ / ∫ (c/λ) T dλ, both integrals by the trapezoid rule on the filter's own wavelength grid,
 * with f_λ linearly interpolated onto it (0 outside the spectrum). Input f_λ [erg/s/cm²/Å] on λ_obs [Å]; returns nJy.
 */
export function abFluxNjy(
  wavelengthObsAngstrom: ArrayLike<number>,
  fluxLambdaCgs: ArrayLike<number>,
  filter: FilterCurve,
): number {
  const w = filter.wavelengthAngstrom;
  const t = filter.throughput;
  let num = 0;
  let den = 0;
  let j = 0;
  const nS = wavelengthObsAngstrom.length;
  let prevN = 0;
  let prevD = 0;
  for (let i = 0; i < w.length; i++) {
    const l = w[i];
    while (j < nS - 2 && wavelengthObsAngstrom[j + 1] < l) j++;
    let f = 0;
    const l0 = wavelengthObsAngstrom[j];
    const l1 = wavelengthObsAngstrom[j + 1];
    if (l >= l0 && l <= l1) {
      const u = (l - l0) / (l1 - l0);
      f = fluxLambdaCgs[j] * (1 - u) + fluxLambdaCgs[j + 1] * u;
    }
    const n = f * l * t[i];
    const d = (PHYS.cAngstromPerS / l) * t[i];
    if (i > 0) {
      const dl = l - w[i - 1];
      num += 0.5 * dl * (n + prevN);
      den += 0.5 * dl * (d + prevD);
    }
    prevN = n;
    prevD = d;
  }
  if (!(den > 0)) throw new RangeError(`filter ${filter.name}: zero throughput integral`);
  return num / den / PHYS.njyCgs;
}
