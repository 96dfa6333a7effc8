import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { FitsFormatError } from '@pixsed/core';
import type { FitsValue } from '../fits-card.js';
import { BLOCK } from '../fits-internals.js';
import { formatHeader } from '../format-header.js';
import { LITTLE_ENDIAN_HOST } from '../decode-pixels.js';

/** An image to write: row-major float32, `width × height` values. */
export interface FitsImageToWrite {
  width: number;
  height: number;
  data: Float32Array;
  /**
   * Extra header cards in order (e.g. `{ ...wcs.toHeader(), BUNIT: 'nJy' }`). Structural keywords
   * (SIMPLE, BITPIX, NAXIS*, EXTEND, XTENSION, PCOUNT, GCOUNT, END) and scaling keywords (BSCALE,
   * BZERO, BLANK) are ignored: the writer sets them. COMMENT/HISTORY values may hold several lines.
   */
  header?: Record<string, string | number | boolean | null>;
}

const RESERVED = /^(SIMPLE|BITPIX|NAXIS\d*|EXTEND|XTENSION|PCOUNT|GCOUNT|END|BSCALE|BZERO|BLANK)$/;

/**
 * Writes a single-HDU FITS file with BITPIX = −32 (big-endian IEEE float32), the given header cards
 * and the data, padded to 2880-byte blocks. A path ending in `.gz` is gzip-compressed. Data are
 * converted and written in chunks (memory O(chunk), not a second copy of the image).
 */
export async function writeFitsImage(path: string, image: FitsImageToWrite): Promise<void> {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FitsFormatError(path, 'NAXIS', `width and height must be positive integers, got ${width} x ${height}`);
  }
  if (data.length !== width * height) {
    throw new FitsFormatError(path, 'NAXIS', `data has ${data.length} values, expected width × height = ${width * height}`);
  }
  const cards: Array<[string, FitsValue, string?]> = [
    ['SIMPLE', true, 'conforms to FITS standard'],
    ['BITPIX', -32, 'array data type'],
    ['NAXIS', 2, 'number of array dimensions'],
    ['NAXIS1', width],
    ['NAXIS2', height],
    ['EXTEND', true],
  ];
  for (const [k, v] of Object.entries(image.header ?? {})) {
    if (RESERVED.test(k.toUpperCase())) continue;
    cards.push([k, v]);
  }
  const header = formatHeader(cards, path);
  const total = data.length * 4;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    yield header;
    const chunk = 1 << 18; // pixels per chunk (1 MiB)
    for (let i = 0; i < data.length; i += chunk) {
      const n = Math.min(chunk, data.length - i);
      const buf = Buffer.allocUnsafe(n * 4);
      buf.set(new Uint8Array(data.buffer, data.byteOffset + i * 4, n * 4));
      if (LITTLE_ENDIAN_HOST) buf.swap32(); // host order → big-endian (native swap)
      yield buf;
    }
    const pad = (BLOCK - (total % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad);
  }
  const out = createWriteStream(path);
  if (path.endsWith('.gz')) await pipeline(Readable.from(bytes()), createGzip(), out);
  else await pipeline(Readable.from(bytes()), out);
}
