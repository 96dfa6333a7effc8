import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import cliProgress from 'cli-progress';
import { batchFromColumns, ConfigError } from '@pixsed/core';
import { createParquetWriter } from '@pixsed/parquet/node';
import { loadSurveyFilters, parseSimulatorConfig, simulateCatalogParallel, writeCatalogCsv, writeCatalogNpy } from '@pixsed/simulator/node';
import { availableParallelism } from 'node:os';
import { surveys } from '@pixsed/surveys';

export interface SimulateOptions {
  survey: string;
  n: string;
  seed: string;
  out: string;
  config?: string;
  format: string;
  threads?: string;
}

const FORMATS = ['csv', 'npy', 'parquet'] as const;

/** The survey's band set (names, order, filter files; pivots checked against the curves). */
function bandsFor(survey: string) {
  if (!surveys.names().includes(survey)) {
    throw new ConfigError(undefined, [{ path: '--survey', message: `unknown survey '${survey}' (known: ${surveys.names().join(', ')})` }], 'option');
  }
  return loadSurveyFilters(survey);
}

/**
 * `pixsed simulate`: draw parameters from the priors, compute noiseless and noisy photometry and
 * write `catalog.csv` or `catalog.npy` + `catalog.columns.json` (the PyTorch trainer's input).
 */
export async function simulateCommand(opts: SimulateOptions): Promise<void> {
  const n = Number(opts.n);
  const seed = Number(opts.seed);
  const problems = [];
  if (!Number.isInteger(n) || n < 1) problems.push({ path: '--n', message: `expected a positive integer, got '${opts.n}'` });
  if (!Number.isInteger(seed)) problems.push({ path: '--seed', message: `expected an integer, got '${opts.seed}'` });
  if (!(FORMATS as readonly string[]).includes(opts.format)) problems.push({ path: '--format', message: `expected one of ${FORMATS.join(', ')}, got '${opts.format}'` });
  const threads = opts.threads === undefined ? Math.min(8, availableParallelism()) : Number(opts.threads);
  if (!Number.isInteger(threads) || threads < 1) problems.push({ path: '--threads', message: `expected a positive integer, got '${opts.threads}'` });
  if (problems.length) throw new ConfigError(undefined, problems, 'option');

  let raw: unknown = {};
  if (opts.config) {
    const file = resolve(opts.config);
    raw = parseYaml(await readFile(file, 'utf8')) ?? {};
    parseSimulatorConfig(raw, file); // errors name the file and path
  }
  const outDir = resolve(opts.out);
  await mkdir(outDir, { recursive: true });

  const tty = process.stderr.isTTY;
  const bar = tty ? new cliProgress.SingleBar({ stream: process.stderr, format: ' simulate {bar} {percentage}% | {value}/{total} SEDs | ETA {eta}s' }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(n, 0);
  let lastLog = 0;
  const t0 = performance.now();
  const catalog = await simulateCatalogParallel({
    bands: bandsFor(opts.survey),
    n,
    seed,
    threads: Math.min(threads, Math.ceil(n / 4096)),
    config: raw as never,
    onProgress: (done, total) => {
      bar?.update(done);
      const t = (performance.now() - t0) / 1000;
      if (!tty && t - lastLog > 5) {
        lastLog = t;
        process.stderr.write(`[pixsed] simulated ${done}/${total} (${(done / t).toFixed(0)} SED/s)\n`);
      }
    },
  });
  bar?.stop();
  const seconds = (performance.now() - t0) / 1000;
  const written: string[] = [];
  if (opts.format === 'csv') {
    const p = join(outDir, 'catalog.csv');
    await writeCatalogCsv(catalog, p);
    written.push(p);
  } else if (opts.format === 'parquet') {
    const p = join(outDir, 'catalog.parquet');
    const writer = await createParquetWriter(p, { metadata: { 'pixsed.units': JSON.stringify(catalog.units), 'pixsed.seed': String(seed), 'pixsed.survey': opts.survey, 'pixsed.ssp': JSON.stringify(catalog.provenance?.ssp), 'pixsed.cosmology': JSON.stringify(catalog.provenance?.cosmology) } });
    for (let r0 = 0; r0 < n; r0 += 65536) {
      const r1 = Math.min(n, r0 + 65536);
      await writer.write(batchFromColumns(Object.fromEntries(catalog.columnNames.map((c) => [c, catalog.columns[c].subarray(r0, r1)]))));
    }
    await writer.close();
    written.push(p);
  } else {
    const { npyPath, jsonPath } = writeCatalogNpy(catalog, join(outDir, 'catalog'));
    written.push(npyPath, jsonPath);
  }
  const meta = join(outDir, 'simulation.json');
  await writeFile(meta, JSON.stringify({ survey: opts.survey, n, seed, config: raw, bands: catalog.bands, units: catalog.units, ssp: catalog.provenance?.ssp, cosmology: catalog.provenance?.cosmology, seconds, threads }, null, 2) + '\n');
  written.push(meta);
  process.stdout.write(`simulated ${n} objects in ${seconds.toFixed(2)} s (${(n / seconds).toFixed(0)} SED/s)\n${written.map((w) => `output ${w}`).join('\n')}\n`);
}
