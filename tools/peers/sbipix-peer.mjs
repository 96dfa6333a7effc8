#!/usr/bin/env node
// SBIPIX's own trained posterior (../shared/data/peers/sbipix/) as one more test column of the validation matrix
// (issue 21 item 6): select mock rows as `pixsed validate` does, in mean-S/N bins, run peers/sbipix/peer.py in its
// own venv on them, and compute the metrics `pixsed validate` reports (R², bias, NMAD, 68/95 % coverage) with the
// functions of @pixsed/calibration. Not on CI's required path: it installs sbi (torch) into a venv on first use.
//
//   npm run peer:sbipix -- --mocks /tmp/mocks [--out sbipix-peer] [--samples 500] [--bins 10:inf,5:10]
//                          [--pixsed-model test-data/models/jades-delayed-tau-affine/model.onnx]
//
// Output: <out>/sbipix-peer.json, per bin <out>/<bin>/{peer-input.csv, rows.csv, peer-output.csv}; a markdown
// table on stdout. `rows.csv` holds every catalogue column of the selected rows: `pixsed validate --mocks` on it
// gives pixsed's numbers on the same rows (or pass --pixsed-model to get them in the same table).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { ConfigError, DataFileError, ModelMismatchError, PixsedError, sha256Hex } from '@pixsed/core';
import { dataDir } from '@pixsed/core/node';
import { CALIBRATION_DEFINITIONS, fractionInside, pointMetrics } from '@pixsed/calibration';
import { DEFAULT_SNR_SELECTION, loadMocks, selectMockRows, validateModel } from '@pixsed/calibration/node';
import { ensureSbipixVenv, sbipixVenvDir } from './sbipix-venv.mjs';

/** The 19 bands of SBIPIX's conditioning vector, in peer.py's order (filters_jades_no_wfc.dat). */
export const SBIPIX_BANDS = 'f090w f115w f150w f182m f200w f210m f277w f335m f356w f410m f430m f444w f460m f480m f435w f606w f775w f814w f850lp'.split(' ');

/** Parameters SBIPIX shares with pixsed: peer.py's column stem → pixsed's truth column. */
export const SBIPIX_COMPARED = [
  { peer: 'log_mstar', truth: 'log_mstar', unit: 'log10(Msun)', note: 'surviving stars + remnants in both' },
  { peer: 'metallicity', truth: 'metallicity', unit: 'dex', note: 'SBIPIX [M/H]; pixsed [M/H] = log10(Z/Zsun)' },
  { peer: 'av', truth: 'av', unit: 'mag', note: "SBIPIX's A_V is FSPS dust2 (Calzetti); pixsed Calzetti (2000) A_V" },
  {
    peer: 'log_sfr',
    truth: 'log_sfr100',
    unit: 'log10(Msun/yr)',
    indicative: true,
    note: "indicative only: SBIPIX's log SFR is its own definition (its training set's SFR, M☉/yr; peers/sbipix/README.md), pixsed's truth column is log_sfr100 (the SFR averaged over the last 100 Myr)",
  },
];

/** The issue's two bins: mean S/N > 10 and 5 < S/N ≤ 10 (lower bound exclusive as `pixsed validate`'s S/N > 5). */
export const DEFAULT_BINS = [
  { name: 'snr-gt10', minMeanSnr: 10, maxMeanSnr: Infinity },
  { name: 'snr-5-10', minMeanSnr: 5, maxMeanSnr: 10 },
];

/** Gaussian 95 % half-width in σ (Φ⁻¹(0.975)). */
const Z95 = 1.959963984540054;

/** `10:inf,5:10` → bins (minMeanSnr < S/N ≤ maxMeanSnr). */
export function parseBins(text) {
  return text.split(',').map((part) => {
    const m = /^\s*([0-9.]+)\s*:\s*([0-9.]+|inf)\s*$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? (m[2] === 'inf' ? Infinity : Number(m[2])) : NaN;
    if (!(Number.isFinite(lo) && hi > lo)) throw new ConfigError(undefined, [{ path: '--bins', message: `expected MIN:MAX pairs with MAX > MIN or MAX = inf (e.g. 10:inf,5:10), got '${part}'` }], 'option');
    return { name: hi === Infinity ? `snr-gt${lo}` : `snr-${lo}-${hi}`, minMeanSnr: lo, maxMeanSnr: hi };
  });
}

/** The peer's files under the reference-data folder; a missing one is a DataFileError that says what to do. */
export function peerFiles(data = dataDir()) {
  const folder = join(data, 'peers', 'sbipix');
  const files = {
    folder,
    peerPy: join(folder, 'peer.py'),
    model: join(folder, 'post_obs_jades_resolved_tau_z7.5_cpu.pkl'),
    requirements: join(folder, 'requirements.txt'),
    noise: join(data, 'noise', 'jades'),
  };
  const hint = 'set PIXSED_DATA_DIR to the reference-data folder (default <repo>/../shared/data) that holds peers/sbipix/ and noise/jades/';
  if (!existsSync(folder)) throw new DataFileError(folder, undefined, `SBIPIX peer folder not found; ${hint}`);
  for (const f of [files.peerPy, files.model, files.requirements, join(files.noise, 'background_noise_hainline.npy')]) {
    if (!existsSync(f)) throw new DataFileError(f, undefined, `missing from the SBIPIX peer data; ${hint}`);
  }
  return files;
}

/**
 * Rows of one S/N bin: `selectMockRows` (the rule `pixsed validate` applies: mean S/N over `snrBands`, finite truths),
 * then log M* ≥ minLogMstar and z ≤ maxZ on the truths (the peer README's comparison), then the first `limit` rows.
 */
export function selectPeerRows(catalog, { snrBands, bin, minLogMstar, maxZ, limit = 0 }) {
  const truthColumns = [...new Set(['z', ...SBIPIX_COMPARED.map((p) => p.truth)])];
  const missing = [...SBIPIX_BANDS, ...snrBands]
    .flatMap((b) => [`flux_${b}_njy`, `flux_${b}_err_njy`])
    .concat(truthColumns)
    .filter((c, i, all) => all.indexOf(c) === i && !(c in catalog.columns));
  if (missing.length) throw new DataFileError(catalog.source ?? '<catalogue>', missing.join(', '), 'column(s) missing: the SBIPIX comparison needs the 19 JADES bands (flux_<band>_njy, flux_<band>_err_njy), z and the truths log_mstar, log_sfr100, metallicity, av');
  const sel = selectMockRows(catalog.columns, catalog.n, { snrBands, minMeanSnr: bin.minMeanSnr, maxMeanSnr: bin.maxMeanSnr }, truthColumns);
  const lm = catalog.columns.log_mstar;
  const z = catalog.columns.z;
  let rows = sel.keep.filter((i) => lm[i] >= minLogMstar && z[i] <= maxZ);
  const nFailedCuts = sel.keep.length - rows.length;
  const nLimited = limit > 0 && rows.length > limit ? rows.length - limit : 0;
  if (nLimited) rows = rows.slice(0, limit);
  return { rows, counts: { nTotal: catalog.n, nFailedSnr: sel.nFailedSnr, nNonFiniteTruth: sel.nNonFiniteTruth, nFailedCuts, nLimited, nSelected: rows.length } };
}

const num = (x) => (Number.isFinite(x) ? String(x) : 'nan');

/** peer.py's input: row_id (the catalogue row), z, then flux_<band>_njy and flux_<band>_err_njy (nJy, as in the catalogue) per SBIPIX band. */
export function writePeerInput(file, catalog, rows) {
  const header = ['row_id', 'z', ...SBIPIX_BANDS.flatMap((b) => [`flux_${b}_njy`, `flux_${b}_err_njy`])];
  const cols = header.slice(1).map((c) => catalog.columns[c]);
  const records = rows.map((i) => [String(i), ...cols.map((c) => num(c[i]))]);
  writeFileSync(file, stringifyCsv([header, ...records]));
  return header;
}

/** Every catalogue column of the selected rows, after row_id: a mock catalogue that `pixsed validate --mocks` reads. */
export function writeSelectedRows(file, catalog, rows) {
  const names = Object.keys(catalog.columns);
  const records = rows.map((i) => [String(i), ...names.map((c) => num(catalog.columns[c][i]))]);
  writeFileSync(file, stringifyCsv([['row_id', ...names], ...records]));
}

/** peer.py's output as Float64Array columns; its row_id column must list `rowIds` in order. */
export function readPeerOutput(file, rowIds) {
  if (!existsSync(file)) throw new DataFileError(file, undefined, 'peer.py wrote no output file');
  const records = parseCsv(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true });
  if (records.length !== rowIds.length) throw new DataFileError(file, undefined, `${records.length} rows, expected ${rowIds.length} (one per input row)`);
  const need = ['row_id', ...SBIPIX_COMPARED.flatMap((p) => ['p16', 'p50', 'p84', 'mean', 'std'].map((s) => `${p.peer}_${s}`))];
  const missing = need.filter((c) => !(c in records[0]));
  if (missing.length) throw new DataFileError(file, missing.join(', '), 'column(s) missing from the peer output (peer.py writes <param>_p16/_p50/_p84/_mean/_std)');
  const out = {};
  for (const c of need) out[c] = Float64Array.from(records, (r) => (r[c].toLowerCase() === 'nan' ? NaN : Number(r[c])));
  rowIds.forEach((id, k) => {
    if (out.row_id[k] !== id) throw new DataFileError(file, `row ${k + 2}`, `row_id ${out.row_id[k]}, expected ${id}: the peer output is not in input order`);
  });
  return out;
}

/**
 * Metrics of the peer's posterior per shared parameter, with @pixsed/calibration's functions: `pointMetrics` on the
 * median (σ = (p84 − p16)/2, as validateModel), 68 % coverage of [p16, p84] (`fractionInside`), and the 95 %
 * coverage of mean ± 1.96·std (peer.py writes no 2.5/97.5 % quantiles: a Gaussian approximation, named so).
 * Rows where the peer gave no median (a stalled row in loop mode) are left out and counted.
 */
export function peerMetrics(output, truthColumns) {
  return SBIPIX_COMPARED.map((p) => {
    const all = truthColumns[p.truth];
    const ok = [];
    for (let i = 0; i < all.length; i++) if (Number.isFinite(output[`${p.peer}_p50`][i])) ok.push(i);
    const take = (c) => Float64Array.from(ok, (i) => c[i]);
    const truth = take(all);
    const [p16, p50, p84, mean, std] = ['p16', 'p50', 'p84', 'mean', 'std'].map((s) => take(output[`${p.peer}_${s}`]));
    const sigma = p16.map((lo, i) => (p84[i] - lo) / 2);
    return {
      name: p.peer,
      truthColumn: p.truth,
      unit: p.unit,
      indicative: p.indicative ?? false,
      note: p.note,
      n: ok.length,
      nNoMedian: all.length - ok.length,
      ...pointMetrics({ pred: p50, truth, sigma }),
      coverage68: fractionInside(p16, p84, truth),
      coverage95Gauss: fractionInside(mean.map((m, i) => m - Z95 * std[i]), mean.map((m, i) => m + Z95 * std[i]), truth),
    };
  });
}

/**
 * Run peer.py (--mode flow by default) with the venv's interpreter; returns its timing JSON (last stderr line) and
 * the wall-clock seconds of the whole process (start-up, model load, features, sampling, writing).
 */
export function runPeer({ python, files, input, output, samples, mode, chunk, threads, sigmaRule }) {
  const args = [files.peerPy, '--model', files.model, '--noise', files.noise, '--input', input, '--out', output, '--samples', String(samples), '--mode', mode, '--chunk', String(chunk), '--threads', String(threads), '--sigma-rule', sigmaRule];
  const t0 = performance.now();
  const r = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const wallSeconds = (performance.now() - t0) / 1000;
  const tail = (r.stderr ?? '').trim().split('\n').slice(-15).join('\n');
  if (r.error) throw new PixsedError(`peer.py could not start (${python}: ${r.error.message}); check the venv (delete it to rebuild, or set PIXSED_SBIPIX_VENV)`);
  if (r.status !== 0) throw new PixsedError(`peer.py failed (exit ${r.status ?? r.signal}) on ${input}:\n${tail}\nCommand: ${python} ${args.join(' ')}\nIf a module is missing, delete the venv (${sbipixVenvDir()}) to rebuild it; if the input is the cause, the message above names it`);
  const last = (r.stderr ?? '').trim().split('\n').pop() ?? '';
  let timing;
  try {
    timing = JSON.parse(last);
  } catch {
    throw new PixsedError(`peer.py exited 0 but its last stderr line is not its timing JSON (${input}):\n${tail}`);
  }
  return { wallSeconds, timing };
}

const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

/** The report as markdown: one table per bin, SBIPIX (and pixsed where given) per shared parameter. */
export function markdownReport(report) {
  const lines = [
    `SBIPIX peer on ${report.mocks.source} (${report.mocks.n} mocks); selection: mean S/N over ${report.selection.snrBands.join(', ')}, log M* ≥ ${report.selection.minLogMstar}, z ≤ ${report.selection.maxZ}`,
    `peer.py --mode ${report.peer.mode} --samples ${report.peer.samples} --sigma-rule ${report.peer.sigmaRule}; cov95 of SBIPIX: mean ± 1.96·std (Gaussian; peer.py writes no 2.5/97.5 % quantiles), of pixsed: sample quantiles`,
    '',
  ];
  for (const b of report.bins) {
    const hi = b.maxMeanSnr === null ? '' : ` ≤ ${b.maxMeanSnr}`;
    if (b.skipped) {
      lines.push(`### ${b.minMeanSnr} < S/N${hi}: skipped (${b.skipped})`, '');
      continue;
    }
    lines.push(`### ${b.minMeanSnr} < S/N${hi}: ${b.counts.nSelected} rows; SBIPIX ${f3(b.timing.rowsPerSecond)} rows/s wall (${f3(b.timing.peer.px_per_s)} px/s sampling), ${f3(b.timing.peer.fraction_outside_prior ?? NaN)} of draws outside the prior`);
    lines.push('', '| parameter (truth column) | posterior | n | R² | bias | NMAD | cov68 | cov95 |', '|---|---|---|---|---|---|---|---|');
    for (const m of b.sbipix) {
      const name = `${m.name} (${m.truthColumn})${m.indicative ? ' †' : ''}`;
      lines.push(`| ${name} | SBIPIX | ${m.n} | ${f3(m.r2)} | ${f3(m.bias)} | ${f3(m.scatterNmad)} | ${f3(m.coverage68)} | ${f3(m.coverage95Gauss)} |`);
      const q = b.pixsed?.parameters.find((p) => p.name === m.truthColumn);
      if (q) lines.push(`| ${name} | pixsed ${b.pixsed.model} | ${b.pixsed.n} | ${f3(q.r2)} | ${f3(q.bias)} | ${f3(q.scatterNmad)} | ${f3(q.coverage68)} | ${f3(q.coverage95)} |`);
    }
    lines.push('');
  }
  lines.push(`† ${SBIPIX_COMPARED.find((p) => p.indicative).note}.`);
  return lines.join('\n');
}

const OPTIONS = {
  mocks: { type: 'string' },
  out: { type: 'string', default: 'sbipix-peer' },
  samples: { type: 'string', default: '500' },
  mode: { type: 'string', default: 'flow' },
  chunk: { type: 'string', default: '64' },
  threads: { type: 'string', default: '2' },
  'sigma-rule': { type: 'string', default: 'correct' },
  bins: { type: 'string', default: '10:inf,5:10' },
  'snr-bands': { type: 'string', default: DEFAULT_SNR_SELECTION.snrBands.join(',') },
  'min-log-mstar': { type: 'string', default: '7' },
  'max-z': { type: 'string', default: '7.5' },
  limit: { type: 'string', default: '0' },
  'pixsed-model': { type: 'string' },
  seed: { type: 'string', default: '0' },
  setup: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};

/** Parsed, checked options (ConfigError listing every bad one). Relative paths resolve against `cwd`. */
export function parseOptions(argv, cwd = process.env.INIT_CWD ?? process.cwd()) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new ConfigError(undefined, [{ path: '<arguments>', message: e.message }], 'option');
  }
  const problems = [];
  const int = (key, min) => {
    const v = Number(values[key]);
    if (!Number.isInteger(v) || v < min) problems.push({ path: `--${key}`, message: `expected an integer ≥ ${min}, got '${values[key]}'` });
    return v;
  };
  const real = (key) => {
    const v = Number(values[key]);
    if (!Number.isFinite(v)) problems.push({ path: `--${key}`, message: `expected a number, got '${values[key]}'` });
    return v;
  };
  const opts = {
    mocks: values.mocks === undefined ? undefined : resolve(cwd, values.mocks),
    out: resolve(cwd, values.out),
    samples: int('samples', 2),
    chunk: int('chunk', 1),
    threads: int('threads', 1),
    limit: int('limit', 0),
    seed: int('seed', 0),
    minLogMstar: real('min-log-mstar'),
    maxZ: real('max-z'),
    mode: values.mode,
    sigmaRule: values['sigma-rule'],
    snrBands: values['snr-bands'].split(',').map((s) => s.trim()).filter(Boolean),
    pixsedModel: values['pixsed-model'] === undefined ? undefined : resolve(cwd, values['pixsed-model']),
    setup: values.setup,
    help: values.help,
    bins: DEFAULT_BINS,
  };
  if (!['flow', 'loop', 'batched'].includes(opts.mode)) problems.push({ path: '--mode', message: `expected flow, loop or batched (peer.py's modes), got '${opts.mode}'` });
  if (!['correct', 'sbipix'].includes(opts.sigmaRule)) problems.push({ path: '--sigma-rule', message: `expected correct or sbipix, got '${opts.sigmaRule}'` });
  if (!opts.snrBands.length) problems.push({ path: '--snr-bands', message: 'expected a comma-separated list of bands' });
  try {
    opts.bins = parseBins(values.bins);
  } catch (e) {
    problems.push(...e.issues);
  }
  if (!opts.mocks && !opts.setup && !opts.help) problems.push({ path: '--mocks', message: 'required: a `pixsed simulate` folder (catalog.npy + catalog.columns.json, or catalog.csv) or a .npy/.csv file' });
  if (problems.length) throw new ConfigError(undefined, problems, 'option');
  return opts;
}

/** The whole run; returns the JSON report (also written to <out>/sbipix-peer.json). */
export async function runSbipixPeer(opts, log = (m) => process.stderr.write(`[sbipix] ${m}\n`)) {
  const files = peerFiles();
  const python = ensureSbipixVenv(files.requirements, { log });
  if (opts.setup) return undefined;
  const catalog = loadMocks(opts.mocks);
  mkdirSync(opts.out, { recursive: true });
  const report = {
    tool: 'tools/peers/sbipix-peer.mjs',
    mocks: { source: catalog.source, n: catalog.n },
    peer: { folder: files.folder, modelSha256: sha256Hex(readFileSync(files.model)), python, mode: opts.mode, samples: opts.samples, chunk: opts.chunk, threads: opts.threads, sigmaRule: opts.sigmaRule },
    selection: { rule: '`pixsed validate` (selectMockRows): minMeanSnr < mean S/N ≤ maxMeanSnr over snrBands, finite truths; then log M* ≥ minLogMstar, z ≤ maxZ; first `limit` rows (0: all)', snrBands: opts.snrBands, minLogMstar: opts.minLogMstar, maxZ: opts.maxZ, limit: opts.limit },
    definitions: {
      ...CALIBRATION_DEFINITIONS,
      coverage95Gauss: 'SBIPIX only: fraction of truths within mean ± 1.96·std of its samples (peer.py writes p16/p50/p84/mean/std, no 2.5/97.5 % quantiles)',
      rowsPerSecond: 'selected rows / wall-clock seconds of the peer.py process (Python start-up, model load and writing included); timing.peer.px_per_s is peer.py’s own sampling rate',
      logSfr: SBIPIX_COMPARED.find((p) => p.indicative).note,
    },
    bins: [],
  };
  for (const bin of opts.bins) {
    const { rows, counts } = selectPeerRows(catalog, { snrBands: opts.snrBands, bin, minLogMstar: opts.minLogMstar, maxZ: opts.maxZ, limit: opts.limit });
    const dir = join(opts.out, bin.name);
    mkdirSync(dir, { recursive: true });
    const entry = { name: bin.name, minMeanSnr: bin.minMeanSnr, maxMeanSnr: Number.isFinite(bin.maxMeanSnr) ? bin.maxMeanSnr : null, counts, files: { peerInput: join(dir, 'peer-input.csv'), rows: join(dir, 'rows.csv'), peerOutput: join(dir, 'peer-output.csv') } };
    if (rows.length < 2) {
      log(`${bin.name}: ${rows.length} rows selected, skipped (need ≥ 2)`);
      report.bins.push({ ...entry, skipped: `${rows.length} rows selected` });
      continue;
    }
    writePeerInput(entry.files.peerInput, catalog, rows);
    writeSelectedRows(entry.files.rows, catalog, rows);
    log(`${bin.name}: ${rows.length} rows → peer.py --mode ${opts.mode} --samples ${opts.samples} (README: ~22 px/s in flow mode on 2 cores)`);
    const { wallSeconds, timing } = runPeer({ python, files, input: entry.files.peerInput, output: entry.files.peerOutput, samples: opts.samples, mode: opts.mode, chunk: opts.chunk, threads: opts.threads, sigmaRule: opts.sigmaRule });
    const output = readPeerOutput(entry.files.peerOutput, rows);
    const truth = Object.fromEntries(SBIPIX_COMPARED.map((p) => [p.truth, Float64Array.from(rows, (i) => catalog.columns[p.truth][i])]));
    Object.assign(entry, { timing: { wallSeconds, rowsPerSecond: rows.length / wallSeconds, peer: timing }, sbipix: peerMetrics(output, truth) });
    if (opts.pixsedModel) entry.pixsed = await pixsedOnRows(opts, catalog, rows, bin, log);
    report.bins.push(entry);
  }
  writeFileSync(join(opts.out, 'sbipix-peer.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** pixsed's validateModel on exactly these rows (same S/N rule and bin); a row it would drop is an error. */
async function pixsedOnRows(opts, catalog, rows, bin, log) {
  const sub = { n: rows.length, columns: Object.fromEntries(Object.entries(catalog.columns).map(([c, v]) => [c, Float64Array.from(rows, (i) => v[i])])) };
  log(`${bin.name}: pixsed validateModel on the same ${rows.length} rows`);
  const { report } = await validateModel({ modelPath: opts.pixsedModel, catalog: sub, samples: opts.samples, seed: opts.seed, selection: { snrBands: opts.snrBands, minMeanSnr: bin.minMeanSnr } });
  if (report.selection.nKept !== rows.length) throw new ModelMismatchError(`validateModel kept ${report.selection.nKept} of the ${rows.length} rows selected for SBIPIX in ${bin.name} (${report.selection.nFailedSnr} below S/N, ${report.selection.nNonFiniteTruth} non-finite truths of ${report.model.name}): the columns would not be on the same rows`);
  return { model: `${report.model.name} v${report.model.version}`, n: report.n, seconds: report.seconds, rowsPerSecond: report.n / report.seconds.sampling, parameters: report.parameters.map(({ coverageCurve: _c, tarp, sbc: _s, ...p }) => ({ ...p, tarpAtc: tarp.atc })) };
}

async function main(argv) {
  const opts = parseOptions(argv);
  if (opts.help) {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 12).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
    return;
  }
  const report = await runSbipixPeer(opts);
  if (!report) return;
  process.stdout.write(`${markdownReport(report)}\noutput ${join(opts.out, 'sbipix-peer.json')}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`sbipix-peer: ${e instanceof PixsedError ? e.message : e.stack}\n`);
    process.exit(1);
  });
}
