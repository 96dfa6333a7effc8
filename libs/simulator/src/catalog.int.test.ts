import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { hasData, missingDataMessage } from '@pixsed/core/node';
import { simulateCatalog, createEngineFromData } from './node/simulate-catalog.js';
import { loadJadesNoiseTables } from './node/load-noise-tables.js';
import { writeCatalogNpy, writeCatalogCsv } from './node/write-catalog.js';
import { noisyFlux, isNonDetection } from './noise-model.js';
import { createPrng } from './prng.js';
import { parseNpy } from '@pixsed/core';
import { PHYS } from './constants.js';
import { snrSelection } from './snr-selection.js';
import { abMagnitude } from './ab-magnitude.js';
import { jadesSurvey, type SurveyInput } from '@pixsed/surveys';

const need = ['ssp/maraston05/sed.krz002.rhb', 'nebular/cigale/lines_0.02.dat', 'noise/jades/mean_sigma_jades_res_bins.npy', 'filters/jades-sbipix/filters_jades_no_wfc.dat'];
const ok = hasData(...need);

describe.skipIf(!ok)(`catalogue simulation${ok ? '' : ` — ${missingDataMessage(...need)}`}`, () => {
  it('is deterministic for a seed, has the documented columns and sane values', () => {
    const a = simulateCatalog({ n: 300, seed: 11 });
    const b = simulateCatalog({ n: 300, seed: 11 });
    const c = simulateCatalog({ n: 300, seed: 12 });
    expect(a.columnNames.slice(0, 8)).toEqual(['log_mstar', 'log_sfr100', 'log_sfr10', 'log_age_mw', 't50_gyr', 'metallicity', 'av', 'z']);
    expect(a.columnNames).toContain('flux_f444w_err_njy');
    expect(a.columnNames).toContain('flux_f435w_true_njy');
    expect(a.columnNames.length).toBe(8 + 3 * 19);
    for (const k of a.columnNames) expect(Array.from(b.columns[k])).toEqual(Array.from(a.columns[k]));
    expect(Array.from(c.columns.z)).not.toEqual(Array.from(a.columns.z));
    for (let r = 0; r < a.n; r++) {
      expect(a.columns.z[r]).toBeGreaterThan(0);
      expect(a.columns.z[r]).toBeLessThanOrEqual(7.5);
      expect(a.columns.metallicity[r]).toBeGreaterThanOrEqual(-1.35);
      expect(a.columns.flux_f444w_true_njy[r]).toBeGreaterThan(0);
    }
  });

  it('prior options: linear-time SF durations and a low-dust A_V component change the draws as the mixture predicts', () => {
    // z fixed at 1 (age of the universe ≈ 5.9 Gyr): the SF duration T is uniform on [0.01, 5.9] Gyr (linear) or
    // log-uniform (default). A delayed-τ mass-weighted age lies in [T/3, T], so P(age_mw < 0.1 Gyr) is bounded by
    // P(T < 0.1) ≤ · ≤ P(T < 0.3): linear 0.015…0.049, log-uniform ≥ log(10)/log(590) = 0.36.
    const n = 4000;
    const base = { redshift: { fixed: 1 }, noise: { mode: 'none' as const } };
    const tU = 5.9;
    const young = (c: ReturnType<typeof simulateCatalog>) => Array.from(c.columns.log_age_mw).filter((a) => a < 8).length / n;
    const lin = simulateCatalog({ n, seed: 3, config: { ...base, sfh: { type: 'delayed-tau', linearAgeFraction: 1 }, avMagLowDust: { fraction: 0.5, max: 1 } } });
    const log = simulateCatalog({ n, seed: 3, config: base });
    const sd = (p: number) => 3 * Math.sqrt((p * (1 - p)) / n);
    expect(young(lin)).toBeGreaterThan((0.1 - 0.01) / (tU - 0.01) - sd(0.015));
    expect(young(lin)).toBeLessThan((0.3 - 0.01) / (tU - 0.01) + sd(0.049));
    expect(young(log)).toBeGreaterThan(Math.log(10) / Math.log(590) - sd(0.36));
    // A_V: with probability 0.5 uniform on [0, 1], else on [0, 4] → P(A_V < 1) = 0.5 + 0.5 × 0.25 = 0.625
    const lowAv = Array.from(lin.columns.av).filter((a) => a < 1).length / n;
    expect(Math.abs(lowAv - 0.625)).toBeLessThan(sd(0.625));
    const lowAvDefault = Array.from(log.columns.av).filter((a) => a < 1).length / n;
    expect(Math.abs(lowAvDefault - 0.25)).toBeLessThan(sd(0.25));
  });

  it('nebular emission: Hβ luminosity = 4.757e-13 Q(H) and the lines raise F444W at z where Hα falls in it', () => {
    const withNeb = createEngineFromData('jades', { nebular: { enabled: true } });
    const noNeb = createEngineFromData('jades', { nebular: { enabled: false } });
    const nA = withNeb.grid.ageGyr.length;
    const mass = new Float64Array(nA);
    mass[withNeb.grid.ageGyr.findIndex((a) => Math.abs(a - 0.003) < 1e-9)] = 1e6; // 3 Myr burst
    const p = { z: 5.5, logZsol: 0, avMag: 0, sspMassFormedMsun: mass }; // Hα at 4.27 µm
    const s = withNeb.restFrameSpectrum(p);
    const hb = s.lineWavelengthAngstrom.findIndex((l) => Math.abs(l - 4861) < 1);
    expect(s.lineLuminosityErgS[hb] / s.ionisingPhotonRate).toBeCloseTo(PHYS.hbetaErgPerIonisingPhoton, 20);
    const ha = s.lineWavelengthAngstrom.findIndex((l) => Math.abs(l - 6563) < 1);
    expect(s.lineLuminosityErgS[ha] / s.lineLuminosityErgS[hb]).toBeGreaterThan(2.7);
    expect(s.lineLuminosityErgS[ha] / s.lineLuminosityErgS[hb]).toBeLessThan(3.1);
    const b444 = withNeb.bands.indexOf('f444w');
    const ratio = withNeb.bandFluxesNjy(p)[b444] / noNeb.bandFluxesNjy(p)[b444];
    expect(ratio).toBeGreaterThan(1.5);
  });

  it('noise follows the SBIPIX rule: non-detections below the 1σ depth, σ_mag from the magnitude bins', () => {
    const t = loadJadesNoiseTables();
    expect(t.bands.length).toBe(19);
    expect(t.depth1SigmaNjy[0]).toBeGreaterThan(0.05);
    expect(t.depth1SigmaNjy[0]).toBeLessThan(0.5);
    const prng = createPrng(5);
    const [f0, e0] = noisyFlux(t, 0, t.depth1SigmaNjy[0] * 0.5, prng);
    expect(f0).toBe(0);
    expect(e0).toBe(t.depth1SigmaNjy[0]);
    expect(isNonDetection(f0, t.depth1SigmaNjy[0])).toBe(true);
    // a bright pixel (mag < first edge) gets σ_mag ≈ mean of bin 0 on average
    const bright = 100; // nJy, 26.4 mag
    let s = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const [f, e] = noisyFlux(t, 0, bright, prng);
      s += e / f / (Math.LN10 / 2.5);
    }
    expect(Math.abs(s / n - t.meanSigmaMag[0]) / t.meanSigmaMag[0]).toBeLessThan(0.1);
  });

  it('error-scale augmentation: σ scales exactly for the same draws; in a catalogue the scaled fraction and range follow the config', () => {
    const t = loadJadesNoiseTables();
    // same PRNG stream → same normal draws: sbipix Δm and σ_mag both scale by s; gaussian-flux σ_f by s
    for (const s of [0.1, 3]) {
      const [f1, e1] = noisyFlux(t, 2, 50, createPrng(9), 'sbipix', 1);
      const [fs, es] = noisyFlux(t, 2, 50, createPrng(9), 'sbipix', s);
      expect(Math.log10(fs / 50)).toBeCloseTo(s * Math.log10(f1 / 50), 10);
      expect(es / fs).toBeCloseTo((s * e1) / f1, 10);
      const [g1, ge1] = noisyFlux(t, 2, 0.05, createPrng(9), 'gaussian-flux', 1);
      const [gs, ges] = noisyFlux(t, 2, 0.05, createPrng(9), 'gaussian-flux', s);
      expect(ges / ge1).toBeCloseTo(s, 10);
      expect((gs - 0.05) / (g1 - 0.05)).toBeCloseTo(s, 10);
    }
    // the depth scales too: a pixel 4× deeper detects half the table depth; 2× shallower misses 1.5× of it
    const d0 = t.depth1SigmaNjy[0];
    expect(noisyFlux(t, 0, 0.5 * d0, createPrng(3), 'sbipix', 0.25)[0]).toBeGreaterThan(0);
    expect(noisyFlux(t, 0, 1.5 * d0, createPrng(3), 'sbipix', 2)).toEqual([0, 2 * d0]);
    // catalogue: residual r = log10(σ_f/f) − (median of the plain catalogue's log10(σ_f/f) in the same band and
    // 0.5-mag bin of true flux). Scaling every σ by s adds log10 s to r: fraction 1, s = 2 shifts the median by
    // log10 2; fraction ½, s log-uniform on [¼, 4] adds ½·Var(log10 s) = ½·(2 log10 4)²/12 = 0.0604 dex² to Var(r).
    const base = { redshift: { fixed: 1 }, logMstar: { min: 9, max: 10 } };
    const n = 3000;
    const residuals = (noise: object, ref?: Map<string, number>) => {
      const cat = simulateCatalog({ n, seed: 21, config: { ...base, noise: { mode: 'sbipix', ...noise } } });
      const key = (b: string, r: number) => `${b}:${Math.floor(2 * abMagnitude(cat.columns[`flux_${b}_true_njy`][r]))}`;
      const groups = new Map<string, number[]>();
      const rows: [string, number][] = [];
      for (const b of cat.bands)
        for (let r = 0; r < cat.n; r++) {
          const f = cat.columns[`flux_${b}_njy`][r];
          if (!(f > 0)) continue; // non-detections (error = the scaled depth) are tested above
          const v = Math.log10(cat.columns[`flux_${b}_err_njy`][r] / f);
          const k = key(b, r);
          rows.push([k, v]);
          groups.set(k, [...(groups.get(k) ?? []), v]);
        }
      const med = ref ?? new Map([...groups].filter(([, v]) => v.length >= 20).map(([k, v]) => [k, v.sort((a, b) => a - b)[v.length >> 1]]));
      const res = rows.filter(([k]) => med.has(k)).map(([k, v]) => v - med.get(k)!);
      const mean = res.reduce((a, x) => a + x, 0) / res.length;
      const variance = res.reduce((a, x) => a + (x - mean) ** 2, 0) / res.length;
      return { med, res, variance };
    };
    const plain = residuals({});
    const doubled = residuals({ errorScale: { fraction: 1, min: 2, max: 2 } }, plain.med);
    const medianShift = [...doubled.res].sort((a, b) => a - b)[doubled.res.length >> 1];
    expect(medianShift).toBeCloseTo(Math.log10(2), 1);
    expect(Math.abs(medianShift - Math.log10(2))).toBeLessThan(0.02);
    const mixed = residuals({ errorScale: { fraction: 0.5, min: 0.25, max: 4 } }, plain.med);
    const extra = mixed.variance - plain.variance;
    expect(Math.abs(extra / 0.0604 - 1)).toBeLessThan(0.15);
    expect(() => simulateCatalog({ n: 1, seed: 1, config: { noise: { mode: 'sbipix', errorScale: { fraction: 0.5, min: 2, max: 1 } } } })).toThrow(/max must be ≥ min/);
  });

  it('writes npy (float32 matrix + column JSON) and csv; missing bands become NaN; S/N selection', async () => {
    const cat = simulateCatalog({ n: 50, seed: 3, config: { noise: { mode: 'gaussian-flux', missingBandProbability: 0.3 } } });
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-sim-'));
    const { npyPath, jsonPath } = writeCatalogNpy(cat, join(dir, 'cat'));
    const m = parseNpy(readFileSync(npyPath));
    expect(m.shape).toEqual([50, cat.columnNames.length]);
    expect(JSON.parse(readFileSync(jsonPath, 'utf8')).columns).toEqual(cat.columnNames);
    const zCol = cat.columnNames.indexOf('z');
    expect(m.data[7 * cat.columnNames.length + zCol]).toBeCloseTo(cat.columns.z[7], 5);
    await writeCatalogCsv(cat, join(dir, 'cat.csv'));
    const lines = readFileSync(join(dir, 'cat.csv'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(51);
    const nan = Array.from(cat.columns.flux_f444w_njy).filter(Number.isNaN).length;
    expect(nan).toBeGreaterThan(0);
    const fl = cat.bands.map((b) => cat.columns[`flux_${b}_njy`]);
    const er = cat.bands.map((b) => cat.columns[`flux_${b}_err_njy`]);
    const mask = snrSelection(fl, er, { snrThreshold: 5, minBands: 3 });
    expect(mask.length).toBe(50);
    expect(mask.reduce((a, v) => a + v, 0)).toBeLessThanOrEqual(50);
  });

  it('takes the band set from a survey definition: its bands in its order, the same noiseless fluxes as the JADES run of the seed', () => {
    const config = { noise: { mode: 'none' as const } };
    const jades = simulateCatalog({ n: 40, seed: 5, config });
    const two: SurveyInput = { ...jadesSurvey, name: 'two', bands: [jadesSurvey.bands[11], jadesSurvey.bands[0]], targetPsfBand: 'f444w', snrBands: ['f444w'] };
    const cat = simulateCatalog({ survey: two, n: 40, seed: 5, config });
    expect(cat.bands).toEqual(['f444w', 'f090w']);
    expect(cat.columnNames.slice(8)).toEqual(['f444w', 'f090w'].flatMap((b) => [`flux_${b}_njy`, `flux_${b}_err_njy`, `flux_${b}_true_njy`]));
    // photometry is per band and (without noise) the prior draws do not depend on the bands
    for (const b of ['f444w', 'f090w']) expect(Array.from(cat.columns[`flux_${b}_true_njy`])).toEqual(Array.from(jades.columns[`flux_${b}_true_njy`]));
    expect(jades.bands).toEqual(jadesSurvey.bands.map((b) => b.name));
  });
});
