import { readFile } from 'node:fs/promises';
import { ConfigError, DataFileError, duplicateColumns, parseNumericCell } from '@pixsed/core';
import { ecsvDelimiter, parseCsvRecords } from '@pixsed/core/node';
import { readFitsTable } from '@pixsed/fits/node';

/** Which catalogue columns hold the id, the redshift, the position and the redshift's uncertainties (matched case-insensitively). */
export interface CatalogColumns {
  idColumn?: string;
  zColumn?: string;
  raColumn?: string;
  decColumn?: string;
  /** lower / upper 1σ uncertainty of z (photo-z), kept for later use */
  zErrLowColumn?: string;
  zErrHighColumn?: string;
  /** a catalogue photometric redshift, used where the spectroscopic z (zColumn) is blank, and its lower / upper bound (e.g. 16th / 84th percentile) */
  zPhotColumn?: string;
  zPhotLoColumn?: string;
  zPhotHiColumn?: string;
}

/** Where a galaxy's z comes from in the catalogue (the `z_source` values of @pixsed/model's Z_SOURCES it can give). */
export type CatalogZSource = 'spec' | 'catalogue-photo' | 'none';

/** A galaxy catalogue joined to the segmentation map: id → redshift (NaN when unknown). */
export interface GalaxyCatalog {
  file: string;
  /**
   * Segmentation id → the z used: the spectroscopic z (zColumn), else the catalogue photo-z (zPhotColumn), else NaN;
   * ids absent here or with neither get the NO_REDSHIFT flag.
   */
  z: Map<number, number>;
  /** Segmentation id → which z `z` holds ('none': neither). */
  zSource: Map<number, CatalogZSource>;
  /** the photo-z's lower / upper bound (zPhotLoColumn / zPhotHiColumn) for galaxies whose z is the catalogue photo-z (NaN when blank) */
  zPhotLo?: Map<number, number>;
  zPhotHi?: Map<number, number>;
  ra?: Map<number, number>;
  dec?: Map<number, number>;
  /** z uncertainties (≥ 0; NaN when blank) when the catalogue maps zErrLowColumn / zErrHighColumn */
  zErrLow?: Map<number, number>;
  zErrHigh?: Map<number, number>;
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
function build(file: string, ids: unknown[], zs: unknown[], rowLabel: (i: number) => string, ra?: unknown[], dec?: unknown[], names: Required<Pick<CatalogColumns, 'idColumn' | 'zColumn' | 'raColumn' | 'decColumn'>> & CatalogColumns = DEFAULT_COLUMNS, errs: { low?: unknown[]; high?: unknown[] } = {}, phot: { z?: unknown[]; lo?: unknown[]; hi?: unknown[] } = {}): GalaxyCatalog {
  const z = new Map<number, number>();
  const zSource = new Map<number, CatalogZSource>();
  const photLo = phot.lo ? new Map<number, number>() : undefined;
  const photHi = phot.hi ? new Map<number, number>() : undefined;
  const raMap = ra ? new Map<number, number>() : undefined;
  const decMap = dec ? new Map<number, number>() : undefined;
  const lowMap = errs.low ? new Map<number, number>() : undefined;
  const highMap = errs.high ? new Map<number, number>() : undefined;
  const firstRow = new Map<number, number>();
  ids.forEach((raw, i) => {
    const id = toNumber(raw);
    if (id === undefined || !Number.isInteger(id) || id <= 0) throw new DataFileError(file, `${names.idColumn} (${rowLabel(i)})`, `expected a positive integer segmentation id, got '${String(raw)}'`);
    if (z.has(id)) throw new DataFileError(file, `${names.idColumn} (${rowLabel(i)})`, `duplicate id ${id} (first in ${rowLabel(firstRow.get(id)!)})`);
    firstRow.set(id, i);
    let zi = NaN;
    if (!isBlank(zs[i])) {
      const v = toNumber(zs[i]);
      if (v === undefined || v < 0) {
        throw new DataFileError(file, `${names.zColumn} (${rowLabel(i)})`, `expected a redshift ≥ 0 or an empty cell, got '${String(zs[i])}' (id ${id})`);
      }
      zi = v;
    }
    let source: CatalogZSource = Number.isNaN(zi) ? 'none' : 'spec';
    if (phot.z) {
      // a photo-z row: z_phot ≥ 0, its bounds ≥ 0 and lo ≤ z_phot ≤ hi (blank = none); used only where the spec z is blank
      const cell = (col: unknown[] | undefined, name: string | undefined): number => {
        if (!col || isBlank(col[i])) return NaN;
        const v = toNumber(col[i]);
        if (v === undefined || v < 0) throw new DataFileError(file, `${name} (${rowLabel(i)})`, `expected a redshift ≥ 0 or an empty cell, got '${String(col[i])}' (id ${id})`);
        return v;
      };
      const [zp, lo, hi] = [cell(phot.z, names.zPhotColumn), cell(phot.lo, names.zPhotLoColumn), cell(phot.hi, names.zPhotHiColumn)];
      if (lo > zp || hi < zp) throw new DataFileError(file, `${lo > zp ? names.zPhotLoColumn : names.zPhotHiColumn} (${rowLabel(i)})`, `expected ${names.zPhotLoColumn ?? 'lo'} ≤ ${names.zPhotColumn} ≤ ${names.zPhotHiColumn ?? 'hi'}, got ${lo} ≤ ${zp} ≤ ${hi} (id ${id})`);
      if (source === 'none' && !Number.isNaN(zp)) {
        zi = zp;
        source = 'catalogue-photo';
        photLo?.set(id, lo);
        photHi?.set(id, hi);
      }
    }
    z.set(id, zi);
    zSource.set(id, source);
    for (const [name, col, map, what] of [
      [names.raColumn, ra, raMap, 'a number in degrees'],
      [names.decColumn, dec, decMap, 'a number in degrees'],
      [names.zErrLowColumn, errs.low, lowMap, 'a redshift uncertainty ≥ 0'],
      [names.zErrHighColumn, errs.high, highMap, 'a redshift uncertainty ≥ 0'],
    ] as const) {
      if (!col || !map) continue;
      if (isBlank(col[i])) {
        map.set(id, NaN);
        continue;
      }
      const v = toNumber(col[i]);
      if (v === undefined || (map === lowMap || map === highMap ? v < 0 : false)) throw new DataFileError(file, `${name} (${rowLabel(i)})`, `expected ${what} or an empty cell, got '${String(col[i])}' (id ${id})`);
      map.set(id, v);
    }
  });
  return { file, z, zSource, ra: raMap, dec: decMap, zErrLow: lowMap, zErrHigh: highMap, zPhotLo: photLo, zPhotHi: photHi, rows: ids.length };
}

/** Column names must be unique (case-insensitive, trimmed): a second `z` would silently win. */
function checkColumns(file: string, names: string[]): void {
  const [d] = duplicateColumns(names);
  if (d) throw new DataFileError(file, d.name, `duplicate column name '${d.name}' (columns ${d.first} and ${d.second})`);
}

const DEFAULT_COLUMNS = { idColumn: 'id', zColumn: 'z', raColumn: 'ra', decColumn: 'dec' };

/** Rows of a CSV or ECSV text (core's parseCsvRecords: RFC 4180, `#` comment lines): the header row and the records. */
function parseDelimited(file: string, text: string, delimiter: string, what: string): { names: string[]; column: (i: number) => unknown[]; rowLabel: (i: number) => string } {
  const { header, records: rows } = parseCsvRecords(file, text, { delimiter, what });
  if (!header) throw new DataFileError(file, undefined, 'empty catalogue');
  return { names: header, column: (i) => rows.map((r) => r[i]), rowLabel: (i) => `row ${i + 1}` };
}

/** ECSV (astropy): the `# ` YAML header gives the delimiter (default a space); the rows are CSV with it. */
function parseEcsv(file: string, text: string) {
  if (!/^# %ECSV \d/.test(text.replace(/^\uFEFF/, ''))) throw new DataFileError(file, 'line 1', "not an ECSV file: the first line must be '# %ECSV <version>'");
  return parseDelimited(file, text, ecsvDelimiter(text), 'ECSV');
}

/**
 * Read a galaxy catalogue: CSV (header row; RFC 4180 quoting, `#` comment lines: core's parseCsvRecords), ECSV (astropy),
 * a FITS binary table (the first BINTABLE HDU) or Parquet, by extension. Columns (case-insensitive) `id`, `z`,
 * optional `ra`, `dec` (deg), or the names `columns` maps (`idColumn`, `zColumn`, `raColumn`, `decColumn`,
 * `zErrLowColumn`, `zErrHighColumn`, and a catalogue photo-z `zPhotColumn`, `zPhotLoColumn`, `zPhotHiColumn` used where
 * the spectroscopic z is blank: `zSource`); `key` names the config key in errors. See `build` for the checks.
 */
export async function readCatalog(file: string, columns: CatalogColumns = {}, key = 'source.catalog'): Promise<GalaxyCatalog> {
  const names = { ...DEFAULT_COLUMNS, ...Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined)) } as typeof DEFAULT_COLUMNS & CatalogColumns;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new ConfigError(file, [{ path: key, message: `cannot read catalogue: ${(e as Error).message}` }]);
  }
  const lower = file.toLowerCase();
  let table: { names: string[]; column: (i: number) => unknown[]; rowLabel: (i: number) => string };
  if (lower.endsWith('.parquet')) {
    const { parquetMetadata, parquetReadObjects, parquetSchema } = await import('hyparquet');
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const cols = parquetSchema(parquetMetadata(ab)).children.map((c) => c.element.name);
    const rows = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
    table = { names: cols, column: (i) => rows.map((r) => r[cols[i]]), rowLabel: (i) => `row ${i + 1}` };
  } else if (/\.fits?(\.gz)?$/.test(lower)) {
    const t = await readFitsTable(file);
    table = { names: t.names, column: (i) => t.columns[t.names[i]], rowLabel: (i) => `row ${i + 1} of HDU ${t.hdu}` };
  } else if (lower.endsWith('.ecsv')) {
    table = parseEcsv(file, bytes.toString('utf8'));
  } else {
    table = parseDelimited(file, bytes.toString('utf8'), ',', 'CSV');
  }
  checkColumns(file, table.names.map((n) => n.trim().toLowerCase()));
  const lowerNames = table.names.map((n) => n.trim().toLowerCase());
  const col = (which: keyof CatalogColumns, required: boolean) => {
    const want = names[which];
    if (want === undefined) return undefined;
    const i = lowerNames.indexOf(want.toLowerCase());
    if (i < 0 && (required || columns[which] !== undefined)) {
      const mapped = columns[which] !== undefined ? ` (${key}.${which})` : `; map yours with ${key}: {file, ${which}: <name>}`;
      throw new DataFileError(file, want, `missing column '${want}'${mapped} (columns: ${table.names.join(', ')}; need id and z, optional ra, dec)`);
    }
    return i < 0 ? undefined : table.column(i);
  };
  const [ids, zs, ra, dec, low, high] = [col('idColumn', true)!, col('zColumn', true)!, col('raColumn', false), col('decColumn', false), col('zErrLowColumn', false), col('zErrHighColumn', false)];
  const phot = { z: col('zPhotColumn', false), lo: col('zPhotLoColumn', false), hi: col('zPhotHiColumn', false) };
  if (!phot.z && (phot.lo || phot.hi)) throw new ConfigError(file, [{ path: `${key}.zPhotColumn`, message: `${columns.zPhotLoColumn ? 'zPhotLoColumn' : 'zPhotHiColumn'} is mapped without zPhotColumn: map the photo-z column too` }]);
  return build(file, ids, zs, table.rowLabel, ra, dec, names, { low, high }, phot);
}
