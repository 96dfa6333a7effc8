#!/usr/bin/env node
// Run an exported pixsed sampler in onnxruntime-node and compare with PyTorch's output for the same inputs.
// usage: node tools/train/check-onnx.mjs model.onnx features.npy noise.npy torch-samples.npy [--threads 2]
// Prints one JSON line: {maxAbsDiff, maxRelDiff, shape, seconds, pixelsPerSecond, samplesPerPixel, threads}.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

/** Minimal .npy reader: little-endian float32, C order (what numpy.save writes for float32 arrays). */
function readNpy(path) {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const off = (major === 1 ? 10 : 12) + hlen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, off);
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`${path}: expected dtype <f4, header ${header}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order not supported`);
  const shape = header
    .match(/'shape':\s*\(([^)]*)\)/)[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(off + 4 * i);
  return { data, shape };
}

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
