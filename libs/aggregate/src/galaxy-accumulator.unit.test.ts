import { describe, expect, it } from 'vitest';
import { batchFromColumns, type NumericArray, type ListColumn } from '@pixsed/core';
import { footprintComplete, GalaxyAccumulator, integratedPhotometry } from './galaxy-accumulator.js';

function pixels(rows: { id: number; x: number; y: number; m: number[]; sfr: number[]; f: number }[]) {
  const n = rows.length;
  const S = rows[0].m.length;
  const cols: Record<string, NumericArray | ListColumn> = {
    x: Int32Array.from(rows, (r) => r.x),
    y: Int32Array.from(rows, (r) => r.y),
    galaxy_id: Int32Array.from(rows, (r) => r.id),
    z: new Float32Array(n).fill(1.2),
    flux_f444w_njy: Float32Array.from(rows, (r) => r.f),
    flux_f444w_err_njy: new Float32Array(n).fill(3),
  };
  for (const s of ['p50', 'p16', 'p84', 'std']) cols[`log_mstar_${s}`] = Float32Array.from(rows, (r) => r.m[0] + (s === 'std' ? 0 : 0.01));
  cols.log_mstar_samples = { listSize: S, values: Float32Array.from(rows.flatMap((r) => r.m)) };
  cols.log_sfr100_samples = { listSize: S, values: Float32Array.from(rows.flatMap((r) => r.sfr)) };
  return batchFromColumns(cols);
}

describe('GalaxyAccumulator', () => {
  it('sums masses sample-wise across strips, then takes percentiles of log10 of the sums', () => {
    const acc = new GalaxyAccumulator(['log_mstar'], ['f444w']);
    // galaxy 5: pixel a has mass samples 1e8, 2e8, 3e8, 4e8, 5e8; pixel b 1e8 each → sums 2e8 … 6e8
    const a = [8, Math.log10(2e8), Math.log10(3e8), Math.log10(4e8), Math.log10(5e8)];
    const b = [8, 8, 8, 8, 8];
    acc.add(pixels([{ id: 5, x: 10, y: 20, m: a, sfr: [0, 0, 0, 0, 0], f: 10 }]));
    acc.add(pixels([{ id: 5, x: 11, y: 21, m: b, sfr: [-1, -1, -1, -1, -1], f: 20 }, { id: 6, x: 0, y: 0, m: b, sfr: b, f: 1 }]));
    expect(acc.openGalaxies).toBe(2);
    const r = acc.complete({ id: 5, x0: 10, x1: 12, y0: 20, y1: 21, nPixels: 6 })!;
    expect(acc.openGalaxies).toBe(1);
    const logs = [2e8, 3e8, 4e8, 5e8, 6e8].map(Math.log10);
    // numpy linear percentile of 5 sorted values: position q/100 × 4
    const pct = (q: number) => {
      const pos = (q / 100) * 4;
      const lo = Math.floor(pos);
      return logs[lo] + (logs[Math.min(4, lo + 1)] - logs[lo]) * (pos - lo);
    };
    expect(r.logMassSum!.p50).toBeCloseTo(Math.log10(4e8), 5);
    expect(r.logMassSum!.p16).toBeCloseTo(pct(16), 5);
    expect(r.logMassSum!.p84).toBeCloseTo(pct(84), 5);
    expect(r.logSfrSum!.p50).toBeCloseTo(Math.log10(1.1), 5);
    expect(r.fluxSum.f444w).toBe(30);
    expect(r.fluxSumErr.f444w).toBeCloseTo(Math.sqrt(18), 6);
    expect(r.nPixels).toBe(2);
    // maps over the 3×2 box: kept pixels at (0,0) and (1,1)
    expect(Array.from(r.mask)).toEqual([1, 0, 0, 0, 1, 0]);
    expect(r.maps.log_mstar_p50[0]).toBeCloseTo(8.01, 5);
    expect(Number.isNaN(r.maps.log_mstar_p50[1])).toBe(true);
  });

  it('refuses pixels outside the galaxy box and unmasked rows', () => {
    const acc = new GalaxyAccumulator(['log_mstar'], ['f444w']);
    acc.add(pixels([{ id: 1, x: 50, y: 50, m: [8], sfr: [0], f: 1 }]));
    expect(() => acc.complete({ id: 1, x0: 0, x1: 3, y0: 0, y1: 3, nPixels: 16 })).toThrow(/outside its segmentation box/);
    expect(() => acc.add(pixels([{ id: 0, x: 0, y: 0, m: [8], sfr: [0], f: 1 }]))).toThrow(/put snr-mask before it/);
  });

  it('sums a band only over pixels where it is valid and reports how many pixels each sum covers', () => {
    const acc = new GalaxyAccumulator([], ['f277w', 'f444w']);
    const n = 4;
    // f277w missing (NaN flux and σ, as the psf stage writes) on pixel 1, σ = 0 on pixel 3; f444w complete
    const b = batchFromColumns({
      x: Int32Array.from([0, 1, 2, 3]),
      y: new Int32Array(n),
      galaxy_id: new Int32Array(n).fill(2),
      z: new Float32Array(n).fill(1),
      flux_f277w_njy: Float32Array.from([1, NaN, 4, 100]),
      flux_f277w_err_njy: Float32Array.from([1, NaN, 2, 0]),
      flux_f444w_njy: Float32Array.from([1, 2, 3, 4]),
      flux_f444w_err_njy: Float32Array.from([1, 1, 1, 1]),
    });
    acc.add(b);
    const r = acc.complete({ id: 2, x0: 0, x1: 3, y0: 0, y1: 0, nPixels: 4 })!;
    expect(r.nPixels).toBe(4);
    expect(r.fluxSum).toEqual({ f277w: 5, f444w: 10 });
    expect(r.fluxSumErr.f277w).toBeCloseTo(Math.sqrt(5), 6);
    expect(r.fluxSumPixels).toEqual({ f277w: 2, f444w: 4 });
    expect(r.incompleteBands).toEqual(['f277w']);
    // the integrated fit gets the complete f444w sum and f277w as a missing band (NaN), never the low sum; absent bands NaN too
    const fit = integratedPhotometry(r, ['f444w', 'f277w', 'f090w']);
    expect(fit.flux).toEqual([[10], [NaN], [NaN]]);
    expect(fit.err[0][0]).toBeCloseTo(2, 6);
    expect(fit.err[1][0]).toBeNaN();
    // incomplete: a band sum misses pixels, or pixels were removed for invalid data; a selection cut is not
    expect(footprintComplete({}, r)).toBe(false);
    const complete = { ...r, incompleteBands: [] };
    expect(footprintComplete({ LOW_SNR: 40 }, complete)).toBe(true);
    expect(footprintComplete({ LOW_SNR: 40, NONFINITE_FLUX: 1 }, complete)).toBe(false);
    expect(footprintComplete({ BAD_ERROR: 2 }, undefined)).toBe(false);
    // a band missing on every kept pixel has no sum (NaN), not 0
    const all = new GalaxyAccumulator([], ['f277w']);
    all.add(batchFromColumns({ x: Int32Array.from([0]), y: new Int32Array(1), galaxy_id: Int32Array.from([3]), z: Float32Array.from([1]), flux_f277w_njy: Float32Array.from([NaN]), flux_f277w_err_njy: Float32Array.from([NaN]) }));
    const r3 = all.complete({ id: 3, x0: 0, x1: 0, y0: 0, y1: 0, nPixels: 1 })!;
    expect(r3.fluxSum.f277w).toBeNaN();
    expect(r3.fluxSumPixels.f277w).toBe(0);
  });
});
