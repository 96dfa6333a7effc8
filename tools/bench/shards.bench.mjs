// Sharded runs (issue 17): (1) the demo (pipelines/demo.yaml, test-data/mosaic) as one run against 2 shards run
// side by side on this machine (`pixsed run --shard 1/2` and `2/2` at once) plus `pixsed merge`: wall ratio;
// (2) `pixsed merge` of the 4096² benchmark mosaic of pipeline-scale.bench.mjs (same generator, galaxy density and
// chain) cut into PIXSED_BENCH_MERGE_SHARDS shards (default 4, run two at a time; their sampling is cheap,
// PIXSED_BENCH_MERGE_SAMPLES = 50 per pixel: merge time does not depend on it). Sizes: PIXSED_BENCH_MERGE_SIZE
// (default 4096; 0 skips part 2, which takes minutes and ~2 GB of temporary disk, deleted after);
// PIXSED_BENCH_SHARDS_DEMO=0 skips part 1.
// Figures: JSON lines {"name","value","unit"} (tools/bench/run.mjs).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeScaleMosaic } from './scale-mosaic.mjs';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const cli = join(root, 'apps/cli/dist/main.js');
const model = join(root, 'test-data/models/jades-delayed-tau-affine/model.onnx');
const emit = (name, value, unit) => console.log(JSON.stringify({ name, value: Number(Number(value).toPrecision(4)), unit }));
if (!existsSync(cli) || !existsSync(model)) {
  console.error(`shards: build first (npm run build) and keep ${model}`);
  process.exit(0);
}
const work = join(tmpdir(), 'pixsed-bench-shards');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

/** Runs the CLI; resolves with its wall time in seconds (rejects on a non-zero exit). */
function pixsed(args) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.resume();
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? res((performance.now() - t0) / 1000) : rej(new Error(`pixsed ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`))));
  });
}

// (1) the demo: one run vs 2 shards at once (+ merge); PIXSED_BENCH_SHARDS_DEMO=0 skips it
const demo = join(root, 'pipelines/demo.yaml');
if (process.env.PIXSED_BENCH_SHARDS_DEMO !== '0') {
  const set = (process.env.PIXSED_BENCH_SAMPLES ? ['--set', `stages.inference.samplesPerPixel=${process.env.PIXSED_BENCH_SAMPLES}`] : []);
  const one = await pixsed(['run', demo, '--out', join(work, 'demo-one'), '--quiet', '--no-report', ...set]);
  const t0 = performance.now();
  await Promise.all([1, 2].map((i) => pixsed(['run', demo, '--shard', `${i}/2`, '--out', join(work, 'demo-two'), '--quiet', ...set])));
  const shards = (performance.now() - t0) / 1000;
  const merge = await pixsed(['merge', join(work, 'demo-two'), '--quiet', '--no-report']);
  emit('shards.demo.one_run_wall', one, 's');
  emit('shards.demo.two_shards_concurrent_wall', shards, 's');
  emit('shards.demo.merge_wall', merge, 's');
  emit('shards.demo.wall_ratio_two_shards_vs_one', shards / one, 'x');
  emit('shards.demo.wall_ratio_two_shards_plus_merge_vs_one', (shards + merge) / one, 'x');
  rmSync(join(work, 'demo-one'), { recursive: true, force: true });
  rmSync(join(work, 'demo-two'), { recursive: true, force: true });
}

// (2) merge time on the 4096² benchmark mosaic
const size = Number(process.env.PIXSED_BENCH_MERGE_SIZE ?? 4096);
const n = Number(process.env.PIXSED_BENCH_MERGE_SHARDS ?? 4);
if (size > 0) {
  const dir = join(work, String(size));
  mkdirSync(dir, { recursive: true });
  writeScaleMosaic({ cli, dir, size, model, samplesPerPixel: Number(process.env.PIXSED_BENCH_MERGE_SAMPLES ?? 50), samplesPerGalaxy: 200 });
  const out = join(dir, 'out');
  const jobs = Array.from({ length: n }, (_, k) => () => pixsed(['run', join(dir, 'p.yaml'), '--shard', `${k + 1}/${n}`, '--out', out, '--quiet']));
  let next = 0;
  const walls = [];
  await Promise.all([0, 1].map(async () => {
    while (next < jobs.length) walls.push(await jobs[next++]());
  }));
  const m = await pixsed(['merge', out, '--quiet', '--no-report']);
  const s = JSON.parse(readFileSync(join(out, 'run-summary.json'), 'utf8'));
  emit(`shards.merge.${size}.wall`, m, 's');
  emit(`shards.merge.${size}.shards`, n, 'shards');
  emit(`shards.merge.${size}.kept_pixels`, s.rowsOut, 'px');
  emit(`shards.merge.${size}.galaxies`, s.stream.galaxies.length, 'galaxies');
  emit(`shards.merge.${size}.merge_internal`, s.shards.mergeSeconds, 's');
  emit(`shards.merge.${size}.shard_wall_max`, Math.max(...walls), 's');
  rmSync(dir, { recursive: true, force: true });
}
rmSync(work, { recursive: true, force: true });
