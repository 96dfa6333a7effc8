import { describe, expect, it } from 'vitest';
import { Wcs } from './wcs.js';

const cards = (c: Record<string, number>) => (k: string) => c[k];

describe('Wcs.pixelScaleArcsecOf (one pixel-scale formula for images and PSF headers)', () => {
  it('PIXELSCL wins (WebbPSF, arcsec)', () => {
    expect(Wcs.pixelScaleArcsecOf(cards({ PIXELSCL: 0.0157, CD1_1: 1e-5, CD2_2: 1e-5 }))).toBe(0.0157);
  });

  it('a rotated square CD matrix: sqrt|det CD| × 3600 = the pixel side, as the Wcs method gives', () => {
    const s = 0.03 / 3600;
    const t = 0.4; // rotation, rad
    const c = { CD1_1: -s * Math.cos(t), CD1_2: s * Math.sin(t), CD2_1: s * Math.sin(t), CD2_2: s * Math.cos(t) };
    expect(Wcs.pixelScaleArcsecOf(cards(c))).toBeCloseTo(0.03, 12);
    const w = new Wcs({ crval: [53, -27], crpix: [1, 1], cd: [[c.CD1_1, c.CD1_2], [c.CD2_1, c.CD2_2]] });
    expect(w.pixelScaleArcsec()).toBeCloseTo(0.03, 12);
  });

  it('rectangular pixels: the geometric mean of the two sides', () => {
    expect(Wcs.pixelScaleArcsecOf(cards({ CD1_1: -0.02 / 3600, CD2_2: 0.08 / 3600 }))).toBeCloseTo(0.04, 12);
    expect(Wcs.pixelScaleArcsecOf(cards({ CDELT1: -0.02 / 3600, CDELT2: 0.08 / 3600 }))).toBeCloseTo(0.04, 12);
  });

  it('only the first axis given (PSF files): square pixels, the length of the first CD column', () => {
    expect(Wcs.pixelScaleArcsecOf(cards({ CD1_1: 0.03 / 3600 * 0.6, CD2_1: 0.03 / 3600 * 0.8 }))).toBeCloseTo(0.03, 12);
    expect(Wcs.pixelScaleArcsecOf(cards({ CDELT1: -0.05 / 3600 }))).toBeCloseTo(0.05, 12);
  });

  it('PC × CDELT, and no cards at all', () => {
    expect(Wcs.pixelScaleArcsecOf(cards({ CDELT1: 0.03 / 3600, CDELT2: 0.03 / 3600, PC1_1: 0, PC1_2: -1, PC2_1: 1, PC2_2: 0 }))).toBeCloseTo(0.03, 12);
    expect(Wcs.pixelScaleArcsecOf(cards({}))).toBeUndefined();
  });
});
