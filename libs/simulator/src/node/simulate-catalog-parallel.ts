import { Worker } from 'node:worker_threads';
import { ConfigError, DataFileError, type ConfigIssue } from '@pixsed/core';
import { CATALOG_CHUNK_ROWS, type Catalog } from '../generate-catalog.js';
import type { SimulateCatalogOptions } from './simulate-catalog.js';

/** Worker body: imports this module's sibling and simulates rows [rowStart, rowStart + n). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.moduleUrl).then(({ simulateCatalogRows }) => {
  let cat;
  try {
    cat = simulateCatalogRows({ ...workerData.opts, onProgress: (done) => parentPort.postMessage({ progress: done }) });
  } catch (e) {
    // pixsed's errors keep their class and fields across the thread boundary (rebuilt by the parent)
    parentPort.postMessage({ failure: { name: e?.name, message: String(e?.message ?? e), file: e?.file, issues: e?.issues, field: e?.field, problem: e?.problem } });
    return;
  }
  const cols = cat.columnNames.map((c) => cat.columns[c]);
  parentPort.postMessage({ names: cat.columnNames, units: cat.units, bands: cat.bands, provenance: cat.provenance, cols }, cols.map((c) => c.buffer));
});`;

/** A worker's error as the same class in this thread (ConfigError → exit 2 in the CLI, DataFileError names its file). */
function rebuildError(f: { name?: string; message: string; file?: string; issues?: ConfigIssue[]; field?: string; problem?: string }): Error {
  if (f.name === 'ConfigError' && f.issues) {
    const e = new ConfigError(f.file, f.issues);
    e.message = f.message;
    return e;
  }
  if (f.name === 'DataFileError' && f.file && f.problem) return new DataFileError(f.file, f.field, f.problem);
  const e = new Error(f.message);
  if (f.name) e.name = f.name;
  return e;
}

/**
 * Same catalogue as `simulateCatalog` (bit-identical: rows are seeded per 4096-row chunk), computed on `threads`
 * worker threads. Reference data are loaded in every worker (the SSP grid from the os.tmpdir cache).
 */
export async function simulateCatalogParallel(
  opts: Omit<SimulateCatalogOptions, 'sspGrid' | 'onProgress'> & {
    threads?: number;
    /** Rows done over all workers (called about every 1,000 rows per worker). */
    onProgress?: (done: number, total: number) => void;
  },
): Promise<Catalog> {
  const threads = Math.max(1, opts.threads ?? 2);
  const nChunks = Math.ceil(opts.n / CATALOG_CHUNK_ROWS);
  const per = Math.ceil(nChunks / threads) * CATALOG_CHUNK_ROWS;
  const moduleUrl = new URL('./simulate-catalog.js', import.meta.url).href;
  type Part = { names: string[]; units: Record<string, string>; bands: string[]; provenance: Catalog['provenance']; cols: (Float64Array | Float32Array)[] };
  const jobs: Promise<Part>[] = [];
  const done: number[] = [];
  const starts: number[] = [];
  for (let s = 0; s < opts.n; s += per) {
    starts.push(s);
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { moduleUrl, opts: { survey: opts.survey, bands: opts.bands, seed: opts.seed, config: opts.config, rowStart: s, n: Math.min(per, opts.n - s) } },
    });
    const k = done.push(0) - 1;
    jobs.push(
      new Promise((resolve, reject) => {
        w.on('message', (m: Part | { progress: number } | { failure: Parameters<typeof rebuildError>[0] }) => {
          if ('failure' in m) {
            reject(rebuildError(m.failure));
            void w.terminate();
            return;
          }
          if ('progress' in m) {
            done[k] = m.progress;
            opts.onProgress?.(done.reduce((a, b) => a + b, 0), opts.n);
            return;
          }
          resolve(m);
          void w.terminate();
        });
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`simulation worker for rows from ${s} exited with code ${code} before sending its rows`)));
      }),
    );
  }
  const parts = await Promise.all(jobs);
  const first = parts[0];
  const columns: Record<string, Float64Array | Float32Array> = {};
  first.names.forEach((name, c) => {
    const ctor = first.cols[c] instanceof Float32Array ? Float32Array : Float64Array;
    const out = new ctor(opts.n);
    parts.forEach((p, k) => out.set(p.cols[c], starts[k]));
    columns[name] = out;
  });
  return { n: opts.n, bands: first.bands, columnNames: first.names, columns, units: first.units, seed: opts.seed, provenance: first.provenance };
}
