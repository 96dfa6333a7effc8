import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, createPrng } from '@pixsed/core';
import { pythonExecutable } from '@pixsed/core/node';
import { abMagFeatures } from '@pixsed/model';
import { loadMocks } from './load-mocks.js';
import { validateModel } from './validate-model.js';
import { writeValidationPlots } from './write-validation-plots.js';

const root = resolve(__dirname, '..', '..', '..', '..');
const makeModel = join(root, 'libs/model/test-scripts/make_toy_model.py');
const py = pythonExecutable();
const ready = spawnSync(py, ['-c', 'import onnx, numpy'], { encoding: 'utf8' }).status === 0;
const bands = ['f277w', 'f356w', 'f444w'];
const D = 3;
const F = 4 * bands.length + 1;
const params = ['p0', 'p1', 'p2'];

/** The linear-Gaussian ONNX sampler (samples = features @ W + σ·noise) with a manifest for three bands. */
function toyModel(dir: string): string {
  const r = spawnSync(py, [makeModel, dir, '--params', params.join(','), ...bands], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return join(dir, 'model.onnx');
}

/**
 * Mocks whose exact posterior is the toy model's: fluxes and z at random, μ(x) = features(x) @ W (the
 * script's W), truth θ = μ + k·σ·ε. k = 1: the model is the true posterior; k = 2: the model's σ is half
 * the truth's spread (over-confident).
 */
function toyCatalog(n: number, k: number, seed: number) {
  const rng = createPrng(seed);
  const columns: Record<string, Float64Array> = { z: new Float64Array(n) };
  for (const b of bands) {
    columns[`flux_${b}_njy`] = new Float64Array(n);
    columns[`flux_${b}_err_njy`] = new Float64Array(n);
  }
  for (let i = 0; i < n; i++) {
    columns.z[i] = rng.uniformIn(0.2, 7);
    const mag = rng.uniformIn(24, 30);
    for (const b of bands) {
      columns[`flux_${b}_njy`][i] = 10 ** (-0.4 * (mag + 0.3 * rng.normal() - 31.4)) + 8 * rng.normal();
      columns[`flux_${b}_err_njy`][i] = 8;
    }
  }
  const feat = abMagFeatures({
    flux: bands.map((b) => columns[`flux_${b}_njy`]),
    err: bands.map((b) => columns[`flux_${b}_err_njy`]),
    z: columns.z,
    n,
    fillMag: [30, 30, 30],
    fillMagErr: [1, 1, 1],
    rule: { snrMin: 1, magErrNonDet: 1.0857, magClip: [10, 40] },
  });
  const W = (f: number, d: number) => (((f * D + d) % 5) - 2) * 0.5; // make_linear_gaussian.py
  const sigma = [0.1, 0.3, 0.5]; // np.linspace(0.1, 0.5, D)
  params.forEach((p, d) => {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let mu = 0;
      for (let f = 0; f < F; f++) mu += feat.features[i * F + f] * Math.fround(W(f, d));
      col[i] = mu + k * Math.fround(sigma[d]) * rng.normal();
    }
    columns[p] = col;
  });
  return { n, columns };
}

describe.skipIf(!ready)(ready ? 'validateModel on a toy posterior known exactly (linear-Gaussian ONNX)' : 'skipped: needs /usr/bin/python3 with onnx and numpy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-calibration-'));
  const modelPath = ready ? toyModel(dir) : '';

  it('calibrated: coverage ≈ nominal, |ATC| small, SBC p not tiny; selection counts add up; reproducible', async () => {
    const catalog = toyCatalog(4000, 1, 1);
    const run = () => validateModel({ modelPath, catalog, samples: 300, seed: 3, threads: 2 });
    const { report, points } = await run();
    expect(report.selection.nTotal).toBe(4000);
    expect(report.selection.nKept + report.selection.nFailedSnr + report.selection.nNonFiniteTruth).toBe(4000);
    expect(report.selection.nKept).toBeGreaterThan(1000);
    expect(report.selection.nFailedSnr).toBeGreaterThan(100);
    for (const p of report.parameters) {
      expect(Math.abs(p.coverage68 - 0.68), p.name).toBeLessThan(0.035);
      expect(Math.abs(p.coverage95 - 0.95), p.name).toBeLessThan(0.02);
      expect(Math.abs(p.tarp.atcMean), p.name).toBeLessThan(0.025);
      expect(p.sbc.pValue, p.name).toBeGreaterThan(1e-3);
      expect(Math.abs(p.bias), p.name).toBeLessThan(0.05);
      expect(p.r2, p.name).toBeGreaterThan(0.5);
    }
    expect(Math.abs(report.jointTarp.atcMean)).toBeLessThan(0.025);
    expect(Math.abs(report.jointTarp.atc)).toBeLessThanOrEqual(0.02); // the issue's TARP goal (sbi's area ATC)
    const again = await run();
    expect(again.report.parameters.map((p) => [p.r2, p.sbc.chi2, p.tarp.atc])).toEqual(report.parameters.map((p) => [p.r2, p.sbc.chi2, p.tarp.atc]));

    const pngs = await writeValidationPlots({ report, points }, join(dir, 'plots-calibrated'));
    expect(pngs.map((p) => p.split('/').pop())).toEqual(['pred_vs_true.png', 'coverage.png', 'sbc.png']);
    for (const p of pngs) {
      const b = readFileSync(p);
      expect(b.subarray(1, 4).toString()).toBe('PNG');
      expect(b.length).toBeGreaterThan(10_000);
    }
  });

  it('over-confident (model σ half the truth’s spread): coverage, ATC and SBC fail', async () => {
    const { report } = await validateModel({ modelPath, catalog: toyCatalog(4000, 2, 2), samples: 300, seed: 3, threads: 2 });
    for (const p of report.parameters) {
      // truth − median ~ N(0, 2σ); central 68 % interval ±0.994σ → P(|Z| < 0.497) ≈ 0.38
      expect(Math.abs(p.coverage68 - 0.38), p.name).toBeLessThan(0.04);
      expect(p.coverage95, p.name).toBeLessThan(0.7);
      expect(p.tarp.atcMean, p.name).toBeLessThan(-0.08); // 3× the calibrated case's bound (|atcMean| < 0.025); draws give −0.099 to −0.11
      expect(p.sbc.pValue, p.name).toBeLessThan(1e-10);
      expect(p.outlierFraction, p.name).toBeGreaterThan(0.1); // P(|N(0,2)| > 3) ≈ 0.13
    }
    expect(report.jointTarp.atcMean).toBeLessThan(-0.1);
    expect(report.jointTarp.atc).toBeLessThan(-0.02); // fails the |ATC| ≤ 0.02 goal
  });

  it('loadMocks reads a NumPy-written catalog.npy + columns.json and a CSV, with the same values', () => {
    const cat = toyCatalog(50, 1, 4);
    const names = Object.keys(cat.columns);
    const mdir = join(dir, 'mocks');
    const r = spawnSync(
      py,
      ['-c', `import json, sys, os, numpy as np\nd = json.load(sys.stdin); os.makedirs('${mdir}', exist_ok=True)\nnp.save('${mdir}/catalog.npy', np.array([d[c] for c in d['names']], dtype=np.float32).T)  # Fortran order\nnp.save('${mdir}/c.npy', np.ascontiguousarray(np.array([d[c] for c in d['names']], dtype=np.float32).T))\njson.dump({'columns': d['names']}, open('${mdir}/c.columns.json', 'w'))\njson.dump({'columns': d['names']}, open('${mdir}/catalog.columns.json', 'w'))`],
      { input: JSON.stringify({ names, ...Object.fromEntries(names.map((c) => [c, Array.from(cat.columns[c])])) }), encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const m = loadMocks(mdir);
    expect(m.n).toBe(50);
    const mc = loadMocks(join(mdir, 'c.npy'));
    for (const c of names) {
      expect(Array.from(m.columns[c])).toEqual(Array.from(cat.columns[c], Math.fround));
      expect(Array.from(mc.columns[c])).toEqual(Array.from(cat.columns[c], Math.fround));
    }
    const csv = join(dir, 'cat.csv');
    writeFileSync(csv, [names.join(','), ...Array.from({ length: 50 }, (_, i) => names.map((c) => (i === 3 && c === 'z' ? 'nan' : String(cat.columns[c][i]))).join(','))].join('\n') + '\n');
    const c = loadMocks(csv);
    expect(Array.from(c.columns.p1)).toEqual(Array.from(cat.columns.p1));
    expect(Number.isNaN(c.columns.z[3])).toBe(true);
    expect(() => loadMocks(join(dir, 'nope'))).toThrow(/not found/);
    expect(existsSync(join(mdir, 'catalog.npy'))).toBe(true);
  });

  it('names the missing columns when the catalogue does not fit the model', async () => {
    const cat = toyCatalog(20, 1, 5);
    delete (cat.columns as Record<string, unknown>).p2;
    delete (cat.columns as Record<string, unknown>).flux_f356w_err_njy;
    await expect(validateModel({ modelPath, catalog: cat })).rejects.toThrow(/lacks columns .*p2, .*flux_f356w_err_njy/);
  });
});

describe('validateModel options', () => {
  it('bad options are one ConfigError listing every path (parseConfig), before any model is loaded', async () => {
    const err = await validateModel({ modelPath: '', samples: 1, selection: { snrBands: ['f444w'], minMeanSnr: 5 }, catalog: { n: 0, columns: {} } }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path).sort()).toEqual(['modelPath', 'samples']);
    expect((err as Error).message).toContain('<inline validateModel options>');
  });
});
