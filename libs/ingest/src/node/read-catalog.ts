import { readFile } from 'node:fs/promises';
import { parse as parseCsvText } from 'csv-parse/sync';
import { ConfigError, DataFileError, duplicateColumns, parseNumericCell } from '@pixsed/core';

/** A galaxy catalogue joined to the segmentation map: id → redshift (NaN when unknown). */
export interface GalaxyCatalog {
  file: string;
  /** Segmentation id → z; ids absent here or with a blank z get the NO_REDSHIFT flag. */
  z: Map<number, number>;
  ra?: Map<number, number>;
  dec?: Map<number, number>;
  rows: number;
}

/** A cell meaning "no value": empty, null, or NaN (a NaN number or the text nan, as pandas and astropy write it). */
function isBlank(v: unknown): boolean {
  const n = parseNumericCell(v);
  return n === 'blank' || (typeof n === 'number' && Number.isNaN(n));
}

/** A finite number from a cell, or undefined when it is not one ('abc', '1.2.3', '0x1f', inf). */
function toNumber(v: unknown): number | undefined {
  const n = parseNumericCell(v);
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * Builds the id → z (and ra, dec) maps, validating every row. `rowLabel(i)` names row i in errors
 * (CSV: data row and line). Errors (`DataFileError` naming the file, column, row and id): an id that is
 * not a positive integer, a duplicate id, a z that is not a number ('abc') or is negative, an ra/dec
 * that is not a number. An empty (or NaN) z means "no redshift" (NO_REDSHIFT downstream).
 */
function build(file: string, ids: unknown[], zs: unknown[], rowLabel: (i: number) => string, ra?: unknown[], dec?: unknown[]): GalaxyCatalog {
  const z = new Map<number, number>();
  const raMap = ra ? new Map<number, number>() : undefined;
  const decMap = dec ? new Map<number, number>() : undefined;
  const firstRow = new Map<number, number>();
  ids.forEach((raw, i) => {
    const id = toNumber(raw);
    if (id === undefined || !Number.isInteger(id) || id <= 0) throw new DataFileError(file, `id (${rowLabel(i)})`, `expected a positive integer segmentation id, got '${String(raw)}'`);
    if (z.has(id)) throw new DataFileError(file, `id (${rowLabel(i)})`, `duplicate id ${id} (first in ${rowLabel(firstRow.get(id)!)})`);
    firstRow.set(id, i);
    let zi = NaN;
    if (!isBlank(zs[i])) {
      const v = toNumber(zs[i]);
      if (v === undefined || v < 0) {
        throw new DataFileError(file, `z (${rowLabel(i)})`, `expected a redshift ≥ 0 or an empty cell, got '${String(zs[i])}' (id ${id})`);
      }
      zi = v;
    }
    z.set(id, zi);
    for (const [name, col, map] of [['ra', ra, raMap], ['dec', dec, decMap]] as const) {
      if (!col || !map) continue;
      if (isBlank(col[i])) {
        map.set(id, NaN);
        continue;
      }
      const v = toNumber(col[i]);
      if (v === undefined) throw new DataFileError(file, `${name} (${rowLabel(i)})`, `expected a number in degrees or an empty cell, got '${String(col[i])}' (id ${id})`);
      map.set(id, v);
    }
  });
  return { file, z, ra: raMap, dec: decMap, rows: ids.length };
}

/** Column names must be unique (case-insensitive, trimmed): a second `z` would silently win. */
function checkColumns(file: string, names: string[]): void {
  const [d] = duplicateColumns(names);
  if (d) throw new DataFileError(file, d.name, `duplicate column name '${d.name}' (columns ${d.first} and ${d.second})`);
}

function parseCsv(file: string, text: string): GalaxyCatalog {
  let records: string[][];
  try {
    records = parseCsvText(text, { bom: true, comment: '#', comment_no_infix: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new DataFileError(file, err.lines !== undefined ? `line ${err.lines}` : undefined, `cannot parse CSV: ${err.message}`);
  }
  if (records.length === 0) throw new DataFileError(file, undefined, 'empty catalogue');
  const header = records[0].map((h) => h.trim().toLowerCase());
  checkColumns(file, header);
  const col = (name: string, required: boolean) => {
    const i = header.indexOf(name);
    if (i < 0 && required) throw new DataFileError(file, name, `missing column '${name}' (columns: ${header.join(', ')}; need id and z, optional ra, dec)`);
    return i;
  };
  const [iId, iZ, iRa, iDec] = [col('id', true), col('z', true), col('ra', false), col('dec', false)];
  const rows = records.slice(1);
  const pick = (i: number) => (i < 0 ? undefined : rows.map((r) => r[i]));
  return build(file, pick(iId)!, pick(iZ)!, (i) => `row ${i + 1}`, pick(iRa), pick(iDec));
}

/**
 * Read a galaxy catalogue: CSV (header row; RFC 4180 quoting via csv-parse, `#` comments) or Parquet,
 * with columns `id`, `z`, optional `ra`, `dec` (deg). See `build` for the checks.
 */
export async function readCatalog(file: string): Promise<GalaxyCatalog> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new ConfigError(file, [{ path: 'source.catalog', message: `cannot read catalogue: ${(e as Error).message}` }]);
  }
  if (file.toLowerCase().endsWith('.parquet')) {
    const { parquetMetadata, parquetReadObjects, parquetSchema } = await import('hyparquet');
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const names = parquetSchema(parquetMetadata(ab)).children.map((c) => c.element.name.trim().toLowerCase());
    checkColumns(file, names);
    const rows = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
    const keys = rows.length ? Object.keys(rows[0]) : names;
    for (const k of ['id', 'z']) if (!keys.includes(k)) throw new DataFileError(file, k, `missing column '${k}' (columns: ${keys.join(', ')})`);
    const get = (k: string) => (keys.includes(k) ? rows.map((r) => r[k]) : undefined);
    return build(file, get('id')!, get('z')!, (i) => `row ${i + 1}`, get('ra'), get('dec'));
  }
  return parseCsv(file, bytes.toString('utf8'));
}
