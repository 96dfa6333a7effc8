import { describe, expect, it } from 'vitest';
import { PsfMatchingError } from '@pixsed/core';
import { encircledEnergy } from './encircled-energy.js';
import { fourierShift } from './fourier-shift.js';
import { gaussianPsf } from './gaussian-psf.js';
import { padCropOdd } from './pad-crop-odd.js';
import { preparePsf } from './prepare-psf.js';
import { psfCentroid } from './psf-centroid.js';
import { psfFwhm } from './psf-fwhm.js';
import { resamplePsf } from './resample-psf.js';

const sum = (a: ArrayLike<number>): number => Array.prototype.reduce.call(a, (s: number, v: number) => s + v, 0) as number;

describe('PSF preparation', () => {
  it('psfCentroid finds a sub-pixel offset', () => {
    const g = gaussianPsf({ size: 41, sigma: 2, dx: 0.3, dy: -0.45 });
    const c = psfCentroid(g);
    expect(c.x).toBeCloseTo(20.3, 3);
    expect(c.y).toBeCloseTo(19.55, 3);
  });

  it('fourierShift moves a band-limited Gaussian exactly', () => {
    const g = gaussianPsf({ size: 41, sigma: 2.5, dx: 0.3, dy: -0.45 });
    const shifted = fourierShift(g, -0.3, 0.45);
    const ref = gaussianPsf({ size: 41, sigma: 2.5 });
    let m = 0;
    for (let i = 0; i < ref.data.length; i++) m = Math.max(m, Math.abs(shifted.data[i] - ref.data[i]));
    expect(m / Math.max(...ref.data)).toBeLessThan(1e-6);
  });

  it('preparePsf recentres an offset Gaussian onto the central pixel, unit sum, odd size', () => {
    const g = gaussianPsf({ size: 40, sigma: 2, dx: 1.7, dy: -0.6 });
    const p = preparePsf(g);
    expect(p.width % 2).toBe(1);
    expect(sum(p.data)).toBeCloseTo(1, 12);
    const c = psfCentroid(p);
    expect(Math.abs(c.x - (p.width - 1) / 2)).toBeLessThan(2e-3);
    expect(Math.abs(c.y - (p.height - 1) / 2)).toBeLessThan(2e-3);
  });

  it('preparePsf resamples a 4x oversampled PSF conserving flux: sigma 8 -> sigma ~2 (box-integrated)', () => {
    // 4x oversampled Gaussian of sigma 8 fine pixels = 2 coarse pixels; block sums add the pixel box
    // (variance + 1/12 coarse px^2 - 1/12 fine px^2 / 16 ... in coarse units: 4 + (1 - 1/16) / 12)
    const fine = gaussianPsf({ size: 160, sigma: 8, dx: 0.37, dy: -1.2 });
    const p = preparePsf(fine, { oversample: 4 });
    expect(p.width).toBe(39);
    expect(p.factor).toBe(4);
    expect(sum(p.data)).toBeCloseTo(1, 12);
    // second moment about the centre
    let m2 = 0;
    const c = (p.width - 1) / 2;
    for (let y = 0; y < p.height; y++) for (let x = 0; x < p.width; x++) m2 += p.data[y * p.width + x] * (x - c) ** 2;
    expect(m2).toBeCloseTo(4 + (1 - 1 / 16) / 12, 3);
  });

  it('preparePsf uses pixel scales (non-integer factor: area-weighted rebin) and conserves flux', () => {
    const fine = gaussianPsf({ size: 121, sigma: 6 });
    const p = preparePsf(fine, { pixelScaleArcsec: 0.01, targetPixelScaleArcsec: 0.025, size: 41 });
    expect(p.factor).toBeCloseTo(2.5, 12);
    expect(sum(p.data)).toBeCloseTo(1, 12);
    const ee = encircledEnergy(p, [20]);
    expect(ee[0]).toBeGreaterThan(0.999);
    expect(psfFwhm(p)).toBeGreaterThan(2.355 * 2.4 * 0.97);
    expect(psfFwhm(p)).toBeLessThan(2.355 * 2.4 * 1.06);
    expect(() => preparePsf(fine, { pixelScaleArcsec: 0.01 })).toThrow(PsfMatchingError);
  });

  it('resamplePsf with factor 1 centred on a pixel is the identity', () => {
    const g = gaussianPsf({ size: 21, sigma: 2 });
    const r = resamplePsf(g, { factor: 1, size: 21, centerX: 10, centerY: 10 });
    for (let i = 0; i < g.data.length; i++) expect(r.data[i]).toBeCloseTo(g.data[i], 14);
  });

  it('padCropOdd pads and crops about the centre pixel and rejects even sizes', () => {
    const g = gaussianPsf({ size: 11, sigma: 1 });
    const big = padCropOdd(g, 15);
    expect(big.data[7 * 15 + 7]).toBe(g.data[5 * 11 + 5]);
    const small = padCropOdd(big, 11);
    expect(Array.from(small.data)).toEqual(Array.from(g.data));
    expect(() => padCropOdd(g, 10)).toThrow(PsfMatchingError);
  });

  it('psfFwhm of a Gaussian is 2.3548 sigma within 1.5 %', () => {
    for (const s of [1.5, 2, 4]) {
      const f = psfFwhm(gaussianPsf({ size: 61, sigma: s }));
      expect(Math.abs(f / (2 * Math.sqrt(2 * Math.log(2)) * s) - 1)).toBeLessThan(0.015);
    }
  });

  it('encircledEnergy of a Gaussian follows 1 - exp(-r^2 / 2 sigma^2)', () => {
    const g = gaussianPsf({ size: 81, sigma: 3 });
    const radii = [3, 5, 8, 12];
    const ee = encircledEnergy(g, radii, { subsample: 16 });
    radii.forEach((r, i) => expect(ee[i]).toBeCloseTo(1 - Math.exp(-(r * r) / 18), 2));
  });
});
