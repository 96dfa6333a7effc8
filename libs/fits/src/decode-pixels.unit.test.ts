import { describe, expect, it } from 'vitest';
import { allocPixels, decodePixels } from './decode-pixels.js';
import { encode } from '../test-scripts/fits-fixtures.js';

const base = { bscale: 1, bzero: 0, blank: undefined as number | undefined };

describe('decodePixels', () => {
  it.each([
    [8, [0, 1, 127, 200, 255]],
    [16, [-32768, -1, 0, 1, 32767]],
    [32, [-2147483648, -7, 0, 7, 2147483647]],
    [-32, [-1.5, 0, 3.25, 1e30, -1e-30]],
    [-64, [-1.5, Math.PI, 1e300, -1e-300, 0]],
  ])('decodes big-endian BITPIX %i', (bitpix, vals) => {
    const out = allocPixels(bitpix, vals.length);
    decodePixels(encode(bitpix, vals), { ...base, bitpix }, out);
    expect(Array.from(out)).toEqual(vals.map((v) => (bitpix === -32 ? Math.fround(v) : v)));
    expect(out).toBeInstanceOf(bitpix === 8 || bitpix === 16 || bitpix === -32 ? Float32Array : Float64Array);
  });

  it('decodes BITPIX 64 (int64) including values beyond int32', () => {
    const vals = [-(2n ** 40n), -1n, 0n, 2n ** 52n + 1n];
    const out = allocPixels(64, vals.length);
    decodePixels(encode(64, vals), { ...base, bitpix: 64 }, out);
    expect(Array.from(out)).toEqual(vals.map((v) => Number(v)));
  });

  it('applies BSCALE/BZERO (physical = BZERO + BSCALE × stored) and maps BLANK to NaN before scaling', () => {
    const stored = [-32768, -100, 0, 99, 32767];
    const out = allocPixels(16, stored.length);
    decodePixels(encode(16, stored), { bitpix: 16, bscale: 0.5, bzero: 32768, blank: -100 }, out);
    expect(out[0]).toBe(32768 - 16384);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(32768);
    expect(out[3]).toBe(32768 + 49.5);
    expect(out[4]).toBe(32768 + 16383.5);
  });

  it('unsigned 16-bit via BZERO = 32768 and BLANK on BITPIX 8 and 32', () => {
    const out = allocPixels(16, 2);
    decodePixels(encode(16, [-32768, 32767]), { bitpix: 16, bscale: 1, bzero: 32768, blank: undefined }, out);
    expect(Array.from(out)).toEqual([0, 65535]);
    const o8 = allocPixels(8, 3);
    decodePixels(encode(8, [0, 255, 3]), { bitpix: 8, bscale: 2, bzero: -1, blank: 255 }, o8);
    expect(o8[0]).toBe(-1);
    expect(o8[1]).toBeNaN();
    expect(o8[2]).toBe(5);
    const o32 = allocPixels(32, 2);
    decodePixels(encode(32, [-2147483648, 5]), { bitpix: 32, bscale: 1e-3, bzero: 0, blank: -2147483648 }, o32);
    expect(o32[0]).toBeNaN();
    expect(o32[1]).toBeCloseTo(0.005, 15);
  });

  it('writes at an offset and ignores BLANK for float data', () => {
    const out = new Float32Array(4).fill(-9);
    decodePixels(encode(-32, [NaN, 2]), { bitpix: -32, bscale: 2, bzero: 1, blank: 2 }, out, 2);
    expect(out[0]).toBe(-9);
    expect(out[2]).toBeNaN();
    expect(out[3]).toBe(5);
  });
});
