import { readFileSync, writeFileSync } from 'node:fs';
import { DataFileError } from '../errors.js';
import { encodeNpy, parseNpy, type NpyArray } from '../npy.js';

/** Read a `.npy` file (see `parseNpy`); errors are `DataFileError`s naming the file. `native` keeps `<f4` as float32. */
export function readNpy(file: string): NpyArray;
export function readNpy(file: string, opts: { native: true }): NpyArray<Float32Array | Float64Array>;
export function readNpy(file: string, opts: { native?: boolean } = {}): NpyArray<Float32Array | Float64Array> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataFileError(file, undefined, code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}`);
  }
  try {
    return opts.native ? parseNpy(bytes, { native: true }) : parseNpy(bytes);
  } catch (e) {
    throw new DataFileError(file, undefined, (e as Error).message);
  }
}

/** Write a C-order float32/float64 array as `.npy` (format 1.0). */
export function writeNpy(file: string, data: Float32Array | Float64Array, shape: number[]): void {
  writeFileSync(file, encodeNpy(data, shape));
}
