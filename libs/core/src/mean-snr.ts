/**
 * Mean S/N of one row: mean_b(f_b/σ_b) over the bands present in row `i` (finite flux, finite σ > 0),
 * NaN when fewer than `minBands` (≥ 1) are present. The selection of Iglesias-Navarro et al. (2025):
 * mean S/N over F277W, F356W, F444W > 5. The rule of the snr-mask stage (per segment pixel), the simulator's
 * `snrSelection` and the calibration's `validateModel` (these two for all rows at once: `meanSnr`, the same sums).
 */
export function meanSnrAt(flux: readonly ArrayLike<number>[], err: readonly ArrayLike<number>[], i: number, minBands = 1): number {
  let s = 0;
  let n = 0;
  for (let b = 0; b < flux.length; b++) {
    const f = flux[b][i];
    const e = err[b][i];
    if (bandPresent(f, e)) {
      s += f / e;
      n++;
    }
  }
  return meanOf(s, n, minBands);
}

/** A band counts in a row when its flux is finite and its σ finite and > 0 (the rule of meanSnrAt and meanSnr). */
function bandPresent(f: number, e: number): boolean {
  return Number.isFinite(f) && Number.isFinite(e) && e > 0;
}

/** The mean of `n` present bands' f/σ summing to `s`, NaN below `minBands` (at least 1). */
function meanOf(s: number, n: number, minBands: number): number {
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
  for (let i = 0; i < n; i++) sum[i] = meanOf(sum[i], count[i], minBands);
  return sum;
}

/** One band's f/σ added to `sum` and counted in `count` where the band is present (finite flux, finite σ > 0). */
function addBandSnr(flux: ArrayLike<number>, err: ArrayLike<number>, n: number, sum: Float64Array, count: Uint16Array): void {
  for (let i = 0; i < n; i++) {
    const f = flux[i];
    const e = err[i];
    if (bandPresent(f, e)) {
      sum[i] += f / e;
      count[i]++;
    }
  }
}
