import type { Image2D } from './types.js';

export interface GaussianPsfOptions {
  /** odd stamp size in pixels */
  size: number;
  /** standard deviation in pixels (x); `sigmaY` defaults to it */
  sigma: number;
  sigmaY?: number;
  /** centre offset from the stamp centre, pixels */
  dx?: number;
  dy?: number;
  /** normalise to unit sum (default true) */
  normalize?: boolean;
}

/**
 * Point-sampled elliptical Gaussian G(x, y) = exp(-(x^2 / 2 sx^2 + y^2 / 2 sy^2)) on a stamp centred at
 * ((size - 1) / 2 + dx, (size - 1) / 2 + dy); FWHM = 2 sqrt(2 ln 2) sigma.
 */
export function gaussianPsf(o: GaussianPsfOptions): Image2D {
  const n = o.size;
  const sx = o.sigma;
  const sy = o.sigmaY ?? o.sigma;
  const c = (n - 1) / 2;
  const data = new Float64Array(n * n);
  let sum = 0;
  for (let y = 0; y < n; y++) {
    const ty = (y - c - (o.dy ?? 0)) / sy;
    for (let x = 0; x < n; x++) {
      const tx = (x - c - (o.dx ?? 0)) / sx;
      const v = Math.exp(-0.5 * (tx * tx + ty * ty));
      data[y * n + x] = v;
      sum += v;
    }
  }
  if (o.normalize !== false) for (let i = 0; i < data.length; i++) data[i] /= sum;
  return { width: n, height: n, data };
}
