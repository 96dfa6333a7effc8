import { PsfMatchingError } from '@pixsed/core';
import type { Image2D, ImageLike } from './types.js';

/**
 * Pad with zeros or crop symmetrically about the centre pixel to an odd `size` x `size` stamp.
 * The input's centre pixel is (floor(w/2), floor(h/2)) (the array centre for odd sizes; for even sizes
 * the pixel right/below the geometric centre, as numpy.fft.fftshift); it lands on ((size-1)/2, (size-1)/2).
 */
export function padCropOdd(img: ImageLike, size: number): Image2D {
  if (!(Number.isInteger(size) && size >= 1 && size % 2 === 1)) {
    throw new PsfMatchingError(`stamp size must be a positive odd integer, got ${size}`);
  }
  const out = new Float64Array(size * size);
  const c = (size - 1) / 2;
  const ox = c - Math.floor(img.width / 2);
  const oy = c - Math.floor(img.height / 2);
  for (let y = 0; y < img.height; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= size) continue;
    for (let x = 0; x < img.width; x++) {
      const tx = x + ox;
      if (tx < 0 || tx >= size) continue;
      out[ty * size + tx] = img.data[y * img.width + x];
    }
  }
  return { width: size, height: size, data: out };
}
