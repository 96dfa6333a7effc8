import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '@pixsed/core';
import { DEFAULT_SNR_SELECTION, validateModel, type ValidationReport } from '@pixsed/calibration/node';
import { loadManifest } from '@pixsed/model/node';
import { NOISE_MODEL_NAMES, SSP_LIBRARIES, namedNoiseConfig, type NoiseConfigInput, type SspConfig } from '@pixsed/simulator';
import { simulateCatalog } from '@pixsed/simulator/node';

export interface ValidateMatrixOptions {
  models: string;
  libraries: string;
  n: string;
  seed: string;
  samples: string;
  out: string;
  /** Optional noise axis: comma-separated noise-model names (NOISE_MODEL_NAMES); each test column is then (library, noise). */
  noise?: string;
  mocksConfigFrom?: string;
  /** Also record each model's cells in the `matrix` key of the validation.json beside it (the training report). */
  record?: boolean;
}

/** Test columns: one SSP library, or the equal mixture of all of them. */
const MIXTURE = 'mixture';
/** S/N bins of the issue (#21): integrated-like S/N ≥ 10, and the pixel regime 5–10 (mean over F277W/F356W/F444W). */
const SNR_BINS = [
  { name: 'snr>=10', min: 10, max: undefined },
  { name: 'snr5-10', min: 5, max: 10 },
] as const;
const SNR_BANDS = DEFAULT_SNR_SELECTION.snrBands;

function sspOf(column: string): SspConfig {
  if (column === MIXTURE) return { mixture: SSP_LIBRARIES.map((library) => ({ library, weight: 1 })) };
  return { library: column as (typeof SSP_LIBRARIES)[number] };
}

/**
 * `pixsed validate-matrix`: train-on-A / test-on-B. For every test column B (an SSP library, or `mixture`) it
 * simulates one held-out mock set — the prior of `--mocks-config-from` (default the first model's training
 * simulator config) with `ssp` replaced by B, seed `--seed + 1` — and validates every model on the same rows, per
 * S/N bin. Prints a markdown table of log M* and writes matrix.json (every parameter's R², bias, NMAD, coverage, TARP).
 * With `--noise`, every test column is an (SSP library, noise model) pair — the prior's `noise` replaced by
 * `namedNoiseConfig(name, prior noise)` — and a coverage table (68/95 % of every parameter, joint TARP) with a
 * "within ±3 %" verdict per cell is printed too (issue #21 item 7).
 */
export async function validateMatrixCommand(opts: ValidateMatrixOptions): Promise<void> {
  const models = opts.models.split(',').map((m) => m.trim()).filter(Boolean);
  const columns = opts.libraries.split(',').map((m) => m.trim()).filter(Boolean);
  const n = Number(opts.n);
  const seed = Number(opts.seed);
  const samples = Number(opts.samples);
  const noiseNames = opts.noise === undefined ? undefined : opts.noise.split(',').map((m) => m.trim()).filter(Boolean);
  const problems = [];
  if (models.length === 0) problems.push({ path: '--models', message: 'expected a comma-separated list of model.onnx files' });
  for (const c of columns) {
    if (c !== MIXTURE && !(SSP_LIBRARIES as readonly string[]).includes(c)) problems.push({ path: '--libraries', message: `unknown library '${c}' (known: ${[...SSP_LIBRARIES, MIXTURE].join(', ')})` });
  }
  const knownNoise = NOISE_MODEL_NAMES.map((m) => m.name).join(', ');
  if (noiseNames?.length === 0) problems.push({ path: '--noise', message: `expected a comma-separated list of noise models (known: ${knownNoise})` });
  for (const name of noiseNames ?? []) {
    if (namedNoiseConfig(name) === undefined) problems.push({ path: '--noise', message: `unknown noise model '${name}' (known: ${knownNoise}; P in (0, 100), S > 0)` });
  }
  if (!Number.isInteger(n) || n < 100) problems.push({ path: '--n', message: `expected an integer ≥ 100, got '${opts.n}'` });
  if (!Number.isInteger(seed)) problems.push({ path: '--seed', message: `expected an integer, got '${opts.seed}'` });
  if (!Number.isInteger(samples) || samples < 2) problems.push({ path: '--samples', message: `expected an integer ≥ 2, got '${opts.samples}'` });
  if (opts.record) {
    for (const m of models) {
      const v = join(dirname(resolve(m)), 'validation.json');
      if (!existsSync(v)) problems.push({ path: '--record', message: `${v}: no validation.json beside the model to record the matrix in` });
    }
  }
  if (problems.length) throw new ConfigError(undefined, problems, 'option');

  const log = (msg: string) => process.stderr.write(`[pixsed] ${msg}\n`);
  const priorFrom = resolve(opts.mocksConfigFrom ?? models[0]);
  const { manifest } = loadManifest(priorFrom);
  const baseConfig = (manifest.provenance.simulatorConfig ?? {}) as Record<string, unknown>;
  const cells: { model: string; label: string; modelPath: string; sps: string; test: string; library: string; noise?: string; bin: string; report: ValidationReport }[] = [];
  const labels = modelLabels(models);
  const baseNoise = (baseConfig.noise ?? {}) as NoiseConfigInput;
  const tests = columns.flatMap((library) => (noiseNames ?? [undefined]).map((noise) => ({ library, noise, label: noise === undefined ? library : `${library}/${noise}` })));
  for (const { library: column, noise, label } of tests) {
    const t0 = performance.now();
    const config = { ...baseConfig, ssp: sspOf(column), ...(noise === undefined ? {} : { noise: namedNoiseConfig(noise, baseNoise) }) };
    const catalog = simulateCatalog({ survey: manifest.survey, n, seed: seed + 1, config: config as never });
    log(`test column ${label}: simulated ${n} mocks in ${((performance.now() - t0) / 1000).toFixed(1)} s (prior of ${manifest.name})`);
    for (const modelPath of models) {
      for (const bin of SNR_BINS) {
        const { report } = await validateModel({
          modelPath,
          catalog,
          samples,
          seed,
          selection: { snrBands: SNR_BANDS, minMeanSnr: bin.min, maxMeanSnr: bin.max },
        });
        cells.push({ model: report.model.name, label: labels.get(resolve(modelPath))!, modelPath: resolve(modelPath), sps: report.model.sps, test: label, library: column, noise, bin: bin.name, report });
        const m = report.parameters.find((p) => p.name === 'log_mstar');
        log(`  ${labels.get(resolve(modelPath))} on ${label} ${bin.name}: ${report.selection.nKept} mocks, log M* bias ${m?.bias.toFixed(3)} NMAD ${m?.scatterNmad.toFixed(3)} cov68 ${m?.coverage68.toFixed(3)}`);
      }
    }
  }
  const outDir = resolve(opts.out);
  await mkdir(outDir, { recursive: true });
  const summary = cells.map((c) => ({
    model: c.model,
    modelVersion: c.report.model.version,
    modelLabel: c.label,
    trainedOn: c.sps,
    test: c.test,
    ...(c.noise === undefined ? {} : { library: c.library, noise: c.noise, noiseConfig: namedNoiseConfig(c.noise, baseNoise) }),
    snrBin: c.bin,
    nMocks: c.report.selection.nKept,
    parameters: Object.fromEntries(
      c.report.parameters.map((p) => [p.name, { r2: p.r2, bias: p.bias, nmad: p.scatterNmad, coverage68: p.coverage68, coverage95: p.coverage95, tarpAtc: p.tarp.atc }]),
    ),
    jointTarp: { atc: c.report.jointTarp.atc, atcStdErr: c.report.jointTarp.atcStdErr, ecp68: ecpAt(c.report.jointTarp, 0.68), ecp95: ecpAt(c.report.jointTarp, 0.95) },
  }));
  const file = join(outDir, 'matrix.json');
  const head = { priorFrom: manifest.name, n, seed, samples, snrBands: SNR_BANDS, libraries: columns, ...(noiseNames === undefined ? {} : { noise: noiseNames }) };
  await writeFile(file, JSON.stringify({ ...head, cells: summary }, null, 2) + '\n');
  if (opts.record) {
    for (const modelPath of [...new Set(models.map((m) => resolve(m)))]) {
      // this model's cells only (by its file: two versions of one model share a name)
      const mine = summary.filter((_, i) => cells[i].modelPath === modelPath).map((c) => ({ ...c, priorFrom: head.priorFrom, n, seed, samples, date: new Date().toISOString() }));
      await recordMatrix(join(dirname(modelPath), 'validation.json'), mine);
      log(`recorded ${labels.get(modelPath)}'s ${mine.length} matrix cells in ${join(dirname(modelPath), 'validation.json')} (key "matrix")`);
    }
  }
  const coverage = noiseNames === undefined ? '' : `\n${coverageTable(summary)}\n`;
  process.stdout.write(`${matrixTable(summary)}\n${coverage}output ${file}\n`);
}

/**
 * A label per model file for the tables and the log: `name vX.Y.Z`, and where two files share that (a retrained copy
 * before its version is bumped) their paths too, so no model's cells hide behind another's in a table.
 */
function modelLabels(models: string[]): Map<string, string> {
  const paths = [...new Set(models.map((m) => resolve(m)))];
  const base = new Map(paths.map((p) => {
    const { manifest } = loadManifest(p);
    return [p, `${manifest.name} v${manifest.version}`];
  }));
  const count = (l: string) => [...base.values()].filter((x) => x === l).length;
  return new Map(paths.map((p) => [p, count(base.get(p)!) > 1 ? `${base.get(p)} (${p})` : base.get(p)!]));
}

/**
 * Records matrix cells under `matrix.cells` of a model's validation.json (the training report): a cell of the same
 * test column and S/N bin replaces the earlier one, others are kept, so runs with and without `--noise` add up. Each
 * cell carries its own prior, n, seed, samples and date. Written to a temporary file and renamed: never left torn.
 */
async function recordMatrix(file: string, cells: { test: string; snrBin: string }[]): Promise<void> {
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(undefined, [{ path: '--record', message: `${file}: expected a JSON validation report (${(err as Error).message})` }], 'option');
  }
  const key = (c: { test: string; snrBin: string }) => `${c.test}|${c.snrBin}`;
  const fresh = new Set(cells.map(key));
  const earlier = ((report.matrix as { cells?: { test: string; snrBin: string }[] } | undefined)?.cells ?? []).filter((c) => !fresh.has(key(c)));
  const matrix = { snrBands: SNR_BANDS, cells: [...earlier, ...cells] };
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify({ ...report, matrix }, null, 1) + '\n');
  await rename(tmp, file);
}

/** Joint-TARP expected coverage at credibility α (the nearest grid level). */
function ecpAt(t: { alpha: number[]; ecp: number[] }, alpha: number): number {
  let k = 0;
  for (let i = 1; i < t.alpha.length; i++) if (Math.abs(t.alpha[i] - alpha) < Math.abs(t.alpha[k] - alpha)) k = i;
  return t.ecp[k];
}

/** Coverage goal of issue #21 item 7: 68 % and 95 % coverage within ±3 percentage points for every parameter. */
export const COVERAGE_TOLERANCE = 0.03;

type CoverageCell = Cell & { jointTarp: { atc: number; atcStdErr: number; ecp68: number; ecp95: number } };

/** A cell's model in the tables: its label (name and version, and path where two files share those), else its name. */
const modelId = (c: { model: string; modelLabel?: string }) => c.modelLabel ?? c.model;

/**
 * Markdown: one row per model × S/N bin × test column: 68/95 % coverage of every parameter, the joint TARP (ECP at
 * α = 0.68 / 0.95, ATC ± its bootstrap error) and the verdict "within ±3 %" (every parameter's coverage68 and
 * coverage95 within COVERAGE_TOLERANCE of 0.68 / 0.95), with the worst deviation and the binomial standard error
 * √(p(1 − p)/n) of a calibrated coverage at that level, so a verdict within noise can be told apart.
 */
export function coverageTable(cells: CoverageCell[]): string {
  const params = [...new Set(cells.flatMap((c) => Object.keys(c.parameters)))];
  const f = (x: number | undefined, d = 3) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
  const head = `| model | S/N | test | n | ${params.map((p) => `${p} cov68 / cov95`).join(' | ')} | joint TARP ECP68 / ECP95 / ATC | within ±${COVERAGE_TOLERANCE * 100} % |`;
  const sep = `|${Array.from({ length: params.length + 6 }, () => '---').join('|')}|`;
  const body = cells.map((c) => {
    let worst = { dev: 0, level: 0.68, what: '' };
    for (const p of params) {
      const q = c.parameters[p];
      for (const [level, v] of [[0.68, q?.coverage68], [0.95, q?.coverage95]] as const) {
        const dev = v === undefined || !Number.isFinite(v) ? Number.POSITIVE_INFINITY : v - level;
        if (Math.abs(dev) > Math.abs(worst.dev)) worst = { dev, level, what: `${p} cov${Math.round(level * 100)} ${f(v)}` };
      }
    }
    const ok = Math.abs(worst.dev) <= COVERAGE_TOLERANCE;
    // binomial standard error of a calibrated coverage at that level over n mocks: the noise floor of the verdict
    const se = Math.sqrt((worst.level * (1 - worst.level)) / c.nMocks);
    const verdict = `${ok ? 'yes' : 'no'} (worst ${worst.what || '–'}, ${worst.dev > 0 ? '+' : ''}${f(worst.dev)}; binomial σ ${f(se)})`;
    const cov = params.map((p) => `${f(c.parameters[p]?.coverage68)} / ${f(c.parameters[p]?.coverage95)}`);
    const t = c.jointTarp;
    return `| ${modelId(c)} | ${c.snrBin} | ${c.test} | ${c.nMocks} | ${cov.join(' | ')} | ${f(t.ecp68)} / ${f(t.ecp95)} / ${f(t.atc, 4)} ± ${f(t.atcStdErr, 4)} | ${verdict} |`;
  });
  return ['coverage (68/95 %, every parameter; joint TARP):', head, sep, ...body].join('\n');
}

type Cell = { model: string; modelLabel?: string; trainedOn: string; test: string; snrBin: string; nMocks: number; parameters: Record<string, { r2: number; bias: number; nmad: number; coverage68: number; coverage95: number }> };

/** Markdown: one row per model × S/N bin, one column group per test library (log M*: bias / NMAD / cov68 / cov95). */
export function matrixTable(cells: Cell[], parameter = 'log_mstar'): string {
  const tests = [...new Set(cells.map((c) => c.test))];
  const rows = [...new Set(cells.map((c) => `${modelId(c)}|${c.snrBin}`))];
  const f = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));
  const head = `| model (trained on) | S/N | ${tests.map((t) => `test ${t}: bias / NMAD / cov68 / cov95 (n)`).join(' | ')} |`;
  const sep = `|---|---|${tests.map(() => '---').join('|')}|`;
  const body = rows.map((key) => {
    const [model, bin] = key.split('|');
    const any = cells.find((c) => modelId(c) === model)!;
    const parts = tests.map((t) => {
      const c = cells.find((x) => modelId(x) === model && x.snrBin === bin && x.test === t);
      const p = c?.parameters[parameter];
      return p ? `${f(p.bias)} / ${f(p.nmad)} / ${f(p.coverage68)} / ${f(p.coverage95)} (${c!.nMocks})` : '–';
    });
    return `| ${model} (${any.trainedOn}) | ${bin} | ${parts.join(' | ')} |`;
  });
  return [`${parameter}:`, head, sep, ...body].join('\n');
}
