import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError } from '@pixsed/core';
import { readNpyHashed } from '@pixsed/core/node';

/** One `.npy` file of a reference grid, read once: its path, the array and the sha256 of its bytes. */
export interface GridFile {
  path: string;
  a: { shape: number[]; data: Float32Array | Float64Array };
  sha: string;
}

/**
 * Read `<dir>/<file>` of a reference grid (SSP or nebular; `what` names the grid and its README in the not-found
 * message) and check its shape: `shape` returns what was expected, or undefined when the shape is right.
 * `native` keeps float32 data as float32.
 */
export function readGridNpy(dir: string, file: string, what: string, shape: (s: number[]) => string | undefined, native = false): GridFile {
  const path = join(dir, file);
  if (!existsSync(path)) throw new DataFileError(path, undefined, `file not found (${what})`);
  const { shape: s, data, sha256 } = readNpyHashed(path, { native });
  const bad = shape(s);
  if (bad) throw new DataFileError(path, 'shape', `(${s.join(', ')}): expected ${bad}`);
  return { path, a: { shape: s, data }, sha: sha256 };
}

/** Every value passes `ok`, else a DataFileError naming the file, `what[i]`, the value and `expected`. */
export function checkValues(path: string, what: string, v: ArrayLike<number>, ok: (x: number) => boolean, expected: string): void {
  for (let i = 0; i < v.length; i++) if (!ok(v[i])) throw new DataFileError(path, `${what}[${i}]`, `${v[i]}: expected ${expected}`);
}

/** Every value of a grid file is finite, ≥ 0 and < `max`, else a DataFileError naming the file and the value's index tuple. */
export function checkNonNegativeGrid(f: GridFile, max: number, expected: string): void {
  const d = f.a.data;
  const shape = f.a.shape;
  for (let i = 0; i < d.length; i++) {
    if (d[i] >= 0 && d[i] < max) continue;
    const idx: number[] = [];
    let rest = i;
    for (let k = shape.length - 1; k >= 0; k--) {
      idx.unshift(rest % shape[k]);
      rest = Math.floor(rest / shape[k]);
    }
    throw new DataFileError(f.path, `[${idx.join(', ')}]`, `${d[i]}: expected ${expected}`);
  }
}
