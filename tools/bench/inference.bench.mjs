// Inference throughput of a shipped model, side by side with its peers on the same rows, in one run (issue 22):
//   - pixsed: its sampler (PosteriorModel.sample: the native kernel where it runs, ADR 0015, and the same rows with kernel onnx on onnxruntime-node; one session per thread, samplerWorkerPlan) and the whole inference path (PosteriorModel.infer:
//     features, keyed noise, sampling, summaries) for several batch sizes, with peak RSS;
//   - PyTorch, same weights (tools/train/bench_torch.py on <model>/sampler.pt) at 1 and 2 threads, in a venv made on
//     first use (~/.cache/pixsed/venv-torch from tools/train/bench-torch-requirements.txt: torch==2.13.0 takes the
//     CPU wheel on disk), else Debian's /usr/bin/python3 if it has torch;
//   - SBIPIX's own model (../shared/data/peers/sbipix, tools/peers/sbipix-peer.mjs and its venv): its flow in chunks
//     of 64 px, and its per-pixel loop as its code runs it (rejection against the prior box);
//   - the machine's fp32 FMA peak: the fastest of the GEMM microbenchmarks of the same run (square sgemms, numpy and
//     torch.mm, 2048², in the torch venv; numpy/torch.mm at the flow's shape, K = N = 64; a chain of 10 Gemm+Relu
//     [rows, 64] × [64, 64] in onnxruntime, the kernel the flow's hidden layers run, rows = the best batch × samples),
//     and the flow's multiply-adds per sample counted from its weights → share of peak; the share of the onnxruntime
//     chain's own rate beside it; the multiply-adds the exported graph executes (zero-padded weights included);
//   - log M* agreement (median Δ and NMAD of the per-row posterior medians) between pixsed and each peer.
// Rows: mocks from the model's own simulator config (manifest provenance.simulatorConfig), selected as `pixsed validate`
// and the SBIPIX peer select them (mean S/N > 5 over F277W/F356W/F444W, log M* ≥ 7, z ≤ 7.5); without reference
// data, features drawn inside the training ranges (no agreement, no SBIPIX). A peer that cannot run is skipped with
// the reason. One JSON line per figure {"name","value","unit"} on stdout, a summary table on stderr.
//
// Environment (integers, checked): PIXSED_BENCH_MODEL (jades-delayed-tau-affine), PIXSED_BENCH_SAMPLES (500),
// PIXSED_BENCH_PIXELS (4096), PIXSED_BENCH_BATCHES (32,64,256), PIXSED_BENCH_THREADS (2: the cores to use; pixsed and
// PyTorch run at 1 and at this many threads, each path's best is reported, the peak is measured at this many),
// PIXSED_BENCH_SBIPIX_ROWS (256, flow), PIXSED_BENCH_SBIPIX_LOOP_ROWS (32; 0 skips the loop), PIXSED_BENCH_ROUNDS (2:
// interleaved rounds of the pixsed paths, best round each),
// PIXSED_BENCH_PEERS (torch,sbipix), PIXSED_TORCH_VENV (~/.cache/pixsed/venv-torch), PIXSED_BENCH_BASELINE (a model
// folder, e.g. the previous version of the same model from git: its sampler runs interleaved with this one's, same
// rows, batches and threads, and the bench prints the ratio).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const root = resolve(here, '..', '..', '..');
const modelName = process.env.PIXSED_BENCH_MODEL ?? 'jades-delayed-tau-affine';
const modelDir = join(root, 'test-data/models', modelName);
/** One figure as a JSON line; 4 significant digits unless `exact` (counts). */
const emit = (name, value, unit, exact = false) => console.log(JSON.stringify({ name, value: exact ? value : Number(Number(value).toPrecision(4)), unit }));
const note = (m) => process.stderr.write(`[bench inference] ${m}\n`);

/** Most threads / rows per call / pixels accepted (beyond them a typo, not a plan). */
export const BENCH_LIMITS = { threads: 1024, batchRows: 1_000_000, pixels: 10_000_000, samples: 100_000 };

/** An integer environment setting in [min, max]; anything else is a usage error (exit 2) naming it and the range. */
function intEnv(name, dflt, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) usage(`${name}: expected an integer from ${min} to ${max}, got '${raw}'`);
  return v;
}
function usage(message) {
  process.stderr.write(`inference bench: ${message}\n`);
  process.exit(2);
}

const S = intEnv('PIXSED_BENCH_SAMPLES', 500, 2, BENCH_LIMITS.samples);
const N = intEnv('PIXSED_BENCH_PIXELS', 4096, 1, BENCH_LIMITS.pixels);
const THREADS = intEnv('PIXSED_BENCH_THREADS', 2, 1, BENCH_LIMITS.threads);
const SBIPIX_ROWS = intEnv('PIXSED_BENCH_SBIPIX_ROWS', 256, 0, BENCH_LIMITS.pixels);
const SBIPIX_LOOP_ROWS = intEnv('PIXSED_BENCH_SBIPIX_LOOP_ROWS', 32, 0, BENCH_LIMITS.pixels);
const ROUNDS = intEnv('PIXSED_BENCH_ROUNDS', 2, 1, 100);
const BATCHES = (process.env.PIXSED_BENCH_BATCHES ?? '32,64,256').split(',').map((t) => {
  const v = Number(t.trim());
  if (!Number.isInteger(v) || v < 1 || v > BENCH_LIMITS.batchRows) usage(`PIXSED_BENCH_BATCHES: expected comma-separated integers from 1 to ${BENCH_LIMITS.batchRows}, got '${t}'`);
  return v;
});
const PEERS = new Set((process.env.PIXSED_BENCH_PEERS ?? 'torch,sbipix').split(',').map((p) => p.trim()).filter(Boolean));
for (const p of PEERS) if (!['torch', 'sbipix'].includes(p)) usage(`PIXSED_BENCH_PEERS: expected a comma-separated subset of torch,sbipix, got '${p}'`);

const THREAD_COUNTS = [...new Set([1, THREADS])];
const BASELINE = process.env.PIXSED_BENCH_BASELINE ? resolve(process.env.PIXSED_BENCH_BASELINE) : undefined;
if (BASELINE && !existsSync(join(BASELINE, 'model.onnx'))) usage(`PIXSED_BENCH_BASELINE: ${BASELINE}/model.onnx not found (expected a model folder)`);

if (process.argv[2] === '--child') await child(Number(process.argv[3]), Number(process.argv[6]), process.argv[4], process.argv[5], process.argv[7] ?? modelDir, process.argv[8] === 'sampler-only');
else await main();

/** `child` in its own process with `args` (after --child) and `env` added; its JSON line, or the bench stops with its stderr. */
function benchChild(args, env = {}) {
  const r = spawnSync(process.execPath, [here, '--child', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    process.exit(1);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/**
 * One batch size in its own process (so peak RSS is per batch size). `rowsFile`: a CSV of mock rows (or '-': features
 * drawn inside the training ranges); `outDir` (or '-'): write features.npy and pixsed-p50.npy there for the peers.
 */
async function child(rows, threads, rowsFile, outDir, dir, samplerOnly) {
  const { createPrng, peakRssMB } = await import('@pixsed/core');
  const { writeNpy } = await import('@pixsed/core/node');
  const { PosteriorModel } = await import('@pixsed/model/node');
  const model = await PosteriorModel.load(join(dir, 'model.onnx'), { threads, batchRows: rows });
  const m = model.manifest;
  const nf = m.features.count;
  const D = m.parameters.length;
  const rng = createPrng(1);
  let f;
  let table;
  if (rowsFile === '-') {
    f = new Float32Array(N * nf);
    const { min, max } = m.trainingRanges.features;
    for (let i = 0; i < N; i++) for (let j = 0; j < nf; j++) f[i * nf + j] = min[j] + (max[j] - min[j]) * (j >= 2 * m.bands.length && j < 4 * m.bands.length ? 0 : 0.3 + 0.4 * rng.uniform());
  } else {
    const { loadMocks } = await import('@pixsed/calibration/node');
    const cat = loadMocks(rowsFile);
    const col = (c) => cat.columns[c];
    table = { n: cat.n, flux: model.bands.map((b) => col(`flux_${b}_njy`)), err: model.bands.map((b) => col(`flux_${b}_err_njy`)), z: col('z'), key: [col('row_id')] };
    f = model.features(table.flux, table.err, table.z, table.n).features;
  }
  const n = f.length / nf;
  await model.sample(f.subarray(0, Math.min(n, rows) * nf), Math.min(n, rows), S, rng); // warm-up
  let t0 = performance.now();
  await model.sample(f, n, S, rng);
  const sampler = (performance.now() - t0) / 1000;
  let infer;
  if (table && !samplerOnly) {
    t0 = performance.now();
    const r = await model.infer(table, { samples: S, seed: 0 });
    infer = (performance.now() - t0) / 1000;
    if (outDir !== '-') {
      writeNpy(join(outDir, 'features.npy'), f, [n, nf]);
      const p50 = new Float32Array(n * D);
      m.parameters.forEach((p, d) => r.summaries[p.name].p50.forEach((v, i) => (p50[i * D + d] = v)));
      writeNpy(join(outDir, 'pixsed-p50.npy'), p50, [n, D]);
    }
  }
  const k = model.kernelInfo;
  console.log(JSON.stringify({ n, samplerPxPerS: n / sampler, inferPxPerS: infer ? n / infer : null, rss: peakRssMB(), kernel: k.kernel === 'native' ? `native ${k.isa}` : 'onnxruntime' }));
  await model.close();
  process.exit(0);
}

/** Median Δ and NMAD of a − b over the rows where both are finite (@pixsed/calibration's median and nmad). */
async function agreement(a, b) {
  const { median, nmad } = await import('@pixsed/calibration');
  const d = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (Number.isFinite(a[i]) && Number.isFinite(b[i])) d.push(a[i] - b[i]);
  return { n: d.length, median: median(d), nmad: nmad(d) };
}

/** Mock rows from the model's simulator config, selected as the SBIPIX peer selects them (S/N > 5, log M* ≥ 7, z ≤ 7.5). */
async function mockRows(manifest, dir) {
  const { simulateCatalogParallel } = await import('@pixsed/simulator/node');
  const { DEFAULT_SNR_SELECTION } = await import('@pixsed/calibration/node');
  const { selectPeerRows, writeSelectedRows } = await import('../peers/sbipix-peer.mjs');
  const t0 = performance.now();
  let n = Math.ceil(N * 1.6) + 64;
  for (;;) {
    const catalog = await simulateCatalogParallel({ survey: manifest.survey, n, seed: 7, threads: 2, config: manifest.provenance?.simulatorConfig });
    const bin = { name: 'snr-gt5', minMeanSnr: DEFAULT_SNR_SELECTION.minMeanSnr, maxMeanSnr: Infinity };
    const { rows } = selectPeerRows({ ...catalog, source: 'bench mocks' }, { snrBands: DEFAULT_SNR_SELECTION.snrBands, bin, minLogMstar: 7, maxZ: 7.5, limit: N });
    if (rows.length === N || n > 40 * N) {
      const file = join(dir, 'rows.csv');
      writeSelectedRows(file, catalog, rows);
      note(`rows: ${rows.length} of ${n} mocks (seed 7, ${manifest.name}'s simulator config; mean S/N > 5, log M* ≥ 7, z ≤ 7.5) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return file;
    }
    n *= 2;
  }
}

/** The PyTorch peer's interpreter: its venv (made on first use), else Debian's python3 if it has torch; undefined = skip. */
async function torchPython() {
  const { ensureVenv } = await import('../peers/sbipix-venv.mjs');
  const venv = process.env.PIXSED_TORCH_VENV ? resolve(process.env.PIXSED_TORCH_VENV) : join(homedir(), '.cache', 'pixsed', 'venv-torch');
  const req = join(root, 'tools/train/bench-torch-requirements.txt');
  let why;
  try {
    return ensureVenv(req, { venv, log: (m) => note(`torch venv: ${m}`), what: 'torch 2.13.0 CPU wheel from disk, numpy' });
  } catch (e) {
    why = e.message;
  }
  const debian = '/usr/bin/python3';
  if (existsSync(debian) && spawnSync(debian, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0) {
    note(`torch venv could not be made (${why}); using ${debian} (Debian's torch)`);
    return debian;
  }
  note(`PyTorch peer skipped: its venv ${venv} could not be made (${why}) and ${debian} has no torch`);
  return undefined;
}

function runPython(python, args, env = {}) {
  const r = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${python} ${args.join(' ')} failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function main() {
  const { samplerWorkerPlan } = await import('@pixsed/model/node');
  if (!existsSync(join(modelDir, 'model.onnx'))) {
    note(`no model ${modelDir}/model.onnx; skipping`);
    return;
  }
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'pixsed-bench-inference-'));
  const table = [];
  const row = (path, pxs, extra = '', sameFlow = true) => table.push({ path, pxs, extra, sameFlow });
  try {
    let rowsFile = '-';
    try {
      rowsFile = await mockRows(manifest, work);
    } catch (e) {
      note(`no mock rows (${e.message.split('\n')[0]}): features drawn inside the training ranges; no log M* agreement, SBIPIX skipped`);
    }

    // pixsed, per batch size, and `pixsed infer` on the same rows: ROUNDS interleaved rounds (the machine may be
    // shared); each path's best round is reported, ratios are of best rounds
    const bestOf = new Map();
    const keep = (key, v, extra = {}) => {
      if (v && !(bestOf.get(key)?.v >= v)) bestOf.set(key, { v, ...extra });
    };
    let cliConfig;
    const configs = BATCHES.flatMap((rows) => THREAD_COUNTS.map((threads) => ({ rows, threads, key: `${rows}.t${threads}` })));
    for (let round = 0; round < ROUNDS; round++) {
      configs.forEach(({ rows, threads, key }, k) => {
        const c = benchChild([String(rows), rowsFile, round === 0 && k === 0 ? work : '-', String(threads)]);
        keep(`sampler.${key}`, c.samplerPxPerS, { rss: c.rss, n: c.n, kernel: c.kernel });
        keep(`infer.${key}`, c.inferPxPerS);
        // the same rows on onnxruntime (kernel onnx, ADR 0015): the native kernel's gain, interleaved
        if (c.kernel !== 'onnxruntime') keep(`onnxrt.${key}`, benchChild([String(rows), rowsFile, '-', String(threads), modelDir, 'sampler-only'], { PIXSED_SAMPLER_KERNEL: 'onnx' }).samplerPxPerS);
        if (BASELINE) keep(`baseline.${key}`, benchChild([String(rows), rowsFile, '-', String(threads), BASELINE, 'sampler-only']).samplerPxPerS);
      });
      await ortFlowShapeGemm(BATCHES, keep); // the GEMM microbench in every round too: the machine may be shared
      cliConfig ??= configs.reduce((a, c) => (bestOf.get(`sampler.${c.key}`).v > bestOf.get(`sampler.${a.key}`).v ? c : a));
      if (rowsFile !== '-') for (const ext of ['csv', 'parquet']) cliInfer(rowsFile, ext, cliConfig, work, keep);
    }
    let best = { pxs: 0 };
    let bestInfer = 0;
    for (const { rows, threads, key } of configs) {
      const c = bestOf.get(`sampler.${key}`);
      const inf = bestOf.get(`infer.${key}`)?.v;
      const name = `batch${rows}.threads${threads}`;
      emit(`inference.onnx.${name}.px_per_s`, c.v, `px/s (${S} samples, sampler (${c.kernel}), ${c.n} rows, best of ${ROUNDS})`);
      const ort = bestOf.get(`onnxrt.${key}`)?.v;
      if (ort) emit(`inference.onnxruntime.${name}.px_per_s`, ort, `px/s (the same rows with kernel onnx; native / onnxruntime ${(c.v / ort).toFixed(2)}x)`);
      if (inf) emit(`inference.infer.${name}.px_per_s`, inf, `px/s (${S} samples, PosteriorModel.infer: features, keyed noise, sampling, summaries)`);
      emit(`inference.onnx.${name}.peak_rss`, c.rss, 'MB');
      row(`pixsed sampler (${c.kernel}), batch ${rows}, ${threads} thread(s) (${samplerWorkerPlan(threads).length} session(s) × ${samplerWorkerPlan(threads)[0]} intra-op)`, c.v, inf ? `infer() ${inf.toFixed(0)} px/s` : '');
      if (ort) row(`pixsed sampler (onnxruntime), batch ${rows}, ${threads} thread(s)`, ort, 'kernel onnx, same rows, interleaved');
      if (c.v > best.pxs) best = { pxs: c.v, rows, threads };
      bestInfer = Math.max(bestInfer, inf ?? 0);
    }
    emit('inference.onnx.best.px_per_s', best.pxs, `px/s (batch ${best.rows}, ${best.threads} thread(s))`);
    if (BASELINE) {
      const bm = JSON.parse(readFileSync(join(BASELINE, 'manifest.json'), 'utf8'));
      let bb = { pxs: 0 };
      for (const { rows, threads, key } of configs) {
        const v = bestOf.get(`baseline.${key}`).v;
        emit(`inference.baseline.batch${rows}.threads${threads}.px_per_s`, v, `px/s (${bm.name} v${bm.version}, ${bm.sampler.graph ?? 'sampler'} graph, sampler, same rows, interleaved)`);
        if (v > bb.pxs) bb = { pxs: v, rows, threads };
      }
      emit('inference.onnx_vs_baseline', best.pxs / bb.pxs, `x (best of this model / best of ${bm.name} v${bm.version}: batch ${bb.rows}, ${bb.threads} thread(s))`);
      row(`baseline ${bm.name} v${bm.version} (${bm.sampler.graph ?? 'sampler'} graph), batch ${bb.rows}, ${bb.threads} thread(s)`, bb.pxs, 'same rows, interleaved rounds');
    }
    if (bestInfer) emit('inference.infer.best.px_per_s', bestInfer, 'px/s');
    for (const ext of ['csv', 'parquet']) {
      const c = bestOf.get(`cli.${ext}`);
      if (!c) continue;
      emit(`inference.cli_infer.${ext}.rows_per_s`, c.v, `rows/s (pixsed infer CSV → ${ext}, batch ${cliConfig.rows}, ${cliConfig.threads} thread(s), as it reports: reading, inference, writing)`);
      emit(`inference.cli_infer.${ext}.vs_sampler`, c.v / best.pxs, 'fraction of the best pixsed sampler px/s (goal ≥ 0.9)');
      emit(`inference.cli_infer.${ext}.wall_rows_per_s`, c.wall, 'rows/s (process wall clock: start-up and model load included)');
      const q = bestOf.get(`cli.${ext}.quarter`);
      const marginal = q && c.n > q.n ? (c.n - q.n) / (c.n / c.v - q.n / q.v) : undefined;
      if (marginal > 0) {
        emit(`inference.cli_infer.${ext}.marginal_rows_per_s`, marginal, `rows/s (the ${c.n - q.n} rows beyond the first ${q.n}, best runs of each: cold start excluded)`);
        emit(`inference.cli_infer.${ext}.marginal_vs_sampler`, marginal / best.pxs, 'fraction of the best pixsed sampler px/s');
      }
      row(`pixsed infer CSV → ${ext}, batch ${cliConfig.rows}, ${cliConfig.threads} thread(s)`, c.v, `${c.wall.toFixed(0)} rows/s wall${marginal > 0 ? `; marginal ${marginal.toFixed(0)} rows/s (${(marginal / best.pxs).toFixed(2)} of the sampler)` : ''}`);
    }
    const flowGemm = { rows: gemmRows(best.rows), byThreads: Object.fromEntries(THREAD_COUNTS.map((t) => [t, bestOf.get(`gemm.${best.rows}.t${t}`).v])) };
    for (const rows of BATCHES) {
      for (const t of THREAD_COUNTS) emit(`machine.ort_gemm_flow_shape.rows${gemmRows(rows)}.threads${t}`, bestOf.get(`gemm.${rows}.t${t}`).v, `GMAC/s (onnxruntime Gemm+Relu ×10, [${gemmRows(rows)}, 64] × [64, 64] = batch ${rows} × ${S} samples, best of ${ROUNDS} rounds × 20)`);
    }
    const pixsedP50 = rowsFile === '-' ? undefined : await readP50(join(work, 'pixsed-p50.npy'));
    const logMstar = manifest.parameters.findIndex((p) => p.name === 'log_mstar');

    // PyTorch peer (same weights) and the GEMM peak
    let macs;
    let peak;
    if (!PEERS.has('torch')) note('PyTorch peer skipped (PIXSED_BENCH_PEERS)');
    else if (!existsSync(join(modelDir, 'sampler.pt'))) note(`PyTorch peer skipped: ${modelDir}/sampler.pt missing (train.py writes it)`);
    else {
      const python = await torchPython();
      if (python) await torchPeer(python);
    }
    async function torchPeer(python) {
      const script = join(root, 'tools/train/bench_torch.py');
      for (const t of THREAD_COUNTS) {
        const p = runPython(python, [script, '--peak', '--threads', String(t), '--gemm-size', '2048', '--flow-rows', String(flowGemm.rows), '--reps', '20'], { OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t), MKL_NUM_THREADS: String(t) });
        emit(`machine.sgemm2048.numpy.threads${t}`, p.numpy, `GMAC/s (numpy ${p.numpyVersion}, ${p.numpyBlas})`);
        emit(`machine.sgemm2048.torch.threads${t}`, p.torch, `GMAC/s (torch.mm ${p.torchVersion})`);
        emit(`machine.sgemm_flow_shape.numpy.threads${t}`, p.flowShape.numpy, `GMAC/s (numpy, [${p.flowShape.rows}, 64] × [64, 64])`);
        emit(`machine.sgemm_flow_shape.torch.threads${t}`, p.flowShape.torch, `GMAC/s (torch.mm, [${p.flowShape.rows}, 64] × [64, 64])`);
        if (t === THREADS) {
          // the peak: the fastest GEMM this run measured at THREADS threads, any shape and library (2048² can fall
          // below the flow's own shape when the machine's memory is shared: the lower figure would flatter the share)
          const g = flowGemm.byThreads[THREADS];
          const cands = [
            [p.numpy, `sgemm 2048², numpy ${p.numpyBlas}`],
            [p.torch, 'sgemm 2048², torch.mm'],
            [p.flowShape.numpy, `numpy at [${p.flowShape.rows}, 64] × [64, 64]`],
            [p.flowShape.torch, `torch.mm at [${p.flowShape.rows}, 64] × [64, 64]`],
            ...(g ? [[g, `onnxruntime Gemm+Relu at [${flowGemm.rows}, 64] × [64, 64]`]] : []),
          ];
          const [value, by] = cands.reduce((a, b) => (b[0] > a[0] ? b : a));
          peak = { value, by };
        }
      }
      let tbest;
      for (const t of THREAD_COUNTS) {
        const args = [script, '--model-dir', modelDir, '--samples', String(S), '--threads', String(t), '--pixels', String(N)];
        if (rowsFile !== '-') args.push('--features', join(work, 'features.npy'), '--p50-out', join(work, `torch-p50-${t}.npy`));
        const cur = runPython(python, args);
        emit(`inference.torch.threads${t}.px_per_s`, cur.pxPerS, `px/s (${S} samples, torch ${cur.torch}, chunk ${cur.chunk})`);
        row(`PyTorch ${cur.torch}, same weights, ${t} thread(s)`, cur.pxPerS);
        if (!tbest || cur.pxPerS > tbest.pxPerS) tbest = cur;
        macs = cur.macs;
      }
      await sameWeights(tbest);
      emit('inference.onnx_vs_torch', best.pxs / tbest.pxPerS, `x (best pixsed sampler / best PyTorch, ${best.threads} / ${tbest.threads} thread(s))`);
      if (pixsedP50) {
        const tp = await readP50(join(work, `torch-p50-${tbest.threads}.npy`));
        const a = await agreement(column(pixsedP50, logMstar), column(tp, logMstar));
        emit('agreement.torch.log_mstar.median_delta', a.median, `dex (pixsed − PyTorch p50, ${a.n} rows; different noise)`);
        emit('agreement.torch.log_mstar.nmad', a.nmad, 'dex');
        table.find((x) => x.path.startsWith(`PyTorch ${tbest.torch}`) && x.path.endsWith(`${tbest.threads} thread(s)`)).extra = `log M* Δ ${a.median.toFixed(3)}, NMAD ${a.nmad.toFixed(3)}`;
      }
      table.torchBest = tbest.pxPerS;
    }
    async function sameWeights(t) {
      // the peer's 4-pixel check through onnxruntime with the same noise
      const ort = await import('onnxruntime-node');
      const session = await ort.InferenceSession.create(join(modelDir, 'model.onnx'));
      const nf = t.check.features.length / 4;
      const D = t.check.noise.length / 32;
      const o = await session.run({
        features: new ort.Tensor('float32', Float32Array.from(t.check.features), [4, nf]),
        noise: new ort.Tensor('float32', Float32Array.from(t.check.noise), [4, 8, D]),
      });
      const got = o.samples.data;
      emit('inference.onnx_vs_torch.max_abs_diff_same_noise', t.check.samples.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i])), 0), 'physical units');
      // random in-range features can make the flow extrapolate to huge values, where float32 differences grow with the value
      emit('inference.onnx_vs_torch.max_rel_diff_same_noise', t.check.samples.reduce((m, v, i) => Math.max(m, Math.abs(v - got[i]) / Math.max(1, Math.abs(v))), 0), '|Δ| / max(1, |value|)');
    }
    if (macs && peak) {
      const perSample = macs.perSample + macs.perPixel / S;
      emit('inference.flow.macs_per_sample', macs.perSample, 'MAC (coupling MLPs, counted from sampler.pt)', true);
      emit('inference.graph.macs_per_sample', macs.graphPerSample, `MAC (what model.onnx's ${manifest.sampler.graph ?? 'sampler'} graph executes per sample, zero-padded weights included; share of peak counts the flow's)`, true);
      emit('inference.flow.macs_per_pixel', macs.perPixel, 'MAC (conditioning network + context projections, once per pixel)', true);
      emit('machine.fp32_peak', peak.value, `GMAC/s (the fastest GEMM measured in this run, ${THREADS} threads: ${peak.by})`);
      const share = (pxs) => (pxs * S * perSample) / 1e9 / peak.value;
      emit('inference.onnx.best.share_of_peak', share(best.pxs), `fraction ((${macs.perSample} + ${macs.perPixel}/${S}) MAC × ${S} × px/s ÷ peak)`);
      if (table.torchBest) emit('inference.torch.best.share_of_peak', share(table.torchBest), 'fraction');
      const g = flowGemm.byThreads[best.threads];
      emit('inference.onnx.best.share_of_flow_shape_gemm', (share(best.pxs) * peak.value) / g, `fraction (of onnxruntime's Gemm+Relu rate at [${flowGemm.rows}, 64] × [64, 64], ${best.threads} thread(s): ${g.toFixed(1)} GMAC/s)`);
      table.share = share;
      table.peak = peak.value;
      table.peakBy = peak.by;
    } else note('no share of peak: it needs the PyTorch venv (numpy sgemm peak, MACs from sampler.pt)');

    // SBIPIX's own model
    if (!PEERS.has('sbipix')) note('SBIPIX peer skipped (PIXSED_BENCH_PEERS)');
    else if (rowsFile === '-') note('SBIPIX peer skipped: no mock rows (reference data missing)');
    else if (SBIPIX_ROWS === 0) note('SBIPIX peer skipped (PIXSED_BENCH_SBIPIX_ROWS=0)');
    else await sbipixPeer();
    async function sbipixPeer() {
      const { peerFiles, runPeer, readPeerOutput, writePeerInput } = await import('../peers/sbipix-peer.mjs');
      const { ensureSbipixVenv } = await import('../peers/sbipix-venv.mjs');
      const { loadMocks } = await import('@pixsed/calibration/node');
      let files;
      let python;
      try {
        files = peerFiles();
        python = ensureSbipixVenv(files.requirements, { log: (m) => note(`sbipix venv: ${m}`) });
      } catch (e) {
        note(`SBIPIX peer skipped: ${e.message}`);
        return;
      }
      const cat = loadMocks(rowsFile);
      for (const [mode, k] of [['flow', SBIPIX_ROWS], ['loop', SBIPIX_LOOP_ROWS]]) {
        if (!k) continue;
        const ids = Array.from({ length: Math.min(k, cat.n) }, (_, i) => i);
        const input = join(work, `sbipix-${mode}-input.csv`);
        const output = join(work, `sbipix-${mode}-output.csv`);
        writePeerInput(input, cat, ids);
        note(`SBIPIX ${mode} on the first ${ids.length} rows (500 samples${mode === 'flow' ? ', chunks of 64 px' : ', per pixel, rejection; 20 s per-row timeout'})`);
        let res;
        try {
          res = runPeer({ python, files, input, output, samples: S, mode, chunk: 64, threads: best.threads, sigmaRule: 'correct' });
        } catch (e) {
          note(`SBIPIX ${mode} skipped: ${e.message}`);
          continue;
        }
        const tm = res.timing;
        emit(`inference.sbipix.${mode}.px_per_s`, tm.px_per_s, `px/s (${S} samples, ${ids.length} rows${mode === 'flow' ? ', chunks of 64' : `, ${tm.stalled_rows} stalled`})`);
        if (mode === 'flow') emit('inference.sbipix.flow.fraction_outside_prior', tm.fraction_outside_prior, 'fraction of draws');
        emit(`inference.onnx_vs_sbipix_${mode}`, best.pxs / tm.px_per_s, `x (best pixsed sampler / SBIPIX at ${best.threads} thread(s))`);
        const out = readPeerOutput(output, ids);
        const a = await agreement(column(pixsedP50, logMstar).subarray(0, ids.length), out.log_mstar_p50);
        emit(`agreement.sbipix_${mode}.log_mstar.median_delta`, a.median, `dex (pixsed − SBIPIX p50, ${a.n} rows)`);
        emit(`agreement.sbipix_${mode}.log_mstar.nmad`, a.nmad, 'dex');
        row(`SBIPIX ${mode}${mode === 'flow' ? ' (chunks of 64)' : ' (its per-pixel loop)'}`, tm.px_per_s, `${ids.length} rows; log M* Δ ${a.median.toFixed(3)}, NMAD ${a.nmad.toFixed(3)}${mode === 'flow' ? `; ${(100 * tm.fraction_outside_prior).toFixed(0)} % outside prior` : `; ${tm.stalled_rows} stalled`}`, false);
      }
    }

    // the summary
    if (table.peak) {
      const fg = Object.entries(flowGemm.byThreads).map(([t, v]) => `${v.toFixed(1)} (${t} thread(s))`).join(', ');
      process.stderr.write(`\npeak: ${table.peak.toFixed(1)} GMAC/s (${THREADS} threads, the fastest GEMM of the run: ${table.peakBy}); onnxruntime Gemm+Relu at the flow's shape [${flowGemm.rows}, 64] × [64, 64]: ${fg} GMAC/s\n`);
    }
    process.stderr.write(`\n${modelName} v${manifest.version} (${manifest.sampler.graph ?? 'sampler'} graph), ${S} samples/px, threads ${THREAD_COUNTS.join(' and ')} (peak at ${THREADS}), ${rowsFile === '-' ? `${N} random in-range feature rows` : `${N} mock rows`}\n`);
    process.stderr.write('| path | px/s | × best pixsed | share of peak (pixsed flow) | note |\n|---|---|---|---|---|\n');
    for (const r of table) {
      process.stderr.write(`| ${r.path} | ${r.pxs.toFixed(1)} | ${(r.pxs / best.pxs).toFixed(4)} | ${table.share && r.sameFlow ? `${(100 * table.share(r.pxs)).toFixed(1)} %` : '–'} | ${r.extra} |\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Rows of the flow's hidden-layer GEMM for a batch of `batchRows` pixels (at most 1,000,000). */
function gemmRows(batchRows) {
  return Math.min(batchRows * S, 1_000_000);
}

/**
 * onnxruntime's rate on the flow's hidden-layer shape: a chain of 10 Gemm(x, W [64, 64], b) + Relu on x [rows, 64]
 * (onnxruntime fuses each pair into the FusedGemm the flow's hidden layers run) for rows = each batch size × S, at
 * 1 and THREADS threads, best of 20 runs, kept as `gemm.<batch>.t<threads>` (GMAC/s).
 */
async function ortFlowShapeGemm(batches, keep, width = 64, layers = 10) {
  const ort = (await import('onnxruntime-node')).default;
  const model = gemmChainModel(width, layers);
  for (const t of THREAD_COUNTS) {
    const s = await ort.InferenceSession.create(model, { intraOpNumThreads: t, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
    for (const b of batches) {
      const rows = gemmRows(b);
      const x = new ort.Tensor('float32', new Float32Array(rows * width).fill(0.5), [rows, width]);
      await s.run({ x });
      let best = Infinity;
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        await s.run({ x });
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      keep(`gemm.${b}.t${t}`, (rows * width * width * layers) / best / 1e9);
    }
    await s.release();
  }
}

/** ONNX protobuf (opset 17) of a chain of `layers` Gemm(x, W_l, b_l) + Relu on x [R, width], random weights in ±1/8. */
function gemmChainModel(width, layers, seed = 1) {
  const varint = (v) => {
    const b = [];
    let n = BigInt(v);
    do {
      let x = Number(n & 0x7fn);
      n >>= 7n;
      if (n) x |= 0x80;
      b.push(x);
    } while (n);
    return Buffer.from(b);
  };
  // protobuf wire format: key = field << 3 | wire type (0 varint, 2 length-delimited); onnx.proto field numbers
  const key = (no, wire) => varint((no << 3) | wire);
  const int = (no, v) => Buffer.concat([key(no, 0), varint(v)]);
  const bytes = (no, buf) => Buffer.concat([key(no, 2), varint(buf.length), buf]);
  const str = (no, v) => bytes(no, Buffer.from(v, 'utf8'));
  const msg = (no, ...parts) => bytes(no, Buffer.concat(parts));
  let st = seed >>> 0;
  const rnd = () => ((st = (Math.imul(st, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) / 4;
  // TensorProto: dims 1, data_type 2 (1 = FLOAT), name 8, raw_data 9
  const tensor = (name, dims, n) => msg(5, ...dims.map((d) => int(1, d)), int(2, 1), str(8, name), bytes(9, Buffer.from(Float32Array.from({ length: n }, rnd).buffer)));
  // ValueInfoProto name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 | dim_param 2
  const valueInfo = (no, name) => msg(no, str(1, name), msg(2, msg(1, int(1, 1), msg(2, msg(1, str(2, 'R')), msg(1, int(1, width))))));
  const parts = [];
  let x = 'x';
  for (let l = 0; l < layers; l++) {
    parts.push(tensor(`w${l}`, [width, width], width * width), tensor(`b${l}`, [width], width));
    // NodeProto: input 1, output 2, name 3, op_type 4
    parts.push(msg(1, str(1, x), str(1, `w${l}`), str(1, `b${l}`), str(2, `g${l}`), str(3, `gemm${l}`), str(4, 'Gemm')));
    x = l === layers - 1 ? 'y' : `h${l}`;
    parts.push(msg(1, str(1, `g${l}`), str(2, x), str(3, `relu${l}`), str(4, 'Relu')));
  }
  // GraphProto: node 1, name 2, initializer 5, input 11, output 12; ModelProto: ir_version 1, producer 2, graph 7, opset_import 8
  const graph = Buffer.concat([str(2, 'gemm-chain'), ...parts, valueInfo(11, 'x'), valueInfo(12, 'y')]);
  return new Uint8Array(Buffer.concat([int(1, 8), str(2, 'pixsed-bench'), bytes(7, graph), msg(8, str(1, ''), int(2, 17))]));
}

/**
 * `pixsed infer` on the same rows (CSV → CSV or Parquet) at the sampler's best batch size and threads: its own rows/s
 * and the process's; and on the first quarter of the rows, for its marginal rate (the rows beyond the quarter over the
 * seconds beyond it: worker start-up, session opening and the first batches' cold code excluded, as they are from the
 * sampler's figure, which is timed after a warm-up call).
 */
function cliInfer(rowsFile, ext, { rows, threads }, work, keep) {
  const cli = join(root, 'apps/cli/dist/main.js');
  if (!existsSync(cli)) {
    note(`pixsed infer skipped: ${cli} not built (npm run bench builds it)`);
    return;
  }
  const quarter = join(work, 'rows-quarter.csv');
  if (!existsSync(quarter)) {
    const lines = readFileSync(rowsFile, 'utf8').split('\n').filter((l) => l.length);
    writeFileSync(quarter, lines.slice(0, 1 + Math.floor((lines.length - 1) / 4)).join('\n') + '\n');
  }
  for (const [input, key] of [[rowsFile, `cli.${ext}`], [quarter, `cli.${ext}.quarter`]]) {
    const args = [cli, 'infer', '--model', join(modelDir, 'model.onnx'), '--input', input, '--out', join(work, `infer-out.${ext}`), '--samples', String(S), '--batch-rows', String(rows), '--threads', String(threads), '--key', 'row_id'];
    rmSync(join(work, `infer-out.${ext}`), { force: true });
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) {
      note(`pixsed infer failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
      process.exit(1);
    }
    const m = /inferred (\d+) rows .* in ([\d.]+) s/.exec(r.stdout);
    keep(key, Number(m[1]) / Number(m[2]), { wall: Number(m[1]) / wall, n: Number(m[1]) });
  }
}

async function readP50(file) {
  const { readNpy } = await import('@pixsed/core/node');
  const a = readNpy(file, { native: true });
  return { data: a.data, d: a.shape[1] };
}
function column(p50, d) {
  return Float64Array.from({ length: p50.data.length / p50.d }, (_, i) => p50.data[i * p50.d + d]);
}
