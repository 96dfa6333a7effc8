/**
 * Minimal NumPy .npy (format 1.0) reader/writer for exchanging arrays with Python in tests and tools:
 * little-endian float32/float64, C order, 1-D or 2-D.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export function writeNpy(path: string, data: Float32Array | Float64Array, shape: number[]): void {
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pre = 10;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, ' ') + '\n';
  const buf = Buffer.alloc(total + data.byteLength);
  buf.write('\x93NUMPY', 0, 'latin1');
  buf[6] = 1;
  buf[7] = 0;
  buf.writeUInt16LE(header.length, 8);
  buf.write(header, pre, 'latin1');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(buf, total);
  writeFileSync(path, buf);
}

export function readNpy(path: string): { data: Float32Array | Float64Array; shape: number[] } {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order not supported`);
  const off = start + hlen;
  const bytes = buf.subarray(off);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (descr === '<f4') return { data: new Float32Array(copy.buffer), shape };
  if (descr === '<f8') return { data: new Float64Array(copy.buffer), shape };
  throw new Error(`${path}: dtype ${descr} not supported`);
}
