import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import { bandNameSchema, bandNames, defineSink, galaxiesComplete, maskedByGalaxy, SchemaError, type GalaxyBox, type InitContext } from '@pixsed/core';
import { PosteriorModel } from '@pixsed/model/node';
import { writeFitsExtensions } from '@pixsed/fits/node';
import { footprintComplete, GalaxyAccumulator, integratedPhotometry, MAP_STATS, type GalaxyResult } from '../galaxy-accumulator.js';
import { compositeBands } from '../figure-annotations.js';
import { integratedFitSpec, massComparisonSpec, quicklookSpec, writeFigurePng, type FigureContext } from './galaxy-figures.js';

export const galaxiesSinkSchema = z.strictObject({
  model: z.string().optional().describe('ONNX model for the integrated-photometry fit (default: none); relative to the pipeline file'),
  samplesPerGalaxy: z.number().int().min(10).default(2000).describe('posterior samples of the integrated fit'),
  seed: z.number().int().default(0),
  mapsDir: z.string().default('maps').describe('folder (under --out) for per-galaxy FITS maps'),
  quicklooksDir: z.string().default('quicklooks').describe('folder for per-galaxy PNG quicklooks ("" = none)'),
  catalog: z.string().default('galaxies.csv').describe('galaxy catalogue (CSV), relative to --out'),
  rgbBands: z.array(bandNameSchema).length(3).optional().describe('red, green, blue bands of the colour composite, in decreasing pivot wavelength (default: the reddest, middle and bluest band by pivot wavelength)'),
});
export type GalaxiesSinkConfig = z.infer<typeof galaxiesSinkSchema>;

/** One row of the galaxy catalogue CSV: column → value. */
export type GalaxyCatalogRow = Record<string, number | string>;

/** WCS cards of the mosaic shifted to a galaxy box: CRPIX' = CRPIX − offset (FITS pixels are 1-based, offsets 0-based). */
function croppedWcs(wcs: Record<string, number | string>, box: GalaxyBox): Record<string, number | string> {
  const out = { ...wcs };
  if (typeof out.CRPIX1 === 'number') out.CRPIX1 -= box.x0;
  if (typeof out.CRPIX2 === 'number') out.CRPIX2 -= box.y0;
  return out;
}

/**
 * The galaxy sink: holds per-galaxy state until the strip cursor has passed a galaxy's
 * segmentation box, then writes its FITS maps (one extension per parameter × statistic + MASK,
 * WCS cropped to the box) and PNG quicklook, and adds a catalogue row: pixel counts by reason,
 * sample-wise Σ M* and Σ SFR, the integrated-photometry fit through the same model and
 * Δ = log ΣM_pix − log M_int (the outshining test).
 */
export async function openGalaxiesSink(config: GalaxiesSinkConfig, init: Pick<InitContext, 'output' | 'pipelineDir' | 'log' | 'stream'>) {
  // facts before data: parameters, bands and WCS come from the StreamInfo, checked before any batch
  const { stream } = init;
  if (!stream.mask) throw new SchemaError(`galaxies: the stream has no masking stage before this sink (it would see pixels with galaxy_id 0): aggregation expects masked pixels (put snr-mask before it)`);
  const params = stream.inference?.parameters.map((p) => p.name) ?? [];
  const bands = bandNames(stream);
  const rgb = compositeBands(stream.bands, config.rgbBands);
  const wcs: Record<string, number | string> = Object.fromEntries(Object.entries(stream.wcs ?? {}).filter((e): e is [string, number | string] => typeof e[1] !== 'boolean'));
  const figures: FigureContext = { stream, wcs, rgb };
  const model = await loadIntegratedModel(config, init.pipelineDir, bands);
  const out = await outputFolders(config, init.output);
  const acc = new GalaxyAccumulator(params, bands, rgb.map((b) => `flux_${b}_njy`));
  const masked = new Map<number, Record<string, number>>();
  const rows: GalaxyCatalogRow[] = [];
  const written: string[] = [];
  const reasons = new Set<string>();

  const finish = async (box: GalaxyBox) => {
    const r = acc.complete(box);
    const m = masked.get(box.id) ?? {};
    masked.delete(box.id);
    Object.keys(m).forEach((k) => reasons.add(k));
    const row: GalaxyCatalogRow = { galaxy_id: box.id, z: r?.z ?? NaN, n_pixels_segment: box.nPixels, n_pixels: r?.nPixels ?? 0, footprint_complete: footprintComplete(m, r) ? 1 : 0 };
    for (const [k, v] of Object.entries(m)) row[`n_pixels_masked_${k}`] = v;
    if (r) {
      written.push(await writeGalaxyMaps(r, acc.parameters, wcs, out));
      if (out.qlDir) written.push(await writeGalaxyQuicklook(r, figures, out.qlDir, out.ioError));
      Object.assign(row, summedRow(r, acc.bands));
      if (model) Object.assign(row, await integratedRow(model, r, config));
      if (model && out.qlDir) written.push(await writeIntegratedFitFigure(model, r, config, figures, out.qlDir, out.ioError));
      if (typeof row.log_mstar_sum_p50 === 'number' && typeof row.log_mstar_integrated_p50 === 'number') {
        row.delta_log_mstar = row.log_mstar_sum_p50 - row.log_mstar_integrated_p50;
      }
    }
    rows.push(row);
  };

  return {
    async write(batch: RecordBatch) {
      addMaskedCounts(masked, batch);
      acc.add(batch);
      for (const box of galaxiesComplete(batch)) await finish(box);
    },
    async close() {
      for (const id of acc.remaining()) await finish(acc.keptBox(id)!);
      if (model && out.qlDir) written.push(await writeMassComparison(rows, out.qlDir, out.ioError));
      await writeFile(out.catalogFile, catalogCsv(rows, reasons)).catch(out.ioError(out.catalogFile));
      await model?.close();
      init.log(`galaxies: ${rows.length} galaxies, ${written.length} map/quicklook files`);
      return [out.catalogFile, out.mapsDir, ...(out.qlDir ? [out.qlDir] : [])];
    },
    async abort() {
      await model?.close();
    },
  };
}

/** The integrated-photometry model (`config.model`, relative to the pipeline file), checked against the stream's bands; none without `model`. */
async function loadIntegratedModel(config: GalaxiesSinkConfig, pipelineDir: string, bands: string[]): Promise<PosteriorModel | undefined> {
  if (!config.model) return undefined;
  const model = await PosteriorModel.load(isAbsolute(config.model) ? config.model : resolve(pipelineDir, config.model));
  try {
    model.checkBands(bands, 'galaxies sink');
  } catch (err) {
    await model.close();
    throw err;
  }
  return model;
}

type IoError = (file: string) => (err: unknown) => never;

/** Temporary paths of the run's output transaction (renamed into <out>/... when the run completes), folders created. */
async function outputFolders(config: GalaxiesSinkConfig, output: InitContext['output']) {
  const mapsDir = output.path(config.mapsDir, 'galaxies.mapsDir', 'folder');
  const qlDir = config.quicklooksDir ? output.path(config.quicklooksDir, 'galaxies.quicklooksDir', 'folder') : undefined;
  const catalogFile = output.path(config.catalog, 'galaxies.catalog');
  const ioError: IoError = (file) => (err) => {
    throw output.ioError(err, file);
  };
  await mkdir(mapsDir, { recursive: true }).catch(ioError(mapsDir));
  if (qlDir) await mkdir(qlDir, { recursive: true }).catch(ioError(qlDir));
  return { mapsDir, qlDir, catalogFile, ioError };
}

/** Adds a batch's masked-pixel counts (by galaxy and reason) to `masked`. */
function addMaskedCounts(masked: Map<number, Record<string, number>>, batch: RecordBatch): void {
  for (const [id, counts] of Object.entries(maskedByGalaxy(batch))) {
    const g = masked.get(Number(id)) ?? {};
    for (const [k, v] of Object.entries(counts)) g[k] = (g[k] ?? 0) + v;
    masked.set(Number(id), g);
  }
}

/** Catalogue columns of the pixel sums: sample-wise Σ M*, Σ SFR percentiles, incomplete bands, Σ flux per band. */
function summedRow(r: GalaxyResult, bands: string[]): GalaxyCatalogRow {
  const o: GalaxyCatalogRow = {};
  for (const [name, s] of [['log_mstar_sum', r.logMassSum], ['log_sfr100_sum', r.logSfrSum]] as const) {
    if (s) Object.assign(o, { [`${name}_p16`]: s.p16, [`${name}_p50`]: s.p50, [`${name}_p84`]: s.p84 });
  }
  o.n_bands_incomplete = r.incompleteBands.length;
  o.bands_incomplete = r.incompleteBands.join(' ');
  for (const b of bands) {
    o[`flux_${b}_sum_njy`] = r.fluxSum[b];
    o[`flux_${b}_sum_err_njy`] = r.fluxSumErr[b];
    o[`flux_${b}_sum_n_pixels`] = r.fluxSumPixels[b];
  }
  return o;
}

/** The integrated-photometry fit's percentiles per parameter, through the one inference path. */
async function integratedRow(model: PosteriorModel, r: GalaxyResult, config: GalaxiesSinkConfig): Promise<GalaxyCatalogRow> {
  const { flux, err } = integratedPhotometry(r, model.bands);
  // noise seeded from (seed, 'galaxy', id): independent of the galaxy's order
  const res = await model.infer({ n: 1, flux, err, z: [r.z], key: [['galaxy'], [r.id]] }, { samples: config.samplesPerGalaxy, seed: config.seed });
  const o: GalaxyCatalogRow = {};
  for (const p of model.parameters) {
    const s = res.summaries[p];
    Object.assign(o, { [`${p}_integrated_p16`]: s.p16[0], [`${p}_integrated_p50`]: s.p50[0], [`${p}_integrated_p84`]: s.p84[0] });
  }
  return o;
}

/** `<mapsDir>/galaxy_<id>.fits`: one extension per parameter × statistic plus MASK, WCS cropped to the box. */
async function writeGalaxyMaps(r: GalaxyResult, parameters: string[], wcs: Record<string, number | string>, out: { mapsDir: string; ioError: IoError }): Promise<string> {
  const width = r.box.x1 - r.box.x0 + 1;
  const height = r.box.y1 - r.box.y0 + 1;
  const header = croppedWcs(wcs, r.box);
  const ext: { extname: string; width: number; height: number; data: Float32Array; header: Record<string, string | number> }[] = parameters.flatMap((p) =>
    MAP_STATS.map((s) => ({ extname: `${p}_${s}`.toUpperCase(), width, height, data: r.maps[`${p}_${s}`], header: { ...header, PARAM: p, STAT: s as string } })),
  );
  ext.push({ extname: 'MASK', width, height, data: Float32Array.from(r.mask), header: { ...header, PARAM: 'mask', STAT: '1 = pixel kept' } });
  const file = join(out.mapsDir, `galaxy_${r.id}.fits`);
  await writeFitsExtensions(file, ext, { OBJECT: `galaxy ${r.id}`, GALAXYID: r.id, REDSHIFT: r.z, NPIXELS: r.nPixels, X0: r.box.x0, Y0: r.box.y0 }).catch(out.ioError(file));
  return file;
}

/** `<qlDir>/galaxy_<id>.png`: colour composite and log M*, log SFR maps (quicklookSpec), rendered through Vega-Lite. */
async function writeGalaxyQuicklook(r: GalaxyResult, figures: FigureContext, qlDir: string, ioError: IoError): Promise<string> {
  const png = join(qlDir, `galaxy_${r.id}.png`);
  return writeFigurePng(png, quicklookSpec(r, figures)).catch(ioError(png));
}

/**
 * `<qlDir>/galaxy_<id>_fit.png`: corner plot of the integrated fit's posterior samples and the Σ-pixel photometry.
 * The samples come from the same `model.infer` call as the catalogue's integrated columns (same seed and key
 * ['galaxy', id], so the same samples), with `keep` to return them.
 */
async function writeIntegratedFitFigure(model: PosteriorModel, r: GalaxyResult, config: GalaxiesSinkConfig, figures: FigureContext, qlDir: string, ioError: IoError): Promise<string> {
  const { flux, err } = integratedPhotometry(r, model.bands);
  const res = await model.infer({ n: 1, flux, err, z: [r.z], key: [['galaxy'], [r.id]] }, { samples: config.samplesPerGalaxy, seed: config.seed, keep: model.parameters });
  const pivot = new Map(figures.stream.bands.map((b) => [b.name, b.pivotWavelengthAngstrom]));
  // model photometry: the PPC emulator on (up to 256 of) the fit's draws, when the model has one
  const k = Math.min(256, res.samples);
  const draws = new Float32Array(k * model.parameters.length);
  model.parameters.forEach((p, d) => {
    for (let i = 0; i < k; i++) draws[i * model.parameters.length + d] = res.kept[p][i];
  });
  const predicted = Number.isFinite(r.z) ? await model.predictedFluxes(draws, k, r.z) : undefined;
  const fit = {
    samples: res.kept,
    units: Object.fromEntries(model.parameters.map((p) => [p, res.summaries[p].unit])),
    photometry: model.bands.map((b, j) => ({ band: b, pivotMicron: pivot.get(b) === undefined ? undefined : pivot.get(b)! / 1e4, flux: r.fluxSum[b], err: r.fluxSumErr[b], fitted: Number.isFinite(flux[j][0]), ...(predicted ? { model: predicted[j] } : {}) })),
    model: `model ${model.manifest.name} v${model.manifest.version}`,
    ...(predicted ? { modelPhotometry: `posterior predictive, noiseless (PPC emulator, ${k} draws)` } : {}),
  };
  const png = join(qlDir, `galaxy_${r.id}_fit.png`);
  return writeFigurePng(png, integratedFitSpec(r, fit)).catch(ioError(png));
}

/** `<qlDir>/mass_pixels_vs_integrated.png`: Σ pixel vs integrated log M* of every galaxy with both (massComparisonSpec). */
async function writeMassComparison(rows: GalaxyCatalogRow[], qlDir: string, ioError: IoError): Promise<string> {
  const pct = (r: GalaxyCatalogRow, name: string) => ({ p16: Number(r[`${name}_p16`]), p50: Number(r[`${name}_p50`]), p84: Number(r[`${name}_p84`]) });
  const both = rows
    .map((r) => ({ id: Number(r.galaxy_id), sum: pct(r, 'log_mstar_sum'), integrated: pct(r, 'log_mstar_integrated') }))
    .filter((r) => Number.isFinite(r.sum.p50) && Number.isFinite(r.integrated.p50))
    .sort((a, b) => a.id - b.id);
  const png = join(qlDir, 'mass_pixels_vs_integrated.png');
  return writeFigurePng(png, massComparisonSpec(both, 'Resolved (Σ pixels) vs integrated-photometry stellar mass')).catch(ioError(png));
}

/** The galaxy catalogue CSV: rows by galaxy id; masked-pixel counts by reason (0 where none), then Σ flux columns last. */
export function catalogCsv(rows: GalaxyCatalogRow[], reasons: Set<string>): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const ordered = [
    ...cols.filter((c) => !c.startsWith('n_pixels_masked_') && !c.startsWith('flux_')),
    ...[...reasons].sort().map((r) => `n_pixels_masked_${r}`),
    ...cols.filter((c) => c.startsWith('flux_')),
  ];
  return [ordered.join(','), ...rows.sort((a, b) => Number(a.galaxy_id) - Number(b.galaxy_id)).map((r) => ordered.map((c) => r[c] ?? (c.startsWith('n_pixels_masked_') ? 0 : '')).join(','))].join('\n') + '\n';
}

export const galaxiesSink = defineSink({
  name: 'galaxies',
  version: '0.2.0',
  description: 'per-galaxy FITS maps, PNG quicklooks and a catalogue with Σ pixel mass vs the integrated fit',
  configSchema: galaxiesSinkSchema,
  create: (config, init) => openGalaxiesSink(config, init),
});
