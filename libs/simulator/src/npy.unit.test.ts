import { describe, expect, it } from 'vitest';
import { encodeNpy } from './encode-npy.js';
import { parseNpy } from './parse-npy.js';

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
