import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import { bandNameSchema, bandNames, defineSink, galaxiesComplete, maskedByGalaxy, removedPixels, SchemaError, type GalaxyBox, type InitContext } from '@pixsed/core';
import { galaxyZPerSample, PosteriorModel, type InferResult } from '@pixsed/model/node';
import { footprintComplete, GalaxyAccumulator, integratedPhotometry, type GalaxyResult } from '../galaxy-accumulator.js';
import { catalogColumns, type GalaxyCatalogRow } from '../galaxy-catalog.js';
import { compositeBands } from '../figure-annotations.js';
import { catalogFormat, pixelToRaDec, provenanceCards, writeGalaxyCatalog, writeGalaxyMaps } from './galaxy-outputs.js';
import { SHARD_ROWS_FILE, writeShardRows } from './shard-rows.js';
import { integratedFitSpec, massComparisonSpec, quicklookSpec, writeFigurePng, type FigureContext } from './galaxy-figures.js';

export const galaxiesSinkSchema = z.strictObject({
  model: z.string().optional().describe('ONNX model for the integrated-photometry fit (default: none); relative to the pipeline file'),
  samplesPerGalaxy: z.number().int().min(10).default(2000).describe('posterior samples of the integrated fit'),
  seed: z.number().int().default(0),
  mapsDir: z.string().default('maps').describe('folder (under --out) for per-galaxy FITS maps'),
  quicklooksDir: z.string().default('quicklooks').describe('folder for per-galaxy PNG quicklooks ("" = none)'),
  catalog: z
    .union([z.string(), z.array(z.string()).min(1)])
    .default(['galaxies.ecsv', 'galaxies.fits', 'galaxies.csv'])
    .describe('galaxy catalogue file(s), relative to --out; the format from the extension: .ecsv (astropy ECSV: units, descriptions, provenance), .fits (binary table: TUNIT, TDISP), .csv'),
  rgbBands: z.array(bandNameSchema).length(3).optional().describe('red, green, blue bands of the colour composite, in decreasing pivot wavelength (default: the reddest, middle and bluest band by pivot wavelength)'),
});
export type GalaxiesSinkConfig = z.infer<typeof galaxiesSinkSchema>;

export type { GalaxyCatalogRow } from '../galaxy-catalog.js';

/**
 * The galaxy sink: holds per-galaxy state until the strip cursor has passed a galaxy's
 * segmentation box, then writes its FITS maps (one extension per parameter × statistic + MASK,
 * WCS cropped to the box) and PNG quicklook, and adds a catalogue row: pixel counts by reason,
 * sample-wise Σ M* and Σ SFR, the integrated-photometry fit through the same model and
 * Δ = log ΣM_pix − log M_int (the outshining test).
 */
export async function openGalaxiesSink(config: GalaxiesSinkConfig, init: Pick<InitContext, 'output' | 'pipelineDir' | 'log' | 'stream' | 'run'> & Partial<Pick<InitContext, 'redshifts'>>) {
  // facts before data: parameters, bands and WCS come from the StreamInfo, checked before any batch
  const { stream } = init;
  if (!stream.mask) throw new SchemaError(`galaxies: the stream has no masking stage before this sink (it would see pixels with galaxy_id 0): aggregation expects masked pixels (put snr-mask before it)`);
  const params = stream.inference?.parameters.map((p) => p.name) ?? [];
  const bands = bandNames(stream);
  const rgb = compositeBands(stream.bands, config.rgbBands);
  const wcs: Record<string, number | string> = Object.fromEntries(Object.entries(stream.wcs ?? {}).filter((e): e is [string, number | string] => typeof e[1] !== 'boolean'));
  const figures: FigureContext = { stream, wcs, rgb };
  const catalogs = typeof config.catalog === 'string' ? [config.catalog] : config.catalog;
  catalogs.forEach((c, i) => catalogFormat(c, typeof config.catalog === 'string' ? 'sinks.galaxies.catalog' : `sinks.galaxies.catalog[${i}]`));
  const paramUnits = stream.inference?.parameters ?? params.map((name) => ({ name, unit: '' }));
  const centroidBand = stream.psf?.targetBand ?? stream.survey?.targetPsfBand ?? bands[bands.length - 1];
  const toRaDec = pixelToRaDec(wcs);
  const cards = provenanceCards(stream, init.run, config.model ? config.samplesPerGalaxy : undefined);
  const model = await loadIntegratedModel(config, init.pipelineDir, bands);
  // closed once, by finish or abort (the model may be shared with the inference stage: each holder closes it once)
  let modelHeld = model !== undefined;
  const closeModel = async () => {
    if (!modelHeld) return;
    modelHeld = false;
    await model?.close();
  };
  const out = await outputFolders(config, catalogs, init.output).catch(async (e) => {
    await closeModel();
    throw e;
  });
  const acc = new GalaxyAccumulator(params, bands, rgb.map((b) => `flux_${b}_njy`), bands.includes(centroidBand) ? centroidBand : undefined);
  const masked = new Map<number, Record<string, number>>();
  // removed segment pixels (x, y, flags) per galaxy, held until the galaxy completes (bounded like its maps)
  const removedPx = new Map<number, number[]>();
  const rows: GalaxyCatalogRow[] = [];
  const written: string[] = [];
  const reasons = new Set<string>();

  const finish = async (box: GalaxyBox) => {
    const r = acc.complete(box);
    const m = masked.get(box.id) ?? {};
    masked.delete(box.id);
    const gone = removedPx.get(box.id) ?? [];
    removedPx.delete(box.id);
    Object.keys(m).forEach((k) => reasons.add(k));
    const row: GalaxyCatalogRow = { galaxy_id: box.id, z: r?.z ?? NaN, n_pixels_segment: box.nPixels, n_pixels: r?.nPixels ?? 0, footprint_complete: footprintComplete(m, r) ? 1 : 0 };
    // the source of the z used (a source without per-galaxy z facts: spec where the pixels had a z)
    Object.assign(row, { z_source: box.zSource ?? (Number.isFinite(row.z) ? 'spec' : 'none'), z_lo: box.zLo ?? NaN, z_hi: box.zHi ?? NaN });
    for (const [k, v] of Object.entries(m)) row[`n_pixels_masked_${k}`] = v;
    if (r?.centroid) {
      Object.assign(row, { x_centroid_pix: r.centroid.x, y_centroid_pix: r.centroid.y });
      if (toRaDec) [row.ra_deg, row.dec_deg] = toRaDec(r.centroid.x, r.centroid.y);
      row.radec_source = 'centroid';
    }
    // the input catalogue's position wins where it has one
    if (box.ra !== undefined && box.dec !== undefined) Object.assign(row, { ra_deg: box.ra, dec_deg: box.dec, radec_source: 'catalog' });
    if (r) {
      const file = join(out.mapsDir, `galaxy_${r.id}.fits`);
      written.push(await writeGalaxyMaps(r, paramUnits, wcs, cards, stream.flags, out.mapsDir, gone).catch(out.ioError(file)));
      if (out.qlDir) written.push(await writeGalaxyQuicklook(r, figures, out.qlDir, out.ioError));
      Object.assign(row, summedRow(r, acc.bands));
      if (model) {
        const fit = await integratedFit(model, r, config, r.box.zSource === 'pixsed-photo' ? init.redshifts?.get(r.id)?.samples : undefined);
        Object.assign(row, integratedRow(model, fit));
        if (out.qlDir) written.push(await writeIntegratedFitFigure(model, r, fit, figures, out.qlDir, out.ioError));
      }
      if (typeof row.log_mstar_sum_p50 === 'number' && typeof row.log_mstar_integrated_p50 === 'number') {
        row.delta_log_mstar = row.log_mstar_sum_p50 - row.log_mstar_integrated_p50;
      }
    }
    rows.push(row);
  };

  return {
    async write(batch: RecordBatch) {
      addMaskedCounts(masked, batch);
      const q = removedPixels(batch);
      for (let i = 0; i < q.length; i += 4) {
        let list = removedPx.get(q[i]);
        if (!list) removedPx.set(q[i], (list = []));
        list.push(q[i + 1], q[i + 2], q[i + 3]);
      }
      acc.add(batch);
      for (const box of galaxiesComplete(batch)) await finish(box);
    },
    async close() {
      for (const id of acc.remaining()) await finish(acc.keptBox(id)!);
      if (model && out.qlDir) written.push(await writeMassComparison(rows, out.qlDir, out.ioError));
      const columnOpts = { bands: acc.bands, integrated: model?.manifest.parameters.filter((p) => model.parameters.includes(p.name)), reasons: [...reasons], centroidBand, flagDescriptions: Object.fromEntries(stream.flags.map((f) => [f.name, f.description])), integratedPpc: !!model?.ppcEmulator };
      const columns = catalogColumns(columnOpts);
      for (const file of out.catalogFiles) await writeGalaxyCatalog(file, columns, rows, cards).catch(out.ioError(file));
      // a shard (`pixsed run --shard`) also keeps its exact rows for `pixsed merge` (ADR 0009)
      const shardRows = stream.shard ? init.output.path(SHARD_ROWS_FILE, 'galaxies.catalog') : undefined;
      if (shardRows) await writeShardRows(shardRows, { columns: columnOpts, samplesPerGalaxy: config.model ? config.samplesPerGalaxy : undefined, catalogs, rows }).catch(out.ioError(shardRows));
      await closeModel();
      init.log(`galaxies: ${rows.length} galaxies, ${written.length} map/quicklook files`);
      return [...out.catalogFiles, ...(shardRows ? [shardRows] : []), out.mapsDir, ...(out.qlDir ? [out.qlDir] : [])];
    },
    async abort() {
      await closeModel();
    },
  };
}

/** The integrated-photometry model (`config.model`, relative to the pipeline file), checked against the stream's bands; none without `model`. */
async function loadIntegratedModel(config: GalaxiesSinkConfig, pipelineDir: string, bands: string[]): Promise<PosteriorModel | undefined> {
  if (!config.model) return undefined;
  // the inference stage's model when it is the same file (default threads and batch rows): one set of sessions and workers
  const model = await PosteriorModel.shared(isAbsolute(config.model) ? config.model : resolve(pipelineDir, config.model));
  try {
    model.checkBands(bands, 'galaxies sink');
  } catch (err) {
    await model.close();
    throw err;
  }
  return model;
}

export type IoError = (file: string) => (err: unknown) => never;

/** Temporary paths of the run's output transaction (renamed into <out>/... when the run completes), folders created. */
async function outputFolders(config: GalaxiesSinkConfig, catalogs: string[], output: InitContext['output']) {
  const mapsDir = output.path(config.mapsDir, 'galaxies.mapsDir', 'folder');
  const qlDir = config.quicklooksDir ? output.path(config.quicklooksDir, 'galaxies.quicklooksDir', 'folder') : undefined;
  const catalogFiles = catalogs.map((c) => output.path(c, 'galaxies.catalog'));
  const ioError: IoError = (file) => (err) => {
    throw output.ioError(err, file);
  };
  await mkdir(mapsDir, { recursive: true }).catch(ioError(mapsDir));
  if (qlDir) await mkdir(qlDir, { recursive: true }).catch(ioError(qlDir));
  return { mapsDir, qlDir, catalogFiles, ioError };
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

/** The integrated-photometry fit through the one inference path, its samples kept (the catalogue row and the fit figure use the same call). */
async function integratedFit(model: PosteriorModel, r: GalaxyResult, config: GalaxiesSinkConfig, photoZ?: Float32Array): Promise<{ res: InferResult; fitted: boolean[] }> {
  const { flux, err } = integratedPhotometry(r, model.bands);
  // noise seeded from (seed, 'galaxy', id): independent of the galaxy's order; a galaxy with pixsed's photo-z is
  // marginalised over its z samples as its pixels are (ADR 0010)
  const zSamples = photoZ ? galaxyZPerSample(photoZ, new Float32Array(config.samplesPerGalaxy)) : undefined;
  const res = await model.infer({ n: 1, flux, err, z: [r.z], key: [['galaxy'], [r.id]], ...(zSamples ? { zSamples } : {}) }, { samples: config.samplesPerGalaxy, seed: config.seed, keep: model.parameters });
  return { res, fitted: flux.map((f) => Number.isFinite(f[0])) };
}

/** The integrated-photometry fit's percentiles per parameter (and its posterior-predictive check). */
function integratedRow(model: PosteriorModel, { res }: { res: InferResult }): GalaxyCatalogRow {
  const o: GalaxyCatalogRow = {};
  for (const p of model.parameters) {
    const s = res.summaries[p];
    Object.assign(o, { [`${p}_integrated_p16`]: s.p16[0], [`${p}_integrated_p50`]: s.p50[0], [`${p}_integrated_p84`]: s.p84[0] });
  }
  if (res.ppc) Object.assign(o, { integrated_ppc_chi2: res.ppc.chi2[0], integrated_ppc_pvalue: res.ppc.pValue[0] });
  return o;
}

/** `<qlDir>/galaxy_<id>.png`: colour composite and log M*, log SFR maps (quicklookSpec), rendered through Vega-Lite. */
async function writeGalaxyQuicklook(r: GalaxyResult, figures: FigureContext, qlDir: string, ioError: IoError): Promise<string> {
  const png = join(qlDir, `galaxy_${r.id}.png`);
  return writeFigurePng(png, quicklookSpec(r, figures)).catch(ioError(png));
}

/**
 * `<qlDir>/galaxy_<id>_fit.png`: corner plot of the integrated fit's posterior samples and the Σ-pixel photometry.
 * The samples are those of the catalogue's integrated columns (the same `integratedFit` call).
 */
async function writeIntegratedFitFigure(model: PosteriorModel, r: GalaxyResult, { res, fitted }: { res: InferResult; fitted: boolean[] }, figures: FigureContext, qlDir: string, ioError: IoError): Promise<string> {
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
    photometry: model.bands.map((b, j) => ({ band: b, pivotMicron: pivot.get(b) === undefined ? undefined : pivot.get(b)! / 1e4, flux: r.fluxSum[b], err: r.fluxSumErr[b], fitted: fitted[j], ...(predicted ? { model: predicted[j] } : {}) })),
    model: `model ${model.manifest.name} v${model.manifest.version}`,
    ...(predicted ? { modelPhotometry: `posterior predictive, noiseless (PPC emulator, ${k} draws)` } : {}),
  };
  const png = join(qlDir, `galaxy_${r.id}_fit.png`);
  return writeFigurePng(png, integratedFitSpec(r, fit)).catch(ioError(png));
}

/** `<qlDir>/mass_pixels_vs_integrated.png`: Σ pixel vs integrated log M* of every galaxy with both (massComparisonSpec). */
export async function writeMassComparison(rows: GalaxyCatalogRow[], qlDir: string, ioError: IoError): Promise<string> {
  const pct = (r: GalaxyCatalogRow, name: string) => ({ p16: Number(r[`${name}_p16`]), p50: Number(r[`${name}_p50`]), p84: Number(r[`${name}_p84`]) });
  const both = rows
    .map((r) => ({ id: Number(r.galaxy_id), sum: pct(r, 'log_mstar_sum'), integrated: pct(r, 'log_mstar_integrated') }))
    .filter((r) => Number.isFinite(r.sum.p50) && Number.isFinite(r.integrated.p50))
    .sort((a, b) => a.id - b.id);
  const png = join(qlDir, 'mass_pixels_vs_integrated.png');
  return writeFigurePng(png, massComparisonSpec(both, 'Resolved (Σ pixels) vs integrated-photometry stellar mass')).catch(ioError(png));
}

export const galaxiesSink = defineSink({
  name: 'galaxies',
  version: '0.2.0',
  description: 'per-galaxy FITS maps, PNG quicklooks and a catalogue (ECSV, FITS, CSV) with Σ pixel mass vs the integrated fit',
  configSchema: galaxiesSinkSchema,
  create: (config, init) => openGalaxiesSink(config, init),
});
