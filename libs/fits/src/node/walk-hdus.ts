import { FitsFormatError } from '@pixsed/core';
import { BLOCK, findEndCard } from '../fits-internals.js';
import { hduLayout, type HduLayout } from '../hdu-layout.js';
import { parseHeader } from '../parse-header.js';
import type { FitsHeader } from '../fits-header.js';
import type { ByteSource } from './byte-source.js';

/** One HDU located in a file. */
export interface HduLocation {
  index: number;
  header: FitsHeader;
  layout: HduLayout;
  /** Byte offset of the header's first card. */
  headerStart: number;
  /** Byte offset of the data unit. */
  dataStart: number;
}

/** Upper bound on header size when looking for END (guards against reading a huge non-FITS file as a header). */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

async function readHeaderAt(src: ByteSource, pos: number, index: number): Promise<FitsHeader | undefined> {
  let first = await src.read(pos, BLOCK);
  if (first.length === 0) return undefined; // clean end of file
  if (index > 0 && first.every((x) => x === 0)) {
    // zero padding after the last HDU is tolerated (astropy warns and ignores it)
    let p = pos;
    while (first.length > 0 && first.every((x) => x === 0)) {
      p += first.length;
      first = await src.read(p, BLOCK);
    }
    if (first.length === 0) return undefined;
    throw new FitsFormatError(src.file, `HDU ${index}`, `non-zero bytes at offset ${p} after zero padding that follows HDU ${index - 1}`);
  }
  const probe = Buffer.from(first.subarray(0, 8)).toString('latin1');
  const expected = index === 0 ? 'SIMPLE  ' : 'XTENSION';
  if (probe !== expected) {
    const shown = probe.replace(/[^\x20-\x7e]/g, '?');
    throw new FitsFormatError(
      src.file,
      index === 0 ? 'SIMPLE' : `HDU ${index}`,
      index === 0
        ? `not a FITS file: first card must be SIMPLE, found '${shown}'`
        : `${src.size !== undefined ? src.size - pos : 'the'} bytes after HDU ${index - 1} are not a FITS extension header (start '${shown}', expected XTENSION)`,
    );
  }
  // One block at a time: a gzip source must not read past the header (a later read of the data unit
  // would then have to restart decompression).
  const blocks: Uint8Array[] = [first];
  let total = first.length;
  let last = first;
  for (;;) {
    if (findEndCard(last) >= 0) return parseHeader(Buffer.concat(blocks), src.file);
    if (last.length < BLOCK || total >= MAX_HEADER_BYTES) {
      throw new FitsFormatError(
        src.file,
        'END',
        `missing END card: ${total >= MAX_HEADER_BYTES ? 'no END within' : `file ends inside the header of HDU ${index} after`} ${total} bytes from offset ${pos}`,
      );
    }
    last = await src.read(pos + total, BLOCK);
    blocks.push(last);
    total += last.length;
  }
}

/**
 * Walks the HDUs of a file from the start, calling `visit` for each (header parsed and validated,
 * data unit skipped using BITPIX/NAXISn/PCOUNT/GCOUNT). Stops when `visit` returns true or at EOF.
 * Checks that each data unit is complete (truncated file → FitsFormatError); the final data unit may
 * lack its block padding.
 */
export async function walkHdus(src: ByteSource, visit: (h: HduLocation) => boolean | void): Promise<void> {
  let pos = 0;
  let prev: HduLocation | undefined;
  for (let index = 0; ; index++) {
    const header = await readHeaderAt(src, pos, index);
    if (!header) {
      if (index === 0) throw new FitsFormatError(src.file, 'SIMPLE', 'empty file (no primary header)');
      break;
    }
    if (index === 0 && !header.has('SIMPLE')) throw new FitsFormatError(src.file, 'SIMPLE', 'primary header must start with SIMPLE');
    if (index > 0 && !header.has('XTENSION')) throw new FitsFormatError(src.file, 'XTENSION', `HDU ${index} header must start with XTENSION`);
    const layout = hduLayout(header, src.file);
    const loc: HduLocation = { index, header, layout, headerStart: pos, dataStart: pos + header.byteLength };
    if (src.size !== undefined && !src.gzip && loc.dataStart + layout.dataBytes > src.size) {
      throw truncated(src, loc, src.size);
    }
    prev = loc;
    if (visit(loc)) return;
    pos = loc.dataStart + layout.paddedDataBytes;
  }
  if (prev && src.size !== undefined && src.size < prev.dataStart + prev.layout.dataBytes) throw truncated(src, prev, src.size);
}

/** The error for a data unit that the file does not hold completely. */
export function truncated(src: ByteSource, loc: HduLocation, size: number): FitsFormatError {
  const have = Math.max(0, size - loc.dataStart);
  return new FitsFormatError(
    src.file,
    `HDU ${loc.index} data`,
    `truncated data unit: header declares ${loc.layout.dataBytes} bytes (BITPIX ${loc.layout.bitpix}, NAXIS ${loc.layout.naxis.join('x') || '0'}), file holds ${have}`,
  );
}
