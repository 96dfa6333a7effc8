import { describe, expect, it } from 'vitest';
import { FitsFormatError, GridMismatchError } from '@pixsed/core';
import { FitsHeader } from './fits-header.js';
import { Wcs } from './wcs.js';
import { checkGrids } from './check-grids.js';

const D2R = Math.PI / 180;
const tanHeader = (extra: Record<string, string | number> = {}): FitsHeader =>
  FitsHeader.fromRecord({ NAXIS1: 100, NAXIS2: 80, CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 53.16, CRVAL2: -27.78, CRPIX1: 50.5, CRPIX2: 40.5, CD1_1: -1e-5, CD1_2: 0, CD2_1: 0, CD2_2: 1e-5, ...extra }, 'mem.fits');

/** Great-circle distance in degrees (haversine). */
function sep(a: [number, number], b: [number, number]): number {
  const [ra1, d1] = [a[0] * D2R, a[1] * D2R];
  const [ra2, d2] = [b[0] * D2R, b[1] * D2R];
  const h = Math.sin((d2 - d1) / 2) ** 2 + Math.cos(d1) * Math.cos(d2) * Math.sin((ra2 - ra1) / 2) ** 2;
  return (2 * Math.asin(Math.sqrt(h))) / D2R;
}

describe('Wcs (TAN)', () => {
  it('the reference pixel (CRPIX − 1, 0-based) maps to CRVAL', () => {
    const w = Wcs.fromHeader(tanHeader());
    const [ra, dec] = w.pixelToWorld(49.5, 39.5);
    expect(ra).toBeCloseTo(53.16, 12);
    expect(dec).toBeCloseTo(-27.78, 12);
  });

  it('one pixel step along +y moves north by |CD2_2| and a step along +x moves east-to-west by |CD1_1| (great circle)', () => {
    const w = Wcs.fromHeader(tanHeader());
    const c = w.pixelToWorld(49.5, 39.5);
    const n = w.pixelToWorld(49.5, 40.5);
    const e = w.pixelToWorld(50.5, 39.5);
    expect(sep(c, n)).toBeCloseTo(1e-5, 12);
    expect(sep(c, e)).toBeCloseTo(1e-5, 12);
    expect(n[1]).toBeGreaterThan(c[1]);
    expect(e[0]).toBeLessThan(c[0]); // CD1_1 < 0: RA decreases with x
  });

  it('gnomonic distance law: a point r pixels from the tangent point lies atan(r × scale) away on the sky', () => {
    const w = Wcs.fromHeader(tanHeader({ CD1_1: -1e-3, CD2_2: 1e-3 }));
    const r = 3000; // 3 deg in the projection plane
    const d = sep(w.pixelToWorld(49.5 + r, 39.5), [53.16, -27.78]);
    expect(d).toBeCloseTo(Math.atan(r * 1e-3 * D2R) / D2R, 10);
  });

  it('world → pixel inverts pixel → world over a wide field', () => {
    const w = Wcs.fromHeader(tanHeader({ CD1_1: -2e-4, CD1_2: 3e-5, CD2_1: 2e-5, CD2_2: 2e-4 }));
    for (const [x, y] of [[0, 0], [99, 79], [-2000, 5000], [12.25, 60.75]]) {
      const [ra, dec] = w.pixelToWorld(x, y);
      const [px, py] = w.worldToPixel(ra, dec);
      expect(px).toBeCloseTo(x, 8);
      expect(py).toBeCloseTo(y, 8);
    }
    // far hemisphere has no TAN projection
    expect(w.worldToPixel(53.16 + 180, 27.78)[0]).toBeNaN();
  });

  it('PC × CDELT and CROTA2 give the same mapping as the equivalent CD matrix; PC wins over CD', () => {
    const rho = 30 * D2R;
    const cdelt = [-2e-5, 2e-5];
    const cd = { CD1_1: cdelt[0] * Math.cos(rho), CD1_2: -cdelt[1] * Math.sin(rho), CD2_1: cdelt[0] * Math.sin(rho), CD2_2: cdelt[1] * Math.cos(rho) };
    const base = { CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 10, CRVAL2: 20, CRPIX1: 1, CRPIX2: 1 };
    const wCd = Wcs.fromHeader(FitsHeader.fromRecord({ ...base, ...cd }));
    const wPc = Wcs.fromHeader(FitsHeader.fromRecord({ ...base, CDELT1: cdelt[0], CDELT2: cdelt[1], PC1_1: cd.CD1_1 / cdelt[0], PC1_2: cd.CD1_2 / cdelt[0], PC2_1: cd.CD2_1 / cdelt[1], PC2_2: cd.CD2_2 / cdelt[1] }));
    const wRot = Wcs.fromHeader(FitsHeader.fromRecord({ ...base, CDELT1: cdelt[0], CDELT2: cdelt[1], CROTA2: 30 }));
    const wBoth = Wcs.fromHeader(FitsHeader.fromRecord({ ...base, CD1_1: 1, CD2_2: 1, CDELT1: cdelt[0], CDELT2: cdelt[1], PC1_1: cd.CD1_1 / cdelt[0], PC1_2: cd.CD1_2 / cdelt[0], PC2_1: cd.CD2_1 / cdelt[1], PC2_2: cd.CD2_2 / cdelt[1] }));
    for (const w of [wPc, wRot, wBoth]) {
      const a = w.pixelToWorld(123, -45);
      const b = wCd.pixelToWorld(123, -45);
      expect(a[0]).toBeCloseTo(b[0], 12);
      expect(a[1]).toBeCloseTo(b[1], 12);
    }
  });

  it('pixel scale and solid angle: sqrt|det CD| × 3600 arcsec; |det CD| (π/180)² sr; local area shrinks as cos³ θ off-axis', () => {
    const w = Wcs.fromHeader(tanHeader({ CD1_1: -1.6666666666666667e-5, CD2_2: 1.6666666666666667e-5 }));
    expect(w.pixelScaleArcsec()).toBeCloseTo(0.06, 12);
    expect(w.pixelSolidAngleSr()).toBeCloseTo((0.06 / 206264.80624709636) ** 2, 25);
    expect(w.pixelSolidAngleSr(49.5, 39.5) / w.pixelSolidAngleSr()).toBeCloseTo(1, 9);
    // TAN: dΩ = cos³θ' dA where θ' is the angle from the tangent point
    const r = 60000; // 1 deg off-axis
    const theta = Math.atan(r * 1.6666666666666667e-5 * D2R);
    expect(w.pixelSolidAngleSr(49.5 + r, 39.5) / w.pixelSolidAngleSr()).toBeCloseTo(Math.cos(theta) ** 3, 6);
  });

  it('toHeader round-trips through fromHeader', () => {
    const w = Wcs.fromHeader(tanHeader({ CD1_2: 1e-7, RADESYS: 'ICRS' }));
    const w2 = Wcs.fromHeader(FitsHeader.fromRecord(w.toHeader()));
    expect(w2.cd).toEqual(w.cd);
    expect(w2.crpix).toEqual(w.crpix);
    expect(w2.crval).toEqual(w.crval);
    expect(w2.radesys).toBe('ICRS');
  });

  it('rejects headers without a TAN celestial WCS, naming the card', () => {
    expect(() => Wcs.fromHeader(FitsHeader.fromRecord({ NAXIS: 2 }, 'x.fits'))).toThrow(/x.fits \[CTYPE1\]: no celestial WCS/);
    expect(() => Wcs.fromHeader(tanHeader({ CTYPE1: 'RA---SIN', CTYPE2: 'DEC--SIN' }))).toThrow(FitsFormatError);
    expect(() => Wcs.fromHeader(tanHeader({ CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TPV' }))).toThrow(/CTYPE2/);
    expect(() => Wcs.fromHeader(tanHeader({ CUNIT1: 'arcsec' }))).toThrow(/CUNIT1/);
    expect(() => Wcs.fromHeader(tanHeader({ CD1_1: 0, CD2_2: 0 }))).toThrow(/singular/);
    expect(() => Wcs.fromHeader(tanHeader({ A_ORDER: 2 }))).toThrow(/B_ORDER/);
  });
});

describe('checkGrids', () => {
  it('passes for identical grids and within tolerance', () => {
    expect(() => checkGrids([{ name: 'f115w', header: tanHeader() }, { name: 'f444w', header: tanHeader({ CRPIX1: 50.5 + 1e-8 }) }])).not.toThrow();
    expect(() => checkGrids([{ name: 'a', header: tanHeader() }])).not.toThrow();
  });

  it('lists every difference (NAXIS, and the grid offset in pixels naming CRVAL, CRPIX, CD) in a GridMismatchError', () => {
    let err: unknown;
    try {
      checkGrids([
        { name: 'f115w', header: tanHeader() },
        { name: 'f150w', header: tanHeader({ NAXIS1: 101, CRVAL2: -27.7801 }) },
        { name: 'f444w', header: tanHeader({ CRPIX2: 41.5, CD2_2: 2e-5 }) },
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GridMismatchError);
    const diffs = (err as GridMismatchError).differences;
    expect(diffs.length).toBe(3);
    expect(diffs[0]).toBe('f150w: NAXIS1 101 vs 100 (f115w)');
    // ΔCRVAL2 = 1e-4 deg over |CD2_2| = 1e-5 deg/px: 10 px (to the TAN projection's scale change over 50 px, < 1e-3)
    const m1 = /^f150w: off the reference grid by ([\d.]+) px at pixel \(.*\) \(tolerance 0\.01 px; CRVAL2 -27\.7801 vs -27\.78\) \(f115w\)$/.exec(diffs[1]);
    expect(m1, diffs[1]).not.toBeNull();
    expect(Number(m1![1])).toBeCloseTo(10, 2);
    // y_ref = 2 (y + 1 − 41.5) + 40.5 − 1: at y = 0 the row lands 41.5 px away (the largest offset, at a bottom corner)
    const m2 = /^f444w: off the reference grid by ([\d.]+) px at pixel \(\d+, 0\) \(tolerance 0\.01 px; CRPIX2 41\.5 vs 40\.5, CD2_2 0\.00002 vs 0\.00001\) \(f115w\)$/.exec(diffs[2]);
    expect(m2, diffs[2]).not.toBeNull();
    expect(Number(m2![1])).toBeCloseTo(41.5, 2);
  });

  it('takes the tolerance in pixels, and PC+CDELT vs CD descriptions of the same grid agree', () => {
    const pc = tanHeader({ CD1_1: 0, CD2_2: 0 });
    const pcHeader = FitsHeader.fromRecord({ ...pc.toRecord(), PC1_1: 1, PC2_2: 1, CDELT1: -1e-5, CDELT2: 1e-5 } as Record<string, string | number>);
    expect(() => checkGrids([{ name: 'cd', header: tanHeader() }, { name: 'pc', header: pcHeader }], 1e-9)).not.toThrow();
    // a CRPIX shift of 0.01 px moves every pixel by exactly 0.01 px
    expect(() => checkGrids([{ name: 'a', header: tanHeader() }, { name: 'b', header: tanHeader({ CRPIX1: 50.51 }) }], 0.0101)).not.toThrow();
    expect(() => checkGrids([{ name: 'a', header: tanHeader() }, { name: 'b', header: tanHeader({ CRPIX1: 50.51 }) }], 0.0099)).toThrow(/b: off the reference grid by 0\.01000 px/);
    expect(() => checkGrids([{ name: 'a', header: tanHeader() }, { name: 'b', header: tanHeader({ CRPIX1: 50.51 }) }])).toThrow(GridMismatchError);
    // 4 px shift in CRVAL1 (4 × 1e-5 deg / cos δ): fails the default 0.01 px; 0.001 px passes
    const cosd = Math.cos(-27.78 * D2R);
    expect(() => checkGrids([{ name: 'a', header: tanHeader() }, { name: 'b', header: tanHeader({ CRVAL1: 53.16 + (4 * 1e-5) / cosd }) }])).toThrow(/b: off the reference grid by 4\.00\d px/);
    expect(() => checkGrids([{ name: 'a', header: tanHeader() }, { name: 'b', header: tanHeader({ CRVAL1: 53.16 + (0.001 * 1e-5) / cosd }) }])).not.toThrow();
  });
});
