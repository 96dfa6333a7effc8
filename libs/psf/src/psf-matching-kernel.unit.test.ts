import { describe, expect, it } from 'vitest';
import { PsfMatchingError } from '@pixsed/core';
import { gaussianPsf } from './gaussian-psf.js';
import { psfMatchingKernel } from './psf-matching-kernel.js';
import { kernelQuality } from './kernel-quality.js';
import { matchingWindow, type WindowSpec } from './matching-window.js';

const size = 51;
const sigS = 1.5;
const sigT = 3.0;
const sigK = Math.sqrt(sigT * sigT - sigS * sigS);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('psfMatchingKernel: Gaussian -> Gaussian', () => {
  const src = gaussianPsf({ size, sigma: sigS });
  const tgt = gaussianPsf({ size, sigma: sigT });
  const analytic = gaussianPsf({ size, sigma: sigK });
  let peak = 0;
  for (const v of analytic.data) peak = Math.max(peak, v);

  it('Fourier ratio (no window) matches the analytic kernel sigma_k^2 = sigma_t^2 - sigma_s^2 to 1e-3 of its peak', () => {
    const k = psfMatchingKernel(src, tgt, { method: 'fourier' });
    expect(k.width).toBe(size);
    expect(maxAbsDiff(k.data, analytic.data) / peak).toBeLessThan(1e-3);
    expect(k.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it.each<WindowSpec>([
    { type: 'TopHat', beta: 0.6 },
    { type: 'SplitCosineBell', alpha: 0.4, beta: 0.5 },
    { type: 'Tukey', alpha: 0.4 },
  ])('Fourier ratio with a flat-topped %o window matches the analytic kernel to 1e-3 of its peak', (window) => {
    const k = psfMatchingKernel(src, tgt, { method: 'fourier', window });
    expect(maxAbsDiff(k.data, analytic.data) / peak).toBeLessThan(1e-3);
  });

  it.each<WindowSpec>([{ type: 'CosineBell', alpha: 0.9 }, { type: 'Hanning' }])(
    '%o tapers from zero frequency: kernel is the analytic one low-passed (wider, same unit sum)',
    (window) => {
      const k = psfMatchingKernel(src, tgt, { method: 'fourier', window });
      const c = (size - 1) / 2;
      // low-pass: the peak drops, the sum stays 1
      expect(k.data[c * size + c]).toBeLessThan(analytic.data[c * size + c]);
      expect(k.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      // and it equals IDFT(W . K^) of the analytic kernel (photutils' definition), checked in the
      // photutils cross-check (node/real-psf-matching.int.test.ts)
    },
  );

  it('Wiener (pypher, mu = 1e-8) matches the analytic kernel to 1e-3 of its peak', () => {
    const k = psfMatchingKernel(src, tgt, { method: 'wiener', regularization: 1e-8 });
    expect(maxAbsDiff(k.data, analytic.data) / peak).toBeLessThan(1e-3);
  });

  it('Wiener regularisation smooths: a large mu departs from the analytic kernel', () => {
    const k = psfMatchingKernel(src, tgt, { method: 'wiener', regularization: 1e-1 });
    expect(maxAbsDiff(k.data, analytic.data) / peak).toBeGreaterThan(1e-3);
  });

  it('refuses a target narrower than the source unless force', () => {
    expect(() => psfMatchingKernel(tgt, src, { method: 'fourier' })).toThrow(PsfMatchingError);
    expect(() => psfMatchingKernel(tgt, src, { method: 'wiener' })).toThrow(/narrower/);
    const k = psfMatchingKernel(tgt, src, { method: 'wiener', force: true });
    expect(k.data.length).toBe(size * size);
  });

  it('handles different stamp sizes by zero-padding to a common odd size', () => {
    const small = gaussianPsf({ size: 31, sigma: sigS });
    const k = psfMatchingKernel(small, tgt, { method: 'fourier' });
    expect(k.width).toBe(size);
    expect(maxAbsDiff(k.data, analytic.data) / peak).toBeLessThan(1e-3);
  });

  it('kernelQuality: matched EE equals the target EE, FWHMs as expected', () => {
    const k = psfMatchingKernel(src, tgt, { method: 'fourier' });
    const q = kernelQuality(src, tgt, k, { pixelScaleArcsec: 0.03 });
    expect(q.maxEeDeviation).toBeLessThan(1e-4);
    const f = 2 * Math.sqrt(2 * Math.log(2));
    expect(q.fwhmTarget).toBeGreaterThan(f * sigT * 0.98);
    expect(q.fwhmTarget).toBeLessThan(f * sigT * 1.02);
    expect(q.fwhmSource).toBeGreaterThan(f * sigS * 0.97);
    expect(q.fwhmSource).toBeLessThan(f * sigS * 1.03);
    expect(Math.abs(q.fwhmMatched / q.fwhmTarget - 1)).toBeLessThan(1e-3);
    expect(q.negativeFraction).toBeLessThan(1e-3);
    expect(q.fwhmArcsec?.target).toBeCloseTo(q.fwhmTarget * 0.03, 12);
  });

  it('kernelQuality detects a bad kernel (delta kernel leaves the source unchanged)', () => {
    const delta = { width: 1, height: 1, data: Float64Array.of(1) };
    const q = kernelQuality(src, tgt, delta);
    expect(q.maxEeDeviation).toBeGreaterThan(0.1);
  });
});

describe('matchingWindow (photutils 1.x definitions)', () => {
  it('Hanning on 11x11: 1 at the centre, cosine taper to 0 at r = 5 and beyond', () => {
    const w = matchingWindow({ type: 'Hanning' }, 11, 11);
    expect(w[5 * 11 + 5]).toBe(1);
    // r = 2: 0.5 (1 + cos(pi * 2 / 5))
    expect(w[5 * 11 + 7]).toBeCloseTo(0.5 * (1 + Math.cos((Math.PI * 2) / 5)), 14);
    expect(w[5 * 11 + 10]).toBeCloseTo(0, 14);
    expect(w[0]).toBe(0);
  });
  it('TopHat(beta = 0.4) on 11x11: 1 for r <= 2, else 0', () => {
    const w = matchingWindow({ type: 'TopHat', beta: 0.4 }, 11, 11);
    expect(w[5 * 11 + 7]).toBe(1);
    expect(w[5 * 11 + 8]).toBe(0);
    expect(w[6 * 11 + 7]).toBe(0 + (Math.hypot(1, 2) <= 2 ? 1 : 0));
  });
  it('Tukey(alpha) = SplitCosineBell(alpha, 1 - alpha); taper uses floor(alpha * npts)', () => {
    const a = matchingWindow({ type: 'Tukey', alpha: 0.5 }, 21, 21);
    const b = matchingWindow({ type: 'SplitCosineBell', alpha: 0.5, beta: 0.5 }, 21, 21);
    expect(Array.from(a)).toEqual(Array.from(b));
    // npts = 10, r_inner = 5, r_taper = 5: at r = 7.5 -> 0.5 (1 + cos(pi * 2.5 / 5)) = 0.5
    const c = matchingWindow({ type: 'SplitCosineBell', alpha: 0.55, beta: 0.5 }, 21, 21);
    // floor(0.55 * 10) = 5, same taper as alpha = 0.5
    expect(Array.from(c)).toEqual(Array.from(b));
  });
  it('rejects parameters outside [0, 1]', () => {
    expect(() => matchingWindow({ type: 'Tukey', alpha: 1.5 }, 11, 11)).toThrow(PsfMatchingError);
  });
});
