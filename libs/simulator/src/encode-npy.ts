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
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // little-endian platforms (x86, arm64): copy the raw bytes
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
