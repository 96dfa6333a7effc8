import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readParquet } from '@pixsed/parquet/node';

/** Spawn `node <bin> ...args` and collect its exit code and output (for the CLI int tests). */
export function spawnCli(bin: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `jobs` with at most `limit` at a time. */
export async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length) {
        const k = next++;
        out[k] = await jobs[k]();
      }
    }),
  );
  return out;
}

/** Each row of a Parquet file as the bytes of all its values (column order of the file), hex: rows compare byte for byte as a set. */
async function rowBytes(files: string[]): Promise<{ rows: string[]; columns: string[] }> {
  const rows: string[] = [];
  let columns: string[] = [];
  for (const f of files) {
    const t = await readParquet(f);
    const names = Object.keys(t.columns);
    if (!columns.length) columns = names;
    if (!isDeepStrictEqual(names, columns)) throw new Error(`${f}: columns ${names.join(',')} differ from ${columns.join(',')}`);
    const views = names.map((n) => {
      const c = t.columns[n];
      if (!ArrayBuffer.isView(c)) throw new Error(`${f}: column ${n} is not numeric`);
      const a = c as unknown as { buffer: ArrayBuffer; byteOffset: number; BYTES_PER_ELEMENT: number };
      return { bytes: Buffer.from(a.buffer, a.byteOffset, t.numRows * a.BYTES_PER_ELEMENT), size: a.BYTES_PER_ELEMENT };
    });
    for (let i = 0; i < t.numRows; i++) rows.push(views.map((v) => v.bytes.subarray(i * v.size, (i + 1) * v.size).toString('hex')).join(':'));
  }
  return { rows: rows.sort(), columns };
}

/** A FITS file's bytes with the value of every DATE card blanked (the run's start time: it differs between any two runs). */
const fitsWithoutDate = (file: string) => readFileSync(file, 'latin1').replace(/DATE    = '[^']*'/g, (m) => m.replace(/'[^']*'/, (v) => `'${'x'.repeat(v.length - 2)}'`));
const ecsvWithoutDate = (file: string) => readFileSync(file, 'utf8').replace(/"date":\s*"[^"]*"/g, '"date":"-"');

/**
 * Everything that differs between a single run's folder and a merged sharded run's ([] when identical): the
 * summary's counts, hashes, provenance and stream; the pixel rows as a set, byte for byte (the single file and the
 * dataset); the catalogue in each format (ECSV/FITS apart from the run's start time); every map bit for bit (idem).
 */
export async function runDifferences(single: string, merged: string): Promise<string[]> {
  const diffs: string[] = [];
  const a = JSON.parse(readFileSync(join(single, 'run-summary.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(merged, 'run-summary.json'), 'utf8'));
  for (const k of ['pipeline', 'rowsIn', 'rowsOut', 'droppedByReason', 'rowsPerFlag', 'flags', 'provenance', 'configHash', 'stream', 'config']) {
    if (!isDeepStrictEqual(a[k], b[k])) diffs.push(`run-summary.json ${k}: ${JSON.stringify(a[k]).slice(0, 300)} vs ${JSON.stringify(b[k]).slice(0, 300)}`);
  }
  const ref = await rowBytes([join(single, 'pixels.parquet')]);
  const one = await rowBytes([join(merged, 'pixels.parquet')]);
  const parts = readdirSync(join(merged, 'pixels')).filter((f) => f.endsWith('.parquet')).map((f) => join(merged, 'pixels', f));
  const dataset = await rowBytes(parts);
  for (const [what, got] of [['pixels.parquet', one], ['pixels/*.parquet', dataset]] as const) {
    if (!isDeepStrictEqual(got.columns, ref.columns)) diffs.push(`${what}: columns differ`);
    if (got.rows.length !== ref.rows.length) diffs.push(`${what}: ${got.rows.length} rows, the single run ${ref.rows.length}`);
    else {
      const bad = got.rows.reduce((n, r, i) => n + (r === ref.rows[i] ? 0 : 1), 0);
      if (bad) diffs.push(`${what}: ${bad} of ${ref.rows.length} rows differ (as a set, byte for byte)`);
    }
  }
  // the single file holds the rows in the single run's order: the same bytes but for the run's start time
  const parquetWithoutDate = (f: string) => readFileSync(f, 'latin1').replace(/"date":"[^"]*"/g, '"date":"-"');
  if (parquetWithoutDate(join(single, 'pixels.parquet')) !== parquetWithoutDate(join(merged, 'pixels.parquet'))) diffs.push('pixels.parquet: not the single run\'s bytes (apart from pixsed.file.date)');
  if (readFileSync(join(single, 'galaxies.csv'), 'utf8') !== readFileSync(join(merged, 'galaxies.csv'), 'utf8')) diffs.push('galaxies.csv differs');
  if (ecsvWithoutDate(join(single, 'galaxies.ecsv')) !== ecsvWithoutDate(join(merged, 'galaxies.ecsv'))) diffs.push('galaxies.ecsv differs (apart from meta.date)');
  if (fitsWithoutDate(join(single, 'galaxies.fits')) !== fitsWithoutDate(join(merged, 'galaxies.fits'))) diffs.push('galaxies.fits differs (apart from DATE)');
  const maps = (d: string) => (existsSync(join(d, 'maps')) ? readdirSync(join(d, 'maps')).sort() : []);
  if (!isDeepStrictEqual(maps(single), maps(merged))) diffs.push(`maps: ${maps(single).join(',')} vs ${maps(merged).join(',')}`);
  for (const m of maps(single)) if (maps(merged).includes(m) && fitsWithoutDate(join(single, 'maps', m)) !== fitsWithoutDate(join(merged, 'maps', m))) diffs.push(`maps/${m} differs (apart from DATE)`);
  if (!maps(single).length) diffs.push('the single run wrote no maps');
  return diffs;
}
