import type { Image2D } from '@pixsed/psf';

/** erf(x), Abramowitz & Stegun (1964) 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/**
 * Circular Gaussian PSF integrated over square pixels (separable: K(x, y) = g(x) g(y) with
 * g(x) = ½[erf((x + ½)/(σ√2)) − erf((x − ½)/(σ√2))], σ = FWHM / (2√(2 ln 2))), odd size covering ±`radiusSigma` σ
 * (default 5), normalised to unit sum. Pixel integration keeps under-sampled PSFs (FWHM ≈ 1 px) flux-correct.
 */
export function pixelGaussianKernel(fwhmPx: number, radiusSigma = 5): Image2D {
  if (!(fwhmPx > 0)) throw new RangeError(`Gaussian PSF FWHM must be > 0 px, got ${fwhmPx}`);
  const sigma = fwhmPx / (2 * Math.sqrt(2 * Math.LN2));
  const r = Math.max(1, Math.ceil(radiusSigma * sigma));
  const n = 2 * r + 1;
  const g = new Float64Array(n);
  const k = 1 / (sigma * Math.SQRT2);
  for (let i = 0; i < n; i++) {
    const x = i - r;
    g[i] = 0.5 * (erf((x + 0.5) * k) - erf((x - 0.5) * k));
  }
  const data = new Float64Array(n * n);
  let sum = 0;
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) sum += data[y * n + x] = g[y] * g[x];
  for (let i = 0; i < data.length; i++) data[i] /= sum;
  return { width: n, height: n, data };
}
