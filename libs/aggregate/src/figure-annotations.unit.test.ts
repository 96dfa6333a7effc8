import { describe, expect, it } from 'vitest';
import { ConfigError, type StreamBand } from '@pixsed/core';
import { compassVectors, compositeBands, luptonRgb, parameterLabel, scaleBarArcsec } from './figure-annotations.js';

// JADES-like band list in the survey's (not wavelength) order, pivot wavelengths in Å
const bands: StreamBand[] = [
  { name: 'f090w', unit: 'nJy', pivotWavelengthAngstrom: 9021.5 },
  { name: 'f444w', unit: 'nJy', pivotWavelengthAngstrom: 44043.1 },
  { name: 'f435w', unit: 'nJy', pivotWavelengthAngstrom: 4329.9 },
  { name: 'f200w', unit: 'nJy', pivotWavelengthAngstrom: 19886.5 },
  { name: 'f850lp', unit: 'nJy', pivotWavelengthAngstrom: 9033.2 },
];

describe('composite bands by pivot wavelength', () => {
  it('default: reddest, middle, bluest by pivot wavelength, not by list position', () => {
    // sorted: f435w 0.433, f090w 0.902, f850lp 0.903, f200w 1.989, f444w 4.404 µm → middle f850lp
    expect(compositeBands(bands)).toEqual(['f444w', 'f850lp', 'f435w']);
  });
  it('fewer than three bands with a pivot wavelength: no composite', () => {
    expect(compositeBands([bands[0], bands[1], { name: 'x', unit: 'nJy' }])).toEqual([]);
  });
  it('configured bands must be in the stream and in decreasing wavelength; the error names the key', () => {
    expect(compositeBands(bands, ['f444w', 'f200w', 'f090w'])).toEqual(['f444w', 'f200w', 'f090w']);
    expect(() => compositeBands(bands, ['f090w', 'f200w', 'f444w'])).toThrow(ConfigError);
    expect(() => compositeBands(bands, ['f090w', 'f200w', 'f444w'])).toThrow(/sinks\.galaxies\.rgbBands: expected red, green, blue in decreasing pivot wavelength, got f090w \(0\.902 µm\)/);
    expect(() => compositeBands(bands, ['f444w', 'f277w', 'f090w'])).toThrow(/sinks\.galaxies\.rgbBands\[1\]: band 'f277w' is not in the stream/);
  });
});

describe('figure annotations', () => {
  it('scale bar: the largest 1, 2, 5 × 10^k within 30 % of the field', () => {
    expect(scaleBarArcsec(1.8)).toBe(0.5); // 0.54″ max
    expect(scaleBarArcsec(10)).toBe(2); // 3″ max
    expect(scaleBarArcsec(0.3)).toBe(0.05);
  });

  it('compass: north +y and east −x for CD = diag(−s, s); rotated by θ for a rotated CD matrix', () => {
    const s = 0.03 / 3600;
    const base = { CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 53.16, CRVAL2: -27.78, CRPIX1: 128.5, CRPIX2: 128.5 };
    const c = compassVectors({ ...base, CD1_1: -s, CD1_2: 0, CD2_1: 0, CD2_2: s }, 100, 100)!;
    expect(c.north[0]).toBeCloseTo(0, 4);
    expect(c.north[1]).toBeCloseTo(1, 4);
    expect(c.east[0]).toBeCloseTo(-1, 4);
    expect(c.east[1]).toBeCloseTo(0, 4);
    // a CD matrix rotated by 30°: near the reference pixel, +Dec is the tangent-plane direction (ξ, η) = (0, 1) and
    // +RA (east) is (1, 0), so their pixel directions are CD⁻¹ (0, 1) and CD⁻¹ (1, 0) (small-offset TAN, Calabretta & Greisen 2002)
    const t = (30 * Math.PI) / 180;
    const cd = [
      [-s * Math.cos(t), -s * Math.sin(t)],
      [-s * Math.sin(t), s * Math.cos(t)],
    ];
    const r = compassVectors({ ...base, CD1_1: cd[0][0], CD1_2: cd[0][1], CD2_1: cd[1][0], CD2_2: cd[1][1] }, 128, 128)!;
    const det = cd[0][0] * cd[1][1] - cd[0][1] * cd[1][0];
    const inv = (xi: number, eta: number) => [(cd[1][1] * xi - cd[0][1] * eta) / det, (-cd[1][0] * xi + cd[0][0] * eta) / det];
    const n = inv(0, 1);
    const e = inv(1, 0); // +ξ points east in the tangent plane
    const unit = (v: number[]) => v.map((x) => x / Math.hypot(v[0], v[1]));
    expect(r.north[0]).toBeCloseTo(unit(n)[0], 3);
    expect(r.north[1]).toBeCloseTo(unit(n)[1], 3);
    expect(r.east[0]).toBeCloseTo(unit(e)[0], 3);
    expect(r.east[1]).toBeCloseTo(unit(e)[1], 3);
    expect(compassVectors(undefined, 0, 0)).toBeUndefined();
  });

  it('Lupton asinh stretch: a grey pixel v gets 255·min(1, asinh(Q·v/stretch)/Q) in every channel', () => {
    const [a, b, blank] = luptonRgb([0.1, 10, NaN], [0.1, 10, 1], [0.1, 10, 1], 1, 8);
    const expected = Math.round((255 * Math.asinh(0.8)) / 8); // asinh(0.8) = 0.7327 → 23
    expect(a).toEqual([expected, expected, expected]);
    expect(expected).toBe(23);
    expect(b).toEqual([Math.round((255 * Math.asinh(80)) / 8), Math.round((255 * Math.asinh(80)) / 8), Math.round((255 * Math.asinh(80)) / 8)]);
    expect(blank).toBeUndefined();
  });

  it('parameter labels carry quantity and unit', () => {
    expect(parameterLabel('log_mstar', 'log10(Msun)').label).toBe('log M* [log₁₀ M☉]');
    expect(parameterLabel('log_sfr100', 'log10(Msun/yr)').label).toBe('log SFR₁₀₀ [log₁₀ M☉ yr⁻¹]');
    expect(parameterLabel('new_param', 'erg/s').label).toBe('new_param [erg/s]');
  });
});
