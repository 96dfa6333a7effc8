#!/usr/bin/env node
// Run an exported pixsed sampler in onnxruntime-node and compare with PyTorch's output for the same inputs.
// usage: node tools/train/check-onnx.mjs model.onnx features.npy noise.npy torch-samples.npy [--threads 2]
// Prints one JSON line: {maxAbsDiff, maxRelDiff, shape, seconds, pixelsPerSecond, samplesPerPixel, threads}.
import { readNpy as readNpyFile } from '@pixsed/core/node';
import * as ort from 'onnxruntime-node';

/** float32 C-order arrays as numpy.save writes them (the one .npy reader of @pixsed/core). */
const readNpy = (path) => readNpyFile(path, { native: true });

const args = process.argv.slice(2);
const ti = args.indexOf('--threads');
const threads = ti >= 0 ? Number(args.splice(ti, 2)[1]) : 2;
const [modelPath, featPath, noisePath, refPath] = args;
if (!refPath) {
  console.error('usage: node check-onnx.mjs model.onnx features.npy noise.npy torch-samples.npy [--threads 2]');
  process.exit(2);
}
const feat = readNpy(featPath);
const noise = readNpy(noisePath);
const ref = readNpy(refPath);
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: threads, interOpNumThreads: 1 });
const feeds = {
  features: new ort.Tensor('float32', feat.data, feat.shape),
  noise: new ort.Tensor('float32', noise.data, noise.shape),
};
const t0 = performance.now();
const out = await session.run(feeds);
const seconds = (performance.now() - t0) / 1000;
const got = out.samples;
if (got.dims.join(',') !== ref.shape.join(',')) throw new Error(`shape ${got.dims} != torch ${ref.shape}`);
let maxAbs = 0;
let maxRel = 0;
let nonFinite = 0;
for (let i = 0; i < ref.data.length; i++) {
  const a = got.data[i];
  const b = ref.data[i];
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    nonFinite++;
    continue;
  }
  const d = Math.abs(a - b);
  maxAbs = Math.max(maxAbs, d);
  maxRel = Math.max(maxRel, d / Math.max(1, Math.abs(b)));
}
console.log(
  JSON.stringify({
    maxAbsDiff: maxAbs,
    maxRelDiff: maxRel,
    nonFinite,
    shape: got.dims,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    seconds,
    pixelsPerSecond: feat.shape[0] / seconds,
    samplesPerPixel: noise.shape[1],
    threads,
  }),
);
