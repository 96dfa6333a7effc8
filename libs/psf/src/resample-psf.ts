import { PsfMatchingError } from '@pixsed/core';
import type { Image2D, ImageLike } from './types.js';

export interface ResamplePsfOptions {
  /** output pixel size in input pixels (e.g. 4 for a 4x oversampled PSF) */
  factor: number;
  /** odd output size (pixels) */
  size: number;
  /** input position (pixels, pixel centres at integers) that becomes the centre of the central output pixel */
  centerX: number;
  centerY: number;
}

/** Overlap of [a0, a1] and [b0, b1]. */
function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/** Sparse weights: output pixel i collects input pixels j with weight = overlap length (in input pixels). */
function weights1d(nIn: number, nOut: number, f: number, c: number): { j0: Int32Array; w: Float64Array[] } {
  const C = (nOut - 1) / 2;
  const j0 = new Int32Array(nOut);
  const w: Float64Array[] = [];
  for (let i = 0; i < nOut; i++) {
    const lo = c + (i - C - 0.5) * f;
    const hi = c + (i - C + 0.5) * f;
    const a = Math.max(0, Math.floor(lo + 0.5));
    const b = Math.min(nIn - 1, Math.ceil(hi - 0.5));
    j0[i] = a;
    const ws = new Float64Array(Math.max(0, b - a + 1));
    for (let j = a; j <= b; j++) ws[j - a] = overlap(lo, hi, j - 0.5, j + 0.5);
    w.push(ws);
  }
  return { j0, w };
}

/**
 * Flux-conserving area-weighted rebinning (piecewise-constant input pixels, each output pixel sums the
 * input flux inside its footprint, as drizzle with pixfrac = 1 / Fruchter & Hook 2002); for an integer
 * factor with the centre on a block centre it is an exact block sum.
 */
export function resamplePsf(img: ImageLike, o: ResamplePsfOptions): Image2D {
  const { factor: f, size } = o;
  if (!(f > 0 && Number.isFinite(f))) throw new PsfMatchingError(`resampling factor must be > 0, got ${f}`);
  if (!(Number.isInteger(size) && size % 2 === 1 && size > 0)) {
    throw new PsfMatchingError(`output size must be a positive odd integer, got ${size}`);
  }
  const wx = weights1d(img.width, size, f, o.centerX);
  const wy = weights1d(img.height, size, f, o.centerY);
  // rows first: tmp[yIn][xOut]
  const tmp = new Float64Array(img.height * size);
  for (let y = 0; y < img.height; y++) {
    for (let i = 0; i < size; i++) {
      const ws = wx.w[i];
      const a = wx.j0[i];
      let s = 0;
      for (let k = 0; k < ws.length; k++) {
        const v = img.data[y * img.width + a + k];
        if (Number.isFinite(v)) s += ws[k] * v;
      }
      tmp[y * size + i] = s;
    }
  }
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    const ws = wy.w[i];
    const a = wy.j0[i];
    for (let k = 0; k < ws.length; k++) {
      const wk = ws[k];
      const row = (a + k) * size;
      for (let x = 0; x < size; x++) out[i * size + x] += wk * tmp[row + x];
    }
  }
  return { width: size, height: size, data: out };
}
