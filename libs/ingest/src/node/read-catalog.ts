import { readFile } from 'node:fs/promises';
import { ConfigError, DataFileError } from '@pixsed/core';

/** A galaxy catalogue joined to the segmentation map: id → redshift (NaN when unknown). */
export interface GalaxyCatalog {
  file: string;
  /** Segmentation id → z; ids absent here or with a blank z get the NO_REDSHIFT flag. */
  z: Map<number, number>;
  ra?: Map<number, number>;
  dec?: Map<number, number>;
  rows: number;
}

function build(file: string, ids: unknown[], zs: unknown[], ra?: unknown[], dec?: unknown[]): GalaxyCatalog {
  const z = new Map<number, number>();
  const raMap = ra ? new Map<number, number>() : undefined;
  const decMap = dec ? new Map<number, number>() : undefined;
  ids.forEach((raw, i) => {
    const id = Number(raw);
    if (!Number.isInteger(id) || id <= 0) throw new DataFileError(file, `id (row ${i + 1})`, `expected a positive integer segmentation id, got '${String(raw)}'`);
    if (z.has(id)) throw new DataFileError(file, `id (row ${i + 1})`, `duplicate id ${id}`);
    const zi = zs[i] === '' || zs[i] === null || zs[i] === undefined ? NaN : Number(zs[i]);
    if (!Number.isNaN(zi) && !(zi >= 0 && Number.isFinite(zi))) {
      throw new DataFileError(file, `z (row ${i + 1})`, `expected a redshift ≥ 0 or an empty cell, got '${String(zs[i])}'`);
    }
    z.set(id, zi);
    raMap?.set(id, Number(ra![i]));
    decMap?.set(id, Number(dec![i]));
  });
  return { file, z, ra: raMap, dec: decMap, rows: ids.length };
}

function parseCsv(file: string, text: string): GalaxyCatalog {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'));
  if (lines.length === 0) throw new DataFileError(file, undefined, 'empty catalogue');
  const header = lines[0].split(',').map((h) => h.trim().toLowerCase());
  const col = (name: string, required: boolean) => {
    const i = header.indexOf(name);
    if (i < 0 && required) throw new DataFileError(file, name, `missing column '${name}' (columns: ${header.join(', ')}; need id and z, optional ra, dec)`);
    return i;
  };
  const [iId, iZ, iRa, iDec] = [col('id', true), col('z', true), col('ra', false), col('dec', false)];
  const cells = lines.slice(1).map((l, r) => {
    const c = l.split(',').map((s) => s.trim());
    if (c.length !== header.length) throw new DataFileError(file, `row ${r + 2}`, `expected ${header.length} comma-separated cells, got ${c.length}`);
    return c;
  });
  const pick = (i: number) => (i < 0 ? undefined : cells.map((c) => c[i]));
  return build(file, pick(iId)!, pick(iZ)!, pick(iRa), pick(iDec));
}

/** Read a galaxy catalogue: CSV (header row) or Parquet, with columns `id`, `z`, optional `ra`, `dec` (deg). */
export async function readCatalog(file: string): Promise<GalaxyCatalog> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new ConfigError(file, [{ path: 'source.catalog', message: `cannot read catalogue: ${(e as Error).message}` }]);
  }
  if (file.toLowerCase().endsWith('.parquet')) {
    const { parquetReadObjects } = await import('hyparquet');
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const rows = (await parquetReadObjects({ file: ab })) as Record<string, unknown>[];
    const keys = rows.length ? Object.keys(rows[0]) : [];
    for (const k of ['id', 'z']) if (!keys.includes(k)) throw new DataFileError(file, k, `missing column '${k}' (columns: ${keys.join(', ')})`);
    const get = (k: string) => (keys.includes(k) ? rows.map((r) => (typeof r[k] === 'bigint' ? Number(r[k]) : r[k])) : undefined);
    return build(file, get('id')!, get('z')!, get('ra'), get('dec'));
  }
  return parseCsv(file, bytes.toString('utf8'));
}
