import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import { bandNames, batchFromColumns, column, columnsOf, ConfigError, defineStage, fieldMetadataOf, FLAGS_COLUMN, ModelMismatchError, type GalaxyRedshifts, type ListColumn, type NumericArray, type StageContext, type StreamInfo } from '@pixsed/core';
import { checkSamplingPlan, DEFAULT_BATCH_ROWS, DEFAULT_PPC_DRAWS, emptyInferCounts, describeKernel, galaxyZPerSample, MAX_BATCH_ROWS, MAX_INTRA_OP_THREADS, MAX_SAMPLES_PER_ROW, PosteriorModel, ppcColumns, type InferResult, type InferTable } from '@pixsed/model/node';
import { loadPhotozModel, PHOTOZ_PASS, photozSchema, zDrawsPerPixel } from './galaxy-redshifts.js';
import { checkModelBands, modelBandColumns } from './model-bands.js';
import { spsLabel, SUMMARY_STATS } from '@pixsed/model';

export const inferenceStageSchema = z.strictObject({
  model: z.string().min(1).describe('ONNX model (manifest.json beside it), relative to the pipeline file'),
  samplesPerPixel: z.number().int().min(2).max(MAX_SAMPLES_PER_ROW).default(500).describe(`posterior samples per pixel (at most ${MAX_SAMPLES_PER_ROW})`),
  seed: z.number().int().default(0).describe('seed of the sampling noise: a pixel\'s noise comes from (seed, its mosaic x, y), so it does not depend on strips, tiles or batches'),
  batchRows: z.number().int().min(1).max(MAX_BATCH_ROWS).default(DEFAULT_BATCH_ROWS).describe(`pixels per onnxruntime call (memory ∝ batchRows × samplesPerPixel, at most 2 GiB per call; ${DEFAULT_BATCH_ROWS} measured fastest, tools/bench/inference.bench.mjs)`),
  threads: z.number().int().min(1).max(MAX_INTRA_OP_THREADS).default(2).describe(`cores for sampling (at most ${MAX_INTRA_OP_THREADS}): one onnxruntime session per core in its own worker thread up to 4, the cores beyond as intra-op threads`),
  keepSamples: z.array(z.string()).default(['log_mstar', 'log_sfr100']).describe('parameters whose samples are kept as list columns `<param>_samples` (for sample-wise sums)'),
  ppcDraws: z
    .number()
    .int()
    .min(0)
    .max(MAX_SAMPLES_PER_ROW)
    .default(DEFAULT_PPC_DRAWS)
    .describe('posterior draws per pixel whose emulated photometry enters the posterior-predictive check (columns ppc_chi2, ppc_pvalue, ppc_n_bands; flag PPC_POOR) when the model has a PPC emulator; 0 turns it off'),
  allowMissingBands: z.boolean().default(false).describe('accept data lacking some model bands (treated as missing per pixel and flagged) instead of refusing the model'),
  photoz: photozSchema.optional().describe("galaxies without a catalogue z: pixsed's photo-z of the galaxy (first pass over their tiles), and each pixel's posterior marginalised over it (ADR 0010)"),
});
export type InferenceStageConfig = z.infer<typeof inferenceStageSchema>;

/**
 * The inference stage: per pixel, `PosteriorModel.infer` on `flux_<band>_njy` / `flux_<band>_err_njy` /
 * `z` keyed by the pixel's mosaic (x, y), and per parameter `<p>_mean`, `<p>_std`, `<p>_p16`,
 * `<p>_p50`, `<p>_p84` (+ `<p>_samples` lists). Flags: MISSING_BAND, NON_DETECTION, OUT_OF_SUPPORT.
 */
export async function createInference(config: InferenceStageConfig, pipelineDir: string, stream?: StreamInfo, log: (m: string) => void = () => undefined, stageName = 'inference', redshifts?: GalaxyRedshifts) {
  const path = isAbsolute(config.model) ? config.model : resolve(pipelineDir, config.model);
  // shared: a galaxies sink with the same model and defaults uses the same sessions and workers (PosteriorModel.shared)
  const model = await PosteriorModel.shared(path, { threads: config.threads, batchRows: config.batchRows });
  const params = model.parameters;
  // the data bands are known before any batch: a model/band mismatch fails in create()
  const dataBands = stream ? bandNames(stream) : [];
  let zDraws = 0;
  try {
    if (config.photoz) zDraws = zDrawsPerPixel(config.samplesPerPixel, config.photoz.zDrawsPerPixel);
    checkSamplingPlan(config.samplesPerPixel, config.batchRows, params.length, { what: 'inference stage config', samplesKey: 'samplesPerPixel' });
    for (const p of config.keepSamples) {
      if (!params.includes(p)) throw new ModelMismatchError(`inference.keepSamples: model ${model.manifest.name} has no parameter '${p}' (has ${params.join(', ')})`);
    }
    if (dataBands.length) checkModelBands(model, dataBands, config.allowMissingBands, `stage '${stageName}'`, log);
  } catch (err) {
    await model.close();
    throw err;
  }
  const ppc = ppcColumns(model, config.ppcDraws, config.samplesPerPixel);
  if (ppc && ppc.info.pValueThreshold === undefined) log(`${stageName}: model ${model.manifest.name} has a PPC emulator but no calibrated threshold (pixsed ppc-calibrate): ppc_* columns written, PPC_POOR never set`);
  const units = Object.fromEntries(params.map((p) => [p, model.manifest.parameters.find((x) => x.name === p)?.unit ?? '']));
  const info: StreamInfo | undefined = stream && {
    ...stream,
    inference: {
      parameters: params.map((p) => ({ name: p, unit: units[p] })),
      model: { name: model.manifest.name, version: model.manifest.version, sha256: model.sha256, sps: spsLabel(model.manifest) },
      samplesPerPixel: config.samplesPerPixel,
      ...(ppc ? { ppc: ppc.info } : {}),
    },
    columns: [
      ...stream.columns,
      ...(ppc ? ppc.columns.map((c) => ({ name: c.name, addedBy: stageName, unit: c.unit })) : []),
      ...params.flatMap((p) => [...SUMMARY_STATS.map((s) => ({ name: `${p}_${s}`, addedBy: stageName, unit: units[p] })), ...(config.keepSamples.includes(p) ? [{ name: `${p}_samples`, addedBy: stageName, unit: units[p] }] : [])]),
    ],
  };
  // galaxies whose z pixsed's photo-z found (first pass, ADR 0010): their pixels' sample k is conditioned on the galaxy's z sample k
  const photo = new Map<number, Float32Array>();
  if (redshifts && stream) {
    for (const g of stream.galaxies ?? []) {
      const found = g.zSource === 'pixsed-photo' ? redshifts.get(g.id) : undefined;
      if (found) photo.set(g.id, galaxyZPerSample(found.samples, new Float32Array(zDraws)));
    }
  }
  // a stream without band facts (hand-made batches): check the columns of the first batch instead
  let checked = dataBands.length > 0;
  const kernel = async (batch: RecordBatch, ctx: StageContext): Promise<RecordBatch> => {
    const has = (name: string) => batch.schema.fields.some((f) => f.name === name);
    if (!checked) {
      checked = true;
      if (!config.allowMissingBands) model.checkBands(model.bands.filter((b) => has(`flux_${b}_njy`)), `stage '${ctx.stageName}'`);
    }
    const n = batch.numRows;
    const { flux, err } = modelBandColumns(batch, model.bands, ctx.stageName);
    const key = [column(batch, 'x', ctx.stageName), column(batch, 'y', ctx.stageName)];
    const r = await inferRows(model, { n, flux, err, z: column(batch, 'z', ctx.stageName), key }, photo.size ? column(batch, 'galaxy_id', ctx.stageName) : undefined, photo, { samples: config.samplesPerPixel, seed: config.seed, keep: config.keepSamples, ppcDraws: config.ppcDraws });
    const flags = Uint32Array.from(column(batch, FLAGS_COLUMN, ctx.stageName));
    for (let i = 0; i < n; i++) flags[i] |= r.flags[i];
    const cols: Record<string, NumericArray | ListColumn> = { ...columnsOf(batch), [FLAGS_COLUMN]: flags };
    const fieldMeta = fieldMetadataOf(batch);
    for (const p of params) {
      const { unit, ...stats } = r.summaries[p];
      for (const [stat, values] of Object.entries(stats)) {
        cols[`${p}_${stat}`] = values;
        fieldMeta[`${p}_${stat}`] = { unit, statistic: stat, parameter: p };
      }
      if (r.kept[p]) {
        cols[`${p}_samples`] = { listSize: r.samples, values: r.kept[p] };
        fieldMeta[`${p}_samples`] = { unit, statistic: 'samples', parameter: p };
      }
    }
    if (ppc && r.ppc) {
      for (const c of ppc.columns) {
        cols[c.name] = r.ppc[c.field];
        fieldMeta[c.name] = { unit: c.unit, description: c.description };
      }
    }
    return batchFromColumns(cols, batch.schema.metadata, fieldMeta);
  };
  return { model, kernel, info };
}

/**
 * `model.infer` of a batch's rows, where the rows of galaxies in `photo` (galaxy id → its K z draws) are sampled with
 * per-block z (`zSamples`) in a call of their own and the others as usual: each row's result is that of its own path
 * alone, whatever else its batch holds.
 */
async function inferRows(model: PosteriorModel, table: InferTable & { z: ArrayLike<number> }, gid: ArrayLike<number> | undefined, photo: ReadonlyMap<number, Float32Array>, opts: Parameters<PosteriorModel['infer']>[1]): Promise<InferResult> {
  const { n } = table;
  if (!photo.size || !gid) return model.infer(table, opts); // no photo-z galaxies: galaxy_id is not read (a stream may have none)
  const rowsP: number[] = [];
  const rowsO: number[] = [];
  for (let i = 0; i < n; i++) (photo.has(gid[i]) ? rowsP : rowsO).push(i);
  if (!rowsP.length) return model.infer(table, opts);
  const K = photo.values().next().value!.length; // z draws per pixel
  const zSamples = new Float32Array(rowsP.length * K);
  rowsP.forEach((i, j) => zSamples.set(photo.get(gid[i])!, j * K));
  const pick = (rows: number[]): InferTable & { z: ArrayLike<number> } => {
    const idx = Int32Array.from(rows);
    const sub = (a: ArrayLike<number>) => Float64Array.from(idx, (i) => a[i]);
    return { n: rows.length, flux: table.flux.map(sub), err: table.err.map(sub), z: sub(table.z), key: table.key.map((k) => Array.from(idx, (i) => k[i])) };
  };
  const rP = await model.infer({ ...pick(rowsP), zSamples }, opts);
  if (!rowsO.length) return rP;
  const rO = await model.infer(pick(rowsO), opts);
  return scatterResults(n, [
    { rows: rowsP, r: rP },
    { rows: rowsO, r: rO },
  ]);
}

/** One InferResult for n rows from parts computed on row subsets (`rows`: each part's rows, in its order). */
function scatterResults(n: number, parts: { rows: number[]; r: InferResult }[]): InferResult {
  const first = parts[0].r;
  const S = first.samples;
  const summaries: InferResult['summaries'] = {};
  for (const [p, s] of Object.entries(first.summaries)) summaries[p] = { mean: new Float32Array(n), std: new Float32Array(n), p16: new Float32Array(n), p50: new Float32Array(n), p84: new Float32Array(n), unit: s.unit };
  const kept: Record<string, Float32Array> = Object.fromEntries(Object.keys(first.kept).map((p) => [p, new Float32Array(n * S)]));
  const flags = new Uint32Array(n);
  const counts = emptyInferCounts();
  const ppc = first.ppc && { ...first.ppc, chi2: new Float32Array(n), pValue: new Float32Array(n), nBands: new Float32Array(n) };
  for (const { rows, r } of parts) {
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += r.counts[k];
    rows.forEach((i, j) => {
      flags[i] = r.flags[j];
      for (const [p, s] of Object.entries(r.summaries)) for (const stat of SUMMARY_STATS) summaries[p][stat][i] = s[stat][j];
      for (const [p, v] of Object.entries(r.kept)) kept[p].set(v.subarray(j * S, (j + 1) * S), i * S);
      if (ppc && r.ppc) {
        ppc.chi2[i] = r.ppc.chi2[j];
        ppc.pValue[i] = r.ppc.pValue[j];
        ppc.nBands[i] = r.ppc.nBands[j];
      }
    });
  }
  return { n, samples: S, summaries, kept, flags, counts, ...(ppc ? { ppc } : {}) };
}

export const inferenceStage = defineStage({
  name: 'inference',
  version: '0.2.0',
  readsRedshift: true,
  // two tiles' infer() at once (order preserved): the next tile's batches queue behind this one's, so the sampler
  // workers do not drain between tiles (1024² mock mosaic, 4 interleaved rounds: best 980 → 1,093 kept px/s, outputs
  // identical; ADR 0013)
  concurrency: 2,
  description: 'amortised posterior per pixel (ONNX normalising flow): summaries and samples of each parameter',
  configSchema: inferenceStageSchema,
  async create(config, init) {
    // a photo-z block needs the first pass (`pixsed run` runs it: resolveGalaxyRedshifts, which loads and checks the
    // photo-z model); a check run (validate-config) streams nothing but checks the model as the first pass would
    if (config.photoz && !init.redshifts) {
      if (!init.check) throw new ConfigError(undefined, [{ path: 'photoz', message: 'this inference stage infers the z of galaxies without one, which needs the photo-z first pass before the run (pixsed run does it; a library caller passes resolveGalaxyRedshifts(...).redshifts as RunOptions.redshifts)' }]);
      const photoz = await loadPhotozModel(config.photoz, init.pipelineDir, { key: 'inference.photoz.model' }, { threads: 1, batchRows: 1 });
      try {
        if (init.stream.bands.length) checkModelBands(photoz, bandNames(init.stream), config.allowMissingBands, PHOTOZ_PASS, init.log);
      } finally {
        await photoz.close();
      }
    }
    const { model, kernel, info } = await createInference(config, init.pipelineDir, init.stream, init.log, 'inference', init.redshifts);
    if (!init.check) model.start(); // the worker sessions open while the first tiles are read and convolved
    const samplerKernel = describeKernel(model.kernelInfo);
    init.log(`inference: sampler ${samplerKernel}`);
    return { kernel, info, close: () => model.close(), provenance: { model: `${model.manifest.name}@${model.manifest.version}`, modelSha256: model.sha256, modelSps: spsLabel(model.manifest), samplerKernel } };
  },
});
