import { PsfMatchingError } from '@pixsed/core';
import { createStripConvolver, type NanPolicy, type StripConvolverOptions } from './create-strip-convolver.js';
import type { ImageLike } from './types.js';

export interface ConvolveImageOptions extends StripConvolverOptions {
  /** optional output mask (width * height): 1 where the kernel footprint touched NaN/±Inf. */
  mask?: Uint8Array;
  nanPolicy?: NanPolicy;
  /** return Float64Array instead of Float32Array (used for PSF-level work); also makes 'float64' the
   * default `precision`. */
  float64?: boolean;
}

/**
 * Whole-image convolution, scipy.signal.fftconvolve(image, kernel, mode="same") semantics with zeros
 * outside the image (overlap-save FFT convolution; one strip covering the whole image).
 */
export function convolveImage(
  image: ArrayLike<number>,
  width: number,
  height: number,
  kernel: ImageLike,
  opts: ConvolveImageOptions & { float64: true },
): Float64Array;
export function convolveImage(
  image: ArrayLike<number>,
  width: number,
  height: number,
  kernel: ImageLike,
  opts?: ConvolveImageOptions,
): Float32Array;
export function convolveImage(
  image: ArrayLike<number>,
  width: number,
  height: number,
  kernel: ImageLike,
  opts: ConvolveImageOptions = {},
): Float32Array | Float64Array {
  if (image.length !== width * height) {
    throw new PsfMatchingError(`image has ${image.length} values, expected ${width}x${height}`);
  }
  const conv = createStripConvolver(kernel, width, { ...opts, precision: opts.precision ?? (opts.float64 ? 'float64' : 'float32') });
  const out = opts.float64 ? new Float64Array(width * height) : new Float32Array(width * height);
  conv.convolveStripInto(image, { haloTop: 0, haloBottom: 0, mask: opts.mask, nanPolicy: opts.nanPolicy }, out);
  return out;
}
