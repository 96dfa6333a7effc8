import { isAbsolute, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import { bandNames, ConfigError, defineStage, galaxiesComplete, ModelMismatchError, SchemaError, tileMapsMetadata, withMetadata, type StageContext, type StreamInfo, type TileMaps } from '@pixsed/core';
import { MAX_INTRA_OP_THREADS } from '@pixsed/model/node';
import { GalaxyCutouts } from '../galaxy-cutouts.js';
import { predictGalaxy } from '../predict-galaxy.js';
import { TileModel } from './tile-model.js';

export const tileModelStageSchema = z.strictObject({
  model: z.string().min(1).describe('ONNX image model (manifest.json beside it, kind tile-model), relative to the pipeline file'),
  overlapPx: z.number().int().min(0).default(16).describe('overlap of neighbouring tiles [px] when a galaxy box is larger than the model input (blended with linear ramps); less than the input size'),
  tilesPerRun: z.number().int().min(1).max(1024).default(8).describe('tiles per onnxruntime call (memory ∝ tilesPerRun × channels × input area)'),
  threads: z.number().int().min(1).max(MAX_INTRA_OP_THREADS).default(1).describe('onnxruntime intra-op threads'),
});
export type TileModelStageConfig = z.infer<typeof tileModelStageSchema>;

/** Relative difference of the data pixel scale from the model's. */
const scaleMismatch = (data: number, model: number) => Math.abs(data - model) / model;

/**
 * Checks of the stream against the manifest, before any batch: the psf stage came before (PSF-matched bands) and
 * no mask yet (the image model needs every pixel of a box), the PSF target band, the pixel scale, the bands and
 * the galaxy boxes. Each mismatch names the manifest file and key.
 */
export function checkTileStream(model: TileModel, stream: StreamInfo, stageName: string): void {
  const m = model.manifest;
  const f = model.manifestFile;
  if (!stream.psf) throw new SchemaError(`${stageName}: the stream has no psf stage before this one: the image model ${f} expects PSF-matched bands (psf.targetBand ${m.psf.targetBand}); put tile-model after psf`);
  if (stream.mask) throw new SchemaError(`${stageName}: the stream is already masked (snr-mask before this stage): the image model needs every pixel of a galaxy box; put tile-model after psf and before snr-mask`);
  if (stream.psf.targetBand !== m.psf.targetBand) throw new ModelMismatchError(`${stageName}: the bands are matched to the ${stream.psf.targetBand} PSF, but ${f} psf.targetBand is ${m.psf.targetBand}`);
  const unmatched = model.bands.filter((b) => stream.psf!.passThroughBands.includes(b));
  if (unmatched.length) throw new ModelMismatchError(`${stageName}: bands ${unmatched.join(', ')} of ${f} input.channels are passed through unmatched by the psf stage (passThroughBands): the model expects them matched to ${m.psf.targetBand}`);
  if (stream.pixelScaleArcsec === undefined) throw new SchemaError(`${stageName}: the stream has no pixel scale (no WCS): ${f} input.pixelScaleArcsec is ${m.input.pixelScaleArcsec}″ and cannot be checked`);
  if (scaleMismatch(stream.pixelScaleArcsec, m.input.pixelScaleArcsec) > m.input.pixelScaleTolerance) {
    throw new ModelMismatchError(`${stageName}: the data pixel scale is ${stream.pixelScaleArcsec.toPrecision(6)}″, but ${f} input.pixelScaleArcsec is ${m.input.pixelScaleArcsec}″ (tolerance ${m.input.pixelScaleTolerance * 100} %, input.pixelScaleTolerance)`);
  }
  const have = bandNames(stream);
  m.input.channels.forEach((c, i) => {
    if (c.kind === 'band' && !have.includes(c.band)) throw new ModelMismatchError(`${stageName}: ${f} input.channels[${i}].band is ${c.band}, absent from the data (bands: ${have.join(', ')})`);
  });
  if (!stream.galaxies) throw new SchemaError(`${stageName}: the stream has no galaxy boxes (StreamInfo.galaxies): the source needs a segmentation map`);
}

/**
 * The tile-model stage: holds the PSF-matched pixels of each galaxy box (GalaxyCutouts) until the batch that
 * completes it, runs the image model on the box (tiled and blended, `predictGalaxy`) and sends the per-pixel mean
 * and σ of every parameter downstream with that batch (`tileMaps` metadata; rows pass unchanged). Every segment
 * pixel gets a value, also those a later S/N mask removes. Writes nothing itself: the `tile-maps` sink does.
 */
export async function createTileModel(config: TileModelStageConfig, pipelineDir: string, stream: StreamInfo | undefined, log: (m: string) => void = () => undefined, stageName = 'tile-model') {
  const path = isAbsolute(config.model) ? config.model : resolve(pipelineDir, config.model);
  const model = await TileModel.load(path, { threads: config.threads });
  const m = model.manifest;
  const needsZ = m.input.channels.some((c) => c.kind === 'redshift');
  try {
    const size = Math.min(m.input.heightPx, m.input.widthPx);
    if (config.overlapPx >= size) throw new ConfigError(undefined, [{ path: `stages.${stageName}.overlapPx`, message: `${config.overlapPx} must be less than the model input size ${size} px (${model.manifestFile} input.heightPx/widthPx)` }]);
    if (stream) checkTileStream(model, stream, stageName);
  } catch (e) {
    await model.close();
    throw e;
  }
  const bands = model.bands;
  const cutouts = new GalaxyCutouts(stream?.galaxies ?? [], bands, stageName);
  const stats = { galaxies: 0, pixels: 0, tiles: 0, seconds: 0, noRedshift: 0, maxHeldPixels: 0 };
  const info: StreamInfo | undefined = stream && { ...stream, tileModel: { parameters: model.parameters, model: { name: m.name, version: m.version, sha256: model.sha256, head: m.output.head } } };

  const kernel = async (batch: RecordBatch, ctx: StageContext): Promise<RecordBatch> => {
    cutouts.add(batch);
    stats.maxHeldPixels = Math.max(stats.maxHeldPixels, cutouts.held.pixels);
    const done: TileMaps[] = [];
    for (const box of galaxiesComplete(batch)) {
      const c = cutouts.take(box.id);
      if (!c) continue;
      if (needsZ && !Number.isFinite(c.z)) {
        stats.noRedshift++;
        continue;
      }
      const t0 = performance.now();
      const r = await predictGalaxy(c, m, bands, (input, n) => model.run(input, n), { overlapPx: config.overlapPx, tilesPerRun: config.tilesPerRun });
      stats.seconds += (performance.now() - t0) / 1e3;
      stats.galaxies++;
      stats.tiles += r.tiles;
      const flags = new Int32Array(c.segment.length);
      for (let i = 0; i < flags.length; i++) {
        flags[i] = c.segment[i] ? c.flags[i] : -1;
        stats.pixels += c.segment[i];
      }
      done.push({ box: c.box, z: c.z, mean: r.mean, sigma: r.sigma, flags });
    }
    if (!done.length) return batch;
    void ctx;
    return withMetadata(batch, tileMapsMetadata(done));
  };

  const summary = () => {
    const rate = stats.seconds > 0 ? `, ${(stats.galaxies / stats.seconds).toFixed(2)} galaxies/s, ${(stats.pixels / stats.seconds).toFixed(0)} segment px/s in the model` : '';
    log(`${stageName}: ${m.name} v${m.version} on ${stats.galaxies} galaxies (${stats.pixels} segment pixels, ${stats.tiles} tiles, ${stats.seconds.toFixed(2)} s${rate}; at most ${stats.maxHeldPixels} box pixels held)${stats.noRedshift ? `; ${stats.noRedshift} galaxies without a redshift skipped (the model has a redshift channel)` : ''}`);
  };
  return { model, kernel, info, stats, cutouts, summary };
}

export const tileModelStage = defineStage({
  name: 'tile-model',
  version: '0.1.0',
  readsRedshift: true,
  description: 'image model (ONNX U-Net, Gaussian head) on each galaxy box of the PSF-matched bands: per-pixel mean and σ maps for every segment pixel (written by the tile-maps sink)',
  configSchema: tileModelStageSchema,
  async create(config, init) {
    const t = await createTileModel(config, init.pipelineDir, init.stream, init.log);
    return {
      kernel: t.kernel,
      info: t.info,
      close: async () => {
        t.summary();
        await t.model.close();
      },
      provenance: { model: `${t.model.manifest.name}@${t.model.manifest.version}`, modelSha256: t.model.sha256, head: t.model.manifest.output.head },
    };
  },
});
