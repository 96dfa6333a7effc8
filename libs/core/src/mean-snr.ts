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

/**
 * `meanSnrAt` for rows 0..n−1 (bands as columns: `flux[b][row]`), band by band (each pass reads one column: a tight
 * loop over one typed array), with the same sums in the same band order, so equal to `meanSnrAt` bit for bit.
 */
export function meanSnr(flux: readonly ArrayLike<number>[], err: readonly ArrayLike<number>[], n = flux[0]?.length ?? 0, minBands = 1): Float64Array {
  const sum = new Float64Array(n);
  const count = new Uint16Array(n);
  for (let b = 0; b < flux.length; b++) addBandSnr(flux[b], err[b], n, sum, count);
  const need = Math.max(1, minBands);
  for (let i = 0; i < n; i++) sum[i] = count[i] >= need ? sum[i] / count[i] : NaN;
  return sum;
}

/** One band's f/σ added to `sum` and counted in `count` where the band is present (finite flux, finite σ > 0). */
function addBandSnr(flux: ArrayLike<number>, err: ArrayLike<number>, n: number, sum: Float64Array, count: Uint16Array): void {
  for (let i = 0; i < n; i++) {
    const f = flux[i];
    const e = err[i];
    if (Number.isFinite(f) && Number.isFinite(e) && e > 0) {
      sum[i] += f / e;
      count[i]++;
    }
  }
}
