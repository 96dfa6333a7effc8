import { PsfMatchingError } from '@pixsed/core';
import { fourierShift } from './fourier-shift.js';
import { psfCentroid } from './psf-centroid.js';
import { resamplePsf } from './resample-psf.js';
import type { Image2D, ImageLike } from './types.js';

export interface PreparePsfOptions {
  /** oversampling factor of the input PSF relative to the image pixels (e.g. 4 for WebbPSF HDU1) */
  oversample?: number;
  /** pixel scale of the input PSF array as stored (arcsec/pixel) */
  pixelScaleArcsec?: number;
  /** pixel scale of the image the PSF must describe (arcsec/pixel); with pixelScaleArcsec it sets the factor */
  targetPixelScaleArcsec?: number;
  /** odd output size; default: the largest odd size that the input covers */
  size?: number;
  /** sigma of the Gaussian centroid window in output pixels (default 2) */
  centroidSigmaPx?: number;
}

export interface PreparedPsf extends Image2D {
  /** output pixel size in input pixels */
  factor: number;
  /** measured centroid of the input (input pixels) */
  centroidIn: { x: number; y: number };
  /** sub-pixel Fourier shift applied on the input grid (input pixels) */
  shiftIn: { dx: number; dy: number };
}

/**
 * PSF preparation: centroid (Gaussian-windowed first moment), sub-pixel Fourier shift (shift theorem) so the
 * centroid falls on an output pixel centre, flux-conserving rebin to the image pixel scale, pad/crop to
 * an odd size and normalisation to unit sum (cf. Aniano et al. 2011, PASP 123, 1218, §2).
 */
export function preparePsf(psf: ImageLike, opts: PreparePsfOptions = {}): PreparedPsf {
  const { width: w, height: h } = psf;
  if (psf.data.length !== w * h || w < 1 || h < 1) {
    throw new PsfMatchingError(`PSF array has ${psf.data.length} values, expected ${w}x${h}`);
  }
  let f = opts.oversample ?? 1;
  if (opts.pixelScaleArcsec !== undefined && opts.targetPixelScaleArcsec !== undefined) {
    f = opts.targetPixelScaleArcsec / opts.pixelScaleArcsec;
  } else if (opts.oversample === undefined && (opts.pixelScaleArcsec ?? opts.targetPixelScaleArcsec) !== undefined) {
    throw new PsfMatchingError('give both pixelScaleArcsec and targetPixelScaleArcsec, or oversample');
  }
  if (!(f > 0 && Number.isFinite(f))) throw new PsfMatchingError(`invalid resampling factor ${f}`);
  // 1. zero-fill non-finite values and normalise
  const data = new Float64Array(w * h);
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = psf.data[i];
    data[i] = Number.isFinite(v) ? v : 0;
    sum += data[i];
  }
  if (!(sum > 0)) throw new PsfMatchingError(`PSF sum must be positive, got ${sum}`);
  for (let i = 0; i < data.length; i++) data[i] /= sum;
  let img: Image2D = { width: w, height: h, data };
  // 2. centroid
  const c = psfCentroid(img, { windowSigmaPx: (opts.centroidSigmaPx ?? 2) * f });
  // 3. shift so that the centroid sits on an output-pixel centre (integer factor) and rebin
  const fi = Math.round(f);
  let cx = c.x;
  let cy = c.y;
  let dx = 0;
  let dy = 0;
  if (Math.abs(f - fi) < 1e-9) {
    const half = (fi - 1) / 2;
    const tx = Math.round(c.x - half) + half;
    const ty = Math.round(c.y - half) + half;
    dx = tx - c.x;
    dy = ty - c.y;
    if (Math.abs(dx) > 1e-9 || Math.abs(dy) > 1e-9) img = fourierShift(img, dx, dy);
    cx = tx;
    cy = ty;
  }
  let size = opts.size ?? Math.floor(Math.min(w, h) / f);
  if (opts.size === undefined && size % 2 === 0) size -= 1;
  if (size < 1) throw new PsfMatchingError(`PSF of ${w}x${h} too small for factor ${f}`);
  const out = resamplePsf(img, { factor: f, size, centerX: cx, centerY: cy });
  let s2 = 0;
  for (let i = 0; i < out.data.length; i++) s2 += out.data[i];
  for (let i = 0; i < out.data.length; i++) out.data[i] /= s2;
  return { ...out, factor: f, centroidIn: c, shiftIn: { dx, dy } };
}
