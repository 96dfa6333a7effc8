import { describe, expect, it } from 'vitest';
import { ppcRow } from './ppc-statistic.js';

const ZP = 31.4;
const mag = (fNjy: number) => ZP - 2.5 * Math.log10(fNjy);

describe('ppcRow (posterior-predictive χ² p-value)', () => {
  it('two bands, no emulator scatter: p = mean_d exp(−χ²_d / 2) (χ²(2) survival), χ² the median over draws', () => {
    // observed 100 ± 10 and 50 ± 5 nJy; draws predict (110, 50), (100, 40), (130, 65): χ² = 1, 4, 9 + 9 = 18
    const flux = [100, 50];
    const err = [10, 5];
    const draws = [
      [110, 50],
      [100, 40],
      [130, 65],
    ];
    const lnSigTiny = Math.log(1e-9);
    const emulated = Float32Array.from(draws.flatMap(([a, b]) => [mag(a), mag(b), lnSigTiny, lnSigTiny]));
    const r = ppcRow(emulated, 0, 3, flux, err, new Float64Array(3));
    const chi2 = [1, 4, 18];
    expect(r.nBands).toBe(2);
    expect(r.chi2).toBeCloseTo(4, 3);
    expect(r.pValue).toBeCloseTo(chi2.reduce((s, c) => s + Math.exp(-c / 2), 0) / 3, 5);
  });

  it('the emulator scatter adds in quadrature: σ_mag turned into nJy as f · ln10/2.5 · σ_mag', () => {
    // one band: observed 100 ± 3, draw predicts 105 with σ_mag such that s = 4 nJy → χ² = 25 / (9 + 16) = 1
    const sMag = 4 / (105 * (Math.LN10 / 2.5));
    const emulated = Float32Array.from([mag(105), Math.log(sMag)]);
    const r = ppcRow(emulated, 0, 1, [100], [3], new Float64Array(1));
    expect(r.chi2).toBeCloseTo(1, 4);
    // χ²(1) survival at 1 = erfc(1/√2) = 0.31731050786
    expect(r.pValue).toBeCloseTo(0.31731050786, 5);
  });

  it('missing bands (NaN flux, σ ≤ 0, non-finite σ) leave the χ² and its degrees of freedom; none present → NaN', () => {
    const tiny = Math.log(1e-9);
    const emulated = Float32Array.from([mag(100), mag(100), mag(100), mag(120), tiny, tiny, tiny, tiny]);
    const r = ppcRow(emulated, 0, 1, [NaN, 100, 100, 100], [1, 0, Infinity, 10], new Float64Array(1));
    expect(r.nBands).toBe(0 + 0 + 0 + 1);
    expect(r.chi2).toBeCloseTo(4, 3);
    expect(r.pValue).toBeCloseTo(0.0455002638, 5); // χ²(1) survival at 4 = erfc(√2)
    const none = ppcRow(emulated, 0, 1, [NaN, NaN, NaN, NaN], [1, 1, 1, 1], new Float64Array(1));
    expect(none.nBands).toBe(0);
    expect(none.pValue).toBeNaN();
  });

  it('reads draws from `base` (rows of several pixels in one array)', () => {
    const tiny = Math.log(1e-9);
    const emulated = Float32Array.from([mag(1), tiny, mag(100), tiny, mag(110), tiny]);
    const r = ppcRow(emulated, 1, 2, [100], [10], new Float64Array(2));
    expect(r.chi2).toBeCloseTo(0.5, 3); // median of χ² 0 and 1
    expect(r.pValue).toBeCloseTo((1 + 0.31731050786) / 2, 5);
  });
});
