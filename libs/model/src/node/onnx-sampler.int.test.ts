import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPrng } from '@pixsed/core';
import { posteriorSummary } from '../posterior-summary.js';
import { OnnxSampler } from './onnx-sampler.js';
import { pythonExecutable } from '@pixsed/core/node';

const script = resolve(__dirname, '../../test-scripts/make_linear_gaussian.py');
const hasOnnx = spawnSync(pythonExecutable(), ['-c', 'import onnx, numpy'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasOnnx)(hasOnnx ? 'OnnxSampler on an analytic Gaussian posterior' : 'skipped: /usr/bin/python3 with onnx + numpy (Debian python3-onnx) is needed to build the test model', () => {
  const F = 4;
  const D = 3;
  const file = join(mkdtempSync(join(tmpdir(), 'pixsed-onnx-')), 'lg.onnx');
  const made = spawnSync(pythonExecutable(), [script, file, String(F), String(D)], { encoding: 'utf8' });
  const W = (i: number, d: number) => ((((i * D + d) % 5) - 2) * 0.5);
  const sigma = (d: number) => 0.1 + (0.4 * d) / (D - 1);

  it('samples mean f·W and std σ; percentiles are the normal quantiles', async () => {
    expect(made.status, made.stderr).toBe(0);
    const sampler = await OnnxSampler.open(file, { threads: 2 });
    const n = 200;
    const s = 4000;
    const features = new Float32Array(n * F).map((_, k) => Math.sin(k));
    const samples = await sampler.sample(features, n, F, s, D, createPrng(7));
    for (let d = 0; d < D; d++) {
      const sum = posteriorSummary(samples, n, s, D, d);
      for (let i = 0; i < n; i += 37) {
        let mu = 0;
        for (let f = 0; f < F; f++) mu += Math.fround(features[i * F + f]) * W(f, d);
        const sd = sigma(d);
        expect(Math.abs(sum.mean[i] - mu)).toBeLessThan((5 * sd) / Math.sqrt(s));
        expect(Math.abs(sum.std[i] / sd - 1)).toBeLessThan(0.06);
        expect(Math.abs(sum.p50[i] - mu)).toBeLessThan((6 * sd) / Math.sqrt(s));
        // Φ⁻¹(0.16) = −0.99446, Φ⁻¹(0.84) = 0.99446
        expect(Math.abs(sum.p16[i] - (mu - 0.99446 * sd))).toBeLessThan(0.08 * sd);
        expect(Math.abs(sum.p84[i] - (mu + 0.99446 * sd))).toBeLessThan(0.08 * sd);
      }
    }
    await sampler.close();
  });

  it('is reproducible bit for bit with the same seed and differs with another', async () => {
    const sampler = await OnnxSampler.open(file);
    const features = new Float32Array(10 * F).fill(0.5);
    const a = await sampler.sample(features, 10, F, 50, D, createPrng(1));
    const b = await sampler.sample(features, 10, F, 50, D, createPrng(1));
    const c = await sampler.sample(features, 10, F, 50, D, createPrng(2));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('reuses its noise buffer without letting concurrent calls share it: each equals the same call made alone', async () => {
    const sampler = await OnnxSampler.open(file);
    const features = new Float32Array(6 * F).map((_, k) => Math.cos(k));
    const alone1 = await sampler.sample(features, 6, F, 40, D, createPrng(1));
    const alone2 = await sampler.sample(features.subarray(0, 3 * F), 3, F, 40, D, createPrng(2)); // a smaller call after a larger one
    const [c1, c2] = await Promise.all([sampler.sample(features, 6, F, 40, D, createPrng(1)), sampler.sample(features.subarray(0, 3 * F), 3, F, 40, D, createPrng(2))]);
    expect(Buffer.from(c1.buffer).equals(Buffer.from(alone1.buffer))).toBe(true);
    expect(Buffer.from(c2.buffer).equals(Buffer.from(alone2.buffer))).toBe(true);
    expect(Buffer.from(alone2.buffer).equals(Buffer.from(alone1.buffer.slice(0, alone2.byteLength)))).toBe(false);
    await sampler.close();
  });

  it('close() with a run just started waits for it (no uncaught "Session already disposed"), and refuses runs after it', async () => {
    const sampler = await OnnxSampler.open(file);
    const features = new Float32Array(4 * F).fill(0.25);
    const alone = await sampler.sample(features, 4, F, 30, D, createPrng(3));
    const running = sampler.sample(features, 4, F, 30, D, createPrng(3)); // scheduled, not yet run
    await sampler.close();
    expect(Buffer.from((await running).buffer).equals(Buffer.from(alone.buffer))).toBe(true);
    await expect(sampler.sample(features, 4, F, 30, D, createPrng(3))).rejects.toThrow(/the sampler is closed/);
  });

  it('names the file and the expected shape when the features do not fit', async () => {
    const sampler = await OnnxSampler.open(file);
    await expect(sampler.sample(new Float32Array(10 * 5), 10, 5, 10, D, createPrng(0))).rejects.toThrow();
    await expect(sampler.sample(new Float32Array(7), 10, F, 10, D, createPrng(0))).rejects.toThrow(/lg\.onnx: features have 7 values, expected 10×4/);
    await expect(OnnxSampler.open(join(tmpdir(), 'nope.onnx'))).rejects.toThrow(/model file not found/);
  });
});
