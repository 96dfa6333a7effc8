import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import cliProgress from 'cli-progress';
import { batchFromColumns, ConfigError, createPrng, FLAG, type NumericArray } from '@pixsed/core';
import { posteriorSummary } from '@pixsed/model';
import { PosteriorModel } from '@pixsed/model/node';
import { createParquetWriter, readParquet } from '@pixsed/parquet/node';

export interface InferOptions {
  model: string;
  input: string;
  out: string;
  samples: string;
  seed: string;
  batchRows: string;
}

type Table = { n: number; columns: Record<string, Float64Array | string[]> };

async function readTable(file: string): Promise<Table> {
  if (file.toLowerCase().endsWith('.parquet')) {
    const t = await readParquet(file);
    const columns: Table['columns'] = {};
    for (const [k, v] of Object.entries(t.columns)) {
      columns[k] = ArrayBuffer.isView(v) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array) ? Float64Array.from(v as ArrayLike<number>) : Array.from(v as ArrayLike<unknown>, String);
    }
    return { n: t.numRows, columns };
  }
  const rows = parseCsv(await readFile(file, 'utf8'), { columns: true, skip_empty_lines: true, comment: '#', trim: true }) as Record<string, string>[];
  const names = rows.length ? Object.keys(rows[0]) : [];
  const columns: Table['columns'] = {};
  for (const k of names) {
    const raw = rows.map((r) => r[k]);
    const numeric = raw.every((v) => v === '' || /^(nan|[-+]?inf(inity)?|[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?)$/i.test(v));
    columns[k] = numeric ? Float64Array.from(raw, (v) => (v === '' || /^nan$/i.test(v) ? NaN : /inf/i.test(v) ? (v.startsWith('-') ? -Infinity : Infinity) : Number(v))) : raw;
  }
  return { n: rows.length, columns };
}

/**
 * `pixsed infer`: catalogue mode. Input rows with `flux_<band>_njy`, `flux_<band>_err_njy` and `z`
 * (CSV or Parquet; extra columns carried through) → posterior summaries per parameter and flags.
 */
export async function inferCommand(opts: InferOptions): Promise<void> {
  const S = Number(opts.samples);
  const seed = Number(opts.seed);
  const batchRows = Number(opts.batchRows);
  const bad = [];
  if (!Number.isInteger(S) || S < 2) bad.push({ path: '--samples', message: `expected an integer ≥ 2, got '${opts.samples}'` });
  if (!Number.isInteger(seed)) bad.push({ path: '--seed', message: `expected an integer, got '${opts.seed}'` });
  if (!Number.isInteger(batchRows) || batchRows < 1) bad.push({ path: '--batch-rows', message: `expected a positive integer, got '${opts.batchRows}'` });
  if (!/\.(csv|parquet)$/i.test(opts.out)) bad.push({ path: '--out', message: `expected a .csv or .parquet file name, got '${opts.out}'` });
  if (bad.length) throw new ConfigError(undefined, bad, 'option');

  const model = await PosteriorModel.load(resolve(opts.model), { batchRows });
  const input = resolve(opts.input);
  const table = await readTable(input);
  const num = (name: string): Float64Array | undefined => {
    const c = table.columns[name];
    return c instanceof Float64Array ? c : undefined;
  };
  const z = num('z');
  if (!z) throw new ConfigError(input, [{ path: 'z', message: `missing numeric column 'z' (columns: ${Object.keys(table.columns).join(', ')})` }], 'input table');
  const absent = model.bands.filter((b) => !num(`flux_${b}_njy`) || !num(`flux_${b}_err_njy`));
  if (absent.length === model.bands.length) {
    throw new ConfigError(input, [{ path: 'flux_<band>_njy', message: `no band of the model (${model.bands.join(', ')}) has flux_<band>_njy and flux_<band>_err_njy columns` }], 'input table');
  }
  if (absent.length) process.stderr.write(`[pixsed] bands ${absent.join(', ')} absent from ${input}: treated as missing (MISSING_BAND flag)\n`);
  const nan = new Float64Array(table.n).fill(NaN);
  const flux = model.bands.map((b) => num(`flux_${b}_njy`) ?? nan);
  const err = model.bands.map((b) => num(`flux_${b}_err_njy`) ?? nan);
  const n = table.n;
  const D = model.parameters.length;
  const out: Record<string, Float32Array> = {};
  for (const p of model.parameters) for (const s of ['mean', 'std', 'p16', 'p50', 'p84']) out[`${p}_${s}`] = new Float32Array(n);
  const flags = new Uint32Array(n);
  const rng = createPrng(seed);
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ stream: process.stderr, format: ' infer {bar} {percentage}% | {value}/{total} rows | ETA {eta}s' }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(n, 0);
  const t0 = performance.now();
  for (let r0 = 0; r0 < n; r0 += batchRows) {
    const r1 = Math.min(n, r0 + batchRows);
    const m = r1 - r0;
    const feat = model.features(flux.map((f) => f.subarray(r0, r1)), err.map((e) => e.subarray(r0, r1)), z.subarray(r0, r1), m);
    const oos = model.outOfSupport(feat, m);
    for (let i = 0; i < m; i++) flags[r0 + i] = (feat.missing[i] ? FLAG.MISSING_BAND : 0) | (feat.nonDetected[i] ? FLAG.NON_DETECTION : 0) | (oos[i] ? FLAG.OUT_OF_SUPPORT : 0);
    const samples = await model.sample(feat.features, m, S, rng);
    model.parameters.forEach((p, d) => {
      const s = posteriorSummary(samples, m, S, D, d);
      for (const [k, v] of Object.entries(s)) out[`${p}_${k}`].set(v, r0);
    });
    bar?.update(r1);
  }
  bar?.stop();
  await model.close();
  const seconds = (performance.now() - t0) / 1000;
  const file = resolve(opts.out);
  const carried = Object.entries(table.columns);
  if (file.toLowerCase().endsWith('.parquet')) {
    const numericCarried = carried.filter(([, v]) => v instanceof Float64Array) as [string, Float64Array][];
    const dropped = carried.filter(([, v]) => !(v instanceof Float64Array)).map(([k]) => k);
    if (dropped.length) throw new ConfigError(file, [{ path: dropped.join(', '), message: 'text columns cannot be carried into Parquet yet; write CSV instead' }], 'output');
    const writer = await createParquetWriter(file, { metadata: { 'pixsed.model': `${model.manifest.name}@${model.manifest.version}`, 'pixsed.samples': String(S), 'pixsed.seed': String(seed) } });
    const cols: Record<string, NumericArray> = { ...Object.fromEntries(numericCarried), ...out, flags };
    await writer.write(batchFromColumns(cols));
    await writer.close();
  } else {
    const names = [...carried.map(([k]) => k), ...Object.keys(out), 'flags'];
    const cols = [...carried.map(([, v]) => v), ...Object.values(out), flags];
    const lines = [names.join(',')];
    for (let i = 0; i < n; i++) lines.push(cols.map((c) => String((c as ArrayLike<unknown>)[i])).join(','));
    await writeFile(file, lines.join('\n') + '\n');
  }
  process.stdout.write(`inferred ${n} rows × ${S} samples in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)} rows/s) → ${file}\n`);
}
