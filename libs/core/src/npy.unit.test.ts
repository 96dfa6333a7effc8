import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy } from './npy.js';

describe('npy round trip', () => {
  it('encodes and parses float32 and float64 with shape', () => {
    const a = Float64Array.from([1, 2.5, -3, 1e-300, 7, 8]);
    const p = parseNpy(encodeNpy(a, [2, 3]));
    expect(p.shape).toEqual([2, 3]);
    expect(Array.from(p.data)).toEqual(Array.from(a));
    const f = Float32Array.from([0.1, 0.2]);
    const q = parseNpy(encodeNpy(f, [2]));
    expect(q.dtype).toBe('<f4');
    expect(q.data[0]).toBeCloseTo(0.1, 7);
  });
  it('rejects a non-npy buffer', () => {
    expect(() => parseNpy(new Uint8Array(20))).toThrow(/magic/);
  });
});

describe('npy details', () => {
  it('keeps float32 with native and reorders Fortran-order arrays to C order', () => {
    const f = Float32Array.from([0.1, 0.2, 0.3]);
    const q = parseNpy(encodeNpy(f, [3]), { native: true });
    expect(q.data).toBeInstanceOf(Float32Array);
    expect(Array.from(q.data)).toEqual(Array.from(f));
    // a 2×3 array [[1,2,3],[4,5,6]] stored column-major is 1,4,2,5,3,6
    const bytes = encodeNpy(Float64Array.from([1, 4, 2, 5, 3, 6]), [2, 3]);
    const text = new TextDecoder('latin1').decode(bytes);
    const fortran = new Uint8Array(bytes);
    expect(text).toContain("'fortran_order': False, ");
    // flip the flag in place, keeping the header length (48 = 6 float64 data bytes after the header)
    const header = text.slice(10, bytes.length - 48).replace("'fortran_order': False, ", "'fortran_order': True,  ");
    for (let i = 0; i < header.length; i++) fortran[10 + i] = header.charCodeAt(i);
    expect(Array.from(parseNpy(fortran).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('says what is wrong with a truncated file', () => {
    const bytes = encodeNpy(Float64Array.from([1, 2, 3]), [3]);
    expect(() => parseNpy(bytes.subarray(0, bytes.length - 8))).toThrow(/truncated data: need 24 bytes/);
  });
});
