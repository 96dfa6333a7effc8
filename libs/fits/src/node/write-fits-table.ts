import { open, rm } from 'node:fs/promises';
import { FitsFormatError } from '@pixsed/core';
import type { FitsValue } from '../fits-card.js';
import { BLOCK } from '../fits-internals.js';
import { formatHeader } from '../format-header.js';
import { writeFitsBytes } from './write-fits-image.js';

/**
 * One column of a FITS binary table (FITS 4.0 §7.3). `type`: K int64, J int32, I int16, B uint8, E float32,
 * D float64, L logical, A string (width `width`, default the longest value). Integer NaN / undefined values
 * are stored as `null` (TNULLn, default the type's minimum, −2^31 for K); float NaN is stored as IEEE NaN.
 */
export interface FitsTableColumn {
  name: string;
  type: 'K' | 'J' | 'I' | 'B' | 'E' | 'D' | 'L' | 'A';
  values: ArrayLike<number> | readonly (string | number | boolean | null | undefined)[];
  /** TUNITn, in the FITS / astropy unit syntax (`nJy`, `deg`, `dex(solMass)`) */
  unit?: string;
  /** TDISPn display format (`F8.4`, `E12.5`, `I6`, `A20`) */
  disp?: string;
  /** TCOMMn (the HEASARC column-comment convention; CONTINUE cards when long), also the TTYPEn comment when it fits */
  description?: string;
  /** TNULLn for integer columns */
  null?: number;
  /** width of an `A` column */
  width?: number;
  /** TZEROn: stored = value − zero (2147483648 with type J stores uint32, the FITS unsigned convention astropy reads as uint32) */
  zero?: number;
}

export interface FitsTableToWrite {
  columns: FitsTableColumn[];
  /** EXTNAME of the table HDU */
  extname?: string;
  /** extra header cards of the table HDU (e.g. provenance); structural and column keywords are ignored */
  header?: Record<string, FitsValue>;
  /** cards of the data-less primary HDU */
  primaryHeader?: Record<string, FitsValue>;
}

const BYTES: Record<FitsTableColumn['type'], number> = { K: 8, J: 4, I: 2, B: 1, E: 4, D: 8, L: 1, A: 1 };
const INT_MIN: Partial<Record<FitsTableColumn['type'], number>> = { K: -9223372036854775808, J: -2147483648, I: -32768, B: 255 };
/** Default TNULL per integer type: the type's minimum (K: −2^31, a header integer that every reader parses; −2^63 would need 19 digits the formatter writes as a float). */
const DEFAULT_NULL: Partial<Record<FitsTableColumn['type'], number>> = { K: -2147483648, J: -2147483648, I: -32768, B: 255 };
const INT_MAX: Partial<Record<FitsTableColumn['type'], number>> = { K: 9223372036854775807, J: 2147483647, I: 32767, B: 255 };
const RESERVED = /^(SIMPLE|BITPIX|NAXIS\d*|EXTEND|XTENSION|PCOUNT|GCOUNT|TFIELDS|END|EXTNAME|T(TYPE|FORM|UNIT|DISP|NULL|SCAL|ZERO|DIM|COMM)\d+)$/;

function widthOf(c: FitsTableColumn): number {
  if (c.type !== 'A') return BYTES[c.type];
  if (c.width !== undefined) return c.width;
  let w = 1;
  for (let i = 0; i < c.values.length; i++) w = Math.max(w, Buffer.byteLength(String(c.values[i] ?? ''), 'latin1'));
  return w;
}

/** The header of a BINTABLE HDU with `nRows` rows, and the byte width of each column. */
export function fitsTableHeader(path: string, table: Omit<FitsTableToWrite, 'primaryHeader'>, nRows: number): { header: Uint8Array; widths: number[]; rowBytes: number } {
  const { columns } = table;
  const widths = columns.map(widthOf);
  columns.forEach((c, i) => {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(c.name)) throw new FitsFormatError(path, `TTYPE${i + 1}`, `column name '${c.name}' is not a FITS/astropy column name (letters, digits, _)`);
  });
  const rowBytes = widths.reduce((a, b) => a + b, 0);
  const cards: Array<[string, FitsValue, string?]> = [
    ['XTENSION', 'BINTABLE', 'binary table extension'],
    ['BITPIX', 8, 'array data type'],
    ['NAXIS', 2, 'number of array dimensions'],
    ['NAXIS1', rowBytes, 'bytes per row'],
    ['NAXIS2', nRows, 'number of rows'],
    ['PCOUNT', 0],
    ['GCOUNT', 1],
    ['TFIELDS', columns.length, 'number of columns'],
  ];
  if (table.extname) cards.push(['EXTNAME', table.extname]);
  columns.forEach((c, i) => {
    const n = i + 1;
    cards.push([`TTYPE${n}`, c.name, c.description?.replace(/[^\x20-\x7e]/g, '?')]);
    cards.push([`TFORM${n}`, `${c.type === 'A' ? widths[i] : ''}${c.type}`]);
    if (c.unit) cards.push([`TUNIT${n}`, c.unit]);
    if (c.disp) cards.push([`TDISP${n}`, c.disp]);
    if (c.description) cards.push([`TCOMM${n}`, c.description.replace(/[^\x20-\x7e]/g, '?')]);
    if (c.zero) cards.push([`TZERO${n}`, c.zero]);
    if (INT_MIN[c.type] !== undefined && (c.null !== undefined || hasMissing(c))) cards.push([`TNULL${n}`, c.null ?? (DEFAULT_NULL[c.type] as number), 'stored value of a missing integer']);
  });
  for (const [k, v] of Object.entries(table.header ?? {})) if (!RESERVED.test(k.toUpperCase())) cards.push([k, v]);
  return { header: formatHeader(cards, path), widths, rowBytes };
}

/** Big-endian bytes of rows [start, start + n) of `columns` (unpadded). */
export function encodeFitsTableRows(path: string, columns: FitsTableColumn[], widths: number[], start: number, n: number): Buffer {
  const rowBytes = widths.reduce((a, b) => a + b, 0);
  const data = Buffer.alloc(rowBytes * n);
  let offset = 0;
  for (let r = start; r < start + n; r++) {
    columns.forEach((c, i) => {
      writeValue(data, offset, c, c.values[r], widths[i], path, i + 1, r);
      offset += widths[i];
    });
  }
  return data;
}

/** The header and big-endian rows of a BINTABLE HDU, padded to 2880-byte blocks. */
export function fitsTableHdu(path: string, table: Omit<FitsTableToWrite, 'primaryHeader'>): Uint8Array[] {
  const { columns } = table;
  const nRows = columns.length ? columns[0].values.length : 0;
  columns.forEach((c, i) => {
    if (c.values.length !== nRows) throw new FitsFormatError(path, `TTYPE${i + 1}`, `column '${c.name}' has ${c.values.length} values, expected ${nRows} (the first column's)`);
  });
  const { header, widths, rowBytes } = fitsTableHeader(path, table, nRows);
  const rows = encodeFitsTableRows(path, columns, widths, 0, nRows);
  const data = Buffer.alloc(Math.ceil((rowBytes * nRows) / BLOCK) * BLOCK);
  rows.copy(data);
  return [header, data];
}

/** A data-less primary header with `cards`. */
export function emptyPrimaryHeader(path: string, cards: Record<string, FitsValue> = {}): Uint8Array {
  const primary: Array<[string, FitsValue, string?]> = [
    ['SIMPLE', true, 'conforms to FITS standard'],
    ['BITPIX', 8, 'array data type'],
    ['NAXIS', 0, 'no data in the primary HDU'],
    ['EXTEND', true],
  ];
  for (const [k, v] of Object.entries(cards)) if (!RESERVED.test(k.toUpperCase())) primary.push([k, v]);
  return formatHeader(primary, path);
}

function hasMissing(c: FitsTableColumn): boolean {
  for (let i = 0; i < c.values.length; i++) {
    const v = c.values[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return true;
  }
  return false;
}

function writeValue(buf: Buffer, o: number, c: FitsTableColumn, v: unknown, width: number, path: string, n: number, row: number): void {
  const bad = (what: string) => new FitsFormatError(path, `TFORM${n}`, `column '${c.name}' row ${row}: ${what}`);
  if (c.type === 'A') {
    const s = String(v ?? '');
    if (/[^\x20-\x7e]/.test(s)) throw bad(`'${s}' has non-ASCII characters`);
    buf.write(s.slice(0, width), o, 'latin1'); // the rest stays NUL (the FITS string terminator)
    return;
  }
  if (c.type === 'L') {
    buf[o] = v === null || v === undefined ? 0 : v ? 0x54 : 0x46; // 'T' / 'F', 0 = undefined
    return;
  }
  const missing = v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
  const x = missing ? NaN : Number(v) - (c.zero ?? 0);
  if (c.type === 'E') return void buf.writeFloatBE(x, o);
  if (c.type === 'D') return void buf.writeDoubleBE(x, o);
  const value = missing ? (c.null ?? (DEFAULT_NULL[c.type] as number)) : x;
  if (!Number.isInteger(value) || value < (c.type === 'B' ? 0 : (INT_MIN[c.type] as number)) || value > (INT_MAX[c.type] as number)) throw bad(`${String(v)} is not an integer of TFORM ${c.type}`);
  if (c.type === 'K') buf.writeBigInt64BE(BigInt(value), o);
  else if (c.type === 'J') buf.writeInt32BE(value, o);
  else if (c.type === 'I') buf.writeInt16BE(value, o);
  else buf.writeUInt8(value, o);
}

/**
 * Writes a FITS file with a data-less primary HDU and one binary-table extension (`table.extname`):
 * columns with TTYPE, TFORM, TUNIT, TDISP, TNULL and TCOMM (description), as astropy's
 * `Table.read` reads them into Quantity columns.
 */
export async function writeFitsTable(path: string, table: FitsTableToWrite): Promise<void> {
  const hdus = [emptyPrimaryHeader(path, table.primaryHeader), ...fitsTableHdu(path, table)];
  async function* bytes(): AsyncGenerator<Uint8Array> {
    yield* hdus;
  }
  await writeFitsBytes(path, bytes());
}

export interface FitsTableStreamWriter {
  readonly path: string;
  /** Appends `n` rows: one value array per column, in the column order of the writer. */
  writeRows(values: FitsTableColumn['values'][], n: number): Promise<void>;
  /** Rows written so far. */
  readonly rows: number;
  /** Sets NAXIS2 to the rows written, pads the data to 2880 bytes and closes the file. */
  close(): Promise<void>;
  /** Closes and deletes the file. */
  abort(): Promise<void>;
}

/**
 * A binary table written row block by row block (memory: one block): the primary header and the table header
 * first with NAXIS2 = 0, rows appended, and NAXIS2 rewritten in place (same card width) on close.
 */
export async function createFitsTableWriter(path: string, spec: Omit<FitsTableToWrite, 'columns'> & { columns: Omit<FitsTableColumn, 'values'>[] }): Promise<FitsTableStreamWriter> {
  const columns = spec.columns.map((c) => ({ ...c, values: [] as number[] }));
  for (const c of columns) if (c.type === 'A' && c.width === undefined) throw new FitsFormatError(path, `TFORM (${c.name})`, 'a streamed string column needs its width');
  const primary = emptyPrimaryHeader(path, spec.primaryHeader);
  const { header, widths } = fitsTableHeader(path, { ...spec, columns }, 0);
  const naxis2At = primary.length + 4 * 80; // XTENSION, BITPIX, NAXIS, NAXIS1, NAXIS2
  const fh = await open(path, 'w');
  let pos = 0;
  let rows = 0;
  const write = async (buf: Uint8Array, at = pos) => {
    let off = 0;
    while (off < buf.length) off += (await fh.write(buf, off, buf.length - off, at + off)).bytesWritten;
    if (at === pos) pos += buf.length;
  };
  try {
    await write(primary);
    await write(header);
  } catch (e) {
    await fh.close();
    throw e;
  }
  const dataStart = pos;
  return {
    path,
    get rows() {
      return rows;
    },
    async writeRows(values, n) {
      if (values.length !== columns.length) throw new FitsFormatError(path, 'TFIELDS', `${values.length} value arrays for ${columns.length} columns`);
      const block = columns.map((c, i) => {
        if (values[i].length !== n) throw new FitsFormatError(path, `TTYPE${i + 1}`, `column '${c.name}' has ${values[i].length} values, expected ${n}`);
        return { ...c, values: values[i] };
      });
      await write(encodeFitsTableRows(path, block, widths, 0, n));
      rows += n;
    },
    async close() {
      try {
        const pad = (BLOCK - ((pos - dataStart) % BLOCK)) % BLOCK;
        if (pad) await write(Buffer.alloc(pad));
        await write(Buffer.from(`NAXIS2  = ${String(rows).padStart(20)} / number of rows`.padEnd(80), 'latin1'), naxis2At);
        await fh.sync();
      } finally {
        await fh.close();
      }
    },
    async abort() {
      await fh.close().catch(() => undefined);
      await rm(path, { force: true });
    },
  };
}
