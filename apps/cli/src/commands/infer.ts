import { createWriteStream, type WriteStream } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { once } from 'node:events';
import cliProgress from 'cli-progress';
import { batchFromColumns, ConfigError, DataFileError, duplicateColumns, FLAG, parseNumericCell, type NumericArray } from '@pixsed/core';
import { openCsvRecords, OutputTransaction, realTarget } from '@pixsed/core/node';
import { percentileSorted, spsLabel, SUMMARY_STATS, Z_SOURCE_CODES, zSourceCode, type ZSource } from '@pixsed/model';
import { checkSamplingPlan, DEFAULT_PPC_DRAWS, describeKernel, MAX_BATCH_ROWS, MAX_INTRA_OP_THREADS, MAX_SAMPLES_PER_ROW, PosteriorModel, ppcColumns, type InferResult } from '@pixsed/model/node';
import { createParquetWriter, readParquetRowGroups, type ParquetFileWriter } from '@pixsed/parquet/node';

export interface InferOptions {
  model: string;
  input: string;
  out: string;
  samples: string;
  seed: string;
  batchRows: string;
  /** Posterior draws per row in the posterior-predictive check (models with a PPC emulator); '0' turns it off. */
  ppcDraws?: string;
  /** onnxruntime intra-op threads (default 2). */
  threads?: string;
  /** Comma-separated key columns (e.g. `id`, or `x,y` for a pixel table); default: the row index. */
  key?: string;
  /** A photo-z model (manifest `redshift.role: parameter`) for rows without a z (no z column, or a NaN/empty z cell). */
  photzModel?: string;
}

/** One cell as read: CSV text, or a Parquet value (number, bigint, string, null, list …). */
type Cell = unknown;

/**
 * Rows per processing chunk (CSV: read in chunks of it; Parquet: each row group cut into chunks of it). 1,024:
 * reading, parsing and writing a chunk overlap the inference of its neighbours even for a small table (with 4,096
 * rows per CSV chunk and one chunk per row group, a 4,096-row input was read, inferred and written one after the
 * other).
 */
const CHUNK_ROWS = 1024;

/** Why a cell that `parseNumericCell` did not read as a number is bad: 'NULL', 'empty', 'not a number' or 'text'. */
function badReason(v: Cell, p: 'blank' | 'invalid'): string {
  if (p === 'blank') return v === null || v === undefined ? 'NULL' : 'empty';
  if (typeof v !== 'string') return 'not a number';
  return /^null$/i.test(v.trim()) ? 'NULL' : 'text';
}

/**
 * Numeric cells through core's `parseNumericCell` (the catalogue reader's too) into `out`: a number (NaN for `nan`,
 * ±Infinity for `inf`), or NaN for a cell that is empty, NULL or text, counted in `tally` under `name` (data row row0 + i).
 */
function parseColumn(cells: ArrayLike<Cell>, n: number, out: Float64Array, name: string, tally: BadCells, row0: number): void {
  for (let i = 0; i < n; i++) {
    const v = cells[i];
    const p = typeof v === 'number' ? v : parseNumericCell(v);
    if (typeof p === 'number') out[i] = p;
    else {
      out[i] = NaN;
      tally.add(name, badReason(v, p), row0 + i, v);
    }
  }
}

/** Counts of bad cells per column and reason, with the first row seen (0-based data row). */
class BadCells {
  private readonly byColumn = new Map<string, { reasons: Map<string, number>; firstRow: number; example: string }>();
  add(column: string, reason: string, row: number, raw: Cell) {
    let c = this.byColumn.get(column);
    if (!c) this.byColumn.set(column, (c = { reasons: new Map(), firstRow: row, example: String(raw) }));
    c.reasons.set(reason, (c.reasons.get(reason) ?? 0) + 1);
  }
  get size() {
    return this.byColumn.size;
  }
  total(): number {
    let t = 0;
    for (const c of this.byColumn.values()) for (const v of c.reasons.values()) t += v;
    return t;
  }
  describe(): string {
    return [...this.byColumn]
      .map(([col, c]) => `${col}: ${[...c.reasons].map(([r, k]) => `${k} ${r}`).join(', ')} (first at data row ${c.firstRow + 1}: '${c.example.slice(0, 40)}')`)
      .join('; ');
  }
}

/** A chunk of input rows: cells by column, in input column order. */
interface Chunk {
  n: number;
  cells: Cell[][];
}

interface TableReader {
  /** Column names in file order. */
  names: string[];
  /** Total rows when known up front (Parquet). */
  totalRows?: number;
  /** Columns known to be text (a Parquet BYTE_ARRAY column), which cannot be carried into Parquet. */
  textColumns: Set<string>;
  chunks(): AsyncGenerator<Chunk>;
}

async function openCsv(file: string): Promise<TableReader> {
  const csv = await openCsvRecords(file);
  const names = csv.header;
  return {
    names,
    textColumns: new Set(),
    async *chunks() {
      let cells: string[][] = names.map(() => []);
      let n = 0;
      for await (const batch of csv.batches()) {
        for (const rec of batch) {
          for (let c = 0; c < rec.length; c++) cells[c].push(rec[c]);
          if (++n === CHUNK_ROWS) {
            yield { n, cells };
            cells = names.map(() => []);
            n = 0;
          }
        }
      }
      if (n) yield { n, cells };
    },
  };
}

async function openParquet(file: string): Promise<TableReader> {
  const pq = await readParquetRowGroups(file);
  const names = pq.fields.map((f) => f.name);
  return {
    names,
    totalRows: pq.numRows,
    textColumns: new Set(pq.fields.filter((f) => f.physicalType === 'BYTE_ARRAY' || f.physicalType === undefined).map((f) => f.name)),
    async *chunks() {
      for await (const g of pq.groups()) {
        const cols = names.map((k) => g.columns[k] as unknown as Cell[] | Float64Array);
        for (let a = 0; a < g.numRows; a += CHUNK_ROWS) {
          const b = Math.min(g.numRows, a + CHUNK_ROWS);
          // typed columns as views, others copied (a group within one chunk passed as it is)
          const cut = (c: Cell[] | Float64Array) => (a === 0 && b === g.numRows ? c : ArrayBuffer.isView(c) ? c.subarray(a, b) : c.slice(a, b));
          yield { n: b - a, cells: cols.map(cut) as Cell[][] };
        }
      }
    },
  };
}

/** The output table: CSV (csv-stringify, quoting as needed) or Parquet (@pixsed/parquet), written batch by batch. */
interface TableWriter {
  write(columns: { name: string; values: ArrayLike<unknown> }[], n: number): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A CSV field as csv-stringify writes it with its default options (what this command wrote with it before; the int
 * test round-trips the output through csv-parse and csv-stringify): numbers and booleans by String(), null and
 * undefined as nothing, text quoted when it holds a comma, a quote, CR or LF, with its quotes doubled.
 */
function csvField(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === null || v === undefined) return '';
  const t = typeof v === 'string' ? v : String(v);
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** Characters of CSV text gathered before one write to the file stream. */
const CSV_WRITE_CHARS = 1 << 16;

async function openCsvWriter(file: string, names: string[]): Promise<TableWriter> {
  const out: WriteStream = createWriteStream(file);
  const failed = new Promise<never>((_, reject) => {
    out.on('error', (e) => reject(new DataFileError(file, undefined, `cannot write: ${e.message}`)));
  });
  failed.catch(() => undefined);
  const put = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  await put(names.map(csvField).join(',') + '\n');
  return {
    // rows formatted column by column into text, handed to the stream in pieces of ~64 k characters (backpressure kept)
    async write(columns, n) {
      const values = columns.map((c) => c.values);
      const last = values.length - 1;
      let text = '';
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < last; c++) text += csvField(values[c][i]) + ',';
        text += csvField(values[last][i]) + '\n';
        if (text.length >= CSV_WRITE_CHARS) {
          await put(text);
          text = '';
        }
      }
      if (text) await put(text);
    },
    async close() {
      out.end();
      await Promise.race([once(out, 'finish'), failed]);
    },
    async abort() {
      out.destroy();
    },
  };
}

/**
 * Parquet row groups of `pixsed infer`'s output: 16,384 rows (16 chunks), so that a group is encoded on the main
 * thread while the sampler's workers infer the next chunks (the writer's default, 131,072 rows, left every encoding of
 * a smaller input until after the last inference).
 */
const PARQUET_GROUP_ROWS = 16 * CHUNK_ROWS;

async function openParquetWriter(file: string, metadata: Record<string, string>): Promise<TableWriter> {
  const w: ParquetFileWriter = await createParquetWriter(file, { metadata, rowGroupRows: PARQUET_GROUP_ROWS });
  return {
    async write(columns) {
      await w.write(batchFromColumns(Object.fromEntries(columns.map((c) => [c.name, c.values as NumericArray]))));
    },
    close: () => w.close(),
    abort: () => w.abort(),
  };
}

function keyValue(v: Cell): number | string {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const p = parseNumericCell(v);
    return typeof p === 'number' && Number.isFinite(p) ? p : v;
  }
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  return String(v);
}

/**
 * `pixsed infer`: catalogue mode. Input rows with `flux_<band>_njy`, `flux_<band>_err_njy` and `z`
 * (CSV streamed through core's openCsvRecords, Parquet row group by row group) → posterior summaries per
 * parameter and `flags`, written batch by batch (memory bounded by one chunk, not the table).
 * Other columns are carried through; an input column whose name the output uses (`flags`,
 * `<param>_<stat>`) is carried as `input_<name>`. A cell of a band or z column that is empty,
 * NULL or text makes that band missing (z: no redshift) for that row only, is counted, and one
 * warning lists the counts per column. Row i's noise is seeded by (seed, key) with key = the
 * `--key` columns (e.g. `x,y` reproduces `pixsed run`'s pixel keys; a key cell that reads as a
 * number is the number, so CSV `12` and Parquet int 12 agree) or the 0-based row index.
 */
export async function inferCommand(opts: InferOptions): Promise<void> {
  const S = Number(opts.samples);
  const seed = Number(opts.seed);
  const batchRows = Number(opts.batchRows);
  const threads = Number(opts.threads ?? 2);
  const bad = [];
  if (!Number.isInteger(S) || S < 2) bad.push({ path: '--samples', message: `expected an integer ≥ 2, got '${opts.samples}'` });
  if (!Number.isInteger(seed)) bad.push({ path: '--seed', message: `expected an integer, got '${opts.seed}'` });
  const ppcDraws = Number(opts.ppcDraws ?? DEFAULT_PPC_DRAWS);
  if (!Number.isInteger(ppcDraws) || ppcDraws < 0 || ppcDraws > MAX_SAMPLES_PER_ROW) bad.push({ path: '--ppc-draws', message: `expected an integer from 0 to ${MAX_SAMPLES_PER_ROW}, got '${opts.ppcDraws}'` });
  if (!Number.isInteger(batchRows) || batchRows < 1 || batchRows > MAX_BATCH_ROWS) bad.push({ path: '--batch-rows', message: `expected an integer from 1 to ${MAX_BATCH_ROWS}, got '${opts.batchRows}'` });
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_INTRA_OP_THREADS) bad.push({ path: '--threads', message: `expected an integer from 1 to ${MAX_INTRA_OP_THREADS}, got '${opts.threads}'` });
  if (!/\.(csv|parquet)$/i.test(opts.out)) bad.push({ path: '--out', message: `expected a .csv or .parquet file name, got '${opts.out}'` });
  const input = resolve(opts.input);
  const file = resolve(opts.out);
  if (realTarget(file) === realTarget(input)) bad.push({ path: '--out', message: `is the input file ${input}: choose another output name` });
  if (bad.length) throw new ConfigError(undefined, bad, 'option');

  const model = await PosteriorModel.load(resolve(opts.model), { batchRows, threads });
  process.stderr.write(`[pixsed] ${model.manifest.name}: sampler ${describeKernel(model.kernelInfo)}\n`);
  model.start(); // its worker sessions open while the input is opened and its first chunk read
  let photz: PosteriorModel | undefined;
  try {
    if (opts.photzModel !== undefined) {
      photz = await PosteriorModel.load(resolve(opts.photzModel), { batchRows, threads });
      const m = `${photz.manifest.name} v${photz.manifest.version} (${photz.manifestFile})`;
      if (!photz.infersRedshift) throw new ConfigError(undefined, [{ path: '--photz-model', message: `model ${m} is conditioned on z (redshift.role 'conditioning'): expected a photo-z model (redshift.role 'parameter')` }], 'option');
      if (model.infersRedshift) throw new ConfigError(undefined, [{ path: '--photz-model', message: `--model ${model.manifest.name} (${model.manifestFile}) already infers z (redshift.role 'parameter'): give --photz-model only with a z-conditioned --model` }], 'option');
    }
    for (const m of [model, photz]) if (m) checkSamplingPlan(S, batchRows, m.parameters.length, { what: 'option', samplesKey: '--samples', batchRowsKey: '--batch-rows' });
    // rows with a finite z go to the z-conditioned model (`spec`), the others to the photo-z model (`pixsed-photo`)
    const spec = model.infersRedshift ? undefined : model;
    const photo = model.infersRedshift ? model : photz;
    await run({ spec, photo }, opts, { S, seed, input, file, ppcDraws });
  } finally {
    await Promise.all([model.close(), photz?.close()]);
  }
}

/** The models of a run: `spec` conditions on the row's z; `photo` (a photo-z model) infers z for rows without one. */
interface Models {
  spec?: PosteriorModel;
  photo?: PosteriorModel;
}

/** Values at `idx` of each column (one model's subset of a chunk's rows). */
function pickRows(cols: ArrayLike<number | string>[], idx: number[]): (number | string)[][] {
  return cols.map((c) => idx.map((i) => c[i]));
}

async function run(models: Models, opts: InferOptions, { S, seed, input, file, ppcDraws }: { S: number; seed: number; input: string; file: string; ppcDraws: number }) {
  const all = [models.spec, models.photo].filter((m): m is PosteriorModel => m !== undefined);
  const model = models.spec ?? models.photo!;
  const reader = input.toLowerCase().endsWith('.parquet') ? await openParquet(input) : await openCsv(input);
  const names = reader.names;
  const issue = (path: string, message: string) => new ConfigError(input, [{ path, message }], 'input table');
  const dup = duplicateColumns(names);
  if (dup.length) {
    const where = dup.map((d) => `'${d.name}' columns ${d.first} and ${d.second}`).join(', ');
    throw issue([...new Set(dup.map((d) => d.name))].join(', '), `duplicated column name${dup.length > 1 ? 's' : ''} (${where}; names compared trimmed and case-folded): each column must appear once (which one would be meant is ambiguous)`);
  }
  const col = (name: string) => names.indexOf(name);
  const hasZ = col('z') >= 0;
  if (!hasZ && !models.photo) throw issue('z', `missing numeric column 'z' (columns: ${names.join(', ')}); or give --photz-model to infer z for rows without one`);
  const bands = [...new Set(all.flatMap((m) => m.bands))];
  const absent = bands.filter((b) => col(`flux_${b}_njy`) < 0 || col(`flux_${b}_err_njy`) < 0);
  for (const m of all) {
    if (m.bands.every((b) => absent.includes(b))) {
      throw issue('flux_<band>_njy', `no band of the model ${m.manifest.name} (${m.bands.join(', ')}) has flux_<band>_njy and flux_<band>_err_njy columns`);
    }
  }
  if (absent.length) process.stderr.write(`[pixsed] bands ${absent.join(', ')} absent from ${input}: treated as missing for every row (MISSING_BAND flag)\n`);
  if (models.photo && hasZ && models.spec) process.stderr.write(`[pixsed] rows with a NaN, empty or text z are inferred with the photo-z model ${models.photo.manifest.name} (z_source pixsed-photo)\n`);
  const keyCols = opts.key ? opts.key.split(',').map((k) => k.trim()) : [];
  for (const k of keyCols) if (col(k) < 0) throw new ConfigError(undefined, [{ path: '--key', message: `column '${k}' not in ${input} (columns: ${names.join(', ')})` }], 'option');

  // PPC: the z-conditioned model's emulator only (a photo-z manifest has no ppc block; its rows get NaN)
  const ppc = models.spec ? ppcColumns(models.spec, ppcDraws, S) : undefined;
  const params = [...new Set(all.flatMap((m) => m.parameters))];
  const withSource = models.photo !== undefined;
  const resultNames = [...params.flatMap((p) => SUMMARY_STATS.map((s) => `${p}_${s}`)), ...(ppc?.columns.map((c) => c.name) ?? []), 'flags', ...(withSource ? ['z_source'] : [])];
  const carriedAs = names.map((k) => (resultNames.includes(k) ? `input_${k}` : k));
  const clash = carriedAs.filter((k, i) => names.includes(k) && names.indexOf(k) !== i);
  if (clash.length) throw issue(clash.join(', '), `column '${clash[0]}' exists and is also the carried name of input column '${clash[0].replace(/^input_/, '')}' (renamed because the output writes it)`);
  const renamed = names.filter((k, i) => carriedAs[i] !== k);
  if (renamed.length) process.stderr.write(`[pixsed] ${renamed.length} input column${renamed.length > 1 ? 's' : ''} carried as input_<name> because the output writes that name: ${renamed.join(', ')}\n`);

  const toParquet = file.toLowerCase().endsWith('.parquet');
  const numericCols = new Set([...bands.flatMap((b) => [`flux_${b}_njy`, `flux_${b}_err_njy`]), 'z']);
  if (toParquet) {
    const text = names.filter((k) => reader.textColumns.has(k) && !numericCols.has(k));
    if (text.length) throw new ConfigError(file, [{ path: text.join(', '), message: 'text columns cannot be carried into Parquet yet; write CSV instead' }], 'output');
  }
  // one-file output transaction (as psf convolve): temp name in the folder, fsync + rename on success
  const tx = await OutputTransaction.open(dirname(file), { inputs: new Map([[realTarget(input), `input table ${input}`]]), exclusive: false });
  const tmp = tx.path(basename(file), '--out');
  const outNames = [...carriedAs, ...resultNames];
  const writer = await (toParquet
    ? openParquetWriter(tmp, {
        'pixsed.model': `${model.manifest.name}@${model.manifest.version}`,
        'pixsed.model.sha256': model.sha256,
        'pixsed.model.sps': spsLabel(model.manifest),
        'pixsed.samples': String(S),
        'pixsed.seed': String(seed),
        'pixsed.key': keyCols.join(',') || 'row index',
        ...(models.photo && models.spec ? { 'pixsed.photz_model': `${models.photo.manifest.name}@${models.photo.manifest.version}`, 'pixsed.photz_model.sha256': models.photo.sha256 } : {}),
        ...(withSource ? { 'pixsed.z_source': Z_SOURCE_CODES } : {}),
      })
    : openCsvWriter(tmp, outNames)
  ).catch(async (e) => {
    await tx.abort();
    throw e;
  });

  const badCells = new BadCells();
  const carriedText = new BadCells();
  const counts: Record<string, number> = {};
  const sourceCounts: Partial<Record<ZSource, number>> = {};
  const photoZ: { p50: number[]; width68: number[] } = { p50: [], width68: [] };
  const bar =
    process.stderr.isTTY && reader.totalRows
      ? new cliProgress.SingleBar({ stream: process.stderr, format: ' infer {bar} {percentage}% | {value}/{total} rows | ETA {eta}s' }, cliProgress.Presets.shades_classic)
      : undefined;
  bar?.start(reader.totalRows ?? 0, 0);

  /** A chunk read and parsed for inference: numeric columns (a bad cell → NaN, counted), keys and the model of each row. */
  interface Prepared {
    n: number;
    row0: number;
    cells: Cell[][];
    num: (name: string, tally: BadCells) => Float64Array;
    fluxOf: Map<string, { f: Float64Array; e: Float64Array }>;
    z: Float64Array;
    key: ArrayLike<number | string>[];
    specRows: number[];
    photoRows: number[];
  }
  const prepare = ({ n, cells }: Chunk, row0: number): Prepared => {
    // each numeric column parsed once per chunk, as read
    const parsed = new Map<string, Float64Array>();
    const num = (name: string, tally: BadCells): Float64Array => {
      let out = parsed.get(name);
      if (out) return out;
      const c = col(name);
      out = new Float64Array(n);
      parsed.set(name, out);
      if (c < 0) return out.fill(NaN);
      parseColumn(cells[c], n, out, name, tally, row0);
      return out;
    };
    // a bad flux or σ cell makes the band missing for that row only: NaN in both
    const fluxOf = new Map<string, { f: Float64Array; e: Float64Array }>();
    for (const b of bands) {
      const f = Float64Array.from(num(`flux_${b}_njy`, badCells));
      const e = Float64Array.from(num(`flux_${b}_err_njy`, badCells));
      for (let i = 0; i < n; i++) if (Number.isNaN(f[i]) || Number.isNaN(e[i])) f[i] = e[i] = NaN;
      fluxOf.set(b, { f, e });
    }
    const z = hasZ ? num('z', badCells) : new Float64Array(n).fill(NaN);
    const key = keyCols.length ? keyCols.map((k) => Array.from(cells[col(k)], keyValue)) : [Float64Array.from({ length: n }, (_, i) => row0 + i)];
    // route: a finite z → the z-conditioned model; otherwise the photo-z model when there is one (else NO_REDSHIFT)
    const specRows: number[] = [];
    const photoRows: number[] = [];
    for (let i = 0; i < n; i++) (models.spec && (!models.photo || Number.isFinite(z[i])) ? specRows : photoRows).push(i);
    return { n, row0, cells, num, fluxOf, z, key, specRows, photoRows };
  };

  /** One model's rows `idx` of a chunk (all of them, in order, passed as they are). */
  const part = (prep: Prepared, m: PosteriorModel, idx: number[], withZ: boolean): Promise<InferResult> | undefined => {
    if (!idx.length) return undefined;
    const all = idx.length === prep.n;
    const sub = (a: Float64Array) => (all ? a : Float64Array.from(idx, (i) => a[i]));
    return m.infer(
      { n: idx.length, flux: m.bands.map((b) => sub(prep.fluxOf.get(b)!.f)), err: m.bands.map((b) => sub(prep.fluxOf.get(b)!.e)), ...(withZ ? { z: sub(prep.z) } : {}), key: all ? prep.key : pickRows(prep.key, idx) },
      { samples: S, seed, ...(m === models.spec ? { ppcDraws } : { ppcDraws: 0 }) },
    );
  };
  const inferChunk = async (prep: Prepared): Promise<{ spec?: InferResult; photo?: InferResult }> => {
    const spec = models.spec ? await part(prep, models.spec, prep.specRows, true) : undefined;
    const photo = models.photo ? await part(prep, models.photo, prep.photoRows, false) : undefined;
    return { spec, photo };
  };

  /** A chunk's output rows from its results, written. */
  const finish = async (prep: Prepared, res: { spec?: InferResult; photo?: InferResult }) => {
    const { n, cells, num } = prep;
    const summaries = Object.fromEntries(params.map((p) => [p, Object.fromEntries(SUMMARY_STATS.map((s) => [s, new Float32Array(n).fill(NaN)]))])) as Record<string, Record<string, Float32Array>>;
    const flags = new Uint32Array(n);
    const ppcOut = ppc ? Object.fromEntries(ppc.columns.map((c) => [c.field, new Float32Array(n).fill(NaN)])) : {};
    const source = new Array<ZSource>(n);
    const scatter = (m: PosteriorModel, r: InferResult | undefined, idx: number[], src: ZSource) => {
      if (!r) return;
      for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
      const all = idx.length === n;
      const put = (dst: Float32Array | Uint32Array, from: Float32Array | Uint32Array) => {
        if (all) dst.set(from);
        else for (let j = 0; j < idx.length; j++) dst[idx[j]] = from[j];
      };
      put(flags, r.flags);
      for (let j = 0; j < idx.length; j++) source[idx[j]] = src === 'spec' && r.flags[j] & FLAG.NO_REDSHIFT ? 'none' : src;
      for (const p of m.parameters) for (const s of SUMMARY_STATS) put(summaries[p][s], r.summaries[p][s]);
      if (r.ppc) for (const c of ppc?.columns ?? []) put(ppcOut[c.field], r.ppc[c.field]);
    };
    if (models.spec) scatter(models.spec, res.spec, prep.specRows, 'spec');
    if (models.photo) {
      scatter(models.photo, res.photo, prep.photoRows, 'pixsed-photo');
      const r = res.photo;
      if (r) for (let j = 0; j < r.n; j++) {
        photoZ.p50.push(r.summaries.z.p50[j]);
        photoZ.width68.push(r.summaries.z.p84[j] - r.summaries.z.p16[j]);
      }
    }
    for (const s of source) sourceCounts[s] = (sourceCounts[s] ?? 0) + 1;
    const carried = names.map((k, c) => {
      if (toParquet) return { name: carriedAs[c], values: num(k, numericCols.has(k) ? badCells : carriedText) as ArrayLike<unknown> };
      return { name: carriedAs[c], values: cells[c].map((v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : v)) as ArrayLike<unknown> };
    });
    if (carriedText.size) throw new ConfigError(file, [{ path: 'carried columns', message: `non-numeric cells cannot be carried into Parquet: ${carriedText.describe()}; write CSV instead` }], 'output');
    const results = params.flatMap((p) => SUMMARY_STATS.map((s) => ({ name: `${p}_${s}`, values: summaries[p][s] as ArrayLike<unknown> })));
    const checks = ppc ? ppc.columns.map((c) => ({ name: c.name, values: ppcOut[c.field] as ArrayLike<unknown> })) : [];
    const zSource = withSource ? [{ name: 'z_source', values: (toParquet ? Uint8Array.from(source, zSourceCode) : source) as ArrayLike<unknown> }] : [];
    await writer.write([...carried, ...results, ...checks, { name: 'flags', values: flags }, ...zSource], n);
    bar?.update(prep.row0 + n);
  };

  // Pipelined by chunk: chunk k+1 is read, parsed and its inference queued (behind chunk k's batches, so the workers
  // never wait between chunks) before chunk k's results are awaited and written. Rows, keys and results are those of
  // a serial loop (a row's result depends only on its inputs, the seed and its key).
  const t0 = performance.now();
  let row0 = 0;
  const chunks = reader.chunks();
  let inferring: { prep: Prepared; results: Promise<{ spec?: InferResult; photo?: InferResult }> } | undefined;
  try {
    for (;;) {
      const next = await chunks.next();
      const prep = next.done ? undefined : prepare(next.value, row0);
      if (prep) row0 += prep.n;
      const previous = inferring;
      inferring = undefined;
      if (prep) {
        const results = inferChunk(prep);
        results.catch(() => undefined); // awaited below or, after an error, settled in the catch
        inferring = { prep, results };
      }
      if (previous) await finish(previous.prep, await previous.results);
      if (!prep) break;
    }
    bar?.stop();
    await writer.close();
    await tx.commit();
  } catch (e) {
    bar?.stop();
    if (inferring) await inferring.results.catch(() => undefined); // no run left in flight under the model's close()
    await chunks.return(undefined).catch(() => undefined);
    await writer.abort();
    await tx.abort();
    throw e;
  }
  if (badCells.size) {
    process.stderr.write(
      `[pixsed] ${input}: ${badCells.total()} cells of band/z columns are empty, NULL or text; each makes that band missing (MISSING_BAND) or, for z, the redshift missing (${models.photo ? 'z inferred by the photo-z model' : 'NO_REDSHIFT'}) for its row only: ${badCells.describe()}\n`,
    );
  }
  if (withSource) process.stdout.write(zSummary(sourceCounts, photoZ) + '\n');
  const seconds = (performance.now() - t0) / 1000;
  const flagged = Object.entries(counts).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ');
  process.stdout.write(
    `inferred ${row0} rows × ${S} samples in ${seconds.toFixed(2)} s (${(row0 / seconds).toFixed(0)} rows/s) → ${file}${flagged ? ` (rows flagged: ${flagged}; bits ${Object.keys(counts).map((k) => `${k}=${FLAG[k as keyof typeof FLAG]}`).join(', ')})` : ''}\n`,
  );
}

/**
 * The run's redshift summary: rows per z_source and, over the photo-z rows, the median and 16th/84th percentiles of
 * their z_p50 and the median width of their 68 % interval (z_p84 − z_p16).
 */
export function zSummary(counts: Partial<Record<ZSource, number>>, photo: { p50: number[]; width68: number[] }): string {
  const bySource = Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ');
  const p50 = Float64Array.from(photo.p50.filter(Number.isFinite)).sort();
  const w = Float64Array.from(photo.width68.filter(Number.isFinite)).sort();
  const f = (v: number) => v.toFixed(3);
  const photoLine = p50.length
    ? `; pixsed-photo z_p50 over ${p50.length} rows: median ${f(percentileSorted(p50, 50))}, p16 ${f(percentileSorted(p50, 16))}, p84 ${f(percentileSorted(p50, 84))}; median 68 % interval width ${f(percentileSorted(w, 50))}`
    : '';
  return `z_source: ${bySource || 'no rows'}${photoLine}`;
}
