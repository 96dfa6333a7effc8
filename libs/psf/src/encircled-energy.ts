import type { ImageLike } from './types.js';

export interface EncircledEnergyOptions {
  /** centre (pixels); default the stamp centre ((w-1)/2, (h-1)/2) */
  cx?: number;
  cy?: number;
  /** sub-samples per pixel side (each carries 1/s^2 of the pixel value); default 8 */
  subsample?: number;
}

/**
 * Encircled-energy curve EE(r) = sum_{|x - c| <= r} I(x) / sum I, with each pixel split into
 * s x s sub-pixels (exact-aperture approximation, as photutils' "subpixel" aperture method).
 */
export function encircledEnergy(img: ImageLike, radii: ArrayLike<number>, opts: EncircledEnergyOptions = {}): Float64Array {
  const { width: w, height: h, data } = img;
  const cx = opts.cx ?? (w - 1) / 2;
  const cy = opts.cy ?? (h - 1) / 2;
  const s = opts.subsample ?? 8;
  const rs = Float64Array.from(radii);
  const order = Array.from(rs.keys()).sort((i, j) => rs[i] - rs[j]);
  const sortedR2 = Float64Array.from(order, (i) => rs[i] * rs[i]);
  // bin[k] = flux of sub-pixels with sortedR2[k-1] < d^2 <= sortedR2[k]; bin[R] = beyond the last radius
  const bins = new Float64Array(rs.length + 1);
  let total = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const raw = data[y * w + x];
      if (!Number.isFinite(raw)) continue;
      const v = raw / (s * s);
      total += raw;
      for (let b = 0; b < s; b++) {
        const dy = y - 0.5 + (b + 0.5) / s - cy;
        for (let a = 0; a < s; a++) {
          const dx = x - 0.5 + (a + 0.5) / s - cx;
          const d2 = dx * dx + dy * dy;
          // first k with sortedR2[k] >= d2
          let lo = 0;
          let hi = sortedR2.length;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (sortedR2[mid] < d2) lo = mid + 1;
            else hi = mid;
          }
          bins[lo] += v;
        }
      }
    }
  }
  const out = new Float64Array(rs.length);
  let acc = 0;
  for (let k = 0; k < order.length; k++) {
    acc += bins[k];
    out[order[k]] = acc / total;
  }
  return out;
}
