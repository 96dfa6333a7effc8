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

type HeaderCards = Record<string, string | number | boolean | null> | undefined;

/** Header block of a primary float32 image HDU (structural cards first, reserved keys in `header` ignored). */
export function primaryImageHeader(path: string, width: number, height: number, header: HeaderCards): Uint8Array {
  const cards: Array<[string, FitsValue, string?]> = [
    ['SIMPLE', true, 'conforms to FITS standard'],
    ['BITPIX', -32, 'array data type'],
    ['NAXIS', 2, 'number of array dimensions'],
    ['NAXIS1', width],
    ['NAXIS2', height],
    ['EXTEND', true],
  ];
  for (const [k, v] of Object.entries(header ?? {})) if (!RESERVED.test(k.toUpperCase())) cards.push([k, v]);
  return formatHeader(cards, path);
}

function extensionHeader(path: string, width: number, height: number, extname: string, header: HeaderCards): Uint8Array {
  const cards: Array<[string, FitsValue, string?]> = [
    ['XTENSION', 'IMAGE', 'image extension'],
    ['BITPIX', -32, 'array data type'],
    ['NAXIS', 2, 'number of array dimensions'],
    ['NAXIS1', width],
    ['NAXIS2', height],
    ['PCOUNT', 0],
    ['GCOUNT', 1],
    ['EXTNAME', extname],
  ];
  for (const [k, v] of Object.entries(header ?? {})) if (!RESERVED.test(k.toUpperCase()) && k.toUpperCase() !== 'EXTNAME') cards.push([k, v]);
  return formatHeader(cards, path);
}

function checkImage(path: string, image: FitsImageToWrite): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FitsFormatError(path, 'NAXIS', `width and height must be positive integers, got ${width} x ${height}`);
  }
  if (data.length !== width * height) {
    throw new FitsFormatError(path, 'NAXIS', `data has ${data.length} values, expected width × height = ${width * height}`);
  }
}

/** Header + big-endian float32 data + padding of one image HDU (primary, or an IMAGE extension named `extname`). */
async function* imageHdu(path: string, image: FitsImageToWrite, extname?: string): AsyncGenerator<Uint8Array> {
  const { width, height, data } = image;
  if (extname === undefined) yield primaryImageHeader(path, width, height, image.header);
  else yield extensionHeader(path, width, height, extname, image.header);
  const chunk = 1 << 18; // pixels per chunk (1 MiB)
  for (let i = 0; i < data.length; i += chunk) {
    const n = Math.min(chunk, data.length - i);
    const buf = Buffer.allocUnsafe(n * 4);
    buf.set(new Uint8Array(data.buffer, data.byteOffset + i * 4, n * 4));
    if (LITTLE_ENDIAN_HOST) buf.swap32(); // host order → big-endian (native swap)
    yield buf;
  }
  const pad = (BLOCK - ((data.length * 4) % BLOCK)) % BLOCK;
  if (pad) yield Buffer.alloc(pad);
}

async function writeBytes(path: string, bytes: AsyncGenerator<Uint8Array>): Promise<void> {
  const out = createWriteStream(path);
  if (path.endsWith('.gz')) await pipeline(Readable.from(bytes), createGzip(), out);
  else await pipeline(Readable.from(bytes), out);
}

/**
 * Writes a single-HDU FITS file with BITPIX = −32 (big-endian IEEE float32), the given header cards
 * and the data, padded to 2880-byte blocks. A path ending in `.gz` is gzip-compressed. Data are
 * converted and written in chunks (memory O(chunk), not a second copy of the image).
 */
export async function writeFitsImage(path: string, image: FitsImageToWrite): Promise<void> {
  checkImage(path, image);
  await writeBytes(path, imageHdu(path, image));
}

/**
 * Writes a multi-extension FITS file: a data-less primary HDU (with `primaryHeader` cards) followed
 * by one float32 IMAGE extension per entry, each with its EXTNAME and header cards (e.g. the WCS).
 */
export async function writeFitsExtensions(
  path: string,
  extensions: (FitsImageToWrite & { extname: string })[],
  primaryHeader: Record<string, string | number | boolean | null> = {},
): Promise<void> {
  extensions.forEach((e) => checkImage(path, e));
  async function* bytes(): AsyncGenerator<Uint8Array> {
    const cards: Array<[string, FitsValue, string?]> = [
      ['SIMPLE', true, 'conforms to FITS standard'],
      ['BITPIX', 8, 'array data type'],
      ['NAXIS', 0, 'no data in the primary HDU'],
      ['EXTEND', true],
      ['NEXTEND', extensions.length, 'number of extensions'],
    ];
    for (const [k, v] of Object.entries(primaryHeader)) if (!RESERVED.test(k.toUpperCase()) && k.toUpperCase() !== 'NEXTEND') cards.push([k, v]);
    yield formatHeader(cards, path);
    for (const e of extensions) yield* imageHdu(path, e, e.extname);
  }
  await writeBytes(path, bytes());
}
