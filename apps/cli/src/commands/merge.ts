import { isDeepStrictEqual } from 'node:util';
import { copyFile, link, mkdir, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { batchFromColumns, ConfigError, DataFileError, shardLabel, STREAM_INFO_KEY, type NumericArray, type ShardSpec, type StreamInfo } from '@pixsed/core';
import { OutputTransaction, SUMMARY_FILE } from '@pixsed/core/node';
import { catalogColumns, type GalaxyCatalogRow } from '@pixsed/aggregate';
import { provenanceCards, readShardRows, SHARD_ROWS_FILE, writeGalaxyCatalog, writeMassComparison, type ShardRows } from '@pixsed/aggregate/node';
import { ARROW_SCHEMA_KEY, FIELD_METADATA_KEY, type ParquetColumns } from '@pixsed/parquet';
import { createParquetWriter, readParquetRowGroups } from '@pixsed/parquet/node';
import { PIXSED_VERSION } from '../version.js';
import { formatSummary } from '../summary.js';
import { writeReportOrWarn } from '../report/write-run-report.js';
import type { CompleteRunSummary } from './run.js';
import { MERGEABLE_SINKS, SHARDS_DIR, shardCommand, shardState, type ShardRun } from './shard.js';

export interface MergeCommandOptions {
  json?: boolean;
  quiet?: boolean;
  /** write <out>/report/ (default true; `--no-report`) */
  report?: boolean;
}

type Summary = CompleteRunSummary & { stream: StreamInfo & { shard?: NonNullable<StreamInfo['shard']> } };

const PART = /^part-(\d+)-of-(\d+)$/;

/**
 * The stream of one run as the shards must agree on it: a shard's StreamInfo without its `shard` entry, and with a
 * galaxy's pixsed photo-z (ADR 0010) read as no catalogue z — each shard fits only the galaxies it owns.
 */
const runStream = (s: StreamInfo): StreamInfo => {
  const { shard: _shard, ...rest } = s;
  const galaxies = rest.galaxies?.map(({ zLo, zHi, ...g }) => (g.zSource === 'pixsed-photo' ? { ...g, zSource: 'none' } : { ...g, ...(zLo !== undefined ? { zLo } : {}), ...(zHi !== undefined ? { zHi } : {}) }));
  return { ...rest, ...(galaxies ? { galaxies } : {}) };
};

/** The shards' photo-z first passes as one (each fitted its own galaxies): counts summed, seconds of the longest. */
function mergedRedshiftPass(summaries: Summary[]): NonNullable<CompleteRunSummary['redshiftPass']> {
  const parts = summaries.map((s) => s.redshiftPass!);
  const flagged: Record<string, number> = {};
  for (const p of parts) sumInto(flagged, p.flagged);
  const sum = (k: 'galaxies' | 'fitted' | 'batches') => parts.reduce((n, p) => n + p[k], 0);
  return { model: parts[0].model, galaxies: sum('galaxies'), fitted: sum('fitted'), flagged, batches: sum('batches'), passSeconds: Math.max(...parts.map((p) => p.passSeconds)), fitSeconds: Math.max(...parts.map((p) => p.fitSeconds)) };
}

/** The merged run's stream: shard 1's, each galaxy's box (its z source and photo-z bounds) from the shard that owns it. */
function mergedStream(summaries: Summary[]): StreamInfo {
  const { shard: _shard, ...first } = summaries[0].stream;
  const box = new Map<number, NonNullable<StreamInfo['galaxies']>[number]>();
  for (const s of summaries) {
    const owned = new Set(s.stream.shard?.galaxies ?? []);
    for (const g of s.stream.galaxies ?? []) if (owned.has(g.id)) box.set(g.id, g);
  }
  return { ...first, ...(first.galaxies ? { galaxies: first.galaxies.map((g) => box.get(g.id) ?? g) } : {}) };
}

const sumInto = (acc: Record<string, number>, add: Record<string, number>) => {
  for (const [k, v] of Object.entries(add)) acc[k] = (acc[k] ?? 0) + v;
  return acc;
};

/** Hard link (same file system: instant, no extra space), else a copy. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await link(from, to).catch(() => copyFile(from, to));
}

/** Files below `dir`, relative, sorted ([] if absent). */
async function filesBelow(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * Reads `<out>/shards/`: every shard 1..N present and complete, from the same pipeline, pixsed version, resolved
 * config, provenance (model sha256, kernels) and stream; the shards' galaxies a partition of the mosaic's. Problems
 * are one ConfigError (exit 2) listing each shard by number with the command that runs it again.
 */
export async function readShards(dir: string): Promise<{ count: number; summaries: Summary[] }> {
  const root = join(dir, SHARDS_DIR);
  const entries = existsSync(root) ? (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && PART.test(e.name)).map((e) => e.name) : [];
  const where = `${root}`;
  if (!entries.length) throw new ConfigError(undefined, [{ path: '<out>', message: `${where}: no shard folders (part-<i>-of-<N>); run the shards first: pixsed run <pipeline.yaml> --shard i/N --out ${dir}` }], 'option');
  const counts = [...new Set(entries.map((e) => Number(PART.exec(e)![2])))].sort((a, b) => a - b);
  if (counts.length > 1) {
    throw new ConfigError(undefined, [{ path: '<out>', message: `${where} holds shards of ${counts.length} different shard counts (${counts.map((n) => `of ${n}`).join(', ')}): one run's shards only; remove the folders of the other count` }], 'option');
  }
  const count = counts[0];
  const states = [];
  for (let i = 1; i <= count; i++) states.push({ spec: { index: i, count } as ShardSpec, st: await shardState(join(root, shardLabel({ index: i, count }))) });
  // how to re-run a shard: from its own marker, else from a complete sibling's record
  const anyRun: ShardRun | undefined =
    states.map((s) => (s.st.state === 'complete' ? (s.st.summary.shardRun as ShardRun | undefined) : s.st.state === 'incomplete' ? (s.st.marker?.run as ShardRun | undefined) : undefined)).find((r) => r) ?? undefined;
  const cmd = (s: ShardSpec, own?: ShardRun) => ((own ?? anyRun) ? shardCommand((own ?? anyRun)!, s) : `pixsed run <pipeline.yaml> --shard ${s.index}/${s.count} --out ${dir}`);
  const issues = states.flatMap(({ spec, st }) =>
    st.state === 'complete'
      ? []
      : [{ path: `shard ${spec.index}/${count}`, message: `${st.state === 'absent' ? 'missing' : `incomplete (${st.reason})`}: run it again with: ${cmd(spec, st.state === 'incomplete' ? (st.marker?.run as ShardRun | undefined) : undefined)}` }],
  );
  if (issues.length) {
    const missing = states.filter((s) => s.st.state !== 'complete').map((s) => s.spec.index);
    throw new ConfigError(undefined, [...issues, { path: '<out>', message: `${missing.length} of ${count} shards not complete (${missing.join(', ')}); in a SLURM array: sbatch --array=${missing.join(',')} <the array script> (complete shards are skipped anyway)` }], `shards of ${dir}`);
  }
  const summaries = states.map((s) => (s.st as unknown as { summary: Summary }).summary);
  const first = summaries[0];
  const differ: { path: string; message: string }[] = [];
  summaries.forEach((s, k) => {
    const i = k + 1;
    const label = `shard ${i}/${count}`;
    if (s.stream?.shard?.index !== i || s.stream.shard.count !== count) differ.push({ path: label, message: `its run-summary.json says shard ${s.stream?.shard?.index}/${s.stream?.shard?.count}, but it is in ${shardLabel({ index: i, count })}` });
    if (k === 0) return;
    for (const [what, a, b] of [
      ['pipeline', s.pipeline, first.pipeline],
      ['pixsed version', s.pixsedVersion, first.pixsedVersion],
      ['resolved config hash', s.configHash, first.configHash],
    ] as const) {
      if (a !== b) differ.push({ path: label, message: `${what} ${a} differs from shard 1's ${b}: every shard must come from the same pipeline, config and pixsed` });
    }
    if (!isDeepStrictEqual(s.provenance, first.provenance)) differ.push({ path: label, message: `provenance (stage versions, model sha256, kernel cache keys) differs from shard 1's: ${JSON.stringify(s.provenance).slice(0, 200)}` });
    if (!isDeepStrictEqual(runStream(s.stream), runStream(first.stream))) differ.push({ path: label, message: `its stream (bands, mosaic, tiling, galaxies, model) differs from shard 1's` });
  });
  // the shards' galaxies must be a partition of the mosaic's
  const owner = new Map<number, number>();
  summaries.forEach((s, k) => s.stream.shard?.galaxies.forEach((id) => (owner.has(id) ? differ.push({ path: `shard ${k + 1}/${count}`, message: `galaxy ${id} is also in shard ${owner.get(id)}` }) : owner.set(id, k + 1))));
  const unowned = (first.stream.galaxies ?? []).filter((g) => !owner.has(g.id)).map((g) => g.id);
  if (unowned.length) differ.push({ path: '<out>', message: `galaxies ${unowned.slice(0, 10).join(', ')}${unowned.length > 10 ? ', …' : ''} are in no shard` });
  if (differ.length) throw new ConfigError(undefined, differ, `shards of ${dir}`);
  return { count, summaries };
}

/**
 * `pixsed merge <out>`: the shards of `<out>/shards/` into the outputs one run writes into `<out>` (ADR 0009):
 * each Parquet sink's table as a dataset `<out>/<name>/part-<i>-of-<N>.parquet` (one table for DuckDB's
 * `read_parquet('<out>/<name>/*.parquet')` or `pyarrow.dataset`) and as the single file the run writes; the
 * galaxies catalogue in every format of the sink; the maps and quicklooks; run-summary.json with the counts summed
 * (they equal one run's); the HTML report. Through an OutputTransaction: complete or not at all.
 */
export async function mergeCommand(outDir: string, opts: MergeCommandOptions = {}): Promise<CompleteRunSummary> {
  const t0 = performance.now();
  const dir = resolve(outDir);
  const log = (m: string) => {
    if (!opts.quiet || m.startsWith('warning')) process.stderr.write(`[pixsed] ${m}\n`);
  };
  const { count, summaries } = await readShards(dir);
  const first = summaries[0];
  if (first.pixsedVersion !== PIXSED_VERSION) log(`warning: the shards were written by pixsed ${first.pixsedVersion}, this is ${PIXSED_VERSION}: the merged outputs keep the shards' version`);
  const shardDir = (k: number) => join(dir, SHARDS_DIR, shardLabel({ index: k + 1, count }));
  const stream = mergedStream(summaries);
  const config = first.config as { sinks?: { type: string; name: string; config: Record<string, unknown> }[] };
  const sinks = config.sinks ?? [];
  const bad = sinks.filter((s) => !(MERGEABLE_SINKS as readonly string[]).includes(s.type));
  if (bad.length) throw new ConfigError(undefined, bad.map((s) => ({ path: `sinks.${s.name}`, message: `sink type '${s.type}' cannot be merged (${MERGEABLE_SINKS.join(', ')} can)` })), 'run summary');
  // the run's start: the earliest shard's (catalogue and map headers carry it as DATE)
  const startedAt = new Date(Math.min(...summaries.map((s) => Date.parse(s.finishedAt) - s.wallSeconds * 1000))).toISOString().replace(/\.\d+Z$/, 'Z');
  const output = await OutputTransaction.open(dir, { exclusive: false, overwrite: true, log });
  try {
    for (const sink of sinks) {
      if (sink.type === 'parquet') await mergeParquet(sink.config, summaries, shardDir, output, stream, count, startedAt, log);
      else await mergeGalaxies(sink.config, summaries, shardDir, output, stream, { configHash: first.configHash, startedAt, pixsedVersion: first.pixsedVersion });
    }
    const files = (await filesBelow(output.tempDir)).map((f) => join(dir, f));
    const finishedAt = new Date().toISOString();
    let report = opts.report !== false;
    const build = (all: string[]): CompleteRunSummary & Record<string, unknown> => ({
      status: 'complete',
      pixsedVersion: first.pixsedVersion,
      pipeline: first.pipeline,
      rowsIn: summaries.reduce((n, s) => n + s.rowsIn, 0),
      rowsOut: summaries.reduce((n, s) => n + s.rowsOut, 0),
      batchesIn: summaries.reduce((n, s) => n + s.batchesIn, 0),
      batchesOut: summaries.reduce((n, s) => n + s.batchesOut, 0),
      droppedByReason: summaries.reduce((acc, s) => sumInto(acc, s.droppedByReason), {} as Record<string, number>),
      rowsPerFlag: summaries.reduce((acc, s) => sumInto(acc, s.rowsPerFlag), {} as Record<string, number>),
      flags: first.flags,
      provenance: first.provenance,
      configHash: first.configHash,
      stream,
      outputs: [...new Set(all.map((f) => join(dir, relative(dir, f).split('/')[0])))],
      // the shards ran side by side: the run took as long as its longest shard (plus the merge)
      wallSeconds: Math.max(...summaries.map((s) => s.wallSeconds)),
      peakRssMB: Math.max(...summaries.map((s) => s.peakRssMB)),
      maxInFlightBatches: Math.max(...summaries.map((s) => s.maxInFlightBatches)),
      maxInFlightMB: Math.max(...summaries.map((s) => s.maxInFlightMB)),
      config: first.config,
      pipelineFile: first.pipelineFile,
      finishedAt,
      files: all.map((f) => relative(dir, f)),
      ...(first.redshiftPass ? { redshiftPass: mergedRedshiftPass(summaries) } : {}),
      shards: {
        count,
        mergeSeconds: (performance.now() - t0) / 1000,
        wallSecondsTotal: summaries.reduce((n, s) => n + s.wallSeconds, 0),
        parts: summaries.map((s, k) => ({ index: k + 1, galaxies: s.stream.shard?.galaxies.length ?? 0, tiles: s.stream.shard?.tiles ?? 0, rowsIn: s.rowsIn, rowsOut: s.rowsOut, wallSeconds: s.wallSeconds, peakRssMB: s.peakRssMB, finishedAt: s.finishedAt })),
      },
    });
    if (report) report = await writeReportOrWarn(output, build([...files, join(dir, SUMMARY_FILE)]), log, 'the merged results');
    let complete: CompleteRunSummary | undefined;
    await output.commit((all) => (complete = build(all)));
    log(`merged ${count} shards into ${dir} in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    if (opts.json) process.stdout.write(JSON.stringify(complete) + '\n');
    else if (!opts.quiet) process.stdout.write(formatSummary(complete!) + '\n');
    return complete!;
  } catch (err) {
    await output.abort();
    throw err;
  }
}

/** A shard's file of a sink (relative `rel`), if the shard wrote it (a sink that got no rows writes none). */
function shardFile(s: Summary, k: number, rel: string, shardDir: (k: number) => string): string | undefined {
  return s.files.includes(rel) ? join(shardDir(k), rel) : undefined;
}

/**
 * A Parquet sink: the shards' files as the dataset `<name>/part-<i>-of-<N>.parquet` (hard links), and the single
 * file of one run: the shards' rows merged into the single run's order (streamed, one row group per shard in
 * memory), with the run's StreamInfo and the shards' own key-value metadata.
 */
async function mergeParquet(cfg: Record<string, unknown>, summaries: Summary[], shardDir: (k: number) => string, output: OutputTransaction, stream: StreamInfo, count: number, startedAt: string, log: (m: string) => void): Promise<void> {
  const rel = String(cfg.path ?? 'pixels.parquet');
  const parts = summaries.map((s, k) => ({ k, file: shardFile(s, k, rel, shardDir) })).filter((p): p is { k: number; file: string } => !!p.file);
  if (!parts.length) {
    log(`parquet: no shard wrote ${rel} (no rows reached the sink), not written`);
    return;
  }
  const datasetRel = join(dirname(rel), basename(rel, extname(rel)));
  const dataset = output.path(datasetRel, 'parquet.path', 'folder');
  for (const p of parts) await linkOrCopy(p.file, join(dataset, `${shardLabel({ index: p.k + 1, count })}.parquet`)).catch((err) => {
    throw output.ioError(err, dataset);
  });
  const file = output.path(rel, 'parquet.path');
  let writer: Awaited<ReturnType<typeof createParquetWriter>> | undefined;
  try {
    const heads: Head[] = [];
    for (const p of parts) {
      const h = await openHead(p.file, stream);
      if (h) heads.push(h);
    }
    if (!heads.length) return;
    const first = heads[0].group!;
    let fileFacts: Record<string, unknown> = {};
    try {
      fileFacts = JSON.parse(first.metadata['pixsed.file'] ?? '{}');
    } catch {
      fileFacts = {};
    }
    const meta = Object.fromEntries(Object.entries(first.metadata).filter(([k]) => ![STREAM_INFO_KEY, 'pixsed.file', FIELD_METADATA_KEY, ARROW_SCHEMA_KEY].includes(k)));
    const names = Object.keys(first.columns);
    const rowGroupRows = Number(cfg.rowGroupRows ?? 131_072);
    writer = await createParquetWriter(file, { rowGroupRows, compression: (cfg.compression as never) ?? 'snappy', metadata: { [STREAM_INFO_KEY]: JSON.stringify(stream) } });
    // a k-way merge in stream order (tile, then row, then column): the single run's row order
    const size = Math.min(rowGroupRows, 65_536);
    const ctor = names.map((n) => (first.columns[n] as NumericArray).constructor as new (k: number) => NumericArray);
    let out = names.map((_, c) => new ctor[c](size));
    let at = 0;
    const flush = async (n: number) => {
      const cols = Object.fromEntries(names.map((name, c) => [name, out[c].subarray(0, n) as NumericArray]));
      await writer!.write(batchFromColumns(cols, meta, first.fieldMetadata));
      out = names.map((_, c) => new ctor[c](size));
      at = 0;
    };
    for (;;) {
      let best: Head | undefined;
      for (const h of heads) if (h.group && (!best || h.keys[h.i] < best.keys[best.i])) best = h;
      if (!best) break;
      const src = names.map((n) => best!.group!.columns[n] as NumericArray);
      for (let c = 0; c < names.length; c++) out[c][at] = src[c][best.i];
      at++;
      best.i++;
      if (best.i >= best.keys.length) await best.next();
      if (at === size) await flush(at);
    }
    if (at > 0) await flush(at);
    await writer.close({ 'pixsed.file': JSON.stringify({ ...fileFacts, rows: writer.rows, date: startedAt }) });
  } catch (err) {
    await writer?.abort();
    throw output.ioError(err, file);
  }
}

/** One shard's Parquet file read row group by row group, with each row's stream-order key. */
interface Head {
  file: string;
  group: ParquetColumns | undefined;
  keys: Float64Array;
  i: number;
  next(): Promise<void>;
}

/**
 * Opens a shard's pixel table for the merge; the key of a row is its place in the stream of one run: the tile
 * (row-major over the source's grid), then the mosaic row and column (rows of a tile come in raster order).
 */
async function openHead(file: string, stream: StreamInfo): Promise<Head | undefined> {
  const m = stream.mosaic;
  if (!m) throw new DataFileError(file, 'pixsed.stream', 'the run has no mosaic geometry (StreamInfo.mosaic): cannot order the pixel rows');
  const tilesPerRow = Math.ceil(m.width / m.tileColumns);
  const r = await readParquetRowGroups(file);
  const it = r.groups();
  const h: Head = {
    file,
    group: undefined,
    keys: new Float64Array(0),
    i: 0,
    async next() {
      for (;;) {
        const g = await it.next();
        if (g.done) {
          h.group = undefined;
          return;
        }
        const x = g.value.columns.x;
        const y = g.value.columns.y;
        if (!(x instanceof Int32Array) || !(y instanceof Int32Array)) throw new DataFileError(file, 'x, y', 'the pixel table needs its int32 x and y columns to be merged in stream order');
        for (const [name, col] of Object.entries(g.value.columns)) if (!ArrayBuffer.isView(col)) throw new DataFileError(file, name, 'a column that is not a flat numeric column (the pixel table has only such columns)');
        if (g.value.numRows === 0) continue;
        const keys = new Float64Array(g.value.numRows);
        for (let i = 0; i < keys.length; i++) keys[i] = (Math.floor(y[i] / m.stripRows) * tilesPerRow + Math.floor(x[i] / m.tileColumns)) * m.width * m.height + y[i] * m.width + x[i];
        Object.assign(h, { group: g.value, keys, i: 0 });
        return;
      }
    },
  };
  await h.next();
  return h.group ? h : undefined;
}

/**
 * The galaxies sink: the catalogue from every shard's exact rows (SHARD_ROWS_FILE) through the one writer, in each
 * of the sink's formats (rows by galaxy id, as one run writes them); maps and per-galaxy quicklooks hard-linked from
 * the shards; the run-level figure (Σ pixel vs integrated mass) drawn again from all rows.
 */
async function mergeGalaxies(cfg: Record<string, unknown>, summaries: Summary[], shardDir: (k: number) => string, output: OutputTransaction, stream: StreamInfo, run: { configHash: string; startedAt: string; pixsedVersion: string }): Promise<void> {
  const parts: ShardRows[] = [];
  for (let k = 0; k < summaries.length; k++) {
    const f = shardFile(summaries[k], k, SHARD_ROWS_FILE, shardDir);
    if (!f) throw new DataFileError(join(shardDir(k), SHARD_ROWS_FILE), 'galaxies', `missing from the shard's files: it was not written by a sharded run of this pixsed`);
    parts.push(await readShardRows(f));
  }
  const rows: GalaxyCatalogRow[] = parts.flatMap((p) => p.rows);
  const reasons = [...new Set(parts.flatMap((p) => p.columns.reasons))];
  const columns = catalogColumns({ ...parts[0].columns, reasons });
  const cards = provenanceCards(stream, run, parts[0].samplesPerGalaxy);
  for (const c of parts[0].catalogs) {
    const file = output.path(c, 'galaxies.catalog');
    await mkdir(dirname(file), { recursive: true });
    await writeGalaxyCatalog(file, columns, rows, cards).catch((err) => {
      throw output.ioError(err, file);
    });
  }
  const mapsDir = String(cfg.mapsDir ?? 'maps');
  const qlDir = cfg.quicklooksDir === undefined ? 'quicklooks' : String(cfg.quicklooksDir);
  const RUN_FIGURE = 'mass_pixels_vs_integrated.png';
  for (const [rel, skip] of [[mapsDir, undefined], ...(qlDir ? [[qlDir, RUN_FIGURE]] : [])] as [string, string | undefined][]) {
    const target = output.path(rel, `galaxies.${rel === mapsDir ? 'mapsDir' : 'quicklooksDir'}`, 'folder');
    await mkdir(target, { recursive: true });
    for (let k = 0; k < summaries.length; k++) {
      for (const f of await filesBelow(join(shardDir(k), rel))) {
        if (f === skip) continue;
        await linkOrCopy(join(shardDir(k), rel, f), join(target, f)).catch((err) => {
          throw output.ioError(err, join(target, f));
        });
      }
    }
    // the run-level figure: as one run draws it, from every galaxy's row (only where a shard drew its part of it)
    if (skip && summaries.some((s, k) => existsSync(join(shardDir(k), rel, skip)))) {
      await writeMassComparison(rows, target, (file) => (err) => {
        throw output.ioError(err, file);
      });
    }
  }
}
