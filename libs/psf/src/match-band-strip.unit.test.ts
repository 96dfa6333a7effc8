import { describe, expect, it } from 'vitest';
import { createStripConvolver } from './create-strip-convolver.js';
import { footprintDilation } from './footprint-dilation.js';
import { gaussianPsf } from './gaussian-psf.js';
import { invalidPixels } from './invalid-pixels.js';
import { matchBandStrip } from './match-band-strip.js';
import { varianceKernel } from './variance-kernel.js';

const W = 40;
const H = 30;
const K = gaussianPsf({ size: 5, sigma: 1.1 });
const K2 = varianceKernel(K);
const R = 2; // kernel radius

/** Direct 'same' sum Σ_j,i K[j,i] v[y + R − j, x + R − i] over in-image pixels (odd kernel, centre R). */
function direct(v: ArrayLike<number>, k: ArrayLike<number>, y: number, x: number): number {
  let s = 0;
  for (let j = 0; j < 5; j++) {
    for (let i = 0; i < 5; i++) {
      const yy = y + R - j;
      const xx = x + R - i;
      if (yy >= 0 && yy < H && xx >= 0 && xx < W) s += k[j * 5 + i] * v[yy * W + xx];
    }
  }
  return s;
}

const flux = () => Float32Array.from({ length: W * H }, (_, i) => 50 + 40 * Math.sin(i * 0.61) + (i % 11));
const err = () => Float32Array.from({ length: W * H }, (_, i) => 1 + 0.5 * Math.cos(i * 0.3));

describe('invalidPixels', () => {
  it('is null for clean data and marks non-finite flux, σ ≤ 0, σ NaN and σ = ∞ (zero weight)', () => {
    expect(invalidPixels(flux(), err())).toBeNull();
    const f = Float32Array.from([1, NaN, Infinity, -Infinity, 1, 1, 1, 1, -5]);
    const e = Float32Array.from([1, 1, 1, 1, 0, -1, NaN, Infinity, 1]);
    expect(Array.from(invalidPixels(f, e)!)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(Array.from(invalidPixels(f, e, 4, 9)!)).toEqual([1, 1, 1, 1, 0]);
  });
});

describe('footprintDilation', () => {
  it('marks exactly the outputs within the kernel box of an invalid input (brute force)', () => {
    const bad = new Uint8Array(W * H);
    for (const [y, x] of [[0, 0], [14, 20], [29, 39], [15, 3]]) bad[y * W + x] = 1;
    // an even 4 × 6 kernel: rows y + cy − 3 … y + cy, cols x + cx − 5 … x + cx with cy = 1, cx = 2
    const m = footprintDilation(bad, { rows: H, width: W, outStart: 0, outEnd: H, kh: 4, kw: 6, cy: 1, cx: 2 });
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let want = 0;
        for (let yy = y + 1 - 3; yy <= y + 1; yy++) for (let xx = x + 2 - 5; xx <= x + 2; xx++) if (yy >= 0 && yy < H && xx >= 0 && xx < W && bad[yy * W + xx]) want = 1;
        expect(m[y * W + x]).toBe(want);
      }
    }
  });
});

describe('matchBandStrip', () => {
  const conv = { flux: createStripConvolver(K, W), variance: createStripConvolver(K2, W) };

  it('clean strips: flux ⊛ K and sqrt(σ² ⊛ K²), bit-identical to the plain convolver, no missing mask', () => {
    const f = flux();
    const e = err();
    const r = matchBandStrip(f, e, conv, 0, 0);
    expect(r.missing).toBeNull();
    expect(Array.from(r.flux)).toEqual(Array.from(conv.flux.convolveStrip(f, { haloTop: 0, haloBottom: 0 })));
    const e2 = Float32Array.from(e, (s) => s * s);
    for (const [y, x] of [[0, 0], [10, 17], [29, 39]]) {
      expect(r.flux[y * W + x]).toBeCloseTo(direct(f, K.data, y, x), 3);
      expect(r.err[y * W + x]).toBeCloseTo(Math.sqrt(direct(e2, K2.data, y, x)), 5);
    }
  });

  it('a pixel whose footprint touches NaN/±Inf flux or σ ≤ 0/NaN/∞ is missing (NaN flux and σ); others are exact', () => {
    const f = flux();
    const e = err();
    const pokes: [number, number][] = [[10, 12], [20, 5], [3, 30], [25, 35], [0, 39]];
    f[10 * W + 12] = NaN;
    e[20 * W + 5] = 0;
    e[3 * W + 30] = -1;
    e[25 * W + 35] = Infinity;
    f[0 * W + 39] = -Infinity;
    const r = matchBandStrip(f, e, conv, 0, 0);
    const clean = flux();
    const e2 = Float32Array.from(err(), (s) => s * s);
    let nMissing = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const near = pokes.some(([py, px]) => Math.abs(py - y) <= R && Math.abs(px - x) <= R);
        expect(r.missing![i]).toBe(near ? 1 : 0);
        if (near) {
          nMissing++;
          expect(r.flux[i]).toBeNaN();
          expect(r.err[i]).toBeNaN();
        } else {
          // the zero-filled invalid inputs never enter: the value is the convolution of the clean image
          expect(r.flux[i]).toBeCloseTo(direct(clean, K.data, y, x), 3);
          expect(r.err[i]).toBeCloseTo(Math.sqrt(direct(e2, K2.data, y, x)), 5);
        }
      }
    }
    // 5×5 boxes: three interior, (20, 5) interior, (0, 39) a corner (3 × 3 inside the image)
    expect(nMissing).toBe(4 * 25 + 9);
  });

  it('an invalid pixel in the halo rows makes the core pixels within the kernel radius missing', () => {
    const f = flux();
    const e = err();
    // strip: rows 0..29 with 2 halo rows on top and bottom → core rows 2..27; NaN σ at row 0 (halo), column 8
    e[0 * W + 8] = NaN;
    const r = matchBandStrip(f, e, conv, 2, 2);
    expect(r.flux.length).toBe(26 * W);
    const missingAt: number[] = [];
    r.missing!.forEach((m, i) => m && missingAt.push(i));
    // only core row 2 (strip row 2 = halo row 0 + radius) at columns 6..10
    expect(missingAt).toEqual([6, 7, 8, 9, 10]);
    for (const i of missingAt) expect(r.flux[i]).toBeNaN();
  });
});
