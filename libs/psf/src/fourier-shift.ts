import { dft2 } from './fft-internals.js';
import type { Image2D, ImageLike } from './types.js';

/**
 * Sub-pixel shift by the Fourier shift theorem, F[f(x - d)](u) = F[f](u) exp(-2 pi i u d / N)
 * (as scipy.ndimage.fourier_shift). The image is zero-padded by `padPx` on every side before the
 * transform to limit wrap-around, then cropped back; exact for band-limited images, it rings on
 * undersampled ones (documented in README). Returns the real part.
 */
export function fourierShift(img: ImageLike, dx: number, dy: number, padPx = 8): Image2D {
  const w = img.width;
  const h = img.height;
  const nx = w + 2 * padPx;
  const ny = h + 2 * padPx;
  const re = new Float64Array(nx * ny);
  const im = new Float64Array(nx * ny);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = img.data[y * w + x];
      re[(y + padPx) * nx + x + padPx] = Number.isFinite(v) ? v : 0;
    }
  }
  dft2(re, im, ny, nx, false);
  for (let v = 0; v < ny; v++) {
    const fv = v <= ny / 2 ? v / ny : v / ny - 1;
    for (let u = 0; u < nx; u++) {
      const fu = u <= nx / 2 ? u / nx : u / nx - 1;
      const a = -2 * Math.PI * (fu * dx + fv * dy);
      const c = Math.cos(a);
      const s = Math.sin(a);
      const k = v * nx + u;
      const r = re[k];
      const i = im[k];
      re[k] = r * c - i * s;
      im[k] = r * s + i * c;
    }
  }
  dft2(re, im, ny, nx, true);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = re[(y + padPx) * nx + x + padPx];
  return { width: w, height: h, data: out };
}
