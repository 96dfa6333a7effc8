import { PsfMatchingError } from '@pixsed/core';
import type { WindowSpec } from './window-spec.js';

/**
 * Windows for Fourier-ratio PSF matching, as photutils.psf.matching (1.x): all are radial
 * SplitCosineBell windows evaluated on the fftshift-ed frequency grid, r measured from the array
 * centre (n - 1) / 2 in pixels, npts = (min(ny, nx) - 1) / 2, r_inner = beta * npts,
 * r_taper = floor(alpha * npts):
 *   f(r) = 1 for r < r_inner; 0.5 [1 + cos(pi (r - r_inner) / r_taper)] for r_inner <= r <= r_inner + r_taper;
 *   0 for r > r_inner + r_taper.
 * TopHat(beta) = SplitCosineBell(alpha = 0, beta) (1 for r <= r_inner, else 0);
 * CosineBell(alpha) = SplitCosineBell(alpha, beta = 0); Hanning = SplitCosineBell(1, 0);
 * Tukey(alpha) = SplitCosineBell(alpha, beta = 1 - alpha).
 * The spec's syntax (object, zod schema, CLI string) is window-spec.ts.
 */
function splitCosineBell(alpha: number, beta: number, ny: number, nx: number): Float64Array {
  const out = new Float64Array(ny * nx);
  const npts = (Math.min(ny, nx) - 1) / 2;
  const rInner = beta * npts;
  const rTaper = Math.floor(alpha * npts);
  const rCut = rInner + rTaper;
  const cy = (ny - 1) / 2;
  const cx = (nx - 1) / 2;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const r = Math.hypot(x - cx, y - cy);
      let f: number;
      if (r < rInner) f = 1;
      else if (r > rCut) f = 0;
      else f = rTaper !== 0 ? 0.5 * (1 + Math.cos((Math.PI * (r - rInner)) / rTaper)) : 1;
      out[y * nx + x] = f;
    }
  }
  return out;
}

/**
 * Window values (row-major ny x nx, zero frequency at the array centre) for Fourier-ratio matching
 * (photutils.psf.matching window classes; Aniano et al. 2011 for the split cosine bell).
 */
export function matchingWindow(spec: WindowSpec, ny: number, nx: number): Float64Array {
  const inUnit = (name: string, v: number): void => {
    if (!(v >= 0 && v <= 1)) throw new PsfMatchingError(`${spec.type} window: ${name} must be in [0, 1], got ${v}`);
  };
  switch (spec.type) {
    case 'TopHat':
      inUnit('beta', spec.beta);
      return splitCosineBell(0, spec.beta, ny, nx);
    case 'CosineBell':
      inUnit('alpha', spec.alpha);
      return splitCosineBell(spec.alpha, 0, ny, nx);
    case 'SplitCosineBell':
      inUnit('alpha', spec.alpha);
      inUnit('beta', spec.beta);
      return splitCosineBell(spec.alpha, spec.beta, ny, nx);
    case 'Tukey':
      inUnit('alpha', spec.alpha);
      return splitCosineBell(spec.alpha, 1 - spec.alpha, ny, nx);
    case 'Hanning':
      return splitCosineBell(1, 0, ny, nx);
    default:
      throw new PsfMatchingError(`unknown window type ${(spec as { type: string }).type}`);
  }
}
