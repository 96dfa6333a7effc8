import type { PixelArray } from '../decode-pixels.js';
import type { FitsHeader } from '../fits-header.js';
import { openFitsImage, type FitsImageOptions } from './open-fits-image.js';

/** A whole image in memory. */
export interface FitsImage {
  header: FitsHeader;
  width: number;
  height: number;
  bitpix: number;
  /** Row-major physical values (BZERO + BSCALE × stored, BLANK → NaN): Float32Array for BITPIX 8, 16, −32; Float64Array for 32, 64, −64. */
  data: PixelArray;
}

/** Reads a whole image HDU (plain or gzip) into memory. For large files use `openFitsImage` and strips. */
export async function readFitsImage(path: string, opts: FitsImageOptions = {}): Promise<FitsImage> {
  const r = await openFitsImage(path, opts);
  try {
    const data = await r.readRows(0, r.height);
    return { header: r.header, width: r.width, height: r.height, bitpix: r.bitpix, data };
  } finally {
    await r.close();
  }
}
