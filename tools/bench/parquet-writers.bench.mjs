// Parquet writers for pixel tables: 1 M rows × (10 float32 + int32 + uint32) streamed in row
// groups as a pipeline sink would, with hyparquet-writer (through @pixsed/parquet), parquet-wasm
// (transformParquetStream over per-batch wasm RecordBatches) and parquetjs-lite (row by row, on
// fewer rows, extrapolated per million rows). Prints one JSON line per figure {"name","value","unit"}.
// Then the peak RSS of @pixsed/parquet's writer streaming 1 M, 4 M and 16 M rows (child processes).
// Needs `npx tsc -b libs/parquet` first. Usage: node tools/bench/parquet-writers.bench.mjs
// (PARQUET_BENCH_ROWS, PARQUET_BENCH_LITE_ROWS, PARQUET_BENCH_GROUP override the sizes).
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { tableToIPC, Table } from 'apache-arrow';
import { batchFromColumns } from '@pixsed/core';
import { createParquetWriter, readParquet } from '@pixsed/parquet/node';

const ROWS = Number(process.env.PARQUET_BENCH_ROWS ?? 1_000_000);
const LITE_ROWS = Number(process.env.PARQUET_BENCH_LITE_ROWS ?? 100_000);
const GROUP = Number(process.env.PARQUET_BENCH_GROUP ?? 125_000);
const FLOATS = 10;
/** Timed repeats per writer; the minimum is reported (robust against other load on the machine). */
const REPEATS = Number(process.env.PARQUET_BENCH_REPEATS ?? 3);

const emit = (name, value, unit) => console.log(JSON.stringify({ name, value: Number(value.toPrecision(4)), unit }));
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

/** One batch of `n` rows starting at row `start` (xorshift noise: flux-like, barely compressible). */
function makeBatch(start, n) {
  const cols = {};
  let s = (start * 2654435761) >>> 0 || 1;
  for (let c = 0; c < FLOATS; c++) {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      a[i] = ((s >>> 0) / 4294967296) * 100 - 10;
    }
    cols[`flux_${c}_njy`] = a;
  }
  cols.segment_id = new Int32Array(n).map((_, i) => (start + i) >> 6);
  cols.pixel_index = new Uint32Array(n).map((_, i) => start + i);
  return batchFromColumns(cols, { provenance: JSON.stringify({ bench: 'parquet-writers' }) }, { flux_0_njy: { unit: 'nJy' } });
}

function makeBatches(rows) {
  const out = [];
  for (let start = 0; start < rows; start += GROUP) out.push(makeBatch(start, Math.min(GROUP, rows - start)));
  return out;
}

async function hyparquetWrite(file, batches, compression) {
  const w = await createParquetWriter(file, { rowGroupRows: GROUP, compression });
  for (const b of batches) await w.write(b);
  await w.close();
}

async function parquetWasmWrite(file, batches, compression) {
  const pw = await import('parquet-wasm');
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(compression === 'zstd' ? pw.Compression.ZSTD : compression === 'snappy' ? pw.Compression.SNAPPY : pw.Compression.UNCOMPRESSED)
    .setMaxRowGroupSize(GROUP)
    .setDictionaryEnabled(false)
    .build();
  let i = 0;
  const next = () => (batches.lazyBatches ? batches.it.next().value : batches[i]);
  const source = new ReadableStream({
    pull(controller) {
      if (i >= batches.length) return controller.close();
      // Arrow JS batch → IPC → wasm RecordBatch (the copy a sink would have to make)
      const table = pw.Table.fromIPCStream(tableToIPC(new Table(next()), 'stream'));
      controller.enqueue(table.recordBatch(0));
      table.free();
      i++;
    },
  });
  const bytes = await pw.transformParquetStream(source, props);
  await bytes.pipeTo(Writable.toWeb(createWriteStream(file)));
}

async function parquetjsLiteWrite(file, batches) {
  const { default: parquet } = await import('parquetjs-lite');
  const fields = {};
  for (const f of batches[0].schema.fields) {
    fields[f.name] = { type: f.name === 'segment_id' ? 'INT32' : f.name === 'pixel_index' ? 'UINT_32' : 'FLOAT' };
  }
  const w = await parquet.ParquetWriter.openFile(new parquet.ParquetSchema(fields), file, { rowGroupSize: GROUP });
  const names = Object.keys(fields);
  for (const b of batches) {
    const cols = names.map((n) => b.getChild(n).toArray());
    for (let r = 0; r < b.numRows; r++) {
      const row = {};
      for (let c = 0; c < names.length; c++) row[names[c]] = cols[c][r];
      await w.appendRow(row);
    }
  }
  await w.close();
}

async function parquetjsLiteRead(file) {
  const { default: parquet } = await import('parquetjs-lite');
  const reader = await parquet.ParquetReader.openFile(file);
  const cursor = reader.getCursor();
  let n = 0;
  while (await cursor.next()) n++;
  await reader.close();
  return n;
}

async function parquetWasmRead(file) {
  const pw = await import('parquet-wasm');
  const t = pw.readParquet(new Uint8Array(readFileSync(file)));
  const ipc = t.intoIPCStream();
  const { tableFromIPC } = await import('apache-arrow');
  return tableFromIPC(ipc).numRows;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-parquet-bench-'));
  try {
    if (process.env.PARQUET_BENCH_RSS_ONLY) return await rssFigures(dir);
    const batches = makeBatches(ROWS);
    const cols = batches[0].numCols;
    emit('parquet rows', ROWS, 'rows');
    emit('parquet columns (10 float32 + int32 + uint32)', cols, 'columns');
    emit('parquet row group', GROUP, 'rows');
    const perM = 1_000_000 / ROWS;

    // parquetjs-lite: row-wise, far slower: measured on LITE_ROWS, reported per million rows
    const liteBatches = makeBatches(LITE_ROWS);
    const liteFile = join(dir, 'lite.parquet');
    let t0 = process.hrtime.bigint();
    await parquetjsLiteWrite(liteFile, liteBatches);
    const liteWrite = (seconds(t0) * 1_000_000) / LITE_ROWS;
    t0 = process.hrtime.bigint();
    const liteRows = await parquetjsLiteRead(liteFile);
    const liteRead = (seconds(t0) * 1_000_000) / LITE_ROWS;
    if (liteRows !== LITE_ROWS) throw new Error(`parquetjs-lite read ${liteRows} rows, wrote ${LITE_ROWS}`);
    t0 = process.hrtime.bigint();
    await readParquet(liteFile);
    const liteHyRead = (seconds(t0) * 1_000_000) / LITE_ROWS;
    emit(`parquetjs-lite write (uncompressed, measured on ${LITE_ROWS} rows, extrapolated per 1M rows)`, liteWrite, 's');
    emit(`parquetjs-lite read with its cursor (measured on ${LITE_ROWS} rows, extrapolated per 1M rows)`, liteRead, 's');
    emit(`parquetjs-lite file read by hyparquet (measured on ${LITE_ROWS} rows, per 1M rows)`, liteHyRead, 's');
    emit(`parquetjs-lite file size (per 1M rows, from ${LITE_ROWS} rows)`, (statSync(liteFile).size * 1_000_000) / LITE_ROWS / 1e6, 'MB');

    const runs = [
      ['hyparquet-writer', 'uncompressed', hyparquetWrite],
      ['hyparquet-writer', 'snappy', hyparquetWrite],
      ['hyparquet-writer', 'gzip', hyparquetWrite],
      ['parquet-wasm', 'uncompressed', parquetWasmWrite],
      ['parquet-wasm', 'snappy', parquetWasmWrite],
      ['parquet-wasm', 'zstd', parquetWasmWrite],
    ];
    for (const [lib, compression, write] of runs) {
      const file = join(dir, `${lib}-${compression}.parquet`);
      await write(join(dir, 'warmup.parquet'), batches.slice(0, 1), compression); // JIT / wasm instantiation
      let w = Infinity;
      let r = Infinity;
      let back;
      for (let k = 0; k < REPEATS; k++) {
        t0 = process.hrtime.bigint();
        await write(file, batches, compression);
        w = Math.min(w, seconds(t0) * perM);
        t0 = process.hrtime.bigint();
        back = await readParquet(file);
        r = Math.min(r, seconds(t0) * perM);
      }
      if (back.numRows !== ROWS) throw new Error(`${lib} ${compression}: read ${back.numRows} rows, wrote ${ROWS}`);
      const label = `${lib} ${compression}`;
      emit(`${label} write (streamed in row groups, per 1M rows, best of ${REPEATS})`, w, 's');
      emit(`${label} read by hyparquet (@pixsed/parquet readParquet, per 1M rows, best of ${REPEATS})`, r, 's');
      if (lib === 'parquet-wasm') {
        t0 = process.hrtime.bigint();
        await parquetWasmRead(file);
        emit(`${label} read by parquet-wasm readParquet → Arrow JS (per 1M rows)`, seconds(t0) * perM, 's');
      }
      emit(`${label} file size (per 1M rows)`, (statSync(file).size * perM) / 1e6, 'MB');
      emit(`${label} write speed vs parquetjs-lite`, liteWrite / w, 'x');
      emit(`${label} hyparquet read speed vs parquetjs-lite cursor`, liteRead / r, 'x');
    }
    emit('raw column data (per 1M rows)', (cols * 4 * 1_000_000) / 1e6, 'MB');
    await rssFigures(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rssFigures(dir) {
  // Peak RSS: child processes that generate each batch on the fly and drop it after writing.
  const self = fileURLToPath(import.meta.url);
  for (const rows of [0, 1_000_000, 4_000_000, 16_000_000]) {
    const r = spawnSync(process.execPath, [self, '--rss', String(rows), join(dir, `rss-${rows}.parquet`)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`rss child failed: ${r.stderr}`);
    const rss = Number(r.stdout.trim());
    const what = rows
      ? `@pixsed/parquet writer (hyparquet-writer, snappy) peak RSS streaming ${rows / 1e6}M rows in ${GROUP}-row groups`
      : `baseline peak RSS (imports + one ${GROUP}-row batch, nothing written)`;
    emit(what, rss / 1048576, 'MiB');
  }
  for (const rows of [1_000_000, 4_000_000]) {
    const r = spawnSync(process.execPath, [self, '--rss-wasm', String(rows), join(dir, `rss-wasm-${rows}.parquet`)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`rss child failed: ${r.stderr}`);
    emit(`parquet-wasm (transformParquetStream, snappy) peak RSS streaming ${rows / 1e6}M rows in ${GROUP}-row groups`, Number(r.stdout.trim()) / 1048576, 'MiB');
  }
}

async function rssChild(rows, file, wasm) {
  makeBatch(0, GROUP); // same allocations as the writers' first batch
  if (wasm) {
    const lazy = { length: Math.ceil(rows / GROUP) };
    const gen = function* () {
      for (let start = 0; start < rows; start += GROUP) yield makeBatch(start, Math.min(GROUP, rows - start));
    };
    const it = gen();
    await parquetWasmWrite(file, { length: lazy.length, it, lazyBatches: true }, 'snappy');
  } else if (rows > 0) {
    const w = await createParquetWriter(file, { rowGroupRows: GROUP, compression: 'snappy' });
    for (let start = 0; start < rows; start += GROUP) await w.write(makeBatch(start, Math.min(GROUP, rows - start)));
    await w.close();
  }
  // VmHWM, not getrusage's maxRSS: Linux carries the parent's high-water mark across fork+exec
  // into ru_maxrss, so a child spawned by this (large) parent would report the parent's peak.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  console.log(hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024);
}

if (process.argv[2] === '--rss' || process.argv[2] === '--rss-wasm') await rssChild(Number(process.argv[3]), process.argv[4], process.argv[2] === '--rss-wasm');
else await main();
