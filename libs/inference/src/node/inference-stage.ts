import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import {
  batchFromColumns,
  column,
  columnsOf,
  createPrng,
  defineStage,
  fieldMetadataOf,
  FLAGS_COLUMN,
  ModelMismatchError,
  FLAG,
  type ListColumn,
  type NumericArray,
  type StageContext,
} from '@pixsed/core';
import { posteriorSummary } from '@pixsed/model';
import { PosteriorModel } from '@pixsed/model/node';

export const inferenceStageSchema = z.strictObject({
  model: z.string().min(1).describe('ONNX model (manifest.json beside it), relative to the pipeline file'),
  samplesPerPixel: z.number().int().min(2).default(500).describe('posterior samples per pixel'),
  seed: z.number().int().default(0).describe('seed of the sampling noise (same seed → same output)'),
  batchRows: z.number().int().min(1).default(64).describe('pixels per onnxruntime call (memory ∝ batchRows × samplesPerPixel; 64 measured fastest, tools/bench/inference.bench.mjs)'),
  threads: z.number().int().min(1).default(2).describe('onnxruntime intra-op threads'),
  keepSamples: z.array(z.string()).default(['log_mstar', 'log_sfr100']).describe('parameters whose samples are kept as list columns `<param>_samples` (for sample-wise sums)'),
  allowMissingBands: z.boolean().default(false).describe('accept data lacking some model bands (treated as missing per pixel and flagged) instead of refusing the model'),
});
export type InferenceStageConfig = z.infer<typeof inferenceStageSchema>;

/** Mix the run seed with the batch sequence number into an independent stream seed. */
function batchSeed(seed: number, index: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) | 0;
}

/**
 * The inference stage: per pixel, features from `flux_<band>_njy` / `flux_<band>_err_njy` / `z`
 * per the model manifest, batched posterior sampling with onnxruntime (seeded noise), and per
 * parameter `<p>_mean`, `<p>_std`, `<p>_p16`, `<p>_p50`, `<p>_p84` (+ `<p>_samples` lists).
 * Flags: MISSING_BAND, NON_DETECTION, OUT_OF_SUPPORT.
 */
export async function createInference(config: InferenceStageConfig, pipelineDir: string) {
  const path = isAbsolute(config.model) ? config.model : resolve(pipelineDir, config.model);
  const model = await PosteriorModel.load(path, { threads: config.threads, batchRows: config.batchRows });
  const params = model.parameters;
  for (const p of config.keepSamples) {
    if (!params.includes(p)) throw new ModelMismatchError(`inference.keepSamples: model ${model.manifest.name} has no parameter '${p}' (has ${params.join(', ')})`);
  }
  let checked = false;
  let index = 0;
  const kernel = async (batch: RecordBatch, ctx: StageContext): Promise<RecordBatch> => {
    const seq = index++;
    const has = (name: string) => batch.schema.fields.some((f) => f.name === name);
    const dataBands = (batch.schema.metadata.get('pixsed.bands') ?? '').split(',').filter(Boolean);
    if (!checked) {
      checked = true;
      const present = dataBands.length ? dataBands : model.bands.filter((b) => has(`flux_${b}_njy`));
      if (!config.allowMissingBands) model.checkBands(present, `stage '${ctx.stageName}'`);
      const absent = model.bands.filter((b) => !has(`flux_${b}_njy`));
      if (absent.length) ctx.log(`${ctx.stageName}: bands ${absent.join(', ')} absent from the data: treated as missing (MISSING_BAND)`);
    }
    const n = batch.numRows;
    const nan = new Float32Array(n).fill(NaN);
    const flux = model.bands.map((b) => (has(`flux_${b}_njy`) ? column(batch, `flux_${b}_njy`, ctx.stageName) : nan));
    const err = model.bands.map((b) => (has(`flux_${b}_err_njy`) ? column(batch, `flux_${b}_err_njy`, ctx.stageName) : nan));
    const z = column(batch, 'z', ctx.stageName);
    const feat = model.features(flux, err, z, n);
    const oos = model.outOfSupport(feat, n);
    const flags = Uint32Array.from(column(batch, FLAGS_COLUMN, ctx.stageName));
    const [bMiss, bNonDet, bOos] = [FLAG.MISSING_BAND, FLAG.NON_DETECTION, FLAG.OUT_OF_SUPPORT];
    for (let i = 0; i < n; i++) {
      if (feat.missing[i]) flags[i] |= bMiss;
      if (feat.nonDetected[i]) flags[i] |= bNonDet;
      if (oos[i]) flags[i] |= bOos;
    }
    const S = config.samplesPerPixel;
    const D = params.length;
    const samples = n ? await model.sample(feat.features, n, S, createPrng(batchSeed(config.seed, seq))) : new Float32Array(0);
    const cols: Record<string, NumericArray | ListColumn> = { ...columnsOf(batch), [FLAGS_COLUMN]: flags };
    const fieldMeta = fieldMetadataOf(batch);
    params.forEach((p, d) => {
      const s = posteriorSummary(samples, n, S, D, d);
      const unit = model.manifest.parameters[d].unit;
      for (const [stat, values] of Object.entries(s)) {
        cols[`${p}_${stat}`] = values;
        fieldMeta[`${p}_${stat}`] = { unit, statistic: stat, parameter: p };
      }
      if (config.keepSamples.includes(p)) {
        const v = new Float32Array(n * S);
        for (let i = 0; i < n; i++) for (let k = 0; k < S; k++) v[i * S + k] = samples[(i * S + k) * D + d];
        cols[`${p}_samples`] = { listSize: S, values: v };
        fieldMeta[`${p}_samples`] = { unit, statistic: 'samples', parameter: p };
      }
    });
    const meta = new Map(batch.schema.metadata);
    meta.set('pixsed.parameters', params.join(','));
    meta.set('pixsed.model', `${model.manifest.name}@${model.manifest.version}`);
    return batchFromColumns(cols, meta, fieldMeta);
  };
  return { model, kernel };
}

export const inferenceStage = defineStage({
  name: 'inference',
  version: '0.1.0',
  description: 'amortised posterior per pixel (ONNX normalising flow): summaries and samples of each parameter',
  configSchema: inferenceStageSchema,
  async create(config, init) {
    const { model, kernel } = await createInference(config, init.pipelineDir);
    return { kernel, close: () => model.close() };
  },
});
