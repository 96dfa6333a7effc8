import { open, type FileHandle } from 'node:fs/promises';
import { FitsFormatError } from '@pixsed/core';
import { LITTLE_ENDIAN_HOST } from '../decode-pixels.js';
import { BLOCK } from '../fits-internals.js';
import { primaryImageHeader } from './write-fits-image.js';

export interface FitsStripWriter {
  readonly path: string;
  /** Append whole rows (length a multiple of width), top to bottom. */
  writeRows(rows: Float32Array): Promise<void>;
  /** Check that every row was written, pad to 2880 bytes and close. */
  close(): Promise<void>;
  /** Close without the completeness check (after an error). */
  abort(): Promise<void>;
}

/**
 * Streaming single-HDU FITS writer (BITPIX −32, same layout and header rules as @pixsed/fits `writeFitsImage`):
 * rows are written as they come, so a mosaic never needs a whole plane in memory.
 */
export async function createFitsStripWriter(
  path: string,
  width: number,
  height: number,
  header: Record<string, string | number | boolean | null> = {},
): Promise<FitsStripWriter> {
  const head = primaryImageHeader(path, width, height, header);
  const fh: FileHandle = await open(path, 'w');
  let rowsDone = 0;
  let pos = 0;
  const write = async (buf: Uint8Array): Promise<void> => {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await fh.write(buf, off, buf.length - off, pos);
      off += bytesWritten;
      pos += bytesWritten;
    }
  };
  try {
    await write(head);
  } catch (e) {
    await fh.close();
    throw e;
  }
  return {
    path,
    async writeRows(rows) {
      if (rows.length % width !== 0) throw new FitsFormatError(path, 'NAXIS1', `strip of ${rows.length} values is not whole rows of ${width}`);
      const n = rows.length / width;
      if (rowsDone + n > height) throw new FitsFormatError(path, 'NAXIS2', `writing rows ${rowsDone}..${rowsDone + n} past height ${height}`);
      const buf = Buffer.from(rows.buffer.slice(rows.byteOffset, rows.byteOffset + rows.byteLength));
      if (LITTLE_ENDIAN_HOST) buf.swap32();
      await write(buf);
      rowsDone += n;
    },
    async close() {
      try {
        if (rowsDone !== height) throw new FitsFormatError(path, 'NAXIS2', `only ${rowsDone} of ${height} rows written`);
        const total = width * height * 4;
        const pad = (BLOCK - (total % BLOCK)) % BLOCK;
        if (pad) await write(new Uint8Array(pad));
      } finally {
        await fh.close();
      }
    },
    async abort() {
      await fh.close().catch(() => undefined);
    },
  };
}
