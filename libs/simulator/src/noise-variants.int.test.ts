import { describe, expect, it } from 'vitest';
import { hasData, missingDataMessage } from '@pixsed/core/node';
import { simulateCatalog } from './node/simulate-catalog.js';
import { namedNoiseConfig } from './named-noise-config.js';
import type { SimulatorConfigInput } from './simulator-config.js';

const need = ['ssp/maraston05/sed.krz002.rhb', 'nebular/cigale/lines_0.02.dat', 'noise/jades/mean_sigma_jades_res_bins.npy', 'filters/jades-sbipix/filters_jades_no_wfc.dat'];
const ok = hasData(...need);
// float32 columns: |Δ ln f| from rounding ≤ 2 × 6e-8
const LN_TOL = 1e-6;

describe.skipIf(!ok)(`noise variants in catalogues${ok ? '' : ` — ${missingDataMessage(...need)}`}`, () => {
  const n = 400;
  const seed = 11;
  const base: SimulatorConfigInput = { logMstar: { min: 7, max: 10 } };
  const sim = (noise: SimulatorConfigInput['noise']) => simulateCatalog({ n, seed, config: { ...base, noise } });
  const same = (a: ReturnType<typeof sim>, b: ReturnType<typeof sim>, cols = a.columnNames) => {
    for (const k of cols) expect(Array.from(b.columns[k]), k).toEqual(Array.from(a.columns[k]));
  };

  it('the default config and the new keys at their defaults give bit-identical catalogues', () => {
    const plain = simulateCatalog({ n, seed, config: base });
    same(plain, sim({ floorFraction: 0 }));
    same(plain, sim({ mode: 'sbipix', missingBandProbability: 0, floorFraction: 0 }));
    const g = sim({ mode: 'gaussian-flux' });
    same(g, sim({ mode: 'gaussian-flux', floorFraction: 0 }));
  });

  for (const mode of ['sbipix', 'gaussian-flux'] as const) {
    it(`${mode}: a 5 % floor changes only the band values whose σ was below it, to σ = the floor, with the same deviate`, () => {
      const plain = sim({ mode });
      const floored = sim({ mode, floorFraction: 0.05 });
      const params = plain.columnNames.filter((c) => !/_njy$/.test(c) || /_true_njy$/.test(c));
      same(plain, floored, params); // parameters and true fluxes: the floor draws no random numbers
      let nFloored = 0;
      let nKept = 0;
      for (const b of plain.bands) {
        const tr = plain.columns[`flux_${b}_true_njy`];
        const [f0, e0, f5, e5] = [plain, plain, floored, floored].map((c, i) => c.columns[`flux_${b}${i % 2 ? '_err' : ''}_njy`]);
        for (let r = 0; r < n; r++) {
          // the floor in the mode's own terms: gaussian-flux σ_f vs 0.05 f_true; sbipix σ_mag = e/f_obs/C vs 0.05/C
          const rel = mode === 'sbipix' ? (f0[r] > 0 ? e0[r] / f0[r] : Infinity) : e0[r] / tr[r];
          if (rel > 0.05 * (1 + 1e-4)) {
            expect(f5[r]).toBe(f0[r]);
            expect(e5[r]).toBe(e0[r]);
            nKept++;
          } else if (rel < 0.05 * (1 - 1e-4)) {
            nFloored++;
            if (mode === 'sbipix') {
              expect(e5[r] / f5[r]).toBeCloseTo(0.05, 5); // quoted error φ·f_obs
              // same ε: Δm scales by σ_mag'/σ_mag
              expect(Math.abs(Math.log(f5[r] / tr[r]) - (Math.log(f0[r] / tr[r]) * 0.05) / rel)).toBeLessThan(LN_TOL * (1 + 0.05 / rel));
            } else {
              expect(e5[r] / tr[r]).toBeCloseTo(0.05, 5);
              const tol = LN_TOL * (Math.abs(tr[r]) + Math.abs(f0[r]) + Math.abs(f5[r]));
              expect(Math.abs(f5[r] - tr[r] - ((f0[r] - tr[r]) * e5[r]) / e0[r])).toBeLessThan(tol * (1 + e5[r] / e0[r]));
            }
          }
        }
      }
      expect(nFloored).toBeGreaterThan(100);
      expect(nKept).toBeGreaterThan(100);
    });
  }

  it('named scale3 vs scale1 (same streams): gaussian-flux σ and the flux deviation triple; sbipix σ_mag and Δm triple', () => {
    for (const mode of ['sbipix', 'gaussian-flux'] as const) {
      // sbipix draws nothing for a non-detection, so the streams part at the first band detected at ×1 but not at ×3
      // depth: a bright prior keeps that late, and the comparison stops there
      const cfg = (name: string) => ({ n, seed, config: { logMstar: { min: 9.5, max: 11 }, redshift: { min: 0.2, max: 2 }, noise: { ...namedNoiseConfig(name)!, mode } } });
      const one = simulateCatalog(cfg('scale1'));
      const three = simulateCatalog(cfg('scale3'));
      let checked = 0;
      rows: for (let r = 0; r < n; r++) {
        for (const b of one.bands) {
          const tr = one.columns[`flux_${b}_true_njy`][r];
          expect(three.columns[`flux_${b}_true_njy`][r]).toBe(tr);
          const [f1, e1, f3, e3] = [one, one, three, three].map((c, i) => c.columns[`flux_${b}${i % 2 ? '_err' : ''}_njy`][r]);
          if (mode === 'gaussian-flux') {
            expect(e3 / e1).toBeCloseTo(3, 5);
            expect(Math.abs(f3 - tr - 3 * (f1 - tr))).toBeLessThan(4 * LN_TOL * (Math.abs(tr) + Math.abs(f1) + Math.abs(f3)) + 1e-6 * e3);
          } else if (f1 > 0 && f3 > 0) {
            expect(e3 / f3 / (e1 / f1)).toBeCloseTo(3, 4);
            expect(Math.abs(Math.log(f3 / tr) - 3 * Math.log(f1 / tr))).toBeLessThan(4 * LN_TOL);
          } else if (f1 > 0) {
            expect(f3).toBe(0); // detected at the table depth, not at 3× it: flux 0, error = 3 × the depth
            expect(tr).toBeLessThanOrEqual(e3 * (1 + 1e-6));
            break rows;
          } else {
            expect(f3).toBe(0);
            expect(e3 / e1).toBeCloseTo(3, 5); // both non-detections: the error is the depth, tripled
          }
          checked++;
        }
      }
      expect(checked, mode).toBeGreaterThan(1000);
    }
  });
});
