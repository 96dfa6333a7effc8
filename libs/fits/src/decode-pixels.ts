import type { HduLayout } from './hdu-layout.js';

/** Array type a FITS image decodes to: float32 for BITPIX 8, 16, -32; float64 for 32, 64, -64. */
export type PixelArray = Float32Array | Float64Array;

/** Allocates the output array for `n` pixels of an image with this BITPIX (see `PixelArray`). */
export function allocPixels(bitpix: number, n: number): PixelArray {
  return bitpix === 8 || bitpix === 16 || bitpix === -32 ? new Float32Array(n) : new Float64Array(n);
}

/** True on little-endian hosts (all current Node platforms); typed arrays use host byte order. */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes big-endian FITS pixels into physical values: `physical = BZERO + BSCALE × stored`
 * (FITS 4.0 eq. 3). For integer BITPIX, a stored value equal to BLANK becomes NaN.
 * `src` must hold a whole number of pixels; they are written to `out` starting at `outOffset`.
 * BITPIX 64 values beyond ±2^53 lose precision (converted through Number).
 */
export function decodePixels(
  src: Uint8Array,
  layout: Pick<HduLayout, 'bitpix' | 'bscale' | 'bzero' | 'blank'>,
  out: PixelArray,
  outOffset = 0,
): void {
  const { bitpix, bscale, bzero, blank } = layout;
  const bytes = Math.abs(bitpix) / 8;
  const n = Math.floor(src.length / bytes);
  const dv = new DataView(src.buffer, src.byteOffset, n * bytes);
  const scaled = bscale !== 1 || bzero !== 0;
  const hasBlank = blank !== undefined && bitpix > 0;
  switch (bitpix) {
    case -32:
      for (let i = 0; i < n; i++) {
        const v = dv.getFloat32(i * 4, false);
        out[outOffset + i] = scaled ? bzero + bscale * v : v;
      }
      return;
    case -64:
      for (let i = 0; i < n; i++) {
        const v = dv.getFloat64(i * 8, false);
        out[outOffset + i] = scaled ? bzero + bscale * v : v;
      }
      return;
    case 8:
      for (let i = 0; i < n; i++) {
        const v = dv.getUint8(i);
        out[outOffset + i] = hasBlank && v === blank ? NaN : bzero + bscale * v;
      }
      return;
    case 16:
      for (let i = 0; i < n; i++) {
        const v = dv.getInt16(i * 2, false);
        out[outOffset + i] = hasBlank && v === blank ? NaN : bzero + bscale * v;
      }
      return;
    case 32:
      for (let i = 0; i < n; i++) {
        const v = dv.getInt32(i * 4, false);
        out[outOffset + i] = hasBlank && v === blank ? NaN : bzero + bscale * v;
      }
      return;
    case 64: {
      const b = hasBlank ? BigInt(blank as number) : 0n;
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(i * 8, false);
        out[outOffset + i] = hasBlank && v === b ? NaN : bzero + bscale * Number(v);
      }
      return;
    }
    default:
      throw new RangeError(`decodePixels: unsupported BITPIX ${bitpix}`);
  }
}
