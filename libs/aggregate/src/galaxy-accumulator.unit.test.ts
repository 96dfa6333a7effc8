import { describe, expect, it } from 'vitest';
import { batchFromColumns, type NumericArray, type ListColumn } from '@pixsed/core';
import { GalaxyAccumulator } from './galaxy-accumulator.js';

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
});
