import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FLAG, keyedSeed } from '@pixsed/core';
import { pythonExecutable } from '@pixsed/core/node';
import { PosteriorModel, ppcColumns } from './posterior-model.js';
import { PpcEmulator } from './ppc-emulator.js';
import { OnnxSampler } from './onnx-sampler.js';
import { inferBatch } from './infer-batch.js';
import { SUMMARY_STATS } from '../posterior-summary.js';

const script = resolve(__dirname, '../../test-scripts/make_toy_model.py');
const hasOnnx = spawnSync(pythonExecutable(), ['-c', 'import onnx, numpy'], { encoding: 'utf8' }).status === 0;
// toy emulator: mag_b = C_b + K θ0, σ_mag = 0.01; the toy posterior's θ0 ≈ −mag_f277w + … − z/2 (make_linear_gaussian.py),
// so K = −1 and these C put the predicted photometry within a few σ of the observed one for some rows, far for others
const C = [-0.45, 0];
const K_SLOPE = -1;

describe.skipIf(!hasOnnx)(hasOnnx ? 'posterior-predictive check through PosteriorModel.infer (toy model + toy emulator)' : 'skipped: needs /usr/bin/python3 with onnx + numpy (Debian python3-onnx)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-ppc-'));
  const made = spawnSync(pythonExecutable(), [script, dir, `--ppc=${C.join(',')}`, `--ppc-slope=${K_SLOPE}`, '--ppc-threshold', '0.01', 'f277w', 'f444w'], { encoding: 'utf8' });
  const n = 12;
  const table = {
    n,
    flux: [Float64Array.from({ length: n }, (_, i) => 20 + 9 * i), Float64Array.from({ length: n }, (_, i) => (i === 4 ? NaN : 30 + 4 * i))],
    err: [Float64Array.from({ length: n }, (_, i) => 2 + i), new Float64Array(n).fill(3)],
    z: Float64Array.from({ length: n }, (_, i) => (i === 7 ? NaN : 0.5 + 0.1 * i)),
    key: [Int32Array.from({ length: n }, (_, i) => i)],
  };

  it('p-value = mean over the first K draws of exp(−χ²/2) for two bands, computed here from the kept samples; PPC_POOR iff p < threshold', async () => {
    expect(made.status, made.stderr).toBe(0);
    const model = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows: 5 });
    const S = 40;
    const K = 8;
    const r = await model.infer(table, { samples: S, seed: 3, keep: ['log_mstar'], ppcDraws: K });
    expect(r.ppc?.draws).toBe(K);
    let poor = 0;
    for (let i = 0; i < n; i++) {
      if (i === 7) {
        expect(r.ppc!.pValue[i]).toBeNaN(); // no redshift: no posterior, no check
        continue;
      }
      const bands = i === 4 ? [0] : [0, 1];
      expect(r.ppc!.nBands[i]).toBe(bands.length);
      const chi2 = [];
      let p = 0;
      for (let d = 0; d < K; d++) {
        const t0 = Math.fround(r.kept.log_mstar[i * S + d]);
        let c2 = 0;
        for (const b of bands) {
          const f = 10 ** (0.4 * (31.4 - Math.fround(C[b] + K_SLOPE * t0)));
          const s = f * (Math.LN10 / 2.5) * 0.01;
          c2 += (table.flux[b][i] - f) ** 2 / (table.err[b][i] ** 2 + s * s);
        }
        chi2.push(c2);
        // χ²(2) survival = exp(−x/2); χ²(1) survival = erfc(√(x/2)), here only compared through the 2-band rows
        p += Math.exp(-c2 / 2);
      }
      chi2.sort((a, b) => a - b);
      expect(r.ppc!.chi2[i]).toBeCloseTo(Math.fround((chi2[K / 2 - 1] + chi2[K / 2]) / 2), 0);
      expect(Math.abs(r.ppc!.chi2[i] / ((chi2[K / 2 - 1] + chi2[K / 2]) / 2) - 1)).toBeLessThan(1e-4);
      if (bands.length === 2) expect(r.ppc!.pValue[i]).toBeCloseTo(p / K, 5);
      const flagged = (r.flags[i] & FLAG.PPC_POOR) !== 0;
      expect(flagged).toBe(r.ppc!.pValue[i] < 0.01);
      if (flagged) poor++;
    }
    expect(r.counts.PPC_POOR).toBe(poor);
    // the rows span both sides of the threshold (the check is not trivially all-flagged or none)
    expect(poor).toBeGreaterThan(1);
    expect(poor).toBeLessThan(n - 2);
    await model.close();
  });

  it('does not depend on batchRows or the sample count beyond the K draws; ppcDraws 0 turns it off', async () => {
    const runs = [];
    for (const [batchRows, S] of [
      [1, 16],
      [64, 60],
    ]) {
      const m = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows });
      runs.push(await m.infer(table, { samples: S, seed: 9, ppcDraws: 16 }));
      await m.close();
    }
    expect(Array.from(runs[1].ppc!.pValue)).toEqual(Array.from(runs[0].ppc!.pValue));
    const m = await PosteriorModel.load(join(dir, 'model.onnx'));
    const off = await m.infer(table, { samples: 20, seed: 9, ppcDraws: 0 });
    expect(off.ppc).toBeUndefined();
    expect(ppcColumns(m, 0, 20)).toBeUndefined();
    expect(ppcColumns(m, 50, 20)?.info.draws).toBe(20);
    await m.close();
  });

  it("infer() in its worker threads (the built infer-batch module) equals inferBatch from the sources on this thread, one batch, bit for bit: summaries, kept samples, PPC", async () => {
    const model = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows: 5, workers: 2 });
    const S = 30;
    const K = 6;
    const r = await model.infer(table, { samples: S, seed: 4, keep: ['log_mstar', 'log_sfr100'], ppcDraws: K });
    const D = model.parameters.length;
    const B = model.bands.length;
    const F = model.layout.count;
    const feat = model.features(table.flux, table.err, table.z, n).features;
    const m = model.manifest;
    const sampler = await OnnxSampler.open(join(dir, 'model.onnx'), { threads: 1 });
    const emulator = await PpcEmulator.open(join(dir, m.ppc!.emulator), { sha256: m.ppc!.emulatorSha256, inputNames: m.ppc!.inputNames, outputName: m.ppc!.outputName, nBands: B, manifestFile: model.manifestFile });
    const ref = await inferBatch(
      {
        file: 'model.onnx', featuresInput: m.sampler.inputNames[0], noiseInput: m.sampler.inputNames[1], output: m.sampler.outputName, m: n, S, D, features: feat, rows: n, nf: F, samplesPerRow: S,
        seeds: Int32Array.from({ length: n }, (_, i) => keyedSeed(4, i)), noZ: Uint8Array.from({ length: n }, (_, i) => (Number.isFinite(table.z[i]) ? 0 : 1)), kept: [0, 1],
        ppc: { file: 'emulator.onnx', inputNames: m.ppc!.inputNames, outputName: m.ppc!.outputName, draws: K, B, zs: Float32Array.from({ length: n * K }, (_, j) => table.z[Math.floor(j / K)]), flux: Float64Array.from({ length: n * B }, (_, j) => table.flux[j % B][Math.floor(j / B)]), err: Float64Array.from({ length: n * B }, (_, j) => table.err[j % B][Math.floor(j / B)]) },
      },
      sampler.runner(),
      emulator.runner(),
    );
    await Promise.all([sampler.close(), emulator.close(), model.close()]);
    let compared = 0;
    const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i]), `value ${i}: ${a[i]} vs ${b[i]}`).toBe(true);
      compared += a.length;
    };
    model.parameters.forEach((p, d) => SUMMARY_STATS.forEach((st, j) => same(r.summaries[p][st], ref.summaries.subarray((d * SUMMARY_STATS.length + j) * n, (d * SUMMARY_STATS.length + j + 1) * n))));
    same(r.kept.log_mstar, ref.kept.subarray(0, n * S));
    same(r.kept.log_sfr100, ref.kept.subarray(n * S));
    same(r.ppc!.chi2, ref.chi2!);
    same(r.ppc!.pValue, ref.pValue!);
    same(r.ppc!.nBands, ref.nBands!);
    expect(compared).toBe(D * 5 * n + 2 * n * S + 3 * n);
    expect(Number.isNaN(ref.summaries[7 + 2 * n])).toBe(true); // row 7 has no z: NaN p50 of log_mstar
  });

  it('predictedFluxes: per band p16/p50/p84 of the emulated flux over given draws (toy: f_b = 10^(0.4 (31.4 − C_b − K θ0)))', async () => {
    const m = await PosteriorModel.load(join(dir, 'model.onnx'));
    const theta0 = [1.0, 1.2, 1.4, 1.6, 1.8]; // D = 2: θ1 is not used by the toy emulator
    const draws = Float32Array.from(theta0.flatMap((t) => [t, 0]));
    const r = (await m.predictedFluxes(draws, theta0.length, 1.0))!;
    const f = (b: number, t: number) => 10 ** (0.4 * (31.4 - Math.fround(C[b] + K_SLOPE * t)));
    for (const b of [0, 1]) {
      expect(Math.abs(r[b].p50 / f(b, 1.4) - 1)).toBeLessThan(1e-5);
      // numpy-style linear interpolation between order statistics: p16 at rank 0.64, p84 at rank 3.36
      expect(Math.abs(r[b].p16 / (f(b, 1.0) + 0.64 * (f(b, 1.2) - f(b, 1.0))) - 1)).toBeLessThan(1e-5);
      expect(Math.abs(r[b].p84 / (f(b, 1.6) + 0.36 * (f(b, 1.8) - f(b, 1.6))) - 1)).toBeLessThan(1e-5);
    }
    await m.close();
  });

  it('refuses a replaced emulator (sha256 named with both files) and a manifest whose ppc bands differ from the model bands', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'pixsed-ppc-bad-'));
    expect(spawnSync(pythonExecutable(), [script, bad, '--ppc', '24,25', 'f277w', 'f444w']).status).toBe(0);
    const other = mkdtempSync(join(tmpdir(), 'pixsed-ppc-other-'));
    expect(spawnSync(pythonExecutable(), [script, other, '--ppc', '21,22', 'f277w', 'f444w']).status).toBe(0);
    writeFileSync(join(bad, 'emulator.onnx'), readFileSync(join(other, 'emulator.onnx')));
    await expect(PosteriorModel.load(join(bad, 'model.onnx'))).rejects.toThrow(/PPC emulator .*emulator\.onnx has sha256 [0-9a-f]{64}, but .*manifest\.json pins ppc\.emulatorSha256/);
    const mf = JSON.parse(readFileSync(join(other, 'manifest.json'), 'utf8'));
    mf.ppc.bands = ['f444w', 'f277w'];
    writeFileSync(join(other, 'manifest.json'), JSON.stringify(mf));
    await expect(PosteriorModel.load(join(other, 'model.onnx'))).rejects.toThrow(/ppc\.bands.*expected the model's bands in order \(f277w, f444w\)/);
  });
});

const modelsDir = resolve(__dirname, '../../../../test-data/models');
const shipped = existsSync(modelsDir) ? readdirSync(modelsDir).filter((m) => existsSync(join(modelsDir, m, 'emulator-examples.json'))) : [];
describe.skipIf(!shipped.length)(shipped.length ? `shipped PPC emulators (${shipped.join(', ')})` : 'skipped: no model in test-data/models has emulator-examples.json', () => {
  it.each(shipped)('%s: the ONNX export reproduces the PyTorch emulator on held-out rows (emulator-examples.json) to 1e-4 mag', async (name) => {
    const dir = join(modelsDir, name);
    const ex = JSON.parse(readFileSync(join(dir, 'emulator-examples.json'), 'utf8')) as { parameters: string[]; rows: { theta: number[]; z: number; photometry: number[] }[] };
    const mf = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(ex.parameters).toEqual(mf.parameters.map((p: { name: string }) => p.name));
    const em = await PpcEmulator.open(join(dir, mf.ppc.emulator), { sha256: mf.ppc.emulatorSha256, inputNames: mf.ppc.inputNames, outputName: mf.ppc.outputName, nBands: mf.bands.length, manifestFile: 'manifest.json' });
    const D = ex.parameters.length;
    const out = await em.predict(Float32Array.from(ex.rows.flatMap((r) => r.theta)), Float32Array.from(ex.rows.map((r) => r.z)), ex.rows.length, D);
    let worst = 0;
    ex.rows.forEach((r, i) => r.photometry.forEach((v, j) => (worst = Math.max(worst, Math.abs(out[i * r.photometry.length + j] - v)))));
    expect(worst).toBeLessThan(1e-4);
    await em.close();
  });
});
