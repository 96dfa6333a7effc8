#!/usr/bin/env node
// The exported image model in onnxruntime-node, through the tile-model stage's own TileModel (manifest + sha256 check),
// against PyTorch's output on the same stamps.
// usage: node tools/train-cnn/check-onnx.mjs <model folder> x.npy torch.npy   → one JSON line {maxAbsDiff, shape, seconds}
import { readNpy } from '@pixsed/core/node';
import { TileModel } from '@pixsed/tile-model/node';

const [dir, xPath, refPath] = process.argv.slice(2);
if (!refPath) {
  console.error('usage: node check-onnx.mjs <model folder> x.npy torch.npy');
  process.exit(2);
}
const x = readNpy(xPath, { native: true });
const ref = readNpy(refPath, { native: true });
const model = await TileModel.load(dir, { threads: 1 });
const t0 = performance.now();
const got = await model.run(Float32Array.from(x.data), x.shape[0]);
const seconds = (performance.now() - t0) / 1e3;
let maxAbsDiff = 0;
for (let i = 0; i < ref.data.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i] - ref.data[i]));
await model.close();
console.log(JSON.stringify({ maxAbsDiff, shape: ref.shape, seconds }));
