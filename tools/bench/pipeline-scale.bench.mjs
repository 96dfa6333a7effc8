// End-to-end streaming at scale (issue: "≥ 50,000 mosaic px/s end to end; RSS at 4× the area ≤ 1.15×
// and < 2 GB"). Generates (not committed) 19-band mock mosaics at two sizes with the same galaxy
// density, runs the demo chain (mosaic → psf → snr-mask → inference → parquet + galaxies) on each in
// a fresh process, and prints mosaic px/s and peak RSS. Sizes: PIXSED_BENCH_SIZES (default
// "4096,8192": 4× the area; ~15 min and ~10 GB of temporary disk for the 8192² mosaic, deleted after;
// "1024,2048" for a quick look); the model: test-data/models/jades-delayed-tau-affine (the Maraston model, the demo's until 2026-12-02; kept so that figures compare across sessions).
// Measured 2026-11-29 (quiet 2-core machine, model v0.3.0): 4096² 130,000 px/s, 543 MB; 8192² 134,200 px/s, 586 MB.
// PIXSED_BENCH_PHOTOZ=1 also runs each size with the catalogue's z blanked and the photo-z first pass (issue 18,
// ADR 0010: inference.photoz with test-data/models/jades-delayed-tau-photz), right after the spec-z run: its px/s and
// peak RSS, the wall-time ratio to the spec-z run (the cost of the extra pass and of per-sample z) and its RSS ratio.
// After each spec-z run, `pixsed infer` on the run's own kept pixels gives its inference bound (px/s) and the run's
// kept px/s as a fraction of it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeScaleMosaic } from './scale-mosaic.mjs';
import { zDrawsPerPixel as zDraws } from '../../libs/inference/dist/node/galaxy-redshifts.js';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const cli = join(root, 'apps/cli/dist/main.js');
const model = join(root, 'test-data/models/jades-delayed-tau-affine/model.onnx');
const photozModel = process.env.PIXSED_BENCH_PHOTOZ === '1' ? join(root, 'test-data/models/jades-delayed-tau-photz/model.onnx') : undefined;
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
  writeScaleMosaic({ cli, dir, size, model, samplesPerPixel: samples, photozModel });
  const runOne = (yaml, out) => {
    const run = spawnSync(process.execPath, [cli, 'run', join(dir, yaml), '--out', join(dir, out), '--json', '--quiet', '--no-report'], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
    if (run.status !== 0) {
      console.error(run.stderr);
      process.exit(1);
    }
    return JSON.parse(run.stdout);
  };
  const t0 = performance.now();
  const s = runOne('p.yaml', 'out');
  const specWall = (performance.now() - t0) / 1000; // process wall (model loading included), to compare with the photo-z run's
  const entry = { size, s };
  results.push(entry);
  emit(`pipeline.${size}.mosaic_px_per_s`, s.rowsIn / s.wallSeconds, 'px/s');
  emit(`pipeline.${size}.kept_px_per_s`, s.rowsOut / s.wallSeconds, 'px/s');
  emit(`pipeline.${size}.kept_pixels`, s.rowsOut, 'px');
  emit(`pipeline.${size}.wall`, s.wallSeconds, 's');
  emit(`pipeline.${size}.peak_rss`, s.peakRssMB, 'MB');
  // the inference bound: `pixsed infer` on the run's own kept pixels (pixels.parquet: their fluxes, errors, z), same
  // model, samples, seed and defaults (batch, threads), keyed by x, y as the run keys them (issue 22: run ≥ 0.8 of it)
  const inf = spawnSync(process.execPath, [cli, 'infer', '--model', model, '--input', join(dir, 'out', 'pixels.parquet'), '--out', join(dir, 'infer.parquet'), '--samples', String(samples), '--key', 'x,y'], { encoding: 'utf8' });
  const m = /inferred (\d+) rows .* in ([\d.]+) s/.exec(inf.stdout ?? '');
  if (inf.status !== 0 || !m) console.error(`pipeline-scale: pixsed infer on the run's pixels failed (exit ${inf.status}): ${(inf.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`);
  else {
    const bound = Number(m[1]) / Number(m[2]);
    emit(`pipeline.${size}.inference_bound_px_per_s`, bound, "px/s (pixsed infer on the run's kept pixels)");
    emit(`pipeline.${size}.kept_px_per_s_over_inference_bound`, s.rowsOut / s.wallSeconds / bound, 'fraction (goal ≥ 0.8)');
  }
  rmSync(join(dir, 'infer.parquet'), { force: true });
  rmSync(join(dir, 'out'), { recursive: true, force: true });
  if (photozModel) {
    const t1 = performance.now();
    const p = runOne('p-photoz.yaml', 'out-photoz');
    const wall = (performance.now() - t1) / 1000; // the run's own wallSeconds leave out the first pass
    entry.photoz = { ...p, wall };
    emit(`pipeline.${size}.photoz.galaxies_fitted`, p.redshiftPass.fitted, `of ${p.redshiftPass.galaxies}`);
    emit(`pipeline.${size}.photoz.first_pass`, p.redshiftPass.passSeconds + p.redshiftPass.fitSeconds, 's');
    emit(`pipeline.${size}.photoz.wall`, wall, 's (process, both passes)');
    emit(`pipeline.${size}.photoz.mosaic_px_per_s`, p.rowsIn / wall, 'px/s');
    emit(`pipeline.${size}.photoz.kept_pixels`, p.rowsOut, 'px');
    emit(`pipeline.${size}.photoz.peak_rss`, p.peakRssMB, 'MB');
    emit(`pipeline.${size}.photoz.wall_ratio_to_spec_z`, wall / specWall, 'x (process walls)');
    emit(`pipeline.${size}.photoz.z_draws_per_pixel`, p.stream.inference ? zDraws(samples) : NaN, '');
    rmSync(join(dir, 'out-photoz'), { recursive: true, force: true });
  }
  rmSync(join(dir, 'mosaic'), { recursive: true, force: true });
}
if (results.length === 2) {
  const [a, b] = results;
  emit('pipeline.rss_ratio_at_area_ratio', b.s.peakRssMB / a.s.peakRssMB, `x (area ×${((b.size / a.size) ** 2).toFixed(0)})`);
  if (a.photoz && b.photoz) emit('pipeline.photoz.rss_ratio_at_area_ratio', b.photoz.peakRssMB / a.photoz.peakRssMB, `x (area ×${((b.size / a.size) ** 2).toFixed(0)})`);
}
