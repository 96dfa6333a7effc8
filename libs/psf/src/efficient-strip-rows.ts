import { PsfMatchingError } from '@pixsed/core';

/**
 * Strip height (core rows, between minRows and 2 minRows when possible) that fills the overlap-save
 * tiles exactly: a multiple of (2^p - kernelHeight + 1) for the power of two p with the lowest FFT cost
 * per output row (cost ~ 2^p (log2 2^p + 6) / (2^p - kh + 1), the tile chooser's model). E.g. a
 * 101-row kernel and minRows 400 give 412 rather than 512, which would need two 512-row tiles.
 */
export function efficientStripRows(kernelHeight: number, minRows: number, maxTile = 4096): number {
  if (!(Number.isInteger(kernelHeight) && kernelHeight >= 1)) {
    throw new PsfMatchingError(`kernelHeight must be a positive integer, got ${kernelHeight}`);
  }
  if (!(Number.isInteger(minRows) && minRows >= 1)) throw new PsfMatchingError(`minRows must be a positive integer, got ${minRows}`);
  let best = { rows: 0, cost: Infinity };
  for (let p = 2; p <= maxTile || best.rows === 0; p *= 2) {
    const my = p - kernelHeight + 1;
    if (my < 1) continue;
    const tiles = Math.ceil(minRows / my);
    const rows = tiles * my;
    const cost = (tiles * p * (Math.log2(p) + 6)) / rows + (rows > 2 * minRows ? 1e9 * rows : 0);
    if (cost < best.cost - 1e-12 || (Math.abs(cost - best.cost) <= 1e-12 && rows < best.rows)) best = { rows, cost };
  }
  return best.rows;
}
