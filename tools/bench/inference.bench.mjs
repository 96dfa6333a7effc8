// Inference throughput of the shipped JADES model: pixels/s with S posterior samples per pixel on
// onnxruntime-node (2 threads) for several batch sizes, with peak RSS; and, in the same run, the same
// weights sampled batched in PyTorch (tools/train/bench_torch.py, if torch is installed) → ratio.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const modelDir = join(root, 'test-data/models/jades-delayed-tau');
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
if (existsSync(torchScript) && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0) {
  const r = spawnSync('/usr/bin/python3', [torchScript, '--model-dir', modelDir, '--pixels', String(N), '--samples', String(S), '--threads', '2'], { encoding: 'utf8' });
  if (r.status === 0) {
    const torchPx = JSON.parse(r.stdout.trim().split('\n').pop()).pxPerS;
    emit('inference.torch.px_per_s', torchPx, `px/s (${S} samples)`);
    emit('inference.onnx_vs_torch', best / torchPx, 'x');
  } else console.error(`torch peer failed: ${r.stderr}`);
} else console.error('inference bench: PyTorch peer skipped (tools/train/bench_torch.py or /usr/bin/python3 torch missing)');
