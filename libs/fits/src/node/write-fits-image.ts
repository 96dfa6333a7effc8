import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { FitsFormatError } from '@pixsed/core';
import type { FitsValue } from '../fits-card.js';
import { BLOCK } from '../fits-internals.js';
import { formatHeader } from '../format-header.js';
import { LITTLE_ENDIAN_HOST } from '../decode-pixels.js';

/** BITPIX values `writeFitsImage` can write. */
export type WritableBitpix = 8 | 16 | 32 | -32 | -64;

/** An image to write: row-major, `width × height` values (float32 unless `bitpix` says otherwise). */
export interface FitsImageToWrite {
  width: number;
  height: number;
  data: Float32Array | Float64Array | Int32Array | Int16Array | Uint8Array;
  /** Stored type (default −32, IEEE float32). Integer BITPIX: every value must be an integer in range, or NaN with `blank` set. */
  bitpix?: WritableBitpix;
  /** Integer BITPIX only: the BLANK value written to the header and stored for NaN pixels. */
  blank?: number;
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
export function primaryImageHeader(path: string, width: number, height: number, header: HeaderCards, bitpix: WritableBitpix = -32, blank?: number): Uint8Array {
  const cards: Array<[string, FitsValue, string?]> = [
    ['SIMPLE', true, 'conforms to FITS standard'],
    ['BITPIX', bitpix, 'array data type'],
    ['NAXIS', 2, 'number of array dimensions'],
    ['NAXIS1', width],
    ['NAXIS2', height],
    ['EXTEND', true],
  ];
  if (blank !== undefined) cards.push(['BLANK', blank, 'stored value of undefined pixels']);
  for (const [k, v] of Object.entries(header ?? {})) if (!RESERVED.test(k.toUpperCase())) cards.push([k, v]);
  return formatHeader(cards, path);
}

function extensionHeader(path: string, width: number, height: number, extname: string, header: HeaderCards, bitpix: WritableBitpix = -32, blank?: number): Uint8Array {
  const cards: Array<[string, FitsValue, string?]> = [
    ['XTENSION', 'IMAGE', 'image extension'],
    ['BITPIX', bitpix, 'array data type'],
    ['NAXIS', 2, 'number of array dimensions'],
    ['NAXIS1', width],
    ['NAXIS2', height],
    ['PCOUNT', 0],
    ['GCOUNT', 1],
    ['EXTNAME', extname],
  ];
  if (blank !== undefined) cards.push(['BLANK', blank, 'stored value of undefined pixels']);
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
  const bitpix = image.bitpix ?? -32;
  if (![8, 16, 32, -32, -64].includes(bitpix)) throw new FitsFormatError(path, 'BITPIX', `cannot write BITPIX ${bitpix} (8, 16, 32, -32, -64)`);
  if (image.blank !== undefined && bitpix < 0) throw new FitsFormatError(path, 'BLANK', 'BLANK is for integer BITPIX only (float images store NaN)');
  if (bitpix > 0) {
    const [lo, hi] = INT_RANGE[bitpix];
    if (image.blank !== undefined && !(Number.isInteger(image.blank) && image.blank >= lo && image.blank <= hi)) {
      throw new FitsFormatError(path, 'BLANK', `BLANK ${image.blank} is not an integer in [${lo}, ${hi}] for BITPIX ${bitpix}`);
    }
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (Number.isNaN(v) && image.blank !== undefined) continue;
      if (!(Number.isInteger(v) && v >= lo && v <= hi)) {
        throw new FitsFormatError(path, 'BITPIX', `pixel ${i} = ${v} cannot be stored as BITPIX ${bitpix} (integers in [${lo}, ${hi}]${image.blank === undefined ? '; NaN needs a BLANK value' : ''})`);
      }
    }
  }
}

const INT_RANGE: Record<number, [number, number]> = { 8: [0, 255], 16: [-32768, 32767], 32: [-2147483648, 2147483647] };

/** Big-endian bytes of `n` values from `start` for a BITPIX (NaN → BLANK for integers). */
function encodeChunk(data: FitsImageToWrite['data'], start: number, n: number, bitpix: WritableBitpix, blank: number | undefined): Buffer {
  if (bitpix === -32 && data instanceof Float32Array) {
    const buf = Buffer.allocUnsafe(n * 4);
    buf.set(new Uint8Array(data.buffer, data.byteOffset + start * 4, n * 4));
    if (LITTLE_ENDIAN_HOST) buf.swap32(); // host order → big-endian (native swap)
    return buf;
  }
  const bytes = Math.abs(bitpix) / 8;
  const buf = Buffer.allocUnsafe(n * bytes);
  for (let i = 0; i < n; i++) {
    const raw = data[start + i];
    const v = bitpix > 0 && Number.isNaN(raw) ? (blank as number) : raw;
    const o = i * bytes;
    if (bitpix === 8) buf.writeUInt8(v, o);
    else if (bitpix === 16) buf.writeInt16BE(v, o);
    else if (bitpix === 32) buf.writeInt32BE(v, o);
    else if (bitpix === -32) buf.writeFloatBE(v, o);
    else buf.writeDoubleBE(v, o);
  }
  return buf;
}

/** Header + big-endian float32 data + padding of one image HDU (primary, or an IMAGE extension named `extname`). */
async function* imageHdu(path: string, image: FitsImageToWrite, extname?: string): AsyncGenerator<Uint8Array> {
  const { width, height, data } = image;
  const bitpix = image.bitpix ?? -32;
  if (extname === undefined) yield primaryImageHeader(path, width, height, image.header, bitpix, image.blank);
  else yield extensionHeader(path, width, height, extname, image.header, bitpix, image.blank);
  const chunk = 1 << 18; // pixels per chunk (≤ 2 MiB)
  for (let i = 0; i < data.length; i += chunk) yield encodeChunk(data, i, Math.min(chunk, data.length - i), bitpix, image.blank);
  const pad = (BLOCK - ((data.length * (Math.abs(bitpix) / 8)) % BLOCK)) % BLOCK;
  if (pad) yield Buffer.alloc(pad);
}

/** Writes HDU bytes to `path` (gzip-compressed when it ends in `.gz`). */
export async function writeFitsBytes(path: string, bytes: AsyncGenerator<Uint8Array>): Promise<void> {
  const out = createWriteStream(path);
  if (path.endsWith('.gz')) await pipeline(Readable.from(bytes), createGzip(), out);
  else await pipeline(Readable.from(bytes), out);
}

/**
 * Writes a single-HDU FITS file with BITPIX = −32 (big-endian IEEE float32; or `image.bitpix`), the given header cards
 * and the data, padded to 2880-byte blocks. A path ending in `.gz` is gzip-compressed. Data are
 * converted and written in chunks (memory O(chunk), not a second copy of the image).
 */
export async function writeFitsImage(path: string, image: FitsImageToWrite): Promise<void> {
  checkImage(path, image);
  await writeFitsBytes(path, imageHdu(path, image));
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
  await writeFitsBytes(path, bytes());
}
