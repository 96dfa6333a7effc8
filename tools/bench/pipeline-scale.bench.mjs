// End-to-end streaming at scale (issue: "≥ 50,000 mosaic px/s end to end; RSS at 4× the area ≤ 1.15×
// and < 2 GB"). Generates (not committed) 19-band mock mosaics at two sizes with the same galaxy
// density, runs the demo chain (mosaic → psf → snr-mask → inference → parquet + galaxies) on each in
// a fresh process, and prints mosaic px/s and peak RSS. Sizes: PIXSED_BENCH_SIZES (default
// "4096,8192": 4× the area; ~15 min and ~10 GB of temporary disk for the 8192² mosaic, deleted after;
// "1024,2048" for a quick look); the model: test-data/models/jades-delayed-tau-affine (the demo's model).
// Measured 2026-11-29 (quiet 2-core machine, model v0.3.0): 4096² 130,000 px/s, 543 MB; 8192² 134,200 px/s, 586 MB.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeScaleMosaic } from './scale-mosaic.mjs';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const cli = join(root, 'apps/cli/dist/main.js');
const model = join(root, 'test-data/models/jades-delayed-tau-affine/model.onnx');
const emit = (name, value, unit) => console.log(JSON.stringify({ name, value: Number(Number(value).toPrecision(4)), unit }));
if (!existsSync(model)) {
  console.error(`pipeline-scale: ${model} not found; train it first (npm run train)`);
  process.exit(0);
}
const sizes = (process.env.PIXSED_BENCH_SIZES ?? '4096,8192').split(',').map(Number);
const samples = Number(process.env.PIXSED_BENCH_SAMPLES ?? 500);
const work = join(tmpdir(), 'pixsed-bench-scale');
const results = [];
for (const size of sizes) {
  const dir = join(work, String(size));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeScaleMosaic({ cli, dir, size, model, samplesPerPixel: samples });
  const run = spawnSync(process.execPath, [cli, 'run', join(dir, 'p.yaml'), '--out', join(dir, 'out'), '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
  if (run.status !== 0) {
    console.error(run.stderr);
    process.exit(1);
  }
  const s = JSON.parse(run.stdout);
  results.push({ size, s });
  emit(`pipeline.${size}.mosaic_px_per_s`, s.rowsIn / s.wallSeconds, 'px/s');
  emit(`pipeline.${size}.kept_px_per_s`, s.rowsOut / s.wallSeconds, 'px/s');
  emit(`pipeline.${size}.kept_pixels`, s.rowsOut, 'px');
  emit(`pipeline.${size}.wall`, s.wallSeconds, 's');
  emit(`pipeline.${size}.peak_rss`, s.peakRssMB, 'MB');
  rmSync(join(dir, 'mosaic'), { recursive: true, force: true });
}
if (results.length === 2) {
  const [a, b] = results;
  emit('pipeline.rss_ratio_at_area_ratio', b.s.peakRssMB / a.s.peakRssMB, `x (area ×${((b.size / a.size) ** 2).toFixed(0)})`);
}
