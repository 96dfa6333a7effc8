import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import { bandNames, defineSink, galaxiesComplete, maskedByGalaxy, SchemaError, type GalaxyBox, type InitContext } from '@pixsed/core';
import { PosteriorModel } from '@pixsed/model/node';
import { writeFitsExtensions } from '@pixsed/fits/node';
import { footprintComplete, GalaxyAccumulator, integratedPhotometry, MAP_STATS, type GalaxyResult } from '../galaxy-accumulator.js';
import { writeQuicklook } from './quicklook-png.js';

export const galaxiesSinkSchema = z.strictObject({
  model: z.string().optional().describe('ONNX model for the integrated-photometry fit (default: none); relative to the pipeline file'),
  samplesPerGalaxy: z.number().int().min(10).default(2000).describe('posterior samples of the integrated fit'),
  seed: z.number().int().default(0),
  mapsDir: z.string().default('maps').describe('folder (under --out) for per-galaxy FITS maps'),
  quicklooksDir: z.string().default('quicklooks').describe('folder for per-galaxy PNG quicklooks ("" = none)'),
  catalog: z.string().default('galaxies.csv').describe('galaxy catalogue (CSV), relative to --out'),
  rgbBands: z.array(z.string()).length(3).optional().describe('red, green, blue bands of the colour composite (default: reddest, middle, bluest)'),
});
export type GalaxiesSinkConfig = z.infer<typeof galaxiesSinkSchema>;

type Row = Record<string, number | string>;

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
  const rgb = config.rgbBands ?? (bands.length >= 3 ? [bands[bands.length - 1], bands[Math.floor(bands.length / 2)], bands[0]] : []);
  const wcs: Record<string, number | string> = Object.fromEntries(Object.entries(stream.wcs ?? {}).filter((e): e is [string, number | string] => typeof e[1] !== 'boolean'));
  const model = config.model ? await PosteriorModel.load(isAbsolute(config.model) ? config.model : resolve(init.pipelineDir, config.model)) : undefined;
  if (model) {
    try {
      model.checkBands(bands, 'galaxies sink');
    } catch (err) {
      await model.close();
      throw err;
    }
  }
  // temporary paths of the run's output transaction, renamed into <out>/... when the run completes
  const mapsDir = init.output.path(config.mapsDir, 'galaxies.mapsDir', 'folder');
  const qlDir = config.quicklooksDir ? init.output.path(config.quicklooksDir, 'galaxies.quicklooksDir', 'folder') : undefined;
  const catalogFile = init.output.path(config.catalog, 'galaxies.catalog');
  const ioError = (file: string) => (err: unknown) => {
    throw init.output.ioError(err, file);
  };
  await mkdir(mapsDir, { recursive: true }).catch(ioError(mapsDir));
  if (qlDir) await mkdir(qlDir, { recursive: true }).catch(ioError(qlDir));
  const acc = new GalaxyAccumulator(params, bands, rgb.map((b) => `flux_${b}_njy`));
  const masked = new Map<number, Record<string, number>>();
  const rows: Row[] = [];
  const written: string[] = [];
  const reasons = new Set<string>();

  const finish = async (box: GalaxyBox) => {
    const r = acc.complete(box);
    const m = masked.get(box.id) ?? {};
    masked.delete(box.id);
    Object.keys(m).forEach((k) => reasons.add(k));
    const row: Row = { galaxy_id: box.id, z: r?.z ?? NaN, n_pixels_segment: box.nPixels, n_pixels: r?.nPixels ?? 0, footprint_complete: footprintComplete(m, r) ? 1 : 0 };
    for (const [k, v] of Object.entries(m)) row[`n_pixels_masked_${k}`] = v;
    if (r) {
      await writeMaps(r);
      Object.assign(row, sums(r));
      if (model) Object.assign(row, await integrated(r));
      if (typeof row.log_mstar_sum_p50 === 'number' && typeof row.log_mstar_integrated_p50 === 'number') {
        row.delta_log_mstar = row.log_mstar_sum_p50 - row.log_mstar_integrated_p50;
      }
    }
    rows.push(row);
  };

  const sums = (r: GalaxyResult): Row => {
    const o: Row = {};
    for (const [name, s] of [['log_mstar_sum', r.logMassSum], ['log_sfr100_sum', r.logSfrSum]] as const) {
      if (s) Object.assign(o, { [`${name}_p16`]: s.p16, [`${name}_p50`]: s.p50, [`${name}_p84`]: s.p84 });
    }
    o.n_bands_incomplete = r.incompleteBands.length;
    o.bands_incomplete = r.incompleteBands.join(' ');
    for (const b of acc.bands) {
      o[`flux_${b}_sum_njy`] = r.fluxSum[b];
      o[`flux_${b}_sum_err_njy`] = r.fluxSumErr[b];
      o[`flux_${b}_sum_n_pixels`] = r.fluxSumPixels[b];
    }
    return o;
  };

  const integrated = async (r: GalaxyResult): Promise<Row> => {
    const m = model!;
    const { flux, err } = integratedPhotometry(r, m.bands);
    // the one inference path; noise seeded from (seed, 'galaxy', id): independent of the galaxy's order
    const res = await m.infer({ n: 1, flux, err, z: [r.z], key: [['galaxy'], [r.id]] }, { samples: config.samplesPerGalaxy, seed: config.seed });
    const o: Row = {};
    for (const p of m.parameters) {
      const s = res.summaries[p];
      Object.assign(o, { [`${p}_integrated_p16`]: s.p16[0], [`${p}_integrated_p50`]: s.p50[0], [`${p}_integrated_p84`]: s.p84[0] });
    }
    return o;
  };

  const writeMaps = async (r: GalaxyResult) => {
    const width = r.box.x1 - r.box.x0 + 1;
    const height = r.box.y1 - r.box.y0 + 1;
    const header = croppedWcs(wcs, r.box);
    const ext: { extname: string; width: number; height: number; data: Float32Array; header: Record<string, string | number> }[] = acc.parameters.flatMap((p) =>
      MAP_STATS.map((s) => ({ extname: `${p}_${s}`.toUpperCase(), width, height, data: r.maps[`${p}_${s}`], header: { ...header, PARAM: p, STAT: s as string } })),
    );
    ext.push({ extname: 'MASK', width, height, data: Float32Array.from(r.mask), header: { ...header, PARAM: 'mask', STAT: '1 = pixel kept' } });
    const file = join(mapsDir, `galaxy_${r.id}.fits`);
    await writeFitsExtensions(file, ext, { OBJECT: `galaxy ${r.id}`, GALAXYID: r.id, REDSHIFT: r.z, NPIXELS: r.nPixels, X0: r.box.x0, Y0: r.box.y0 }).catch(ioError(file));
    written.push(file);
    if (qlDir) {
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
      written.push(png);
    }
  };

  return {
    async write(batch: RecordBatch) {
      for (const [id, counts] of Object.entries(maskedByGalaxy(batch))) {
        const g = masked.get(Number(id)) ?? {};
        for (const [k, v] of Object.entries(counts)) g[k] = (g[k] ?? 0) + v;
        masked.set(Number(id), g);
      }
      acc.add(batch);
      for (const box of galaxiesComplete(batch)) await finish(box);
    },
    async close() {
      for (const id of acc.remaining()) await finish(acc.keptBox(id)!);
      const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      const ordered = [
        ...cols.filter((c) => !c.startsWith('n_pixels_masked_') && !c.startsWith('flux_')),
        ...[...reasons].sort().map((r) => `n_pixels_masked_${r}`),
        ...cols.filter((c) => c.startsWith('flux_')),
      ];
      const csv = [ordered.join(','), ...rows.sort((a, b) => Number(a.galaxy_id) - Number(b.galaxy_id)).map((r) => ordered.map((c) => r[c] ?? (c.startsWith('n_pixels_masked_') ? 0 : '')).join(','))].join('\n') + '\n';
      await writeFile(catalogFile, csv).catch(ioError(catalogFile));
      await model?.close();
      init.log(`galaxies: ${rows.length} galaxies, ${written.length} map/quicklook files`);
      return [catalogFile, mapsDir, ...(qlDir ? [qlDir] : [])];
    },
    async abort() {
      await model?.close();
    },
  };
}

export const galaxiesSink = defineSink({
  name: 'galaxies',
  version: '0.2.0',
  description: 'per-galaxy FITS maps, PNG quicklooks and a catalogue with Σ pixel mass vs the integrated fit',
  configSchema: galaxiesSinkSchema,
  create: (config, init) => openGalaxiesSink(config, init),
});
