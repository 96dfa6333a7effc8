import { describe, expect, it } from 'vitest';
import { PsfMatchingError } from '@pixsed/core';
import { createStripConvolver } from './create-strip-convolver.js';
import { convolveImage } from './convolve-image.js';

/** Direct 'same' convolution, zero outside: out[y,x] = sum K[j,i] in[y + cy - j, x + cx - i]. */
function direct(img: ArrayLike<number>, w: number, h: number, k: ArrayLike<number>, kw: number, kh: number): Float64Array {
  const cy = Math.floor((kh - 1) / 2);
  const cx = Math.floor((kw - 1) / 2);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = 0; j < kh; j++) {
        const yy = y + cy - j;
        if (yy < 0 || yy >= h) continue;
        for (let i = 0; i < kw; i++) {
          const xx = x + cx - i;
          if (xx < 0 || xx >= w) continue;
          s += k[j * kw + i] * img[yy * w + xx];
        }
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return m / s;
}

/** Cut strips with halos like the ingest source: core rows [y0, y1) plus up to r rows each side. */
function stripWise(img: Float32Array | Float64Array, w: number, h: number, kernel: { width: number; height: number; data: Float64Array }, stripRows: number): Float32Array {
  const conv = createStripConvolver(kernel, w);
  const out = new Float32Array(w * h);
  for (let y0 = 0; y0 < h; y0 += stripRows) {
    const y1 = Math.min(h, y0 + stripRows);
    const top = Math.min(conv.haloRowsTop, y0);
    const bottom = Math.min(conv.haloRowsBottom, h - y1);
    const strip = img.subarray((y0 - top) * w, (y1 + bottom) * w);
    out.set(conv.convolveStrip(strip, { haloTop: top, haloBottom: bottom }), y0 * w);
  }
  return out;
}

describe('createStripConvolver / convolveImage', () => {
  const r = rng(42);
  it.each([
    [67, 53, 9, 6],
    [40, 31, 7, 7],
    [130, 90, 21, 21],
    [33, 20, 1, 1],
    [25, 18, 30, 11],
  ])('whole image %ix%i, kernel %ix%i: equals direct convolution (mode="same") to 1e-12', (w, h, kw, kh) => {
    const img = Float64Array.from({ length: w * h }, () => r() - 0.2);
    const k = Float64Array.from({ length: kw * kh }, () => r() - 0.3);
    const ref = direct(img, w, h, k, kw, kh);
    const got = convolveImage(img, w, h, { width: kw, height: kh, data: k }, { float64: true });
    expect(maxRel(got, ref)).toBeLessThan(1e-12);
    // forced small tiles exercise many overlap-save tiles and odd tile pairing
    const tiles = convolveImage(img, w, h, { width: kw, height: kh, data: k }, { float64: true, tileRows: 64, tileCols: 32 });
    expect(maxRel(tiles, ref)).toBeLessThan(1e-12);
    // default float32 FFTs (PFFFT): ~2e-7 of the peak; into a Float64Array output too
    const f32 = convolveImage(img, w, h, { width: kw, height: kh, data: k });
    expect(maxRel(f32, ref)).toBeLessThan(1e-6);
    const f32tiles = convolveImage(img, w, h, { width: kw, height: kh, data: k }, { float64: true, precision: 'float32', tileRows: 64, tileCols: 32 });
    expect(f32tiles).toBeInstanceOf(Float64Array);
    expect(maxRel(f32tiles, ref)).toBeLessThan(1e-6);
  });

  it('float32 precision: tiles of 16 x 32 (the smallest PFFFT sizes) and a plain-array input', () => {
    const w = 45;
    const h = 38;
    const img = Array.from({ length: w * h }, () => r() - 0.5);
    const k = Float64Array.from({ length: 5 * 7 }, () => r() - 0.3);
    const ref = direct(img, w, h, k, 5, 7);
    const got = convolveImage(img, w, h, { width: 5, height: 7, data: k }, { tileRows: 2, tileCols: 2 });
    expect(maxRel(got, ref)).toBeLessThan(1e-6);
    expect(maxRel(convolveImage(img, w, h, { width: 5, height: 7, data: k }, { float64: true, precision: 'float64', tileRows: 8, tileCols: 8 }), ref)).toBeLessThan(1e-12);
    // more tile sizes than the wasm work-buffer cache holds (evicted and re-allocated on the way)
    for (const [tileRows, tileCols] of [[16, 32], [32, 32], [16, 64], [64, 64], [32, 128], [16, 32], [64, 32]]) {
      expect(maxRel(convolveImage(img, w, h, { width: 5, height: 7, data: k }, { tileRows, tileCols }), ref)).toBeLessThan(1e-6);
    }
  });

  it.each([1, 7, 16, 50, 64, 199, 300])('strip-wise (stripRows = %i) equals whole-image output', (stripRows) => {
    const w = 157;
    const h = 211;
    const img = Float32Array.from({ length: w * h }, () => r() * 10);
    const kernel = { width: 15, height: 15, data: Float64Array.from({ length: 225 }, () => r()) };
    const whole = convolveImage(img, w, h, kernel);
    const strips = stripWise(img, w, h, kernel, stripRows);
    expect(maxRel(strips, whole)).toBeLessThan(1e-6); // float32 output, different tilings round differently
    const ref = direct(img, w, h, kernel.data, 15, 15);
    expect(maxRel(strips, ref)).toBeLessThan(1e-6);
  });

  it('NaN: zero-filled, and the mask flags exactly the pixels whose kernel box touched the NaN', () => {
    const w = 30;
    const h = 20;
    const img = new Float64Array(w * h).fill(1);
    img[10 * w + 12] = NaN;
    img[0 * w + 0] = Infinity;
    const kernel = { width: 5, height: 3, data: new Float64Array(15).fill(1 / 15) };
    const mask = new Uint8Array(w * h);
    const out = convolveImage(img, w, h, kernel, { mask, float64: true });
    const zf = img.map((v) => (Number.isFinite(v) ? v : 0));
    expect(maxRel(out, direct(zf, w, h, kernel.data, 5, 3))).toBeLessThan(1e-12);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const touches = (Math.abs(y - 10) <= 1 && Math.abs(x - 12) <= 2) || (y <= 1 && x <= 2);
        expect(mask[y * w + x]).toBe(touches ? 1 : 0);
      }
    }
    const nanOut = convolveImage(img, w, h, kernel, { nanPolicy: 'nan' });
    expect(Number.isNaN(nanOut[10 * w + 13])).toBe(true);
    expect(Number.isFinite(nanOut[10 * w + 16])).toBe(true);
  });

  it('rejects inconsistent strips', () => {
    const conv = createStripConvolver({ width: 3, height: 3, data: new Float64Array(9) }, 10);
    expect(() => conv.convolveStrip(new Float32Array(95), { haloTop: 1, haloBottom: 1 })).toThrow(PsfMatchingError);
    expect(() => conv.convolveStrip(new Float32Array(30), { haloTop: 2, haloBottom: 2 })).toThrow(PsfMatchingError);
    expect(() => createStripConvolver({ width: 3, height: 3, data: Float64Array.of(NaN, 0, 0, 0, 0, 0, 0, 0, 0) }, 10)).toThrow(
      /not finite/,
    );
  });
});

describe('efficientStripRows', () => {
  it('returns multiples of (2^p - kh + 1) at least minRows', async () => {
    const { efficientStripRows } = await import('./efficient-strip-rows.js');
    const r = efficientStripRows(101, 400);
    expect(r).toBeGreaterThanOrEqual(400);
    expect([412, 924, 1948].some((m) => r % m === 0)).toBe(true);
    expect(efficientStripRows(101, 500) % 412 === 0 || efficientStripRows(101, 500) % 924 === 0).toBe(true);
    expect(efficientStripRows(1, 10)).toBeGreaterThanOrEqual(10);
    expect(() => efficientStripRows(0, 10)).toThrow(PsfMatchingError);
  });
});
