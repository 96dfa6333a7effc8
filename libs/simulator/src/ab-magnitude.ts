/** AB magnitude from a flux density in nJy: m = −2.5 log10(f_ν / 3631 Jy) (Oke & Gunn 1983); 1 nJy → 31.4. */
export function abMagnitude(fluxNjy: number): number {
  return -2.5 * Math.log10(fluxNjy * 1e-9 / 3631);
}

/** Flux density [nJy] from an AB magnitude (inverse of `abMagnitude`). */
export function abMagnitudeToNjy(mag: number): number {
  return 3631e9 * Math.pow(10, -0.4 * mag);
}
