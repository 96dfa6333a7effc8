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
  const n = w * h * s * s;
  const d2 = new Float64Array(n);
  const val = new Float64Array(n);
  let total = 0;
  let k = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const raw = data[y * w + x];
      const v = Number.isFinite(raw) ? raw / (s * s) : 0;
      total += v * s * s;
      for (let b = 0; b < s; b++) {
        const dy = y - 0.5 + (b + 0.5) / s - cy;
        for (let a = 0; a < s; a++) {
          const dx = x - 0.5 + (a + 0.5) / s - cx;
          d2[k] = dx * dx + dy * dy;
          val[k] = v;
          k++;
        }
      }
    }
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => d2[i] - d2[j]);
  const rs = Array.from(radii, (r, i) => ({ r2: r * r, i })).sort((a, b) => a.r2 - b.r2);
  const out = new Float64Array(rs.length);
  let acc = 0;
  let p = 0;
  for (const { r2, i } of rs) {
    while (p < n && d2[order[p]] <= r2) acc += val[order[p++]];
    out[i] = acc / total;
  }
  return out;
}
