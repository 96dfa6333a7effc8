import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import { bandNames, defineSink, galaxiesComplete, maskedByGalaxy, SchemaError, type GalaxyBox, type InitContext } from '@pixsed/core';
import { PosteriorModel } from '@pixsed/model/node';
import { footprintComplete, GalaxyAccumulator, integratedPhotometry, type GalaxyResult } from '../galaxy-accumulator.js';
import { catalogColumns, type GalaxyCatalogRow } from '../galaxy-catalog.js';
import { catalogFormat, pixelToRaDec, provenanceCards, writeGalaxyCatalog, writeGalaxyMaps } from './galaxy-outputs.js';
import { writeQuicklook } from './quicklook-png.js';

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
  rgbBands: z.array(z.string()).length(3).optional().describe('red, green, blue bands of the colour composite (default: reddest, middle, bluest)'),
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
export async function openGalaxiesSink(config: GalaxiesSinkConfig, init: Pick<InitContext, 'output' | 'pipelineDir' | 'log' | 'stream' | 'run'>) {
  // facts before data: parameters, bands and WCS come from the StreamInfo, checked before any batch
  const { stream } = init;
  if (!stream.mask) throw new SchemaError(`galaxies: the stream has no masking stage before this sink (it would see pixels with galaxy_id 0): aggregation expects masked pixels (put snr-mask before it)`);
  const params = stream.inference?.parameters.map((p) => p.name) ?? [];
  const bands = bandNames(stream);
  const rgb = config.rgbBands ?? (bands.length >= 3 ? [bands[bands.length - 1], bands[Math.floor(bands.length / 2)], bands[0]] : []);
  const wcs: Record<string, number | string> = Object.fromEntries(Object.entries(stream.wcs ?? {}).filter((e): e is [string, number | string] => typeof e[1] !== 'boolean'));
  const catalogs = typeof config.catalog === 'string' ? [config.catalog] : config.catalog;
  catalogs.forEach((c, i) => catalogFormat(c, typeof config.catalog === 'string' ? 'sinks.galaxies.catalog' : `sinks.galaxies.catalog[${i}]`));
  const paramUnits = stream.inference?.parameters ?? params.map((name) => ({ name, unit: '' }));
  const centroidBand = stream.psf?.targetBand ?? stream.survey?.targetPsfBand ?? bands[bands.length - 1];
  const toRaDec = pixelToRaDec(wcs);
  const cards = provenanceCards(stream, init.run, config.model ? config.samplesPerGalaxy : undefined);
  const model = await loadIntegratedModel(config, init.pipelineDir, bands);
  const out = await outputFolders(config, catalogs, init.output);
  const acc = new GalaxyAccumulator(params, bands, rgb.map((b) => `flux_${b}_njy`), bands.includes(centroidBand) ? centroidBand : undefined);
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
    if (r?.centroid) {
      Object.assign(row, { x_centroid_pix: r.centroid.x, y_centroid_pix: r.centroid.y });
      if (toRaDec) [row.ra_deg, row.dec_deg] = toRaDec(r.centroid.x, r.centroid.y);
      row.radec_source = 'centroid';
    }
    // the input catalogue's position wins where it has one
    if (box.ra !== undefined && box.dec !== undefined) Object.assign(row, { ra_deg: box.ra, dec_deg: box.dec, radec_source: 'catalog' });
    if (r) {
      const file = join(out.mapsDir, `galaxy_${r.id}.fits`);
      written.push(await writeGalaxyMaps(r, paramUnits, wcs, cards, stream.flags, out.mapsDir).catch(out.ioError(file)));
      if (out.qlDir) written.push(writeGalaxyQuicklook(r, rgb, out.qlDir, out.ioError));
      Object.assign(row, summedRow(r, acc.bands));
      if (model) Object.assign(row, await integratedRow(model, r, config));
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
      const columns = catalogColumns({ bands: acc.bands, integrated: model?.manifest.parameters.filter((p) => model.parameters.includes(p.name)), reasons, centroidBand, flagDescriptions: Object.fromEntries(stream.flags.map((f) => [f.name, f.description])) });
      for (const file of out.catalogFiles) await writeGalaxyCatalog(file, columns, rows, cards).catch(out.ioError(file));
      await model?.close();
      init.log(`galaxies: ${rows.length} galaxies, ${written.length} map/quicklook files`);
      return [...out.catalogFiles, out.mapsDir, ...(out.qlDir ? [out.qlDir] : [])];
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

/** `<qlDir>/galaxy_<id>.png`: colour composite of the `rgb` bands (when three) and log M*, log SFR panels. */
function writeGalaxyQuicklook(r: GalaxyResult, rgb: string[], qlDir: string, ioError: IoError): string {
  const width = r.box.x1 - r.box.x0 + 1;
  const height = r.box.y1 - r.box.y0 + 1;
  const panels = [
    { title: 'log M*', values: r.maps.log_mstar_p50 },
    { title: 'log SFR', values: r.maps.log_sfr100_p50 },
  ].filter((p) => p.values);
  const colour = rgb.length === 3 ? (rgb.map((b) => r.maps[`flux_${b}_njy`]) as [Float32Array, Float32Array, Float32Array]) : undefined;
  const png = join(qlDir, `galaxy_${r.id}.png`);
  try {
    writeQuicklook(png, { width, height, rgb: colour, panels });
  } catch (err) {
    ioError(png)(err);
  }
  return png;
}

export const galaxiesSink = defineSink({
  name: 'galaxies',
  version: '0.2.0',
  description: 'per-galaxy FITS maps, PNG quicklooks and a catalogue (ECSV, FITS, CSV) with Σ pixel mass vs the integrated fit',
  configSchema: galaxiesSinkSchema,
  create: (config, init) => openGalaxiesSink(config, init),
});
