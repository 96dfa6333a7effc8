import { PsfMatchingError } from '@pixsed/core';
import { dft2, fftshift2 } from './fft-internals.js';
import { matchingWindow } from './matching-window.js';
import type { WindowSpec } from './window-spec.js';
import { padCropOdd } from './pad-crop-odd.js';
import { psfFwhm } from './psf-fwhm.js';
import type { Image2D, ImageLike } from './types.js';

export type MatchingMethod =
  | { method: 'fourier'; window?: WindowSpec }
  | { method: 'wiener'; /** regularisation factor mu (pypher default 1e-4) */ regularization?: number };

export type PsfMatchingKernelOptions = MatchingMethod & {
  /** build a kernel even when the target PSF is narrower than the source */
  force?: boolean;
};

export interface MatchingKernel extends Image2D {
  method: 'fourier' | 'wiener';
  /** effective FWHM (pixels, see psfFwhm) of the source and target as given */
  fwhmSourcePx: number;
  fwhmTargetPx: number;
}

/**
 * PSF-matching kernel K with source * K ~= target, normalised to unit sum. Both PSFs must share the
 * pixel grid (prepare them with preparePsf) and be centred on their centre pixel; they are zero-padded
 * to a common odd size.
 * - 'fourier': K = IDFT[ W . T^/S^ ] (photutils.psf.create_matching_kernel; Aniano et al. 2011);
 * - 'wiener': K = IDFT[ conj(S^) T^ / (|S^|^2 + mu |L^|^2) ], L the 2-D Laplacian
 *   [[0,-1,0],[-1,4,-1],[0,-1,0]] (pypher, Boucaud et al. 2016, A&A 596, A63, eq. 12).
 */
export function psfMatchingKernel(source: ImageLike, target: ImageLike, opts: PsfMatchingKernelOptions): MatchingKernel {
  for (const [name, p] of [
    ['source', source],
    ['target', target],
  ] as const) {
    if (p.data.length !== p.width * p.height || p.width < 1 || p.height < 1) {
      throw new PsfMatchingError(`${name} PSF has ${p.data.length} values, expected ${p.width}x${p.height}`);
    }
    for (let i = 0; i < p.data.length; i++) {
      if (!Number.isFinite(p.data[i])) throw new PsfMatchingError(`${name} PSF value ${i} is not finite`);
    }
  }
  const fwhmSourcePx = psfFwhm(source);
  const fwhmTargetPx = psfFwhm(target);
  if (!opts.force && !(fwhmTargetPx >= fwhmSourcePx)) {
    throw new PsfMatchingError(
      `target PSF (FWHM ${fwhmTargetPx.toFixed(3)} px) is narrower than the source PSF (FWHM ${fwhmSourcePx.toFixed(3)} px): ` +
        'matching would deconvolve; pass force: true to build the kernel anyway',
    );
  }
  let n = Math.max(source.width, source.height, target.width, target.height);
  if (n % 2 === 0) n += 1;
  const s = padCropOdd(source, n);
  const t = padCropOdd(target, n);
  normalize(s.data, 'source');
  normalize(t.data, 'target');
  const sRe = s.data;
  const sIm = new Float64Array(n * n);
  const tRe = t.data;
  const tIm = new Float64Array(n * n);
  dft2(sRe, sIm, n, n, false);
  dft2(tRe, tIm, n, n, false);
  const kRe = new Float64Array(n * n);
  const kIm = new Float64Array(n * n);
  if (opts.method === 'fourier') {
    // window defined on the fftshift-ed grid; move it to standard DFT order
    const win = opts.window ? ifftshiftWindow(matchingWindow(opts.window, n, n), n) : undefined;
    for (let k = 0; k < n * n; k++) {
      const wk = win ? win[k] : 1;
      if (wk === 0) continue;
      const d = sRe[k] * sRe[k] + sIm[k] * sIm[k];
      if (!(d > 0)) continue; // S^ = 0: ratio undefined, left at 0 (the window should remove it)
      // T/S = T conj(S) / |S|^2
      kRe[k] = (wk * (tRe[k] * sRe[k] + tIm[k] * sIm[k])) / d;
      kIm[k] = (wk * (tIm[k] * sRe[k] - tRe[k] * sIm[k])) / d;
    }
  } else if (opts.method === 'wiener') {
    const mu = opts.regularization ?? 1e-4;
    if (!(mu >= 0)) throw new PsfMatchingError(`regularization must be >= 0, got ${mu}`);
    for (let v = 0; v < n; v++) {
      for (let u = 0; u < n; u++) {
        const k = v * n + u;
        const lap = 4 - 2 * Math.cos((2 * Math.PI * u) / n) - 2 * Math.cos((2 * Math.PI * v) / n);
        const d = sRe[k] * sRe[k] + sIm[k] * sIm[k] + mu * lap * lap;
        if (!(d > 0)) continue;
        kRe[k] = (tRe[k] * sRe[k] + tIm[k] * sIm[k]) / d;
        kIm[k] = (tIm[k] * sRe[k] - tRe[k] * sIm[k]) / d;
      }
    }
  } else {
    throw new PsfMatchingError(`unknown matching method ${(opts as { method: string }).method}`);
  }
  dft2(kRe, kIm, n, n, true);
  // the ratio of two centred PSFs puts the kernel centre at index 0: fftshift it to the stamp centre
  const kernel = fftshift2(kRe, n, n);
  normalize(kernel, 'kernel');
  return { width: n, height: n, data: kernel, method: opts.method, fwhmSourcePx, fwhmTargetPx };
}

function normalize(a: Float64Array, what: string): void {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  if (!(Math.abs(s) > 1e-300)) throw new PsfMatchingError(`${what} sums to ${s}; cannot normalise to unit sum`);
  for (let i = 0; i < a.length; i++) a[i] /= s;
}

/** Window from fftshift-ed order (zero frequency at (n-1)/2 for odd n) to standard DFT order. */
function ifftshiftWindow(w: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  const h = Math.floor(n / 2);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) out[((y - h + n) % n) * n + ((x - h + n) % n)] = w[y * n + x];
  }
  return out;
}
