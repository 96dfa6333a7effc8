import { meanSnr } from '@pixsed/core';

/**
 * S/N selection: row r is kept when the mean S/N = mean_b(flux_b/err_b) over bands with finite flux and error > 0
 * (core's `meanSnr`, the snr-mask stage's and validateModel's rule) reaches `snrThreshold` and at least
 * `minBands` bands are present (the paper selects pixels by mean S/N). Columns are per band (row-major by row).
 * Returns a 0/1 mask.
 */
export function snrSelection(
  fluxNjy: ArrayLike<number>[],
  errNjy: ArrayLike<number>[],
  opts: { snrThreshold: number; minBands?: number },
): Uint8Array {
  const nRow = fluxNjy[0]?.length ?? 0;
  const snr = meanSnr(fluxNjy, errNjy, nRow, opts.minBands ?? 1);
  const mask = new Uint8Array(nRow);
  for (let r = 0; r < nRow; r++) mask[r] = snr[r] >= opts.snrThreshold ? 1 : 0;
  return mask;
}
