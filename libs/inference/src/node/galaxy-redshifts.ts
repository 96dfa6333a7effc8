import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { bandNames, column, ConfigError, defineSink, FLAG, pendingRedshift, runPipeline, type GalaxyRedshift, type GalaxyRedshifts, type PipelineConfig, type PluginEntry, type RunOptions, type SinkDefinition } from '@pixsed/core';
import { BandSums, integratedPhotometry } from '@pixsed/model';
import { MAX_SAMPLES_PER_ROW, PosteriorModel } from '@pixsed/model/node';
import { checkModelBands, modelBandColumns } from './model-bands.js';

/** How the first pass names itself in messages. */
export const PHOTOZ_PASS = 'photo-z first pass';

export const photozSchema = z.strictObject({
  model: z
    .string()
    .min(1)
    .describe("photo-z model (manifest redshift.role 'parameter'), relative to the pipeline file: galaxies without a catalogue z get their z from it, fitted to their integrated PSF-matched photometry in a first pass over their tiles; each pixel's samples are then conditioned on the galaxy's z samples (ADR 0010)"),
  samplesPerGalaxy: z.number().int().min(10).max(MAX_SAMPLES_PER_ROW).default(2000).describe("z posterior samples per galaxy (the galaxy's z_lo/z/z_hi are their 16/50/84th percentiles)"),
  zDrawsPerPixel: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("distinct z per pixel, dividing samplesPerPixel: pixel samples in block j are conditioned on the galaxy's z sample j (the same for all its pixels); the conditioning network runs once per z draw, so fewer draws cost less (default: the largest divisor of samplesPerPixel up to 100 when it is at least 20, else samplesPerPixel)"),
});

/** z draws per pixel (photoz.zDrawsPerPixel, checked to divide the samples; default: the largest divisor of S up to 100 if ≥ 20, else S). */
export function zDrawsPerPixel(samplesPerPixel: number, requested?: number): number {
  if (requested !== undefined) {
    if (samplesPerPixel % requested !== 0) throw new ConfigError(undefined, [{ path: 'inference.photoz.zDrawsPerPixel', message: `expected a divisor of samplesPerPixel ${samplesPerPixel}, got ${requested}` }]);
    return requested;
  }
  for (let k = Math.min(100, samplesPerPixel); k >= 20; k--) if (samplesPerPixel % k === 0) return k;
  return samplesPerPixel;
}
export type PhotozConfig = z.infer<typeof photozSchema>;

/** What the first pass did (run-summary.json `redshiftPass`). */
export interface RedshiftPassSummary {
  model: { name: string; version: string; sha256: string };
  /** galaxies without a catalogue z (this shard's) */
  galaxies: number;
  /** of them, those with kept pixels, fitted: their z_source is `pixsed-photo` */
  fitted: number;
  /** of the fitted, those whose fit carries a flag (MISSING_BAND, NON_DETECTION, OUT_OF_SUPPORT), by flag */
  flagged: Record<string, number>;
  /** tiles the first pass read, and its wall seconds (reading + PSF matching + mask; then the fit) */
  batches: number;
  passSeconds: number;
  fitSeconds: number;
}

/** The inference stage that carries a `photoz` block (at most one per pipeline), with its index. */
export function photozStage(config: PipelineConfig): { index: number; photoz: PhotozConfig; seed: number; threads: number; batchRows: number; allowMissingBands: boolean } | undefined {
  const found = config.stages.map((s, index) => ({ s, index })).filter(({ s }) => s.type === 'inference' && (s.config as { photoz?: unknown }).photoz);
  if (found.length > 1) throw new ConfigError(config.file, found.slice(1).map(({ index }) => ({ path: `stages[${index}].photoz`, message: `only one inference stage can carry a photo-z model (also stages[${found[0].index}].photoz)` })));
  if (!found.length) return undefined;
  const c = found[0].s.config as { photoz: PhotozConfig; seed: number; threads: number; batchRows: number; allowMissingBands: boolean };
  return { index: found[0].index, photoz: c.photoz, seed: c.seed, threads: c.threads, batchRows: c.batchRows, allowMissingBands: c.allowMissingBands };
}

/** Loads a photo-z model and checks it infers z; errors name the config key (`where.key`) and the file. */
export async function loadPhotozModel(photoz: PhotozConfig, pipelineDir: string, where: { file?: string; key: string }, opts: { threads: number; batchRows: number }): Promise<PosteriorModel> {
  const path = isAbsolute(photoz.model) ? photoz.model : resolve(pipelineDir, photoz.model);
  let model: PosteriorModel;
  try {
    model = await PosteriorModel.load(path, opts);
  } catch (err) {
    throw new ConfigError(where.file, [{ path: where.key, message: err instanceof Error ? err.message : String(err) }]);
  }
  if (!model.infersRedshift) {
    await model.close();
    throw new ConfigError(where.file, [{ path: where.key, message: `model ${model.manifest.name} v${model.manifest.version} (${model.manifestFile}) is conditioned on z (redshift.role 'conditioning'): expected a photo-z model (redshift.role 'parameter')` }]);
  }
  return model;
}

/**
 * The photo-z first pass (ADR 0010): for the galaxies of the mosaic without a catalogue z, run the source (only their
 * tiles) and the stages that do not read z (psf, snr-mask: the same kept pixels as the main pass), sum their
 * PSF-matched photometry per galaxy (`BandSums`, the galaxies sink's code path), and fit it with the photo-z model
 * (`samplesPerGalaxy` samples keyed by ('galaxy-z', id) and the inference stage's seed). Memory: the band sums of
 * those galaxies, then their z samples. Returns undefined when the pipeline has no `photoz` block.
 */
export async function resolveGalaxyRedshifts(
  config: PipelineConfig & { dir?: string },
  options: Pick<RunOptions, 'shard' | 'signal' | 'log' | 'pixsedVersion'> & { pipelineDir: string },
): Promise<{ redshifts: GalaxyRedshifts; summary: RedshiftPassSummary } | undefined> {
  const stage = photozStage(config);
  if (!stage) return undefined;
  const log = options.log ?? (() => undefined);
  const model = await loadPhotozModel(stage.photoz, options.pipelineDir, { file: config.file, key: `stages[${stage.index}].photoz.model` }, { threads: stage.threads, batchRows: stage.batchRows });
  const scratch = await mkdtemp(join(tmpdir(), 'pixsed-photoz-pass-'));
  try {
    const sums = new Map<number, BandSums>();
    let pending: number[] = [];
    const sinkDef: SinkDefinition = defineSink({
      name: 'photoz-photometry',
      version: '0.1.0',
      description: 'sums the kept pixels of the galaxies without a catalogue z per band (photo-z first pass)',
      configSchema: z.strictObject({}),
      create(_c, init) {
        pending = pendingRedshift(init.stream);
        checkModelBands(model, bandNames(init.stream), stage.allowMissingBands, PHOTOZ_PASS, log);
        const wanted = new Set(pending);
        return {
          write(batch) {
            const n = batch.numRows;
            if (!n) return;
            const { flux, err } = modelBandColumns(batch, model.bands, 'photoz-photometry');
            const gid = column(batch, 'galaxy_id', 'photoz-photometry');
            for (let i = 0; i < n; i++) {
              if (!wanted.has(gid[i])) continue;
              let s = sums.get(gid[i]);
              if (!s) sums.set(gid[i], (s = new BandSums(model.bands.length)));
              s.add(flux, err, i);
            }
          },
          close: () => [],
        };
      },
    });
    const sink: PluginEntry<SinkDefinition> = { type: 'photoz-photometry', name: 'photoz-photometry', config: {}, def: sinkDef };
    const t0 = performance.now();
    const pass = await runPipeline(
      { ...config, stages: config.stages.filter((s) => !s.def.readsRedshift), sinks: [sink] },
      { outDir: scratch, pipelineDir: options.pipelineDir, prepass: true, log, signal: options.signal, shard: options.shard, pixsedVersion: options.pixsedVersion },
    );
    const passSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const ids = pending.filter((id) => (sums.get(id)?.nPixels ?? 0) > 0).sort((a, b) => a - b);
    const redshifts = new Map<number, GalaxyRedshift>();
    const flagged: Record<string, number> = {};
    if (ids.length) {
      const G = ids.length;
      const S = stage.photoz.samplesPerGalaxy;
      const flux = model.bands.map(() => new Float64Array(G));
      const err = model.bands.map(() => new Float64Array(G));
      ids.forEach((id, g) => {
        const p = integratedPhotometry(sums.get(id)!.result(model.bands), model.bands);
        model.bands.forEach((_, b) => {
          flux[b][g] = p.flux[b][0];
          err[b][g] = p.err[b][0];
        });
      });
      const r = await model.infer({ n: G, flux, err, key: [new Array<string>(G).fill('galaxy-z'), ids] }, { samples: S, seed: stage.seed, keep: ['z'], ppcDraws: 0 });
      const zs = r.summaries.z;
      ids.forEach((id, g) => {
        const f = r.flags[g];
        for (const name of ['MISSING_BAND', 'NON_DETECTION', 'OUT_OF_SUPPORT'] as const) if (f & FLAG[name]) flagged[name] = (flagged[name] ?? 0) + 1;
        redshifts.set(id, { z: zs.p50[g], zLo: zs.p16[g], zHi: zs.p84[g], samples: r.kept.z.slice(g * S, (g + 1) * S), flags: f });
      });
    }
    const fitSeconds = (performance.now() - t1) / 1000;
    const summary: RedshiftPassSummary = {
      model: { name: model.manifest.name, version: model.manifest.version, sha256: model.sha256 },
      galaxies: pending.length,
      fitted: redshifts.size,
      flagged,
      batches: pass.batchesIn,
      passSeconds,
      fitSeconds,
    };
    const none = pending.length - redshifts.size;
    log(
      `${PHOTOZ_PASS}: ${redshifts.size} of ${pending.length} galaxies without a catalogue z fitted with ${model.manifest.name} v${model.manifest.version} (${pass.batchesIn} tiles, ${passSeconds.toFixed(1)} s + fit ${fitSeconds.toFixed(1)} s)` +
        (none ? `; ${none} without kept pixels keep no z (NO_REDSHIFT)` : '') +
        (Object.keys(flagged).length ? `; warning: fits flagged ${Object.entries(flagged).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''),
    );
    return { redshifts, summary };
  } finally {
    await Promise.allSettled([model.close(), rm(scratch, { recursive: true, force: true })]);
  }
}
