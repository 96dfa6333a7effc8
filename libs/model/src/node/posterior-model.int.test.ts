import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPrng, fillNormal, FLAG, keyedSeed } from '@pixsed/core';
import { galaxyZPerSample, PosteriorModel } from './posterior-model.js';
import { OnnxSampler } from './onnx-sampler.js';
import { pythonExecutable } from '@pixsed/core/node';

const script = resolve(__dirname, '../../test-scripts/make_toy_model.py');
const hasOnnx = spawnSync(pythonExecutable(), ['-c', 'import onnx, numpy'], { encoding: 'utf8' }).status === 0;
const bands = ['f277w', 'f444w'];

describe.skipIf(!hasOnnx)(hasOnnx ? 'PosteriorModel.infer (toy linear-Gaussian model: samples = features·W + σ·noise)' : 'skipped: needs /usr/bin/python3 with onnx + numpy (Debian python3-onnx)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-pm-'));
  const made = spawnSync(pythonExecutable(), [script, dir, ...bands], { encoding: 'utf8' });
  const n = 10;
  const table = {
    n,
    flux: [Float64Array.from({ length: n }, (_, i) => 50 + 7 * i), Float64Array.from({ length: n }, (_, i) => (i === 4 ? NaN : 80 - 3 * i))],
    err: [new Float64Array(n).fill(2), new Float64Array(n).fill(3)],
    z: Float64Array.from({ length: n }, (_, i) => (i === 7 ? NaN : 0.5 + 0.1 * i)),
    key: [Int32Array.from({ length: n }, (_, i) => 100 + i), new Int32Array(n).fill(42)],
  };

  it("draws each row's noise from keyedSeed(seed, key): samples equal features·W + σ·noise computed independently", async () => {
    expect(made.status, made.stderr).toBe(0);
    const model = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows: 3 });
    const S = 40;
    const D = 2;
    const r = await model.infer(table, { samples: S, seed: 5, keep: ['log_mstar'] });
    const F = model.layout.count;
    const feat = model.features(table.flux, table.err, table.z, n).features;
    const W = (f: number, d: number) => ((((f * D + d) % 5) - 2) * 0.5); // make_linear_gaussian.py
    for (let i = 0; i < n; i++) {
      if (i === 7) continue; // no redshift
      let mu = 0;
      for (let f = 0; f < F; f++) mu += feat[i * F + f] * W(f, 0);
      const rowNoise = fillNormal(createPrng(keyedSeed(5, 100 + i, 42)), new Float64Array(S * 2)); // the row's keyed stream, D = 2
      for (let k = 0; k < S; k++) {
        const noise = rowNoise.subarray(k * 2, k * 2 + 2);
        expect(r.kept.log_mstar[i * S + k]).toBeCloseTo(Math.fround(mu) + 0.1 * Math.fround(noise[0]), 4);
      }
    }
    expect(r.summaries.log_mstar.unit).toBe('log10 Msun');
    expect(r.flags[4] & FLAG.MISSING_BAND).toBeTruthy();
    expect(r.flags[7] & FLAG.NO_REDSHIFT).toBeTruthy();
    expect(Number.isNaN(r.summaries.log_mstar.p50[7])).toBe(true);
    expect(r.counts).toMatchObject({ MISSING_BAND: 1, NO_REDSHIFT: 1 });
    await model.close();
  });

  it("samples in a worker thread equal the main thread's onnxruntime session bit for bit (same graph, features and keyed noise)", async () => {
    const model = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows: 4 });
    const S = 25;
    const D = model.parameters.length;
    const r = await model.infer(table, { samples: S, seed: 9, keep: model.parameters });
    const F = model.layout.count;
    const feat = model.features(table.flux, table.err, table.z, n).features;
    const noise = new Float32Array(n * S * D);
    for (let i = 0; i < n; i++) fillNormal(createPrng(keyedSeed(9, 100 + i, 42)), noise.subarray(i * S * D, (i + 1) * S * D));
    const main = await OnnxSampler.open(join(dir, 'model.onnx'), { threads: 2 });
    const ref = await main.run(feat, noise, n, F, S, D);
    await main.close();
    for (let i = 0; i < n; i++) {
      if (i === 7) continue; // no redshift: NaN
      model.parameters.forEach((p, d) => {
        for (let k = 0; k < S; k++) expect(Object.is(r.kept[p][i * S + k], ref[(i * S + k) * D + d])).toBe(true);
      });
    }
    await model.close();
  });

  it('close() with an infer() in flight waits for its run in the worker (no uncaught error) and stops it with an error naming the closed session; infer() after close() is refused naming the model', async () => {
    const model = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows: 1 });
    await model.infer(table, { samples: 50, seed: 3 }); // worker started
    const running = model.infer(table, { samples: 50, seed: 3 }).catch((e: Error) => e); // 10 runs, one at a time
    await model.close();
    expect(String(await running)).toMatch(/model\.onnx: the session is closed \(a run was asked for after close\(\)\)/);
    await expect(model.infer(table, { samples: 50, seed: 3 })).rejects.toThrow(/model toy .* is closed: infer\(\) after close\(\)/);
  });

  it('gives identical results bit for bit for batchRows 1, 3 and 64, and for a row alone', async () => {
    const out = [];
    for (const batchRows of [1, 3, 64]) {
      const model = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows });
      out.push(await model.infer(table, { samples: 30, seed: 1, keep: ['log_mstar', 'log_sfr100'] }));
      await model.close();
    }
    for (const o of out.slice(1)) {
      expect(Array.from(o.kept.log_sfr100)).toEqual(Array.from(out[0].kept.log_sfr100));
      expect(Array.from(o.summaries.log_mstar.p84)).toEqual(Array.from(out[0].summaries.log_mstar.p84));
    }
    const model = await PosteriorModel.load(join(dir, 'model.onnx'));
    const pick = (a: ArrayLike<number>) => Float64Array.of(a[6]);
    const alone = await model.infer({ n: 1, flux: table.flux.map(pick), err: table.err.map(pick), z: pick(table.z), key: table.key.map((k) => Int32Array.of(k[6])) }, { samples: 30, seed: 1 });
    expect(alone.summaries.log_mstar.p50[0]).toBe(out[0].summaries.log_mstar.p50[6]);
    const otherSeed = await model.infer(table, { samples: 30, seed: 2 });
    expect(otherSeed.summaries.log_mstar.p50[6]).not.toBe(out[0].summaries.log_mstar.p50[6]);
    await model.close();
  });

  it('gives identical results bit for bit with 1, 2 or 3 sampler workers (threads 3 split as 3 × 1, or 2 + 1), in infer() and sample(); workers outside 1–4 is a usage error', async () => {
    const { samplerWorkerPlan } = await import('./posterior-model.js');
    expect(samplerWorkerPlan(2)).toEqual([1, 1]);
    expect(samplerWorkerPlan(3, 2)).toEqual([2, 1]);
    expect(samplerWorkerPlan(16)).toEqual([4, 4, 4, 4]);
    expect(samplerWorkerPlan(2, 1)).toEqual([2]);
    const out = [];
    for (const workers of [1, 2, 3]) {
      const model = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows: 3, threads: 3, workers });
      out.push(await model.infer(table, { samples: 30, seed: 1, keep: ['log_mstar'] }));
      await model.close();
    }
    for (const o of out.slice(1)) {
      expect(Array.from(o.kept.log_mstar)).toEqual(Array.from(out[0].kept.log_mstar));
      expect(Array.from(o.summaries.log_sfr100.p16)).toEqual(Array.from(out[0].summaries.log_sfr100.p16));
    }
    for (const workers of [0, 5, 1.5]) await expect(PosteriorModel.load(join(dir, 'model.onnx'), { workers })).rejects.toThrow(/workers: expected an integer from 1 to 4, got/);
    // sample(): the batches on the workers, the noise drawn from the one rng in row order, so a serial main-thread
    // session fed the same stream batch by batch gives the same samples
    const m1 = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows: 3, threads: 2 });
    const F = m1.layout.count;
    const feat = m1.features(table.flux, table.err, table.z, n).features;
    const got = await m1.sample(feat, n, 20, createPrng(11));
    await m1.close();
    const main = await OnnxSampler.open(join(dir, 'model.onnx'), { threads: 1 });
    const rng = createPrng(11);
    const ref = new Float32Array(n * 20 * 2);
    for (let r0 = 0; r0 < n; r0 += 3) {
      const r1 = Math.min(n, r0 + 3);
      ref.set(await main.run(feat.subarray(r0 * F, r1 * F), fillNormal(rng, new Float32Array((r1 - r0) * 20 * 2)), r1 - r0, F, 20, 2), r0 * 20 * 2);
    }
    await main.close();
    expect(Array.from(got)).toEqual(Array.from(ref));
  });

  it('per-sample z (zSamples): sample k of a row = its features with z_k · W + σ·noise_k, independent of batchRows; K < S z values per row in blocks', async () => {
    const S = 12;
    const D = 2;
    const zs = Float32Array.from({ length: n * S }, (_, j) => 0.3 + 0.05 * (j % 17));
    const runs = [];
    for (const batchRows of [1, 4]) {
      const model = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows });
      runs.push(await model.infer({ ...table, zSamples: zs }, { samples: S, seed: 9, keep: ['log_mstar'] }));
      await model.close();
    }
    expect(Array.from(runs[1].kept.log_mstar)).toEqual(Array.from(runs[0].kept.log_mstar));
    const model = await PosteriorModel.load(join(dir, 'model.onnx'));
    const F = model.layout.count;
    const feat = model.features(table.flux, table.err, table.z, n).features;
    const W = (f: number, d: number) => ((((f * D + d) % 5) - 2) * 0.5); // make_linear_gaussian.py
    for (const i of [0, 3, 9]) {
      const rowNoise = fillNormal(createPrng(keyedSeed(9, 100 + i, 42)), new Float64Array(S * 2)); // the row's keyed stream, D = 2
      for (let k = 0; k < S; k++) {
        let mu = 0;
        for (let f = 0; f < F - 1; f++) mu += feat[i * F + f] * W(f, 0);
        mu += Math.fround(zs[i * S + k]) * W(F - 1, 0); // the z feature is the sample's own z
        const noise = rowNoise.subarray(k * 2, k * 2 + 2);
        expect(runs[0].kept.log_mstar[i * S + k]).toBeCloseTo(Math.fround(mu) + 0.1 * Math.fround(noise[0]), 4);
      }
    }
    // K = 4 z values per row for its 12 samples: samples 3j … 3j+2 conditioned on z_j, the noise unchanged
    const zs4 = Float32Array.from({ length: n * 4 }, (_, j) => 0.4 + 0.1 * (j % 7));
    const r4 = await model.infer({ ...table, zSamples: zs4 }, { samples: S, seed: 9, keep: ['log_mstar'] });
    for (const i of [0, 5]) {
      const rowNoise = fillNormal(createPrng(keyedSeed(9, 100 + i, 42)), new Float64Array(S * 2)); // the row's keyed stream, D = 2
      for (let k = 0; k < S; k++) {
        let mu = 0;
        for (let f = 0; f < F - 1; f++) mu += feat[i * F + f] * W(f, 0);
        mu += Math.fround(zs4[i * 4 + Math.floor(k / 3)]) * W(F - 1, 0);
        const noise = rowNoise.subarray(k * 2, k * 2 + 2);
        expect(r4.kept.log_mstar[i * S + k]).toBeCloseTo(Math.fround(mu) + 0.1 * Math.fround(noise[0]), 4);
      }
    }
    await expect(model.infer({ ...table, zSamples: zs.subarray(1) }, { samples: S, seed: 9 })).rejects.toThrow(/zSamples needs a z-conditioned model and 10 × K values with K dividing the 12 samples, got 119/);
    await expect(model.infer({ ...table, zSamples: new Float32Array(n * 5) }, { samples: S, seed: 9 })).rejects.toThrow(/K dividing the 12 samples, got 50/);
    await model.close();
  });

  it('galaxyZPerSample: sample k takes the galaxy\'s z sample k (cycling when the pixel has more samples), the same for every pixel', () => {
    const galaxyZ = Float32Array.of(1.0, 1.5, 2.0, 2.5);
    expect(Array.from(galaxyZPerSample(galaxyZ, new Float32Array(6)))).toEqual([1.0, 1.5, 2.0, 2.5, 1.0, 1.5]);
    expect(Array.from(galaxyZPerSample(galaxyZ, new Float32Array(3)))).toEqual([1.0, 1.5, 2.0]);
    expect(() => galaxyZPerSample([], new Float32Array(2))).toThrow(/no z samples/);
  });

  it('shared(): one model per file and options within the process, open until its last holder closes; a failed load is not kept', async () => {
    const a = await PosteriorModel.shared(join(dir, 'model.onnx'), { batchRows: 3 });
    const b = await PosteriorModel.shared(dir, { batchRows: 3 }); // the folder names the same file
    const c = await PosteriorModel.shared(join(dir, 'model.onnx'), { batchRows: 4 });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    const want = await a.infer(table, { samples: 10, seed: 3 });
    await a.close(); // b still holds it
    const got = await b.infer(table, { samples: 10, seed: 3 });
    expect(Array.from(got.summaries.log_mstar.p50)).toEqual(Array.from(want.summaries.log_mstar.p50));
    await b.close();
    await expect(b.infer(table, { samples: 10, seed: 3 })).rejects.toThrow(/is closed: infer\(\) after close\(\)/);
    const d = await PosteriorModel.shared(join(dir, 'model.onnx'), { batchRows: 3 }); // the closed one is not handed out again
    expect(d).not.toBe(a);
    await d.close();
    await c.close();
    await expect(PosteriorModel.shared(join(dir, 'nope', 'model.onnx'))).rejects.toThrow(/manifest not found/);
    await expect(PosteriorModel.shared(join(dir, 'nope', 'model.onnx'))).rejects.toThrow(/manifest not found/);
  });

  it('refuses samples beyond 100000, a > 2 GiB call, unknown kept parameters and a missing key', async () => {
    const model = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows: 64 });
    await expect(model.infer(table, { samples: 1e9, seed: 0 })).rejects.toThrow(/samples: expected an integer from 2 to 100000, got 1000000000/);
    const wide = await PosteriorModel.load(join(dir, 'model.onnx'), { batchRows: 10000 });
    await expect(wide.infer(table, { samples: 100000, seed: 0 })).rejects.toThrow(/exceeds 2 GiB/);
    await expect(model.infer(table, { samples: 10, seed: 0, keep: ['av'] })).rejects.toThrow(/no parameter 'av'/);
    await expect(model.infer({ ...table, key: [] }, { samples: 10, seed: 0 })).rejects.toThrow(/stable per-row key/);
    await Promise.all([model.close(), wide.close()]);
  });
});

describe.skipIf(!hasOnnx)(hasOnnx ? 'PosteriorModel.infer of a photo-z model (toy, redshift.role parameter: z is sampled, not an input)' : 'skipped: needs /usr/bin/python3 with onnx + numpy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-pmz-'));
  const zDir = mkdtempSync(join(tmpdir(), 'pixsed-pmz-cond-'));
  const made = spawnSync(pythonExecutable(), [script, dir, '--photoz', '--params', 'z,log_mstar', ...bands], { encoding: 'utf8' });
  const madeCond = spawnSync(pythonExecutable(), [script, zDir, ...bands], { encoding: 'utf8' });
  const n = 6;
  const table = {
    n,
    flux: [Float64Array.from({ length: n }, (_, i) => 40 + 9 * i), Float64Array.from({ length: n }, (_, i) => 90 - 4 * i)],
    err: [new Float64Array(n).fill(2), new Float64Array(n).fill(3)],
    key: [Int32Array.from({ length: n }, (_, i) => 7 + i)],
  };

  it('takes no z: 4B features, samples = features·W + σ·noise (z included) computed independently, no NO_REDSHIFT', async () => {
    expect(made.status, made.stderr).toBe(0);
    const model = await PosteriorModel.load(dir);
    expect(model.infersRedshift).toBe(true);
    expect(model.layout.count).toBe(8);
    const S = 25;
    const r = await model.infer(table, { samples: S, seed: 3, keep: ['z'] });
    const feat = model.features(table.flux, table.err, undefined, n).features;
    expect(feat.length).toBe(8 * n);
    const W = (f: number, d: number) => ((((f * 2 + d) % 5) - 2) * 0.5); // make_linear_gaussian.py, D = 2
    for (let i = 0; i < n; i++) {
      let mu = 0;
      for (let f = 0; f < 8; f++) mu += feat[i * 8 + f] * W(f, 0);
      // the mag of band 0 is the first feature: -2.5 log10(flux) + 31.4, computed here from the flux
      expect(feat[i * 8]).toBeCloseTo(-2.5 * Math.log10(40 + 9 * i) + 31.4, 5);
      const rowNoise = fillNormal(createPrng(keyedSeed(3, 7 + i)), new Float64Array(S * 2)); // the row's keyed stream, D = 2
      for (let k = 0; k < S; k++) {
        const noise = rowNoise.subarray(k * 2, k * 2 + 2);
        expect(r.kept.z[i * S + k]).toBeCloseTo(Math.fround(mu) + 0.1 * Math.fround(noise[0]), 4);
      }
    }
    expect(Object.keys(r.summaries)).toEqual(['z', 'log_mstar']);
    expect(r.counts.NO_REDSHIFT).toBe(0);
    expect(Array.from(r.flags).every((f) => (f & FLAG.NO_REDSHIFT) === 0)).toBe(true);
    await model.close();
  });

  it('refuses a z for a photo-z model, and no z for a z-conditioned one (which still flags NaN z NO_REDSHIFT)', async () => {
    expect(madeCond.status, madeCond.stderr).toBe(0);
    const model = await PosteriorModel.load(dir);
    const z = new Float64Array(n).fill(1);
    await expect(model.infer({ ...table, z }, { samples: 4, seed: 0 })).rejects.toThrow(/infers z \(redshift.role 'parameter'\): infer\(\) takes no z/);
    const cond = await PosteriorModel.load(zDir);
    expect(cond.infersRedshift).toBe(false);
    await expect(cond.infer(table, { samples: 4, seed: 0 })).rejects.toThrow(/is conditioned on z: infer\(\) needs a z per row/);
    const r = await cond.infer({ ...table, z: Float64Array.from({ length: n }, (_, i) => (i === 2 ? NaN : 1)) }, { samples: 4, seed: 0 });
    expect(r.counts.NO_REDSHIFT).toBe(1);
    expect(r.flags[2] & FLAG.NO_REDSHIFT).toBeTruthy();
    await Promise.all([model.close(), cond.close()]);
  });
});
