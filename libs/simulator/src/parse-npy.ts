export interface NpyArray {
  shape: number[];
  /** Values in C order, converted to float64. */
  data: Float64Array;
  /** Original dtype descriptor, e.g. `<f8`. */
  dtype: string;
}

/**
 * Parse a NumPy `.npy` file (format versions 1.0-3.0; NEP 1): little-endian float64/float32/int32/int64,
 * C or Fortran order (returned in C order). Throws `Error` with a description; node loaders wrap it in `DataFileError` with the file name.
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  for (let i = 0; i < 6; i++) if (bytes[i] !== magic[i]) throw new Error('not a .npy file (bad magic string)');
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
  const data = new Float64Array(n);
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
  for (let i = 0; i < n; i++) data[i] = read(off + i * size);
  if (fortran === 'True' && shape.length > 1) return { shape, data: fortranToC(data, shape), dtype: descr };
  return { shape, data, dtype: descr };
}

/** Reorder a Fortran-order (first index fastest) array to C order (last index fastest). */
function fortranToC(f: Float64Array, shape: number[]): Float64Array {
  const n = f.length;
  const nd = shape.length;
  const c = new Float64Array(n);
  const idx = new Array<number>(nd).fill(0);
  for (let flat = 0; flat < n; flat++) {
    // idx is the C-order multi-index of `flat`; Fortran offset = Σ idx_k Π_{m<k} shape_m
    let off = 0;
    let stride = 1;
    for (let k = 0; k < nd; k++) {
      off += idx[k] * stride;
      stride *= shape[k];
    }
    c[flat] = f[off];
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return c;
}
