import { z } from 'zod';
import { bandNameSchema } from './band-name.js';
import { SchemaError } from './errors.js';

/**
 * Run-level facts of a stream, known before its first batch (as Arrow's reader exposes `schema`):
 * a source states them in `BatchSource.info`, `runPipeline` hands them to every stage's and sink's
 * `create()` as `init.stream`, and a stage may return an extended copy (`StageInstance.info`) for
 * the stages and sinks after it. Per-batch facts (strip geometry, completed galaxies) travel in the
 * batch metadata instead (strip-geometry.ts).
 */
export const streamBandSchema = z.strictObject({
  name: bandNameSchema,
  /** unit of the `flux_<band>_njy` / `flux_<band>_err_njy` columns */
  unit: z.literal('nJy'),
  pivotWavelengthAngstrom: z.number().positive().optional(),
  psfFile: z.string().optional(),
  psfHdu: z.number().int().min(0).optional(),
  psfFwhmArcsec: z.number().positive().optional(),
});
export type StreamBand = z.infer<typeof streamBandSchema>;

const galaxyBoxSchema = z.strictObject({ id: z.number().int(), x0: z.number().int(), x1: z.number().int(), y0: z.number().int(), y1: z.number().int(), nPixels: z.number().int().min(0), ra: z.number().optional(), dec: z.number().optional(), zSource: z.string().optional(), zLo: z.number().optional(), zHi: z.number().optional() });

/** A column a stage or source adds to the stream, with its unit. */
export const streamColumnSchema = z.strictObject({ name: z.string(), addedBy: z.string(), unit: z.string().optional() });

export const streamInfoSchema = z.strictObject({
  /** what produced the stream (`source:<type>`) */
  source: z.string(),
  /** data bands in column order (the order of the `missing_bands` bits) */
  bands: z.array(streamBandSchema),
  /** the survey definition the source resolved (name, targetPsfBand, snrBands, ...), if any */
  survey: z.looseObject({ name: z.string(), targetPsfBand: z.string().optional(), snrBands: z.array(z.string()).optional() }).optional(),
  /** mosaic size in pixels, and how it is cut into batches (halo rows/columns around each tile) */
  mosaic: z.strictObject({ width: z.number().int().min(1), height: z.number().int().min(1), stripRows: z.number().int().min(1), tileColumns: z.number().int().min(1), haloRows: z.number().int().min(0) }).optional(),
  /** celestial WCS header cards of the pixel grid (CTYPE, CRVAL, CRPIX, CD/PC/CDELT, SIP ...) */
  wcs: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  /** image pixel scale from the WCS, arcsec */
  pixelScaleArcsec: z.number().positive().optional(),
  /** every quality bit of the run */
  flags: z.array(z.strictObject({ bit: z.number().int(), name: z.string(), description: z.string() })),
  /** segmentation boxes of every galaxy (inclusive, 0-based mosaic pixels) */
  galaxies: z.array(galaxyBoxSchema).optional(),
  /** columns each step added, in stream order */
  columns: z.array(streamColumnSchema),
  /** a shard of a run (`pixsed run --shard i/N`, set by the source): `galaxies` above is the whole mosaic's, these are the ids this shard owns (docs/decisions/0009) */
  shard: z
    .strictObject({
      index: z.number().int().min(1),
      count: z.number().int().min(1),
      galaxies: z.array(z.number().int()),
      tiles: z.number().int().min(0).describe('tiles this shard reads'),
      appliedBy: z.string().optional().describe('the stage that drops the pixels other shards own (snr-mask)'),
    })
    .optional(),
  /** set by the psf stage */
  psf: z.strictObject({ targetBand: z.string(), passThroughBands: z.array(z.string()), kernelCacheKeys: z.record(z.string(), z.string()) }).optional(),
  /** set by the snr-mask stage: rows are kept pixels (in a segment) only */
  mask: z.strictObject({ snrBands: z.array(z.string()), snrThreshold: z.number(), comparison: z.string() }).optional(),
  /** set by the inference stage */
  inference: z
    .strictObject({
      parameters: z.array(z.strictObject({ name: z.string(), unit: z.string() })),
      model: z.strictObject({ name: z.string(), version: z.string(), sha256: z.string(), sps: z.string().describe('SPS the model was trained on (spsLabel)') }),
      samplesPerPixel: z.number().int().optional(),
      ppc: z
        .strictObject({
          draws: z.number().int().positive().describe('posterior draws per pixel in the posterior-predictive check'),
          emulatorSha256: z.string(),
          pValueThreshold: z.number().optional().describe('PPC_POOR when ppc_pvalue < this; absent: the model is uncalibrated and no pixel is flagged'),
        })
        .optional()
        .describe('posterior-predictive check (columns ppc_chi2, ppc_pvalue, ppc_n_bands); absent when the model has no emulator or it is turned off'),
    })
    .optional(),
  /** set by the tile-model stage (libs/tile-model): image-model maps per galaxy, delivered with `tileMaps` (strip-geometry.ts) */
  tileModel: z
    .strictObject({
      parameters: z.array(z.strictObject({ name: z.string(), unit: z.string() })),
      model: z.strictObject({ name: z.string(), version: z.string(), sha256: z.string(), head: z.string() }),
    })
    .optional(),
});
export type StreamInfo = z.infer<typeof streamInfoSchema>;

/** Schema/file metadata key holding the StreamInfo as JSON (file-level metadata of the sinks). */
export const STREAM_INFO_KEY = 'pixsed.stream';

/** A StreamInfo for sources that only know their bands (tests, synthetic data). */
export function minimalStreamInfo(source: string, bands: string[], columns: { name: string; unit?: string }[] = []): StreamInfo {
  return { source, bands: bands.map((name) => ({ name, unit: 'nJy' as const })), flags: [], columns: columns.map((c) => ({ ...c, addedBy: source })) };
}

/** Band names of a stream in order. */
export function bandNames(info: StreamInfo): string[] {
  return info.bands.map((b) => b.name);
}

/** Validate a StreamInfo (a plug-in returning a malformed one is a bug: the error names it). */
export function checkStreamInfo(info: unknown, from: string): StreamInfo {
  const r = streamInfoSchema.safeParse(info);
  if (!r.success) throw new SchemaError(`${from}: invalid StreamInfo: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}
