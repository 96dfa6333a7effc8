import { FitsFormatError } from '@pixsed/core';
import { openByteSource } from './byte-source.js';
import { walkHdus, type HduLocation } from './walk-hdus.js';

/** A FITS binary table read into columns: numbers (TSCAL/TZERO applied, TNULL and undefined logicals → NaN) or strings (trailing blanks/NULs removed). */
export interface FitsTable {
  file: string;
  hdu: number;
  extname: string | undefined;
  names: string[];
  units: (string | undefined)[];
  columns: Record<string, number[] | string[]>;
  rows: number;
}

const SIZE: Record<string, number> = { L: 1, B: 1, I: 2, J: 4, K: 8, E: 4, D: 8, A: 1 };

/**
 * Reads a scalar-column binary table (FITS 4.0 §7.3): the HDU `hdu` (index or EXTNAME), else the first BINTABLE.
 * Columns: L, B, I, J, K, E, D with repeat 1, and A (strings); other TFORMs (vectors, complex, bits,
 * variable-length arrays) are an error naming the column. Memory: the whole table.
 */
export async function readFitsTable(file: string, hdu?: number | string): Promise<FitsTable> {
  const src = await openByteSource(file);
  try {
    let found: HduLocation | undefined;
    await walkHdus(src, (h) => {
      const match = hdu === undefined ? h.layout.xtension === 'BINTABLE' : typeof hdu === 'number' ? h.index === hdu : h.layout.extname?.toUpperCase() === hdu.toUpperCase();
      if (match) found = h;
      return match;
    });
    if (!found) throw new FitsFormatError(file, hdu === undefined ? 'XTENSION' : `HDU ${hdu}`, hdu === undefined ? 'no binary table (XTENSION = BINTABLE) in the file' : `no HDU ${hdu}`);
    const h = found.header;
    if (found.layout.xtension !== 'BINTABLE') throw new FitsFormatError(file, `HDU ${found.index}`, `is ${found.layout.xtension}, expected a binary table (BINTABLE)`);
    const [rowBytes, rows] = found.layout.naxis;
    const n = h.getNumber('TFIELDS') ?? 0;
    const cols: { name: string; type: string; width: number; offset: number; scale: number; zero: number; nul: number | undefined; unit: string | undefined }[] = [];
    let offset = 0;
    for (let i = 1; i <= n; i++) {
      const name = (h.getString(`TTYPE${i}`) ?? `col${i}`).trim();
      const form = (h.getString(`TFORM${i}`) ?? '').trim().toUpperCase();
      const m = /^(\d*)([LXBIJKAEDCMPQ])/.exec(form);
      if (!m) throw new FitsFormatError(file, `TFORM${i}`, `column '${name}': cannot read TFORM '${form}'`);
      const repeat = m[1] === '' ? 1 : Number(m[1]);
      const type = m[2];
      if (!(type in SIZE) || (type !== 'A' && repeat !== 1)) throw new FitsFormatError(file, `TFORM${i}`, `column '${name}': TFORM '${form}' is not supported (scalar L, B, I, J, K, E, D or A strings)`);
      const width = type === 'A' ? repeat : SIZE[type];
      cols.push({ name, type, width, offset, scale: h.getNumber(`TSCAL${i}`) ?? 1, zero: h.getNumber(`TZERO${i}`) ?? 0, nul: h.getNumber(`TNULL${i}`), unit: h.getString(`TUNIT${i}`)?.trim() || undefined });
      offset += width;
    }
    if (offset !== rowBytes) throw new FitsFormatError(file, 'NAXIS1', `row of ${rowBytes} bytes, but the TFORMs add up to ${offset}`);
    const data = Buffer.from(await src.read(found.dataStart, rowBytes * rows));
    if (data.length < rowBytes * rows) throw new FitsFormatError(file, `HDU ${found.index}`, `truncated table: ${data.length} of ${rowBytes * rows} bytes`);
    const columns: Record<string, number[] | string[]> = {};
    for (const c of cols) {
      const out: (number | string)[] = new Array(rows);
      for (let r = 0; r < rows; r++) {
        const o = r * rowBytes + c.offset;
        if (c.type === 'A') {
          out[r] = data.toString('latin1', o, o + c.width).replace(/[\0 ]+$/, '');
          continue;
        }
        let v: number;
        if (c.type === 'L') v = data[o] === 0x54 ? 1 : data[o] === 0x46 ? 0 : NaN;
        else if (c.type === 'B') v = data[o];
        else if (c.type === 'I') v = data.readInt16BE(o);
        else if (c.type === 'J') v = data.readInt32BE(o);
        else if (c.type === 'K') v = Number(data.readBigInt64BE(o));
        else if (c.type === 'E') v = data.readFloatBE(o);
        else v = data.readDoubleBE(o);
        out[r] = c.nul !== undefined && v === c.nul && c.type !== 'E' && c.type !== 'D' ? NaN : v * c.scale + c.zero;
      }
      columns[c.name] = out as number[] | string[];
    }
    return { file, hdu: found.index, extname: found.layout.extname, names: cols.map((c) => c.name), units: cols.map((c) => c.unit), columns, rows };
  } finally {
    await src.close();
  }
}
