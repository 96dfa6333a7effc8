import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { RecordBatch } from 'apache-arrow';
import { bandNames, bandNameSchema, defineStage, type StageContext, type StageInstance, type StreamInfo } from '@pixsed/core';
import { buildBandKernels, MISSING_BANDS_COLUMN } from './build-band-kernels.js';
import { checkSourceHalo, matchTile, type TileKernel } from './match-tile.js';
import { DEFAULT_WINDOW_SPEC, windowSpecSchema } from '../window-spec.js';

export { MISSING_BANDS_COLUMN };

const psfSpecSchema = z.union([
  z.strictObject({ fwhmArcsec: z.number().positive().describe('Gaussian PSF FWHM, arcsec') }),
  z.strictObject({
    file: z.string().min(1).describe('PSF FITS file (relative to the pipeline file, or to PIXSED_DATA_DIR)'),
    hdu: z.number().int().min(0).optional(),
    oversample: z.number().positive().optional().describe('PSF oversampling relative to the image pixels'),
    pixelScaleArcsec: z.number().positive().optional().describe('PSF pixel scale when the header lacks it'),
  }),
]);
export type PsfSpec = z.infer<typeof psfSpecSchema>;

export const psfStageSchema = z.strictObject({
  targetBand: bandNameSchema.optional().describe("band whose PSF every other band is matched to (default: the survey's targetPsfBand)"),
  psfs: z.record(z.string(), psfSpecSchema).optional().describe('PSF per band; default: psfFile / psfFwhmArcsec of the survey definition'),
  method: z.enum(['fourier', 'wiener']).default('wiener').describe('matching-kernel family (photutils window ratio, or pypher Wiener)'),
  window: windowSpecSchema.default(DEFAULT_WINDOW_SPEC).describe('window of the Fourier-ratio method'),
  regularization: z.number().positive().default(1e-4).describe('Wiener regularisation factor (pypher default 1e-4)'),
  force: z.boolean().default(false).describe('build kernels even where the target PSF is narrower than the source'),
  passThroughBands: z.array(z.string()).default([]).describe('bands left unmatched (e.g. F460M/F480M, whose PSFs are broader than F444W); recorded in the batch metadata'),
  pixelScaleArcsec: z.number().positive().optional().describe('image pixel scale; default from the WCS of the batches'),
  cacheDir: z.string().optional().describe('kernel cache folder (default ~/.cache/pixsed/kernels)'),
  maxEeDeviation: z.number().positive().default(0.05).describe('warn when a kernel misses the target encircled energy by more than this'),
  pixels: z
    .enum(['auto', 'all'])
    .default('auto')
    .describe("'auto': where the next stage (snr-mask) drops every pixel outside the galaxy segments, match only windows around segment pixels (the others are NaN); 'all': every pixel"),
});
export type PsfStageConfig = z.infer<typeof psfStageSchema>;

/**
 * The PSF-homogenisation stage, in named steps: `buildBandKernels` (reference resolution from the
 * StreamInfo, kernel cache, kernel building) runs here, before any batch, so a missing PSF, an
 * unknown target band or too few halo rows fail in create(); `matchTile` then convolves each tile
 * (flux ⊛ K, variance ⊛ K², errors σ' = sqrt(var ⊛ K²), halos trimmed so tile-wise equals
 * whole-image output). The target band passes through untouched. Downstream stages see the target
 * band, the pass-through bands and the kernel-cache keys in the StreamInfo (`psf`).
 */
export async function createPsfStage(config: PsfStageConfig, stream: StreamInfo, pipelineDir: string, log: (m: string) => void, segmentPixelsOnly = false): Promise<StageInstance> {
  const cacheDir = config.cacheDir ? resolve(pipelineDir, config.cacheDir) : join(homedir(), '.cache', 'pixsed', 'kernels');
  const { targetBand, kernels: built } = await buildBandKernels(config, stream, pipelineDir, log, cacheDir);
  const kernels = new Map<string, TileKernel>([...built].map(([band, k]) => [band, { ...k, byWidth: new Map() }]));
  if (stream.mosaic) checkSourceHalo(kernels.values(), stream.mosaic);
  const bands = bandNames(stream);
  const kernelCacheKeys = Object.fromEntries([...kernels.values()].map((k) => [k.band, k.key]));
  const segmentsOnly = config.pixels === 'auto' && segmentPixelsOnly;
  if (segmentsOnly && kernels.size) log('psf: matching windows around segment pixels only (the next stage drops every pixel outside the segments; psf.pixels: all matches every pixel)');
  const info: StreamInfo = {
    ...stream,
    psf: { targetBand, passThroughBands: config.passThroughBands, kernelCacheKeys },
    columns: [...stream.columns, { name: MISSING_BANDS_COLUMN, addedBy: 'psf', unit: 'bitmask' }],
  };
  return {
    kernel: async (batch: RecordBatch, ctx: StageContext) => matchTile(batch, bands, kernels, ctx.stageName, segmentsOnly),
    info,
    provenance: { targetBand, pixels: segmentsOnly ? 'segments' : 'all', ...Object.fromEntries(Object.entries(kernelCacheKeys).map(([b, k]) => [`kernel:${b}`, k])) },
  };
}

export const psfStage = defineStage({
  name: 'psf',
  version: '0.2.0',
  description: 'match every band to the target band PSF (flux ⊛ K, variance ⊛ K²) on halo strips',
  configSchema: psfStageSchema,
  create: (config, init) => createPsfStage(config, init.stream, init.pipelineDir, init.log, init.segmentPixelsOnly),
});
