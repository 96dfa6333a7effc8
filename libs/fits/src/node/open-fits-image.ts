import { FitsFormatError, PixsedError } from '@pixsed/core';
import { allocPixels, decodePixels, LITTLE_ENDIAN_HOST, type PixelArray } from '../decode-pixels.js';
import type { FitsHeader } from '../fits-header.js';
import type { HduLayout } from '../hdu-layout.js';
import { openByteSource, type ByteSource } from './byte-source.js';
import { truncated, walkHdus, type HduLocation } from './walk-hdus.js';
import { BLOCK, padToBlock } from '../fits-internals.js';

/** Options for opening an image HDU. */
export interface FitsImageOptions {
  /**
   * 0-based HDU index. Default: the primary HDU, or, when the primary has no data (NAXIS = 0),
   * the first IMAGE extension with data.
   */
  hdu?: number;
  /** The file's contents, already read (e.g. to hash them): parsed from memory, the path is not read again (it names the file in errors). */
  bytes?: Uint8Array;
}

/** An open image HDU read strip by strip. Call `close()` when done (also to cancel). */
export interface FitsImageReader {
  readonly file: string;
  /** 0-based index of the HDU being read. */
  readonly hdu: number;
  readonly header: FitsHeader;
  readonly layout: HduLayout;
  /** NAXIS1 (pixels per row). */
  readonly width: number;
  /** NAXIS2 (rows; 1 for a 1-D image). */
  readonly height: number;
  readonly bitpix: number;
  /** True when the file is gzip-compressed (rows are then decompressed sequentially). */
  readonly gzip: boolean;
  /**
   * Rows [y0, y1) (0-based, y = FITS NAXIS2 index − 1) as physical values, row-major,
   * `width × (y1 − y0)` values: BZERO + BSCALE × stored, BLANK → NaN. Float32Array for
   * BITPIX 8, 16, −32; Float64Array for 32, 64, −64.
   */
  readRows(y0: number, y1: number): Promise<PixelArray>;
  /**
   * The rectangle rows [y0, y1) × columns [x0, x1) as physical values, row-major, `(x1 − x0) × (y1 − y0)`
   * values (same types and conversions as `readRows`). Plain files: one positioned read per row, so
   * only the rectangle's bytes are read. Gzip files: decompresses rows [y0, y1) and copies the columns
   * (tiles of a gzip file are not cheap: read it in full-width strips). Like `readRows`, a new array each call, the
   * caller's to keep or overwrite (the mosaic source converts float32 planes to nJy in place).
   */
  readRect(y0: number, y1: number, x0: number, x1: number): Promise<PixelArray>;
  /** Releases the file handle / decompression stream; later reads throw. Idempotent. */
  close(): Promise<void>;
}

/** The message for a tile-compressed image (a BINTABLE with ZIMAGE = T), which we do not decompress. */
export function tileCompressedMessage(file: string): string {
  return `tile-compressed (ZIMAGE) images are not supported; decompress with funpack: ${file}`;
}

/** Checks that an HDU holds a 2-D image we can read; returns (width, height). */
export function imageGeometry(file: string, loc: HduLocation): { width: number; height: number } {
  const { layout, header, index } = loc;
  if (layout.xtension !== 'PRIMARY' && layout.xtension !== 'IMAGE') {
    if (header.get('ZIMAGE') === true) throw new FitsFormatError(file, 'ZIMAGE', `HDU ${index}: ${tileCompressedMessage(file)}`);
    throw new FitsFormatError(file, 'XTENSION', `HDU ${index} is a ${layout.xtension} extension, not an image`);
  }
  if (layout.naxis.length === 0 || layout.dataBytes === 0) {
    throw new FitsFormatError(file, 'NAXIS', `HDU ${index} has no image data (NAXIS = ${layout.naxis.length}${layout.naxis.length ? `, size ${layout.naxis.join('x')}` : ''})`);
  }
  if (layout.xtension === 'PRIMARY' && header.get('GROUPS') === true && layout.naxis[0] === 0) {
    throw new FitsFormatError(file, 'GROUPS', `HDU ${index} uses random groups, which are not supported`);
  }
  for (let i = 2; i < layout.naxis.length; i++) {
    if (layout.naxis[i] !== 1) {
      throw new FitsFormatError(file, `NAXIS${i + 1}`, `HDU ${index} is ${layout.naxis.length}-D (NAXIS${i + 1} = ${layout.naxis[i]}); only 2-D images (extra axes of length 1) are supported`);
    }
  }
  return { width: layout.naxis[0], height: layout.naxis[1] ?? 1 };
}

/** Finds HDU `hdu` (or the default image HDU) in an open source. */
export async function locateImageHdu(src: ByteSource, hdu: number | undefined): Promise<HduLocation> {
  if (hdu !== undefined && !(Number.isInteger(hdu) && hdu >= 0)) {
    throw new RangeError(`${src.file}: hdu must be a non-negative integer, got ${hdu}`);
  }
  let found: HduLocation | undefined;
  let count = 0;
  let compressed: number | undefined;
  await walkHdus(src, (loc) => {
    count = loc.index + 1;
    if (compressed === undefined && loc.layout.xtension === 'BINTABLE' && loc.header.get('ZIMAGE') === true) compressed = loc.index;
    if (hdu !== undefined) {
      if (loc.index === hdu) found = loc;
    } else if (loc.layout.dataBytes > 0 && (loc.index === 0 || loc.layout.xtension === 'IMAGE')) {
      found = loc;
    } else if (loc.index === 0 && loc.layout.naxis.length > 0) {
      found = loc; // primary with a zero-length axis: report it rather than searching on
    }
    return found !== undefined;
  });
  if (!found && compressed !== undefined) throw new FitsFormatError(src.file, 'ZIMAGE', `HDU ${compressed}: ${tileCompressedMessage(src.file)}`);
  if (!found) {
    throw new FitsFormatError(
      src.file,
      undefined,
      hdu !== undefined ? `HDU ${hdu} requested but the file has ${count} HDU${count === 1 ? '' : 's'} (0-${count - 1})` : `no image HDU with data among ${count} HDUs`,
    );
  }
  return found;
}

/**
 * Checks that the data unit's declared size (|BITPIX|/8 × NAXIS1 × … × NAXISn, FITS 4.0 eq. 2) matches the
 * file: it must end where the next HDU's XTENSION card, zero padding or the end of the file begins (astropy
 * reads the bytes there as the next header and fails on anything else). Catches a BITPIX 16 header over
 * float32 data, which would otherwise decode as garbage. Plain files only (a gzip stream would have to
 * be decompressed to the end); a data unit shorter than declared is caught by `walkHdus` as truncated.
 */
export async function checkDataUnitEnd(src: ByteSource, loc: HduLocation): Promise<void> {
  if (src.gzip || src.size === undefined) return;
  const next = loc.dataStart + loc.layout.paddedDataBytes;
  if (next >= src.size) return;
  const probe = await src.read(next, BLOCK);
  if (Buffer.from(probe.subarray(0, 8)).toString('latin1') === 'XTENSION' || probe.every((b) => b === 0)) return;
  const { bitpix, naxis, dataBytes } = loc.layout;
  const held = src.size - loc.dataStart;
  const npix = naxis.reduce((a, b) => a * b, 1);
  const fits = [8, 16, 32, 64].filter((bits) => padToBlock((npix * bits) / 8) === held || (npix * bits) / 8 === held);
  const hint = fits.length && !fits.includes(Math.abs(bitpix)) ? `; the bytes after the header fit |BITPIX| = ${fits.join(' or ')}` : '';
  throw new FitsFormatError(
    src.file,
    'BITPIX',
    `HDU ${loc.index}: BITPIX ${bitpix} × NAXIS ${naxis.join('x')} declares a data unit of ${dataBytes} bytes, but the bytes after it (offset ${next}) are neither an XTENSION header, zero padding nor the end of the file (${held} bytes follow the header): BITPIX or NAXISn do not match the data${hint}`,
  );
}

/**
 * Opens an image HDU for strip reads. Plain files are read with positioned reads
 * (`FileHandle.read` at the strip's offset): only the requested rows are ever in memory, so files
 * larger than RAM work. **Gzip files** (`.fits.gz`, detected by content) cannot be read at an offset:
 * they are decompressed as a stream; reading strips top to bottom costs one pass, while a strip above
 * the last one read restarts decompression from the start of the file.
 * Nothing is read after `close()`; a pending read may reject.
 */
export async function openFitsImage(path: string, opts: FitsImageOptions = {}): Promise<FitsImageReader> {
  const src = await openByteSource(path, opts.bytes);
  try {
    const loc = await locateImageHdu(src, opts.hdu);
    const { width, height } = imageGeometry(path, loc);
    await checkDataUnitEnd(src, loc);
    return new HduImageReader(src, loc, width, height);
  } catch (e) {
    await src.close();
    throw e;
  }
}

class HduImageReader implements FitsImageReader {
  readonly file: string;
  readonly hdu: number;
  readonly header: FitsHeader;
  readonly layout: HduLayout;
  readonly bitpix: number;
  readonly gzip: boolean;
  private closed = false;
  /** Float data without BSCALE/BZERO on a little-endian host: bytes go straight into the output array. */
  private readonly direct: boolean;

  constructor(
    private readonly src: ByteSource,
    private readonly loc: HduLocation,
    readonly width: number,
    readonly height: number,
  ) {
    this.file = src.file;
    this.hdu = loc.index;
    this.header = loc.header;
    this.layout = loc.layout;
    this.bitpix = loc.layout.bitpix;
    this.gzip = src.gzip;
    this.direct = LITTLE_ENDIAN_HOST && this.bitpix < 0 && this.layout.bscale === 1 && this.layout.bzero === 0;
  }

  async readRows(y0: number, y1: number): Promise<PixelArray> {
    if (this.closed) throw new PixsedError(`${this.file}: readRows after close()`);
    if (!Number.isInteger(y0) || !Number.isInteger(y1) || y0 < 0 || y1 < y0 || y1 > this.height) {
      throw new RangeError(`${this.file}: readRows(${y0}, ${y1}) outside rows [0, ${this.height}]`);
    }
    const bpp = Math.abs(this.bitpix) / 8;
    const rowBytes = this.width * bpp;
    const out = allocPixels(this.bitpix, this.width * (y1 - y0));
    // Read in pieces of at most ~16 MiB so a large strip never needs two full-size buffers.
    const rowsPerRead = Math.max(1, Math.floor((16 * 1024 * 1024) / Math.max(1, rowBytes)));
    for (let y = y0; y < y1; y += rowsPerRead) {
      const ye = Math.min(y1, y + rowsPerRead);
      const len = (ye - y) * rowBytes;
      const pos = this.loc.dataStart + y * rowBytes;
      if (this.direct) {
        // Unscaled float data on a little-endian host: read straight into the output and swap in place.
        const dst = Buffer.from(out.buffer, out.byteOffset + (y - y0) * rowBytes, len);
        const got = await this.src.readInto(pos, dst);
        if (this.closed) throw new PixsedError(`${this.file}: readRows cancelled by close()`);
        if (got < len) throw truncated(this.src, this.loc, pos + got);
        if (bpp === 4) dst.swap32();
        else dst.swap64();
        continue;
      }
      const bytes = await this.src.read(pos, len);
      if (this.closed) throw new PixsedError(`${this.file}: readRows cancelled by close()`);
      if (bytes.length < len) throw truncated(this.src, this.loc, pos + bytes.length);
      decodePixels(bytes, this.layout, out, (y - y0) * this.width);
    }
    return out;
  }

  async readRect(y0: number, y1: number, x0: number, x1: number): Promise<PixelArray> {
    if (this.closed) throw new PixsedError(`${this.file}: readRect after close()`);
    if (!Number.isInteger(x0) || !Number.isInteger(x1) || x0 < 0 || x1 < x0 || x1 > this.width) {
      throw new RangeError(`${this.file}: readRect columns [${x0}, ${x1}) outside [0, ${this.width}]`);
    }
    if (x0 === 0 && x1 === this.width) return this.readRows(y0, y1);
    if (this.gzip) {
      const rows = await this.readRows(y0, y1);
      const w = x1 - x0;
      const out = allocPixels(this.bitpix, w * (y1 - y0));
      for (let r = 0; r < y1 - y0; r++) out.set(rows.subarray(r * this.width + x0, r * this.width + x1), r * w);
      return out;
    }
    if (!Number.isInteger(y0) || !Number.isInteger(y1) || y0 < 0 || y1 < y0 || y1 > this.height) {
      throw new RangeError(`${this.file}: readRect rows [${y0}, ${y1}) outside [0, ${this.height}]`);
    }
    const bpp = Math.abs(this.bitpix) / 8;
    const w = x1 - x0;
    const len = w * bpp;
    const out = allocPixels(this.bitpix, w * (y1 - y0));
    const raw = this.direct ? Buffer.from(out.buffer, out.byteOffset, out.byteLength) : Buffer.allocUnsafe(len * (y1 - y0));
    // one positioned read per row, up to 64 in flight (libuv's thread pool runs them in parallel)
    const readRow = async (y: number) => {
      const pos = this.loc.dataStart + (y * this.width + x0) * bpp;
      const got = await this.src.readInto(pos, raw.subarray((y - y0) * len, (y - y0 + 1) * len));
      if (got < len) throw truncated(this.src, this.loc, pos + got);
    };
    for (let y = y0; y < y1; y += 64) {
      const jobs: Promise<void>[] = [];
      for (let r = y; r < Math.min(y1, y + 64); r++) jobs.push(readRow(r));
      await Promise.all(jobs);
      if (this.closed) throw new PixsedError(`${this.file}: readRect cancelled by close()`);
    }
    if (this.direct) {
      if (bpp === 4) raw.swap32();
      else raw.swap64();
    } else decodePixels(raw, this.layout, out, 0);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.src.close();
  }
}
