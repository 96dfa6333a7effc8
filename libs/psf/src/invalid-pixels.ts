/**
 * Indicator of invalid band measurements in [start, end): a pixel is invalid when its flux is not finite
 * (NaN, ±Inf, BLANK read as NaN) or its 1σ error is not finite and positive (σ ≤ 0, NaN, or σ = ∞ from zero
 * weight). Returns null when every pixel is valid (one pass, no allocation: the common case of a clean tile).
 */
export function invalidPixels(flux: ArrayLike<number>, err: ArrayLike<number>, start = 0, end = flux.length): Uint8Array | null {
  let first = -1;
  for (let i = start; i < end; i++) {
    const s = err[i];
    if (!(s > 0 && s < Infinity && Number.isFinite(flux[i]))) {
      first = i;
      break;
    }
  }
  if (first < 0) return null;
  const bad = new Uint8Array(end - start);
  for (let i = first; i < end; i++) {
    const s = err[i];
    if (!(s > 0 && s < Infinity && Number.isFinite(flux[i]))) bad[i - start] = 1;
  }
  return bad;
}
