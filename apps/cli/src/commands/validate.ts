import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '@pixsed/core';
import { DEFAULT_SNR_SELECTION, loadMocks, validateModel, writeValidationPlots, type ValidationReport } from '@pixsed/calibration/node';
import { simulateCatalog } from '@pixsed/simulator/node';

export interface ValidateOptions {
  model: string;
  mocks?: string;
  n?: string;
  seed: string;
  samples?: string;
  json?: boolean;
  out?: string;
}


const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** A readable table: one row per parameter, then the joint TARP and the selection. */
function table(report: ValidationReport & { mocks: Record<string, unknown> }): string {
  const head = ['parameter', 'R²', 'bias', 'NMAD', 'out>3σ', 'cov68', 'cov95', 'ATC', '±SE', 'ATC sum', 'SBC χ²', 'SBC p'];
  const rows = report.parameters.map((p) => [
    p.name,
    f(p.r2),
    f(p.bias),
    f(p.scatterNmad),
    f(p.outlierFraction),
    f(p.coverage68),
    f(p.coverage95),
    f(p.tarp.atc, 4),
    f(p.tarp.atcStdErr, 4),
    f(p.tarp.atcSum, 2),
    f(p.sbc.chi2, 1),
    p.sbc.pValue.toExponential(2),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  const s = report.selection;
  return [
    `model ${report.model.name} v${report.model.version} (${report.model.manifest})`,
    `mocks ${JSON.stringify(report.mocks)}: kept ${s.nKept}/${s.nTotal} with mean S/N > ${s.minMeanSnr} over ${s.snrBands.join(', ')} (${s.nFailedSnr} below, ${s.nNonFiniteTruth} non-finite truths)`,
    `${report.samplesPerObject} posterior samples per object, seed ${report.seed}; sampling ${f(report.seconds.sampling, 1)} s, metrics ${f(report.seconds.metrics, 1)} s`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `joint TARP: ATC ${f(report.jointTarp.atc, 4)} ± ${f(report.jointTarp.atcStdErr, 4)} (bootstrap SE) (sum without Δα ${f(report.jointTarp.atcSum, 2)}), max |ECP − α| ${f(report.jointTarp.maxDeviation)}`,
    `bias = median(pred − true) on the posterior median; out>3σ: |pred − true| > 3·(p84 − p16)/2; ATC = Σ_{α≥0.5}(ECP − α)·Δα, the area above α = 0.5 as sbi's check_tarp (> 0 too wide, < 0 too narrow); ±SE: its bootstrap standard error, the smallest |ATC| these mocks can resolve; ATC sum: the same without Δα (earlier sbi releases; scales with the ${report.jointTarp.alpha.length} α points)`,
  ].join('\n');
}

/**
 * `pixsed validate`: calibration of a posterior model on held-out mocks with known truths. With
 * `--n N` it simulates N mocks itself (jades bands, the simulator's default priors) with seed
 * `--seed + 1`, so that a model trained on `pixsed simulate --seed S` is validated on other draws
 * when run with the same `--seed S`; else it reads `--mocks DIR` (a `pixsed simulate` folder or a
 * .npy/.csv file). Keeps mean S/N > 5 over F277W/F356W/F444W (Iglesias-Navarro et al. 2025), prints
 * the report (JSON with `--json`) and writes pred_vs_true.png, coverage.png, sbc.png and
 * validation.json to `--out` (default `validation-<model name>/` in the current folder, printed).
 */
export async function validateCommand(opts: ValidateOptions): Promise<void> {
  const seed = Number(opts.seed);
  const samples = Number(opts.samples ?? '500');
  const n = opts.n === undefined ? undefined : Number(opts.n);
  const problems = [];
  if (!Number.isInteger(seed)) problems.push({ path: '--seed', message: `expected an integer, got '${opts.seed}'` });
  if (!Number.isInteger(samples) || samples < 2) problems.push({ path: '--samples', message: `expected an integer ≥ 2, got '${opts.samples}'` });
  if (n !== undefined && !(Number.isInteger(n) && n >= 2)) problems.push({ path: '--n', message: `expected an integer ≥ 2, got '${opts.n}'` });
  if ((n === undefined) === (opts.mocks === undefined)) problems.push({ path: '--mocks/--n', message: 'give exactly one of --mocks DIR or --n N' });
  if (problems.length) throw new ConfigError(undefined, problems, 'option');

  const log = (msg: string) => process.stderr.write(`[pixsed] ${msg}\n`);
  let catalog: { n: number; columns: Record<string, ArrayLike<number>> };
  let mocks: Record<string, unknown>;
  if (n !== undefined) {
    const t0 = performance.now();
    const simSeed = seed + 1;
    catalog = simulateCatalog({ bands: 'jades', n, seed: simSeed });
    mocks = { simulated: n, bands: 'jades', seed: simSeed, config: 'simulator defaults' };
    log(`simulated ${n} held-out mocks (seed ${simSeed}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    const m = loadMocks(opts.mocks as string);
    catalog = m;
    mocks = { file: m.source, n: m.n };
  }

  const result = await validateModel({
    modelPath: opts.model,
    catalog,
    samples,
    seed,
    selection: { snrBands: [...DEFAULT_SNR_SELECTION.snrBands], minMeanSnr: DEFAULT_SNR_SELECTION.minMeanSnr },
    onProgress: (stage, done, total) => {
      if (!opts.json || process.stderr.isTTY) log(`${stage} ${done}/${total}`);
    },
  });
  const report = { mocks, ...result.report };
  const outDir = resolve(opts.out ?? `validation-${result.report.model.name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  if (opts.out === undefined) log(`no --out given: writing the validation outputs to ${outDir}`);
  await mkdir(outDir, { recursive: true });
  const pngs = await writeValidationPlots({ report: result.report, points: result.points }, outDir);
  const jsonFile = join(outDir, 'validation.json');
  await writeFile(jsonFile, JSON.stringify(report, null, 2) + '\n');
  if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(`${table(report)}\n${[...pngs, jsonFile].map((p) => `output ${p}`).join('\n')}\n`);
}
