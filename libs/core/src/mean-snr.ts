/**
 * Mean S/N of one row: mean_b(f_b/σ_b) over the bands present in row `i` (finite flux, finite σ > 0),
 * NaN when fewer than `minBands` (≥ 1) are present. The selection of Iglesias-Navarro et al. (2025):
 * mean S/N over F277W, F356W, F444W > 5. One implementation for the snr-mask stage, the simulator's
 * `snrSelection` and the calibration's `validateModel`.
 */
export function meanSnrAt(flux: readonly ArrayLike<number>[], err: readonly ArrayLike<number>[], i: number, minBands = 1): number {
  let s = 0;
  let n = 0;
  for (let b = 0; b < flux.length; b++) {
    const f = flux[b][i];
    const e = err[b][i];
    if (Number.isFinite(f) && Number.isFinite(e) && e > 0) {
      s += f / e;
      n++;
    }
  }
  return n >= Math.max(1, minBands) ? s / n : NaN;
}

/** `meanSnrAt` for rows 0..n−1 (bands as columns: `flux[b][row]`). */
export function meanSnr(flux: readonly ArrayLike<number>[], err: readonly ArrayLike<number>[], n = flux[0]?.length ?? 0, minBands = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = meanSnrAt(flux, err, i, minBands);
  return out;
}
