import { z } from 'zod';
import { Int32, type RecordBatch } from 'apache-arrow';
import { batchFromColumns, bandNames, column, ConfigError, defineStage, fieldMetadataOf, FLAGS_COLUMN, maskedByGalaxyMetadata, removedPixelsMetadata, SchemaError, FLAG, bandNameSchema, maybeStripGeometry, meanSnrAt, shardOwned, SHARD_OWNED_KEY, stripMetadata, withoutHalo, type NumericArray, type StageContext, type StageInstance, type StreamInfo } from '@pixsed/core';

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
 * The S/N bands: `snrBands` of the config, else the survey's snrBands from the StreamInfo; explicit
 * config wins. Every S/N and required band must be a band of the stream (checked before any batch).
 */
export function resolveSnrBands(config: SnrMaskConfig, stream: StreamInfo): ResolvedSnrMaskConfig {
  const snrBands = config.snrBands ?? stream.survey?.snrBands;
  if (!snrBands?.length) {
    throw new ConfigError(undefined, [{ path: 'snr-mask.snrBands', message: 'not set and the stream carries no survey definition with snrBands: set snrBands' }]);
  }
  const have = bandNames(stream);
  if (have.length) {
    for (const [key, list] of [['snrBands', snrBands], ['requiredBands', config.requiredBands ?? []]] as const) {
      const absent = list.filter((b) => !have.includes(b));
      if (absent.length) throw new ConfigError(undefined, [{ path: `snr-mask.${key}`, message: `${absent.join(', ')} not among the data bands (${have.join(', ')})` }]);
    }
  }
  return { ...config, snrBands };
}

/** Removal reasons in priority order: a pixel is counted once, under the first reason that applies. */
export const MASK_REASONS = ['OUTSIDE_SEGMENTATION', 'NO_REDSHIFT', 'NONFINITE_FLUX', 'BAD_ERROR', 'LOW_SNR'] as const;
/** The flag bit of each of MASK_REASONS, and all of them: a pixel with any is removed, counted under the first. */
const REASON_BITS = MASK_REASONS.map((r) => FLAG[r]);
const REMOVING_BITS = REASON_BITS.reduce((a, b) => a | b, 0);

export interface MaskResult {
  /** Removed rows per galaxy id (> 0) and reason. */
  removedByGalaxy: Record<number, Record<string, number>>;
  keep: Uint8Array;
  /** Flags per input row with the reasons found here OR-ed into the incoming flags. */
  flags: Uint32Array;
  /** Removed rows by primary reason. */
  removed: Record<string, number>;
  /** Removed segment pixels as (galaxy_id, x, y, flags) quadruples (none without x, y columns). */
  removedPixels: Int32Array;
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
  /** a shard's pixels (`pixsed run --shard`): the others are another shard's, neither kept nor counted (like halo pixels) */
  owned?: { galaxies: ReadonlySet<number>; background: boolean },
  /** false in a photo-z first pass (InitContext.prepass, ADR 0010): a pixel without a z is kept, as the pass is what finds its galaxy's z */
  requireRedshift = true,
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
  const flags = new Uint32Array(inFlags); // a typed copy (Uint32Array.from iterates element by element)
  const keep = new Uint8Array(n);
  // counts per reason (MASK_REASONS order), with each reason's first appearance kept so that the records below have
  // the key order the counting by object gave: removed and, per galaxy, removedByGalaxy
  const removedCount = new Float64Array(MASK_REASONS.length);
  const removedOrder: number[] = [];
  const byGalaxy = new Map<number, { count: Float64Array; order: number[] }>();
  const hasXY = ['x', 'y'].every((c) => batch.schema.fields.some((f) => f.name === c));
  const xs = hasXY ? column(batch, 'x', stage) : undefined;
  const ys = hasXY ? column(batch, 'y', stage) : undefined;
  const removedPx: number[] = []; // (galaxy_id, x, y, flags) of removed segment pixels
  const strict = config.comparison === '>';
  let kept = 0;
  // Only segment pixels' values decide anything: a pixel outside every segment is removed as OUTSIDE_SEGMENTATION,
  // the first reason, whatever its values (a mosaic tile's are mostly such; the stage before may not even compute
  // them, InitContext.segmentPixelsOnly). Its flux and σ reasons are neither looked for nor recorded.
  const cw = columns?.width ?? 1;
  const cLo = columns?.left ?? 0;
  const cHi = cw - (columns?.right ?? 0);
  for (let i = rowStart; i < rowEnd; i++) {
    if (columns) {
      const c = i % cw;
      if (c < cLo || c >= cHi) continue;
    }
    if (owned && !(gid[i] > 0 ? owned.galaxies.has(gid[i]) : owned.background)) continue;
    let f = requireRedshift ? flags[i] : flags[i] & ~FLAG.NO_REDSHIFT;
    if (requireRedshift && !(z[i] >= 0)) f |= FLAG.NO_REDSHIFT;
    if (gid[i] <= 0) f |= FLAG.OUTSIDE_SEGMENTATION;
    else {
      f |= badBands(reqF, reqE, i);
      // every S/N band must be present (finite f, finite σ > 0): else the mean is NaN and the pixel LOW_SNR
      const mean = meanSnrAt(snrF, snrE, i, snrF.length);
      const pass = strict ? mean > config.snrThreshold : mean >= config.snrThreshold;
      if (!pass) f |= FLAG.LOW_SNR;
    }
    flags[i] = f;
    if (f & REMOVING_BITS) {
      let r = 0;
      while (!(f & REASON_BITS[r])) r++; // the first reason in MASK_REASONS order
      if (removedCount[r]++ === 0) removedOrder.push(r);
      if (gid[i] > 0) {
        let g = byGalaxy.get(gid[i]);
        if (!g) byGalaxy.set(gid[i], (g = { count: new Float64Array(MASK_REASONS.length), order: [] }));
        if (g.count[r]++ === 0) g.order.push(r);
        if (xs && ys) removedPx.push(gid[i], xs[i], ys[i], f | 0);
      }
    } else {
      keep[i] = 1;
      kept++;
    }
  }
  const record = (count: Float64Array, order: number[]) => Object.fromEntries(order.map((r) => [MASK_REASONS[r], count[r]]));
  const removed: Record<string, number> = record(removedCount, removedOrder);
  const removedByGalaxy: Record<number, Record<string, number>> = {};
  for (const [g, c] of byGalaxy) removedByGalaxy[g] = record(c.count, c.order);
  return { keep, flags, removed, removedByGalaxy, removedPixels: Int32Array.from(removedPx), kept };
}

/** The rows of `keep` (their indices, ascending). */
function keptRows(keep: Uint8Array, kept: number): Int32Array {
  const rows = new Int32Array(kept);
  for (let i = 0, j = 0; j < kept; i++) if (keep[i]) rows[j++] = i;
  return rows;
}

/** NONFINITE_FLUX where a required band's flux is not finite, BAD_ERROR where its σ is not finite and > 0, in row `i`. */
function badBands(flux: readonly ArrayLike<number>[], err: readonly ArrayLike<number>[], i: number): number {
  let f = 0;
  for (let b = 0; b < flux.length; b++) {
    if (!Number.isFinite(flux[b][i])) f |= FLAG.NONFINITE_FLUX;
    const e = err[b][i];
    if (!(e > 0) || !Number.isFinite(e)) f |= FLAG.BAD_ERROR;
  }
  return f;
}

function take(values: NumericArray, rows: Int32Array): NumericArray {
  const out = new (values.constructor as new (n: number) => NumericArray)(rows.length);
  for (let j = 0; j < rows.length; j++) out[j] = values[rows[j]];
  return out;
}

function kernel(config: ResolvedSnrMaskConfig, sharded: boolean, requireRedshift: boolean) {
  return (batch: RecordBatch, ctx: StageContext): RecordBatch => {
    const own = shardOwned(batch);
    if (sharded && !own) throw new SchemaError(`snr-mask: a shard's batch without '${SHARD_OWNED_KEY}' metadata (which pixels the shard owns): a stage before snr-mask dropped it`);
    const owned = own ? { galaxies: new Set(own.galaxies), background: own.background } : undefined;
    // an image strip (halo rows/columns to skip), or plain pixels without geometry
    const g = maybeStripGeometry(batch);
    const { width, haloTop, haloBottom, haloLeft, haloRight } = g ?? { width: 0, haloTop: 0, haloBottom: 0, haloLeft: 0, haloRight: 0 };
    for (const name of ['x', 'y', 'galaxy_id']) {
      const f = batch.schema.fields.find((x) => x.name === name);
      if (f && !(f.type instanceof Int32)) throw new SchemaError(`snr-mask: column '${name}' must be int32, got ${f.type}`);
    }
    // Halo rows and columns belong to the neighbouring strips/tiles: they are neither kept nor counted here.
    const { keep, flags, removed, removedByGalaxy, removedPixels, kept } = snrMask(
      batch,
      config,
      haloTop * width,
      batch.numRows - haloBottom * width,
      haloLeft || haloRight ? { width, left: haloLeft, right: haloRight } : undefined,
      owned,
      requireRedshift,
    );
    for (const [reason, count] of Object.entries(removed)) ctx.stats.recordDropped(reason, count);
    const cols: Record<string, NumericArray> = {};
    const rows = keptRows(keep, kept);
    for (const f of batch.schema.fields) cols[f.name] = take(f.name === FLAGS_COLUMN ? flags : column(batch, f.name), rows);
    const outMeta = new Map(batch.schema.metadata);
    for (const [k, v] of Object.entries({ ...(g ? stripMetadata(withoutHalo(g)) : {}), ...maskedByGalaxyMetadata(removedByGalaxy), ...removedPixelsMetadata(removedPixels) })) outMeta.set(k, v);
    outMeta.delete(SHARD_OWNED_KEY); // applied: the rows left are this shard's
    return batchFromColumns(cols, outMeta, fieldMetadataOf(batch));
  };
}

/** The stage from the StreamInfo: S/N bands resolved (and logged when they come from the survey) before any batch; downstream sees `mask`. */
export function createSnrMask(raw: SnrMaskConfig, stream: StreamInfo, log: (m: string) => void = () => undefined, stageName = 'snr-mask', prepass = false): StageInstance {
  const config = resolveSnrBands(raw, stream);
  if (!raw.snrBands) log(`${stageName}: S/N bands ${config.snrBands.join(', ')} (the survey's snrBands)`);
  const shard = stream.shard ? { ...stream.shard, appliedBy: stageName } : undefined;
  return { kernel: kernel(config, !!shard, !prepass), info: { ...stream, mask: { snrBands: config.snrBands, snrThreshold: config.snrThreshold, comparison: config.comparison }, ...(shard ? { shard } : {}) } };
}

/** The S/N-mask stage: image strip in, kept pixels out; every removed pixel is counted by reason. */
export const snrMaskStage = defineStage({
  name: 'snr-mask',
  version: '0.2.0',
  description: 'keep pixels in a segment, with z, finite fluxes, positive errors and mean S/N above the threshold',
  configSchema: snrMaskSchema,
  dropsOutsideSegments: true,
  create: (config, init) => createSnrMask(config, init.stream, init.log, 'snr-mask', init.prepass),
});
