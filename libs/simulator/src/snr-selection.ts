/**
 * S/N selection: row r is kept when the mean S/N = mean_b(flux_b/err_b) over bands with finite flux and error
 * reaches `snrThreshold` and at least `minBands` bands are present (the paper selects pixels by mean S/N).
 * Columns are per band (row-major by row). Returns a 0/1 mask.
 */
export function snrSelection(
  fluxNjy: ArrayLike<number>[],
  errNjy: ArrayLike<number>[],
  opts: { snrThreshold: number; minBands?: number },
): Uint8Array {
  const nRow = fluxNjy[0]?.length ?? 0;
  const mask = new Uint8Array(nRow);
  const minBands = opts.minBands ?? 1;
  for (let r = 0; r < nRow; r++) {
    let s = 0;
    let n = 0;
    for (let b = 0; b < fluxNjy.length; b++) {
      const f = fluxNjy[b][r];
      const e = errNjy[b][r];
      if (Number.isFinite(f) && Number.isFinite(e) && e > 0) {
        s += f / e;
        n++;
      }
    }
    mask[r] = n >= minBands && n > 0 && s / n >= opts.snrThreshold ? 1 : 0;
  }
  return mask;
}
