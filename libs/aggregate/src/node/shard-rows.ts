import { readFile, writeFile } from 'node:fs/promises';
import { DataFileError } from '@pixsed/core';
import type { catalogColumns, GalaxyCatalogRow } from '../galaxy-catalog.js';

/** File a shard's galaxies sink writes beside its catalogue (`pixsed run --shard`): the exact rows, for `pixsed merge`. */
export const SHARD_ROWS_FILE = 'galaxies.shard-rows.json';

/** What `pixsed merge` needs to write the catalogue of all shards with the one writer (`writeGalaxyCatalog`). */
export interface ShardRows {
  /** the inputs of `catalogColumns` (removal reasons seen by this shard: the merge takes their union) */
  columns: Omit<Parameters<typeof catalogColumns>[0], 'reasons'> & { reasons: string[] };
  samplesPerGalaxy?: number;
  /** catalogue files of the sink, relative to --out */
  catalogs: string[];
  rows: GalaxyCatalogRow[];
}

// JSON has no NaN or ±Infinity: such numbers are written as {"$number": "NaN"} and read back exactly
const replacer = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v);
const reviver = (_k: string, v: unknown) => (v && typeof v === 'object' && '$number' in v ? Number((v as { $number: string }).$number) : v);

export async function writeShardRows(file: string, data: ShardRows): Promise<string> {
  await writeFile(file, JSON.stringify(data, replacer) + '\n');
  return file;
}

export async function readShardRows(file: string): Promise<ShardRows> {
  try {
    const d = JSON.parse(await readFile(file, 'utf8'), reviver) as ShardRows;
    if (!Array.isArray(d.rows) || !d.columns || !Array.isArray(d.columns.bands)) throw new Error('expected {columns, rows, catalogs}');
    return d;
  } catch (err) {
    throw new DataFileError(file, undefined, `not a shard's galaxy rows file: ${(err as Error).message}`);
  }
}
