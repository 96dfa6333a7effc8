/** A NumPy array read from `.npy` bytes, in C order. */
export interface NpyArray<T extends Float32Array | Float64Array = Float64Array> {
  shape: number[];
  /** Values in C order: float64, or with `{ native: true }` float32 for a `<f4` file. */
  data: T;
  /** Original dtype descriptor, e.g. `<f8`. */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/**
 * Parse a NumPy `.npy` file (format versions 1.0–3.0, NEP 1): little-endian float64/float32/int32/int64/uint8,
 * C or Fortran order (returned in C order). With `native`, a `<f4` array stays float32 (others are float64).
 * Throws `Error` with a description; `readNpy` (@pixsed/core/node) wraps it in `DataFileError` naming the file.
 */
export function parseNpy(bytes: Uint8Array): NpyArray;
export function parseNpy(bytes: Uint8Array, opts: { native: true }): NpyArray<Float32Array | Float64Array>;
export function parseNpy(bytes: Uint8Array, opts: { native?: boolean } = {}): NpyArray<Float32Array | Float64Array> {
  for (let i = 0; i < 6; i++) if (bytes[i] !== MAGIC[i]) throw new Error('not a .npy file (bad magic string)');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeStr === undefined) throw new Error(`unreadable .npy header: ${header.trim()}`);
  const shape = shapeStr
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const off = headerStart + headerLen;
  const readers: Record<string, [number, (o: number) => number]> = {
    '<f8': [8, (o) => dv.getFloat64(o, true)],
    '<f4': [4, (o) => dv.getFloat32(o, true)],
    '<i4': [4, (o) => dv.getInt32(o, true)],
    '<i8': [8, (o) => Number(dv.getBigInt64(o, true))],
    '|u1': [1, (o) => dv.getUint8(o)],
  };
  const reader = readers[descr];
  if (!reader) throw new Error(`unsupported dtype '${descr}' (expected <f8, <f4, <i4, <i8 or |u1)`);
  const [size, read] = reader;
  if (off + n * size > bytes.byteLength) throw new Error(`truncated data: need ${n * size} bytes after the header`);
  const data = opts.native && descr === '<f4' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = read(off + i * size);
  if (fortran === 'True' && shape.length > 1) return { shape, data: fortranToC(data, shape), dtype: descr };
  return { shape, data, dtype: descr };
}

/** Reorder a Fortran-order (first index fastest) array to C order (last index fastest). */
function fortranToC<T extends Float32Array | Float64Array>(f: T, shape: number[]): T {
  const n = f.length;
  const nd = shape.length;
  const c = new (f.constructor as new (n: number) => T)(n);
  const idx = new Array<number>(nd).fill(0);
  for (let flat = 0; flat < n; flat++) {
    // idx is the C-order multi-index of `flat`; Fortran offset = Σ idx_k Π_{m<k} shape_m
    let o = 0;
    let stride = 1;
    for (let k = 0; k < nd; k++) {
      o += idx[k] * stride;
      stride *= shape[k];
    }
    c[flat] = f[o];
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return c;
}

/** Encode a C-order array as a NumPy `.npy` (format 1.0, NEP 1) file: `<f4` for Float32Array, `<f8` for Float64Array. */
export function encodeNpy(data: Float32Array | Float64Array, shape: number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([...MAGIC, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // little-endian platforms (x86, arm64): copy the raw bytes
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
