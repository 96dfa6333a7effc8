import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { DataFileError } from '@pixsed/core';

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
  const { shape, data } = readNpyMatrix(file);
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

/** A little-endian float32/float64 `.npy` array (NEP 1, format versions 1–3), returned in C order (2-D Fortran order transposed). */
function readNpyMatrix(file: string): { shape: number[]; data: Float32Array | Float64Array } {
  const bytes = readFileSync(file);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (!magic.every((m, i) => bytes[i] === m)) throw new DataFileError(file, undefined, 'not a .npy file (bad magic string)');
  const major = bytes[6];
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeStr === undefined) throw new DataFileError(file, 'header', `unreadable .npy header: ${header.trim()}`);
  const shape = shapeStr.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = start + headerLen;
  const size = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (!size) throw new DataFileError(file, 'descr', `unsupported dtype '${descr}' (expected <f4 or <f8)`);
  if (off + count * size > bytes.byteLength) throw new DataFileError(file, undefined, `truncated: need ${count * size} data bytes`);
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(off, off + count * size));
  const data = size === 4 ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
  if (fortran === 'False' || shape.length < 2) return { shape, data };
  if (shape.length !== 2) throw new DataFileError(file, 'fortran_order', 'Fortran-order arrays are supported in 2-D only');
  const [rows, cols] = shape;
  const c = new (data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(count);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) c[i * cols + j] = data[j * rows + i];
  return { shape, data: c };
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
