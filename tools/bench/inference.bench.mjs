// Inference throughput of the shipped JADES model: pixels/s with S posterior samples per pixel on
// onnxruntime-node (2 threads) for several batch sizes, with peak RSS; and, in the same run, the same
// weights sampled batched in PyTorch (tools/train/bench_torch.py, if torch is installed) → ratio.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonExecutable } from '@pixsed/core/node';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const modelDir = join(root, 'test-data/models', process.env.PIXSED_BENCH_MODEL ?? 'jades-delayed-tau-affine');
const emit = (name, value, unit) => console.log(JSON.stringify({ name, value: Number(Number(value).toPrecision(4)), unit }));
const S = Number(process.env.PIXSED_BENCH_SAMPLES ?? 500);
const N = Number(process.env.PIXSED_BENCH_PIXELS ?? 4096);

if (process.argv[2] === '--child') {
  const rows = Number(process.argv[3]);
  const { createPrng, peakRssMB } = await import('@pixsed/core');
  const { PosteriorModel } = await import('@pixsed/model/node');
  const model = await PosteriorModel.load(join(modelDir, 'model.onnx'), { threads: 2, batchRows: rows });
  const m = model.manifest;
  // features drawn inside the training ranges (throughput does not depend on their values)
  const rng = createPrng(1);
  const nf = m.features.count;
  const f = new Float32Array(N * nf);
  const { min, max } = m.trainingRanges.features;
  for (let i = 0; i < N; i++) for (let j = 0; j < nf; j++) f[i * nf + j] = min[j] + (max[j] - min[j]) * (j >= 2 * m.bands.length && j < 4 * m.bands.length ? 0 : 0.3 + 0.4 * rng.uniform());
  await model.sample(f.subarray(0, Math.min(N, rows) * nf), Math.min(N, rows), S, rng); // warm-up
  const t0 = performance.now();
  await model.sample(f, N, S, rng);
  const s = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ pxPerS: N / s, rss: peakRssMB() }));
  process.exit(0);
}

if (!existsSync(join(modelDir, 'model.onnx'))) {
  console.error('inference bench: no shipped model; skipping');
  process.exit(0);
}
let best = 0;
for (const rows of [64, 256, 1024]) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(rows)], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  const { pxPerS, rss } = JSON.parse(r.stdout.trim().split('\n').pop());
  emit(`inference.onnx.batch${rows}.px_per_s`, pxPerS, `px/s (${S} samples)`);
  emit(`inference.onnx.batch${rows}.peak_rss`, rss, 'MB');
  best = Math.max(best, pxPerS);
}
const torchScript = join(root, 'tools/train/bench_torch.py');
if (existsSync(join(modelDir, 'sampler.pt')) && spawnSync(pythonExecutable(), ['-c', 'import torch'], { encoding: 'utf8' }).status === 0) {
  // PyTorch at its best thread count (with 2 OpenMP threads it was slower than with 1 on this 2-core machine)
  let t;
  for (const threads of [1, 2]) {
    const r = spawnSync(pythonExecutable(), [torchScript, '--model-dir', modelDir, '--pixels', String(N), '--samples', String(S), '--threads', String(threads)], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) {
      console.error(`torch peer failed: ${r.stderr}`);
      process.exit(1);
    }
    const cur = JSON.parse(r.stdout.trim().split('\n').pop());
    emit(`inference.torch.threads${threads}.px_per_s`, cur.pxPerS, `px/s (${S} samples, chunk ${cur.chunk})`);
    if (!t || cur.pxPerS > t.pxPerS) t = cur;
  }
  // same weights: run the peer's 4-pixel check through onnxruntime with the same noise
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(modelDir, 'model.onnx'));
  const nf = t.check.features.length / 4;
  const D = t.check.noise.length / 32;
  const o = await session.run({
    features: new ort.Tensor('float32', Float32Array.from(t.check.features), [4, nf]),
    noise: new ort.Tensor('float32', Float32Array.from(t.check.noise), [4, 8, D]),
  });
  const got = o.samples.data;
  const maxAbs = t.check.samples.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i])), 0);
  emit('inference.onnx_vs_torch.max_abs_diff_same_noise', maxAbs, 'physical units');
  // the check features are drawn independently per feature inside the training ranges (not a physical SED), so
  // the flow can extrapolate to huge values (|log SFR| ~ 1000) where float32 differences grow with the value
  const maxRel = t.check.samples.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i]) / Math.max(1, Math.abs(v))), 0);
  emit('inference.onnx_vs_torch.max_rel_diff_same_noise', maxRel, '|Δ| / max(1, |value|)');
  emit('inference.onnx_vs_torch', best / t.pxPerS, `x (best ONNX batch / best PyTorch, ${t.threads} thread(s))`);
} else console.error('inference bench: PyTorch peer skipped (needs <model>/sampler.pt and /usr/bin/python3 with torch)');
