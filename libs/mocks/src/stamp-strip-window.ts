import type { Stamp } from './sersic-profile.js';

/**
 * The part of a stamp inside rows [y0, y1) of a strip `width` columns wide: stamp rows [ja, jb) and columns
 * [ia, ib) (empty ranges when it misses); stamp pixel (i, j) lands at strip index `rowStart + (j − ja) × width + i`.
 */
export function stampStripWindow(s: Stamp, y0: number, y1: number, width: number): { ja: number; jb: number; ia: number; ib: number; rowStart: number } {
  const ja = Math.max(0, y0 - s.y0);
  const jb = Math.min(s.height, y1 - s.y0);
  const ia = Math.max(0, -s.x0);
  const ib = Math.min(s.width, width - s.x0);
  return { ja, jb, ia, ib, rowStart: (s.y0 + ja - y0) * width + s.x0 };
}
