import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import { bandNames, batchFromColumns, column, columnsOf, defineStage, fieldMetadataOf, FLAGS_COLUMN, ModelMismatchError, type ListColumn, type NumericArray, type StageContext, type StreamInfo } from '@pixsed/core';
import { checkSamplingPlan, DEFAULT_PPC_DRAWS, MAX_BATCH_ROWS, MAX_INTRA_OP_THREADS, MAX_SAMPLES_PER_ROW, PosteriorModel, ppcColumns } from '@pixsed/model/node';
import { spsLabel, SUMMARY_STATS } from '@pixsed/model';

export const inferenceStageSchema = z.strictObject({
  model: z.string().min(1).describe('ONNX model (manifest.json beside it), relative to the pipeline file'),
  samplesPerPixel: z.number().int().min(2).max(MAX_SAMPLES_PER_ROW).default(500).describe(`posterior samples per pixel (at most ${MAX_SAMPLES_PER_ROW})`),
  seed: z.number().int().default(0).describe('seed of the sampling noise: a pixel\'s noise comes from (seed, its mosaic x, y), so it does not depend on strips, tiles or batches'),
  batchRows: z.number().int().min(1).max(MAX_BATCH_ROWS).default(64).describe('pixels per onnxruntime call (memory ∝ batchRows × samplesPerPixel, at most 2 GiB per call; 64 measured fastest, tools/bench/inference.bench.mjs)'),
  threads: z.number().int().min(1).max(MAX_INTRA_OP_THREADS).default(2).describe(`onnxruntime intra-op threads (at most ${MAX_INTRA_OP_THREADS})`),
  keepSamples: z.array(z.string()).default(['log_mstar', 'log_sfr100']).describe('parameters whose samples are kept as list columns `<param>_samples` (for sample-wise sums)'),
  ppcDraws: z
    .number()
    .int()
    .min(0)
    .max(MAX_SAMPLES_PER_ROW)
    .default(DEFAULT_PPC_DRAWS)
    .describe('posterior draws per pixel whose emulated photometry enters the posterior-predictive check (columns ppc_chi2, ppc_pvalue, ppc_n_bands; flag PPC_POOR) when the model has a PPC emulator; 0 turns it off'),
  allowMissingBands: z.boolean().default(false).describe('accept data lacking some model bands (treated as missing per pixel and flagged) instead of refusing the model'),
});
export type InferenceStageConfig = z.infer<typeof inferenceStageSchema>;

/**
 * The inference stage: per pixel, `PosteriorModel.infer` on `flux_<band>_njy` / `flux_<band>_err_njy` /
 * `z` keyed by the pixel's mosaic (x, y), and per parameter `<p>_mean`, `<p>_std`, `<p>_p16`,
 * `<p>_p50`, `<p>_p84` (+ `<p>_samples` lists). Flags: MISSING_BAND, NON_DETECTION, OUT_OF_SUPPORT.
 */
export async function createInference(config: InferenceStageConfig, pipelineDir: string, stream?: StreamInfo, log: (m: string) => void = () => undefined, stageName = 'inference') {
  const path = isAbsolute(config.model) ? config.model : resolve(pipelineDir, config.model);
  const model = await PosteriorModel.load(path, { threads: config.threads, batchRows: config.batchRows });
  const params = model.parameters;
  // the data bands are known before any batch: a model/band mismatch fails in create()
  const dataBands = stream ? bandNames(stream) : [];
  try {
    checkSamplingPlan(config.samplesPerPixel, config.batchRows, params.length, { what: 'inference stage config', samplesKey: 'samplesPerPixel' });
    for (const p of config.keepSamples) {
      if (!params.includes(p)) throw new ModelMismatchError(`inference.keepSamples: model ${model.manifest.name} has no parameter '${p}' (has ${params.join(', ')})`);
    }
    if (dataBands.length) {
      if (!config.allowMissingBands) model.checkBands(dataBands, `stage '${stageName}'`);
      const absent = model.bands.filter((b) => !dataBands.includes(b));
      if (absent.length) log(`${stageName}: bands ${absent.join(', ')} absent from the data: treated as missing (MISSING_BAND)`);
    }
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
  // a stream without band facts (hand-made batches): check the columns of the first batch instead
  let checked = dataBands.length > 0;
  const kernel = async (batch: RecordBatch, ctx: StageContext): Promise<RecordBatch> => {
    const has = (name: string) => batch.schema.fields.some((f) => f.name === name);
    if (!checked) {
      checked = true;
      if (!config.allowMissingBands) model.checkBands(model.bands.filter((b) => has(`flux_${b}_njy`)), `stage '${ctx.stageName}'`);
    }
    const n = batch.numRows;
    const nan = new Float32Array(n).fill(NaN);
    const flux = model.bands.map((b) => (has(`flux_${b}_njy`) ? column(batch, `flux_${b}_njy`, ctx.stageName) : nan));
    const err = model.bands.map((b) => (has(`flux_${b}_err_njy`) ? column(batch, `flux_${b}_err_njy`, ctx.stageName) : nan));
    const key = [column(batch, 'x', ctx.stageName), column(batch, 'y', ctx.stageName)];
    const r = await model.infer({ n, flux, err, z: column(batch, 'z', ctx.stageName), key }, { samples: config.samplesPerPixel, seed: config.seed, keep: config.keepSamples, ppcDraws: config.ppcDraws });
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

export const inferenceStage = defineStage({
  name: 'inference',
  version: '0.2.0',
  description: 'amortised posterior per pixel (ONNX normalising flow): summaries and samples of each parameter',
  configSchema: inferenceStageSchema,
  async create(config, init) {
    const { model, kernel, info } = await createInference(config, init.pipelineDir, init.stream, init.log);
    return { kernel, info, close: () => model.close(), provenance: { model: `${model.manifest.name}@${model.manifest.version}`, modelSha256: model.sha256, modelSps: spsLabel(model.manifest) } };
  },
});
