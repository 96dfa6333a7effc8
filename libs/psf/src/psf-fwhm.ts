import type { ImageLike } from './types.js';

/**
 * Effective FWHM (pixels) of a pixelated PSF: FWHM = 2 sqrt(A / pi), A = area where the bilinearly
 * interpolated image (8x8 sub-samples per pixel cell) is >= half its maximum; exact for a circular
 * Gaussian up to interpolation error. Works for any shape (no profile fit); undersampled PSFs
 * (FWHM ~ 1 px) are measured on the pixel grid as sampled.
 */
export function psfFwhm(img: ImageLike, subsample = 8): number {
  const { width: w, height: h, data } = img;
  let max = -Infinity;
  for (let i = 0; i < w * h; i++) if (Number.isFinite(data[i]) && data[i] > max) max = data[i];
  if (!(max > 0)) return NaN;
  const half = max / 2;
  const at = (x: number, y: number): number => {
    const v = data[y * w + x];
    return Number.isFinite(v) ? v : 0;
  };
  let count = 0;
  const s = subsample;
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      const v00 = at(x, y);
      const v10 = at(x + 1, y);
      const v01 = at(x, y + 1);
      const v11 = at(x + 1, y + 1);
      const hi = Math.max(v00, v10, v01, v11);
      if (hi < half) continue;
      if (Math.min(v00, v10, v01, v11) >= half) {
        count += s * s;
        continue;
      }
      for (let b = 0; b < s; b++) {
        const fy = (b + 0.5) / s;
        for (let a = 0; a < s; a++) {
          const fx = (a + 0.5) / s;
          const v = (v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy;
          if (v >= half) count++;
        }
      }
    }
  }
  const area = count / (s * s);
  return 2 * Math.sqrt(area / Math.PI);
}
