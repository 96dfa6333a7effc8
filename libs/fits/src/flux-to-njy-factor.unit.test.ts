import { describe, expect, it } from 'vitest';
import { UnitMismatchError } from '@pixsed/core';
import { FitsHeader } from './fits-header.js';
import { fluxConversion, fluxToNjyFactor, classifyFluxUnit } from './flux-to-njy-factor.js';
import { errorPlaneKind, errorPlaneSigmaUnit, errorPlaneToSigmaNjy } from './error-plane-to-sigma-njy.js';

const ARCSEC_RAD = Math.PI / 180 / 3600;
const h = (rec: Record<string, string | number>): FitsHeader => FitsHeader.fromRecord(rec, 'img.fits');

describe('fluxToNjyFactor', () => {
  it('MJy/sr with PIXAR_SR: 1 MJy/sr × Ω × 1e15 nJy', () => {
    const omega = (0.03 * ARCSEC_RAD) ** 2;
    expect(fluxToNjyFactor(h({ BUNIT: 'MJy/sr', PIXAR_SR: omega }))).toBeCloseTo(omega * 1e15, 20);
    // 1 MJy/sr = 23.5045 µJy/arcsec² (1 arcsec² = 2.35045e-11 sr); a 0.03" pixel is 9e-4 arcsec² → 21.154 nJy
    expect(fluxToNjyFactor(h({ BUNIT: 'MJy / sr', PIXAR_SR: omega }))).toBeCloseTo(23504.5 * 9e-4, 2);
  });

  it('MJy/sr without PIXAR_SR uses the WCS pixel area', () => {
    const s = 0.04 / 3600;
    const f = fluxToNjyFactor(h({ BUNIT: 'MJy.sr**-1', CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 1, CRVAL2: 2, CD1_1: -s, CD2_2: s }));
    expect(f).toBeCloseTo((0.04 * ARCSEC_RAD) ** 2 * 1e15, 12);
    expect(() => fluxToNjyFactor(h({ BUNIT: 'MJy/sr' }))).toThrow(UnitMismatchError);
  });

  it('flux densities: Jy, mJy, µJy/uJy, nJy (mega vs milli is case-sensitive)', () => {
    expect(fluxToNjyFactor(h({ BUNIT: 'Jy' }))).toBe(1e9);
    expect(fluxToNjyFactor(h({ BUNIT: 'mJy' }))).toBe(1e6);
    expect(fluxToNjyFactor(h({ BUNIT: 'uJy' }))).toBe(1e3);
    expect(fluxToNjyFactor(h({}), { unit: 'µJy' })).toBe(1e3);
    expect(fluxToNjyFactor(h({ BUNIT: 'nJy' }))).toBe(1);
    expect(classifyFluxUnit('mjy/sr')).toBeUndefined();
  });

  it('count rates with PHOTFNU, or PHOTFLAM + PHOTPLAM (f_ν = f_λ λ²/c); counts divide by EXPTIME', () => {
    const photfnu = 1.1283712e-7;
    expect(fluxToNjyFactor(h({ BUNIT: 'electron / s', PHOTFNU: photfnu }))).toBeCloseTo(photfnu * 1e9, 9);
    expect(fluxToNjyFactor(h({ BUNIT: 'ELECTRONS/S', PHOTFNU: photfnu }))).toBeCloseTo(photfnu * 1e9, 9);
    // PHOTFLAM = 1e-20 erg/s/cm²/Å per e/s at 10000 Å: f_ν = 1e-20 × 1e8 / 2.99792458e18 erg/s/cm²/Hz = 3.3356e-31 → ×1e23 Jy ×1e9 nJy
    expect(fluxToNjyFactor(h({ BUNIT: 'e-/s', PHOTFLAM: 1e-20, PHOTPLAM: 10000 }))).toBeCloseTo(((1e-20 * 1e8) / 2.99792458e18) * 1e32, 9);
    expect(fluxToNjyFactor(h({ BUNIT: 'electrons', PHOTFNU: photfnu, EXPTIME: 1000 }))).toBeCloseTo((photfnu * 1e9) / 1000, 12);
    const primary = h({ PHOTFNU: 2e-7, EXPTIME: 10 });
    expect(fluxToNjyFactor(h({ BUNIT: 'counts' }), { fallbackHeader: primary })).toBeCloseTo(20, 12);
    expect(() => fluxToNjyFactor(h({ BUNIT: 'electrons/s' }))).toThrow(/PHOTFNU/);
    expect(() => fluxToNjyFactor(h({ BUNIT: 'counts', PHOTFNU: 1 }))).toThrow(/EXPTIME/);
  });

  it('unknown or missing units throw UnitMismatchError unless overridden', () => {
    let err: unknown;
    try {
      fluxToNjyFactor(h({ BUNIT: 'erg/s/cm2/A' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnitMismatchError);
    expect((err as UnitMismatchError).offenders[0]).toMatchObject({ input: 'img.fits', unit: 'erg/s/cm2/A' });
    expect(() => fluxToNjyFactor(h({}))).toThrow(/no BUNIT/);
    expect(fluxToNjyFactor(h({ BUNIT: 'erg/s/cm2/A' }), { unit: 'nJy' })).toBe(1);
    expect(fluxConversion(h({ BUNIT: 'Jy' })).formula).toMatch(/1e\+?9|1000000000/);
  });
});

describe('errorPlaneToSigmaNjy', () => {
  const f = 112.83712;
  it('ERR/RMS are σ, WHT/IVM inverse variance, VAR variance', () => {
    const v = new Float32Array([4, 0.25, 0, -1, NaN]);
    const err = errorPlaneToSigmaNjy(v, 'ERR', f);
    expect(err).toBeInstanceOf(Float32Array);
    expect(err[0]).toBeCloseTo(4 * f, 3);
    expect(err[3]).toBeNaN();
    const wht = errorPlaneToSigmaNjy(Float64Array.from(v), 'WHT', f);
    expect(wht[0]).toBeCloseTo(f / 2, 12);
    expect(wht[1]).toBeCloseTo(f * 2, 12);
    expect(wht[2]).toBe(Infinity);
    expect(wht[3]).toBeNaN();
    expect(wht[4]).toBeNaN();
    const vr = errorPlaneToSigmaNjy(Float64Array.from(v), 'VAR', -f);
    expect(vr[0]).toBeCloseTo(2 * f, 12);
    expect(vr[1]).toBeCloseTo(0.5 * f, 12);
    // consistency: σ from WHT = σ from VAR = 1/w
    const w = Float64Array.from([0.01, 3]);
    const fromW = errorPlaneToSigmaNjy(w, 'IVM', f);
    const fromV = errorPlaneToSigmaNjy(w.map((x) => 1 / x), 'VAR', f);
    expect(fromW[0]).toBeCloseTo(fromV[0], 10);
    expect(fromW[1]).toBeCloseTo(fromV[1], 10);
  });

  it('writes into `out`: in place on the input, or a float64 plane into float32 rounding each result once (the mosaic reader\'s paths)', () => {
    const raw = new Float64Array([0.3, 2.5e-3, 0, -1, NaN, 1e-9]);
    for (const kind of ['ERR', 'WHT', 'VAR'] as const) {
      const want = Float32Array.from(errorPlaneToSigmaNjy(raw, kind, f)); // the float64 result, then float32
      const into32 = errorPlaneToSigmaNjy(raw, kind, f, new Float32Array(raw.length));
      expect(into32).toBeInstanceOf(Float32Array);
      expect(Array.from(into32)).toEqual(Array.from(want));
      const plane = Float32Array.from(raw);
      const copy = errorPlaneToSigmaNjy(plane, kind, f);
      const same = errorPlaneToSigmaNjy(plane, kind, f, plane);
      expect(same).toBe(plane);
      expect(Array.from(same)).toEqual(Array.from(copy));
    }
  });

  it('errorPlaneKind reads EXTNAME / file suffixes', () => {
    expect(errorPlaneKind('WHT')).toBe('WHT');
    expect(errorPlaneKind('abell_2744_dwarf_galaxy_f105w_rms')).toBe('RMS');
    expect(errorPlaneKind('hlsp_jades_f444w_err')).toBe('ERR');
    expect(errorPlaneKind('SCI')).toBeUndefined();
  });

  it('errorPlaneSigmaUnit: the σ unit named by an error plane BUNIT, per storage kind', () => {
    expect(errorPlaneSigmaUnit('nJy', 'ERR')).toBe('nJy');
    expect(errorPlaneSigmaUnit('  ', 'ERR')).toBeUndefined();
    expect(errorPlaneSigmaUnit(undefined, 'RMS')).toBeUndefined();
    expect(errorPlaneSigmaUnit('(MJy/sr)^2', 'VAR')).toBe('MJy/sr');
    expect(errorPlaneSigmaUnit('(MJy/sr)**2', 'VAR')).toBe('MJy/sr');
    expect(errorPlaneSigmaUnit('uJy', 'VAR')).toBe('uJy');
    expect(errorPlaneSigmaUnit('(nJy)^-2', 'WHT')).toBe('nJy');
    expect(errorPlaneSigmaUnit('UNITLESS', 'WHT')).toBeUndefined();
    expect(errorPlaneSigmaUnit('(MJy/sr)^2', 'ERR')).toBe('(MJy/sr)^2'); // a σ plane in squared units is refused by fluxConversion
  });
});
