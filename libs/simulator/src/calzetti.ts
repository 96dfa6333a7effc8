/** Calzetti et al. (2000) starburst attenuation curve normalisation R_V. */
export const CALZETTI_RV = 4.05;

/**
 * Calzetti et al. (2000, ApJ 533, 682) eq. 4: k(λ) for λ in µm,
 * 0.12–0.63 µm: 2.659(−2.156 + 1.509/λ − 0.198/λ² + 0.011/λ³) + R_V;
 * 0.63–2.20 µm: 2.659(−1.857 + 1.040/λ) + R_V.
 * Outside the fitted range: linear extrapolation of the 0.12–0.13 µm slope below 0.12 µm (as CIGALE/FAST),
 * the red branch continued above 2.2 µm and clipped at 0.
 */
export function calzettiK(wavelengthAngstrom: number): number {
  const l = wavelengthAngstrom / 1e4;
  if (l >= 0.63) return Math.max(0, 2.659 * (-1.857 + 1.04 / l) + CALZETTI_RV);
  if (l >= 0.12) return blue(l);
  const slope = (blue(0.12) - blue(0.13)) / (0.12 - 0.13);
  return blue(0.12) + slope * (l - 0.12);
}

function blue(l: number): number {
  return 2.659 * (-2.156 + 1.509 / l - 0.198 / (l * l) + 0.011 / (l * l * l)) + CALZETTI_RV;
}
