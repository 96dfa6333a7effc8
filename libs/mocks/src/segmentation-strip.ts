import { stampOverlapsRows } from './galaxy-band-stamp.js';
import type { Stamp } from './sersic-profile.js';
import { stampStripWindow } from './stamp-strip-window.js';

/**
 * Segmentation of rows [y0, y1) (strip `width` columns wide): a pixel belongs to the galaxy whose own detection stamp
 * is brightest there, if that value exceeds `threshold` (same units as the stamps); 0 = background. `best` is
 * scratch of the strip's size (the winning value per pixel). Ties keep the earlier galaxy.
 */
export function segmentationStrip(ids: ArrayLike<number>, stamps: Stamp[], threshold: number, y0: number, y1: number, width: number, out: Int32Array, best: Float64Array): void {
  out.fill(0);
  best.fill(0);
  stamps.forEach((st, gi) => {
    if (!stampOverlapsRows(st, y0, y1)) return;
    const { ja, jb, ia, ib, rowStart } = stampStripWindow(st, y0, y1, width);
    for (let j = ja, row = rowStart; j < jb; j++, row += width) {
      for (let i = ia; i < ib; i++) {
        const v = st.data[j * st.width + i];
        const k = row + i;
        if (v > threshold && v > best[k]) {
          best[k] = v;
          out[k] = ids[gi];
        }
      }
    }
  });
}
