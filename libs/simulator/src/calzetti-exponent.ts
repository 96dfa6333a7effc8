import { calzettiK, CALZETTI_RV } from './calzetti.js';

/**
 * Per wavelength, −0.4 ln10 k(λ)/R_V (Calzetti et al. 2000), so that the dust transmission for a V-band
 * attenuation A_V [mag] is exp(A_V × value) = 10^(−0.4 A_V k(λ)/R_V).
 */
export function calzettiExponent(wavelengthAngstrom: ArrayLike<number>): Float64Array {
  return Float64Array.from(wavelengthAngstrom, (l) => (-0.4 * Math.LN10 * calzettiK(l)) / CALZETTI_RV);
}
