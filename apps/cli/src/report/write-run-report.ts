import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ecsvDelimiter, parseCsvRecords, type OutputTransaction } from '@pixsed/core/node';
import { esc, figure, num, page, table } from './report-html.js';

/** The folder of the report inside the run's output folder. */
export const REPORT_DIR = 'report';

/** What the report reads of run-summary.json (the rest is shown as recorded). */
export const reportSummarySchema = z.looseObject({
  status: z.literal('complete'),
  pixsedVersion: z.string(),
  pipeline: z.string(),
  rowsIn: z.number(),
  rowsOut: z.number(),
  batchesIn: z.number(),
  batchesOut: z.number(),
  droppedByReason: z.record(z.string(), z.number()),
  rowsPerFlag: z.record(z.string(), z.number()),
  flags: z.array(z.looseObject({ bit: z.number(), name: z.string(), description: z.string() })),
  provenance: z.array(z.looseObject({ stage: z.string(), version: z.string(), configHash: z.string(), details: z.record(z.string(), z.string()).optional() })),
  configHash: z.string(),
  stream: z.looseObject({}).optional(),
  wallSeconds: z.number(),
  peakRssMB: z.number(),
  maxInFlightBatches: z.number().optional(),
  maxInFlightMB: z.number().optional(),
  files: z.array(z.string()),
  /** the resolved pipeline (after defaults and --set) and the YAML file it came from; absent in summaries of older runs */
  config: z.looseObject({ sinks: z.array(z.looseObject({ type: z.string(), config: z.record(z.string(), z.unknown()) })).optional(), stages: z.array(z.looseObject({ type: z.string(), config: z.record(z.string(), z.unknown()) })).optional() }).optional(),
  pipelineFile: z.string().optional(),
  finishedAt: z.string().optional(),
});
export type ReportSummary = z.infer<typeof reportSummarySchema>;

export interface ReportInput {
  summary: ReportSummary;
  /** Where the run's files are now (the transaction's temporary folder at the end of `run`, the output folder for `pixsed report`). */
  root: string;
  /** The folder to write the report into (a temporary path of an OutputTransaction). */
  reportDir: string;
  /** The run's output folder (shown in the report). */
  outDir: string;
}

type Row = Record<string, string>;

/** Files below `dir` (relative, sorted); [] if it does not exist. */
async function filesBelow(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)))
    .sort();
}

/** The galaxies sink's settings (defaults where the summary has no resolved config). */
function galaxiesSettings(s: ReportSummary): { catalog: string; quicklooksDir: string; mapsDir: string } | undefined {
  const sinks = s.config?.sinks;
  const g = sinks ? sinks.find((k) => k.type === 'galaxies')?.config : {};
  if (!g) return undefined;
  // `catalog` is one file or a list (ECSV, FITS, CSV): the report reads the first CSV, else the first ECSV
  const files = (Array.isArray(g.catalog) ? g.catalog : [g.catalog ?? 'galaxies.csv']).map(String);
  const catalog = files.find((f) => /\.csv$/i.test(f)) ?? files.find((f) => /\.ecsv$/i.test(f)) ?? files[0];
  return { catalog, quicklooksDir: String(g.quicklooksDir ?? 'quicklooks'), mapsDir: String(g.mapsDir ?? 'maps') };
}

/** Catalogue rows from CSV (RFC 4180) or ECSV (the `# ` YAML header skipped, its delimiter used); undefined for other formats. */
async function readCatalog(file: string): Promise<Row[] | undefined> {
  const ext = extname(file).toLowerCase();
  if (!existsSync(file) || !['.csv', '.ecsv'].includes(ext)) return undefined;
  const text = await readFile(file, 'utf8');
  const { header = [], records } = parseCsvRecords(file, text, ext === '.ecsv' ? { delimiter: ecsvDelimiter(text), what: 'ECSV' } : {});
  return records.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])) as Row);
}

/** The inference model's folder from the resolved config (its `model` is relative to the pipeline file). */
function modelFolder(s: ReportSummary): string | undefined {
  // the per-pixel posterior's model (the inference stage), not an image model (tile-model) before it
  const withModel = (st: { type: string; config: Record<string, unknown> }) => typeof st.config.model === 'string';
  const m = (s.config?.stages?.find((st) => st.type === 'inference' && withModel(st)) ?? s.config?.stages?.find(withModel))?.config.model as string | undefined;
  if (!m) return undefined;
  const p = isAbsolute(m) ? m : s.pipelineFile ? resolve(dirname(s.pipelineFile), m) : undefined;
  return p ? dirname(p) : undefined;
}

/**
 * Write the HTML run report into `reportDir`: index.html (run summary: rows per reason and flag, timing, memory,
 * provenance, stream, resolved config, galaxies, run-level figures, the model's validation metrics and figures) and
 * galaxies/galaxy_<id>.html (its figures and catalogue row). Every image is copied into the report (assets/,
 * model/), so the folder is self-contained: no network, no scripts. Returns the files written.
 */
export async function writeRunReport(input: ReportInput): Promise<string[]> {
  const { summary: s, root, reportDir } = input;
  const written: string[] = [];
  const put = async (rel: string, data: string | Buffer) => {
    const f = join(reportDir, rel);
    await mkdir(dirname(f), { recursive: true });
    await writeFile(f, data);
    written.push(f);
  };
  const copy = async (from: string, rel: string) => {
    const f = join(reportDir, rel);
    await mkdir(dirname(f), { recursive: true });
    await copyFile(from, f);
    written.push(f);
    return rel;
  };

  const gs = galaxiesSettings(s);
  const catalogFile = gs ? join(root, gs.catalog) : undefined;
  const rows = (catalogFile && (await readCatalog(catalogFile))) || [];
  const ql = gs ? await filesBelow(join(root, gs.quicklooksDir)) : [];
  const asset = async (name: string) => (ql.includes(name) ? copy(join(root, gs!.quicklooksDir, name), `assets/${name}`) : undefined);
  // the image model's quicklooks (tile-maps sink), shown beside the per-pixel ones
  const tileMaps = s.config?.sinks?.find((k) => k.type === 'tile-maps')?.config;
  const cnnDir = tileMaps ? String(tileMaps.quicklooksDir ?? 'quicklooks-cnn') : undefined;
  const description = new Map(s.flags.map((f) => [f.name, f.description]));
  const flagBit = new Map(s.flags.map((f) => [f.name, f.bit]));

  // ---- galaxy pages
  const ids = rows.length ? rows.map((r) => r.galaxy_id) : [...new Set(ql.map((f) => /^galaxy_(\d+)\.png$/.exec(f)?.[1]).filter((x): x is string => !!x))];
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    const row = rows.find((r) => r.galaxy_id === id);
    const maps = await asset(`galaxy_${id}.png`);
    const fit = await asset(`galaxy_${id}_fit.png`);
    const cnnQl = cnnDir && existsSync(join(root, cnnDir, `galaxy_${id}.png`)) ? await copy(join(root, cnnDir, `galaxy_${id}.png`), `assets/cnn_galaxy_${id}.png`) : undefined;
    const nav = `<nav>${k > 0 ? `<a href="galaxy_${esc(ids[k - 1])}.html">← galaxy ${esc(ids[k - 1])}</a>` : ''}${k + 1 < ids.length ? `<a href="galaxy_${esc(ids[k + 1])}.html">galaxy ${esc(ids[k + 1])} →</a>` : ''}</nav>`;
    const mapFile = gs ? `${gs.mapsDir}/galaxy_${id}.fits` : undefined;
    const body = [
      nav,
      row ? `<p>z = ${esc(num(row.z, 4))} · ${esc(row.n_pixels ?? '?')} of ${esc(row.n_pixels_segment ?? '?')} segment pixels kept${mapFile && s.files.includes(mapFile) ? ` · maps: <a href="../../${esc(mapFile)}">${esc(mapFile)}</a> (FITS, outside the report folder)` : ''}</p>` : '',
      maps ? figure(`../${maps}`, `Galaxy ${id}: colour composite and posterior-median maps (quicklook)`) : '<p class="muted">no quicklook (quicklooksDir is "")</p>',
      cnnQl ? figure(`../${cnnQl}`, `Galaxy ${id}: image-model (tile-model stage) mean maps of every segment pixel, beside the per-pixel posterior's above`) : '',
      fit ? figure(`../${fit}`, `Galaxy ${id}: integrated-photometry fit (posterior samples) and Σ-pixel photometry`) : '<p class="muted">no integrated fit figure (the galaxies sink has no model)</p>',
      row ? `<h2>Catalogue row (${esc(gs!.catalog)})</h2>${table(['column', 'value'], Object.entries(row).map(([c, v]) => [esc(c), esc(v)]), 'num')}` : '',
    ].join('\n');
    await put(`galaxies/galaxy_${id}.html`, page(`${s.pipeline}: galaxy ${id}`, body, '../'));
  }

  // ---- index
  const dropped = Object.entries(s.droppedByReason);
  const droppedTotal = dropped.reduce((a, [, v]) => a + v, 0);
  const sections: string[] = [];
  sections.push(
    `<h2>Run</h2>${table(
      [],
      [
        ['pipeline', esc(s.pipeline)],
        ['status', esc(s.status)],
        ['output folder', esc(input.outDir)],
        ...(s.pipelineFile ? [['pipeline file', esc(s.pipelineFile)]] : []),
        ...(s.finishedAt ? [['finished', esc(s.finishedAt)]] : []),
        ['pixsed version', esc(s.pixsedVersion)],
        ['resolved config hash', `<code>${esc(s.configHash)}</code>`],
        ['rows in / out', `${num(s.rowsIn)} / ${num(s.rowsOut)} (${num(s.batchesIn)} / ${num(s.batchesOut)} batches)`],
        ['wall time', `${num(s.wallSeconds, 2)} s (${num(s.rowsIn / Math.max(s.wallSeconds, 1e-9), 0)} mosaic px/s)`],
        ['peak RSS', `${num(s.peakRssMB, 0)} MB`],
        ...(s.maxInFlightBatches !== undefined ? [['max in flight', `${num(s.maxInFlightBatches)} batches, ${num(s.maxInFlightMB, 1)} MB`]] : []),
      ],
    )}`,
  );
  sections.push(
    `<h2>Pixel accounting</h2><p>Every mosaic pixel is in the output or removed with a reason: rows in ${num(s.rowsIn)} = rows out ${num(s.rowsOut)} + removed ${num(droppedTotal)}${
      s.rowsIn === s.rowsOut + droppedTotal ? '' : ' <span class="warn">(does not add up)</span>'
    }.</p>${table(['removed by reason', 'bit', 'rows', 'meaning'], dropped.map(([k, v]) => [esc(k), esc(flagBit.get(k) ?? ''), `${num(v)}`, esc(description.get(k) ?? '')]), 'num')}` +
      `${table(['output rows with flag', 'bit', 'rows', 'meaning'], Object.entries(s.rowsPerFlag).map(([k, v]) => [esc(k), esc(flagBit.get(k) ?? ''), num(v), esc(description.get(k) ?? '')]), 'num')}`,
  );
  sections.push(`<h2>Provenance</h2>${table(['step', 'version', 'config hash', 'details'], s.provenance.map((p) => [esc(p.stage), esc(p.version), `<code>${esc(p.configHash)}</code>`, esc(Object.entries(p.details ?? {}).map(([k, v]) => `${k}: ${v}`).join('; '))]))}`);

  const st = s.stream as { bands?: { name: string; pivotWavelengthAngstrom?: number; psfFwhmArcsec?: number }[]; survey?: { name?: string }; pixelScaleArcsec?: number; psf?: { targetBand?: string }; mask?: { snrBands: string[]; snrThreshold: number; comparison: string }; inference?: { model: { name: string; version: string; sha256: string; sps: string } } } | undefined;
  if (st) {
    const facts = [
      ...(st.survey?.name ? [['survey', esc(st.survey.name)]] : []),
      ...(st.pixelScaleArcsec ? [['pixel scale', `${num(st.pixelScaleArcsec, 4)}″`]] : []),
      ...(st.psf?.targetBand ? [['PSF target band', esc(st.psf.targetBand)]] : []),
      ...(st.mask ? [['pixel selection', esc(`mean S/N ${st.mask.comparison} ${st.mask.snrThreshold} over ${st.mask.snrBands.join(', ')}`)]] : []),
      ...(st.inference ? [['model', esc(`${st.inference.model.name} v${st.inference.model.version} (${st.inference.model.sps}), sha256 ${st.inference.model.sha256}`)]] : []),
    ];
    sections.push(
      `<h2>Data</h2>${table([], facts)}${st.bands ? table(['band', 'pivot wavelength [µm]', 'PSF FWHM [″]'], st.bands.map((b) => [esc(b.name), b.pivotWavelengthAngstrom ? num(b.pivotWavelengthAngstrom / 1e4, 4) : '—', b.psfFwhmArcsec ? num(b.psfFwhmArcsec, 3) : '—']), 'num') : ''}`,
    );
  }

  const mass = await asset('mass_pixels_vs_integrated.png');
  sections.push(`<h2>Run-level figures</h2>${mass ? figure(mass, 'Resolved (Σ pixels) vs integrated-photometry stellar mass of every galaxy with both') : '<p class="muted">no run-level figure (no integrated fit: the galaxies sink has no model, or no quicklooks)</p>'}`);

  const cols = ['galaxy_id', 'z', 'n_pixels', 'log_mstar_sum_p50', 'log_mstar_integrated_p50', 'delta_log_mstar'];
  sections.push(
    `<h2 id="galaxies">Galaxies (${ids.length})</h2>${
      rows.length
        ? table(['galaxy', 'z', 'kept pixels', 'Σ pixel log M* p50 [log₁₀ M☉]', 'integrated log M* p50 [log₁₀ M☉]', 'Δ log M* [dex]'], rows.map((r) => [`<a href="galaxies/galaxy_${esc(r.galaxy_id)}.html">${esc(r.galaxy_id)}</a>`, ...cols.slice(1).map((c) => esc(num(r[c])))]), 'num')
        : ids.length
          ? `<p>${ids.map((id) => `<a href="galaxies/galaxy_${esc(id)}.html">galaxy ${esc(id)}</a>`).join(' · ')}</p><p class="muted">catalogue not readable here (${esc(gs?.catalog ?? 'none')}: CSV or ECSV is shown)</p>`
          : '<p class="muted">no galaxies sink in this run</p>'
    }`,
  );

  // ---- the model's validation (validation.json metrics and any PNG figures beside the model)
  const md = modelFolder(s);
  let modelHtml = '<p class="muted">model folder not recorded (run-summary.json without a resolved config)</p>';
  if (md) {
    const parts: string[] = [`<p>model folder: <code>${esc(md)}</code></p>`];
    const vj = join(md, 'validation.json');
    if (existsSync(vj)) {
      try {
        const v = JSON.parse(await readFile(vj, 'utf8')) as { metrics?: Record<string, Record<string, number>>; selection?: Record<string, unknown> };
        if (v.metrics) {
          const keys = ['r2', 'bias', 'nmad', 'outlierFraction', 'coverage68', 'coverage95'];
          parts.push(table(['parameter', 'R²', 'bias', 'NMAD', 'outlier fraction', '68 % coverage', '95 % coverage'], Object.entries(v.metrics).map(([p, m]) => [esc(p), ...keys.map((k) => num(m[k]))]), 'num'));
        }
        if (v.selection) parts.push(`<p class="muted">validation set: ${esc(JSON.stringify(v.selection))}</p>`);
      } catch (err) {
        parts.push(`<p class="warn">${esc(vj)}: not readable JSON (${esc((err as Error).message)})</p>`);
      }
    }
    const pngs = [...(await filesBelow(md)).filter((f) => extname(f).toLowerCase() === '.png' && f.split('/').length <= 2)];
    for (const f of pngs) parts.push(figure(await copy(join(md, f), `model/${f}`), `model validation: ${f}`));
    if (!pngs.length) parts.push('<p class="muted">no validation figures (*.png) in the model folder (write them with <code>pixsed validate --out &lt;model folder&gt;/validation</code>)</p>');
    modelHtml = parts.join('\n');
  }
  sections.push(`<h2>Model validation</h2>${modelHtml}`);

  sections.push(`<h2>Resolved config</h2>${s.config ? `<pre>${esc(JSON.stringify(s.config, null, 2))}</pre>` : '<p class="muted">not recorded in this run-summary.json (older pixsed)</p>'}`);
  sections.push(`<h2>Files of the run</h2><pre>${esc(s.files.join('\n'))}</pre>`);
  await put('index.html', page(`pixsed run report: ${s.pipeline}`, sections.join('\n')));
  return written;
}

/**
 * The report as one of a run's files, written under the output transaction's temporary folder before the commit
 * (`pixsed run`, `pixsed merge`). A report that cannot be written does not discard the results: a warning naming the
 * cause, no report/, and `pixsed report <dir>` to retry. Returns whether it was written. `summary` is the run summary
 * as it will be committed.
 */
export async function writeReportOrWarn(output: OutputTransaction, summary: unknown, log: (m: string) => void, results = 'the results'): Promise<boolean> {
  const reportDir = join(output.tempDir, REPORT_DIR);
  try {
    output.path(REPORT_DIR, '--no-report', 'folder');
    await writeRunReport({ summary: reportSummarySchema.parse(summary), root: output.tempDir, reportDir, outDir: output.dir });
    return true;
  } catch (err) {
    await rm(reportDir, { recursive: true, force: true });
    log(`warning: the run report was not written (${output.ioError(err, reportDir).message}); ${results} are complete: write it with 'pixsed report ${output.dir}'`);
    return false;
  }
}
