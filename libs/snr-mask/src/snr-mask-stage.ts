import { z } from 'zod';
import { Int32, type RecordBatch } from 'apache-arrow';
import { batchFromColumns, column, ConfigError, defineStage, fieldMetadataOf, FLAGS_COLUMN, MASKED_BY_GALAXY_KEY, SchemaError, SURVEY_DEFINITION_KEY, FLAG, bandNameSchema, type NumericArray, type StageContext } from '@pixsed/core';


export const snrMaskSchema = z.strictObject({
  snrBands: z.array(bandNameSchema).min(1).optional().describe("bands whose mean S/N selects pixels (default: the survey's snrBands, e.g. JADES F277W, F356W, F444W)"),
  snrThreshold: z.number().default(5).describe('mean S/N threshold (Iglesias-Navarro et al. 2025: 5)'),
  comparison: z.enum(['>', '>=']).default('>').describe("'>' keeps mean S/N strictly above the threshold (the paper's code), '>=' also keeps equality"),
  requiredBands: z.array(bandNameSchema).optional().describe('bands that must have a finite flux and positive error (default: snrBands)'),
});
export type SnrMaskConfig = z.infer<typeof snrMaskSchema>;
/** A config whose S/N bands are known (set in the pipeline or taken from the survey). */
export type ResolvedSnrMaskConfig = SnrMaskConfig & { snrBands: string[] };

/**
 * The S/N bands: `snrBands` of the config, else those of the survey definition the source put in the batch
 * metadata (SURVEY_DEFINITION_KEY); explicit config wins.
 */
export function resolveSnrBands(config: SnrMaskConfig, batch: RecordBatch): ResolvedSnrMaskConfig {
  if (config.snrBands) return { ...config, snrBands: config.snrBands };
  const survey = JSON.parse(batch.schema.metadata.get(SURVEY_DEFINITION_KEY) ?? 'null') as { name?: string; snrBands?: string[] } | null;
  if (!survey?.snrBands?.length) {
    throw new ConfigError(undefined, [{ path: 'snr-mask.snrBands', message: 'not set and the batches carry no survey definition with snrBands: set snrBands' }]);
  }
  return { ...config, snrBands: survey.snrBands };
}

/** Removal reasons in priority order: a pixel is counted once, under the first reason that applies. */
export const MASK_REASONS = ['OUTSIDE_SEGMENTATION', 'NO_REDSHIFT', 'NONFINITE_FLUX', 'BAD_ERROR', 'LOW_SNR'] as const;
const BIT = FLAG;

export interface MaskResult {
  /** Removed rows per galaxy id (> 0) and reason. */
  removedByGalaxy: Record<number, Record<string, number>>;
  keep: Uint8Array;
  /** Flags per input row with the reasons found here OR-ed into the incoming flags. */
  flags: Uint32Array;
  /** Removed rows by primary reason. */
  removed: Record<string, number>;
  /** Rows kept. */
  kept: number;
}

/**
 * Pixel selection of Iglesias-Navarro et al. (2025): keep pixels in a segment, with a redshift, with
 * finite fluxes and positive errors in the required bands, and mean(f_b/σ_b) over the S/N bands
 * above the threshold. Rows in [rowStart, rowEnd) are considered (strip halos excluded); with
 * `columns`, batch rows are image rows `columns.width` wide and only image columns
 * [left, width − right) are considered (tile halos excluded).
 */
export function snrMask(
  batch: RecordBatch,
  config: ResolvedSnrMaskConfig,
  rowStart = 0,
  rowEnd = batch.numRows,
  columns?: { width: number; left: number; right: number },
): MaskResult {
  const stage = 'snr-mask';
  const n = batch.numRows;
  const inFlags = column(batch, FLAGS_COLUMN, stage);
  const gid = column(batch, 'galaxy_id', stage);
  const z = column(batch, 'z', stage);
  const required = config.requiredBands ?? config.snrBands;
  const get = (b: string, err: boolean) => column(batch, `flux_${b}${err ? '_err' : ''}_njy`, stage);
  const snrF = config.snrBands.map((b) => get(b, false));
  const snrE = config.snrBands.map((b) => get(b, true));
  const reqF = required.map((b) => get(b, false));
  const reqE = required.map((b) => get(b, true));
  const flags = Uint32Array.from(inFlags);
  const keep = new Uint8Array(n);
  const removed: Record<string, number> = {};
  const removedByGalaxy: Record<number, Record<string, number>> = {};
  const strict = config.comparison === '>';
  const nb = snrF.length;
  let kept = 0;
  const cw = columns?.width ?? 1;
  const cLo = columns?.left ?? 0;
  const cHi = cw - (columns?.right ?? 0);
  for (let i = rowStart; i < rowEnd; i++) {
    if (columns) {
      const c = i % cw;
      if (c < cLo || c >= cHi) continue;
    }
    let f = flags[i];
    if (gid[i] <= 0) f |= BIT.OUTSIDE_SEGMENTATION;
    if (!(z[i] >= 0)) f |= BIT.NO_REDSHIFT;
    for (let b = 0; b < reqF.length; b++) {
      if (!Number.isFinite(reqF[b][i])) f |= BIT.NONFINITE_FLUX;
      const e = reqE[b][i];
      if (!(e > 0) || !Number.isFinite(e)) f |= BIT.BAD_ERROR;
    }
    let s = 0;
    for (let b = 0; b < nb; b++) s += snrF[b][i] / snrE[b][i];
    const mean = s / nb;
    const pass = strict ? mean > config.snrThreshold : mean >= config.snrThreshold;
    if (!pass) f |= BIT.LOW_SNR;
    flags[i] = f;
    const reason = MASK_REASONS.find((r) => f & BIT[r]);
    if (reason) {
      removed[reason] = (removed[reason] ?? 0) + 1;
      if (gid[i] > 0) {
        const g = (removedByGalaxy[gid[i]] ??= {});
        g[reason] = (g[reason] ?? 0) + 1;
      }
    } else {
      keep[i] = 1;
      kept++;
    }
  }
  return { keep, flags, removed, removedByGalaxy, kept };
}

function take(values: NumericArray, keep: Uint8Array, kept: number): NumericArray {
  const out = new (values.constructor as new (n: number) => NumericArray)(kept);
  for (let i = 0, j = 0; i < keep.length; i++) if (keep[i]) out[j++] = values[i];
  return out;
}

function kernel(raw: SnrMaskConfig) {
  let config: ResolvedSnrMaskConfig | undefined;
  return (batch: RecordBatch, ctx: StageContext): RecordBatch => {
    if (!config) {
      config = resolveSnrBands(raw, batch);
      if (!raw.snrBands) ctx.log(`${ctx.stageName}: S/N bands ${config.snrBands.join(', ')} (the survey's snrBands)`);
    }
    const meta = batch.schema.metadata;
    const width = Number(meta.get('pixsed.strip.width') ?? 0);
    const haloTop = Number(meta.get('pixsed.strip.haloTop') ?? 0);
    const haloBottom = Number(meta.get('pixsed.strip.haloBottom') ?? 0);
    const haloLeft = Number(meta.get('pixsed.strip.haloLeft') ?? 0);
    const haloRight = Number(meta.get('pixsed.strip.haloRight') ?? 0);
    for (const name of ['x', 'y', 'galaxy_id']) {
      const f = batch.schema.fields.find((x) => x.name === name);
      if (f && !(f.type instanceof Int32)) throw new SchemaError(`snr-mask: column '${name}' must be int32, got ${f.type}`);
    }
    // Halo rows and columns belong to the neighbouring strips/tiles: they are neither kept nor counted here.
    const { keep, flags, removed, removedByGalaxy, kept } = snrMask(
      batch,
      config,
      haloTop * width,
      batch.numRows - haloBottom * width,
      haloLeft || haloRight ? { width, left: haloLeft, right: haloRight } : undefined,
    );
    for (const [reason, count] of Object.entries(removed)) ctx.stats.recordDropped(reason, count);
    const cols: Record<string, NumericArray> = {};
    for (const f of batch.schema.fields) cols[f.name] = take(f.name === FLAGS_COLUMN ? flags : column(batch, f.name), keep, kept);
    const fieldMeta = fieldMetadataOf(batch);
    const outMeta = new Map(meta);
    if (haloTop || haloBottom) {
      outMeta.set('pixsed.strip.y0', String(Number(meta.get('pixsed.strip.y0')) + haloTop));
      outMeta.set('pixsed.strip.height', String(Number(meta.get('pixsed.strip.height')) - haloTop - haloBottom));
      outMeta.set('pixsed.strip.haloTop', '0');
      outMeta.set('pixsed.strip.haloBottom', '0');
    }
    if (haloLeft || haloRight) {
      outMeta.set('pixsed.strip.x0', String(Number(meta.get('pixsed.strip.x0')) + haloLeft));
      outMeta.set('pixsed.strip.width', String(width - haloLeft - haloRight));
      outMeta.set('pixsed.strip.haloLeft', '0');
      outMeta.set('pixsed.strip.haloRight', '0');
    }
    outMeta.set('pixsed.rows', 'pixels');
    outMeta.set(MASKED_BY_GALAXY_KEY, JSON.stringify(removedByGalaxy));
    return batchFromColumns(cols, outMeta, fieldMeta);
  };
}

/** The S/N-mask stage: image strip in, kept pixels out; every removed pixel is counted by reason. */
export const snrMaskStage = defineStage({
  name: 'snr-mask',
  version: '0.1.0',
  description: 'keep pixels in a segment, with z, finite fluxes, positive errors and mean S/N above the threshold',
  configSchema: snrMaskSchema,
  create: (config) => ({ kernel: kernel(config) }),
});
