import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { DataFileError } from '@pixsed/core';
import { readNpy } from '@pixsed/core/node';

/** A catalogue of mock objects with known truths: one Float64Array per column (parameters, z, fluxes, errors). */
export interface MockCatalog {
  n: number;
  columns: Record<string, Float64Array>;
  /** The file the columns were read from. */
  source: string;
}

/**
 * Read mocks written by `pixsed simulate`: a folder with `catalog.npy` (float32/float64 [n, C])
 * + `catalog.columns.json` ({columns: [...]}), or `catalog.csv` (header row; `nan` allowed); or the
 * path of such an `.npy` (its `<stem>.columns.json` beside it) or `.csv` file.
 */
export function loadMocks(path: string): MockCatalog {
  const p = resolve(path);
  if (!existsSync(p)) throw new DataFileError(p, undefined, 'mock catalogue not found (expected a `pixsed simulate` folder, a .npy or a .csv file)');
  if (statSync(p).isDirectory()) {
    if (existsSync(join(p, 'catalog.npy'))) return loadMocks(join(p, 'catalog.npy'));
    if (existsSync(join(p, 'catalog.csv'))) return loadMocks(join(p, 'catalog.csv'));
    throw new DataFileError(p, undefined, 'no catalog.npy (+ catalog.columns.json) or catalog.csv in this folder');
  }
  if (extname(p) === '.csv') return readCsv(p);
  if (extname(p) === '.npy') return readNpyCatalog(p);
  throw new DataFileError(p, undefined, 'expected a .npy or .csv catalogue');
}

function readNpyCatalog(file: string): MockCatalog {
  const jsonFile = join(resolve(file, '..'), `${basename(file, '.npy')}.columns.json`);
  if (!existsSync(jsonFile)) throw new DataFileError(jsonFile, undefined, `column names for ${file} not found`);
  let names: unknown;
  try {
    names = (JSON.parse(readFileSync(jsonFile, 'utf8')) as { columns?: unknown }).columns;
  } catch (e) {
    throw new DataFileError(jsonFile, undefined, `not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(names) || !names.every((c) => typeof c === 'string')) throw new DataFileError(jsonFile, 'columns', 'expected an array of column names');
  const { shape, data } = readNpy(file, { native: true });
  if (shape.length !== 2 || shape[1] !== names.length) throw new DataFileError(file, 'shape', `shape (${shape.join(', ')}) does not match ${names.length} columns in ${jsonFile}`);
  const [n, nc] = shape;
  const columns: Record<string, Float64Array> = {};
  names.forEach((name, c) => {
    const col = new Float64Array(n);
    for (let r = 0; r < n; r++) col[r] = data[r * nc + c];
    columns[name] = col;
  });
  return { n, columns, source: file };
}


function readCsv(file: string): MockCatalog {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (lines.length < 1) throw new DataFileError(file, undefined, 'empty CSV');
  const names = lines[0].split(',').map((s) => s.trim());
  const n = lines.length - 1;
  const cols = names.map(() => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    const parts = lines[r + 1].split(',');
    if (parts.length !== names.length) throw new DataFileError(file, `line ${r + 2}`, `${parts.length} fields, expected ${names.length}`);
    for (let c = 0; c < names.length; c++) {
      const s = parts[c].trim().toLowerCase();
      cols[c][r] = s === 'nan' || s === '' ? NaN : Number(s);
    }
  }
  return { n, columns: Object.fromEntries(names.map((name, c) => [name, cols[c]])), source: file };
}
