import { readFileSync, writeFileSync } from 'node:fs';
import { DataFileError } from '../errors.js';
import { encodeNpy, parseNpy, type NpyArray } from '../npy.js';
import { sha256Hex } from '../provenance.js';

function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataFileError(file, undefined, code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}`);
  }
}

function parseAt(file: string, bytes: Uint8Array, native: boolean | undefined): NpyArray<Float32Array | Float64Array> {
  try {
    return native ? parseNpy(bytes, { native: true }) : parseNpy(bytes);
  } catch (e) {
    throw new DataFileError(file, undefined, (e as Error).message);
  }
}

/** Read a `.npy` file (see `parseNpy`); errors are `DataFileError`s naming the file. `native` keeps `<f4` as float32. */
export function readNpy(file: string): NpyArray;
export function readNpy(file: string, opts: { native: true }): NpyArray<Float32Array | Float64Array>;
export function readNpy(file: string, opts: { native?: boolean } = {}): NpyArray<Float32Array | Float64Array> {
  return parseAt(file, readBytes(file), opts.native);
}

/** As `readNpy`, plus the sha256 of the file's bytes from the same read (checksums of reference data in manifests). */
export function readNpyHashed(file: string, opts: { native?: boolean } = {}): NpyArray<Float32Array | Float64Array> & { sha256: string } {
  const bytes = readBytes(file);
  return { ...parseAt(file, bytes, opts.native), sha256: sha256Hex(bytes) };
}

/** Write a C-order float32/float64 array as `.npy` (format 1.0). */
export function writeNpy(file: string, data: Float32Array | Float64Array, shape: number[]): void {
  writeFileSync(file, encodeNpy(data, shape));
}
