import { z } from 'zod';
import { bandNameSchema } from '@pixsed/core';

/** One input channel of an image model: a PSF-matched band (asinh of flux / scaleNjy), the galaxy's redshift (z / scale, constant) or its segment mask (1 inside). */
export const tileChannelSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('band'), band: bandNameSchema, scaleNjy: z.number().positive().describe('x = asinh(flux / scaleNjy): the per-band softening scale, e.g. the 1σ per-pixel depth after PSF matching [nJy]') }),
  z.strictObject({ kind: z.literal('redshift'), scale: z.number().positive().default(1).describe('x = z / scale over the whole tile (a galaxy without z cannot be run)') }),
  z.strictObject({ kind: z.literal('segment'), description: z.string().optional().describe('1 on the pixels of the galaxy segment, 0 elsewhere') }),
]);
export type TileChannel = z.infer<typeof tileChannelSchema>;

/**
 * The manifest (`manifest.json` beside the ONNX file) of an image model for the tile-model stage: the graph maps
 * `input.name` [N, C, H, W] (channels in `input.channels` order) to `output.name` [N, 2P, H, W]: the P parameter
 * means, then their natural-log σ (a Gaussian head: `output.head` = 'gaussian-mean-logsigma').
 */
export const tileModelManifestSchema = z.strictObject({
  kind: z.literal('tile-model').describe('what the manifest describes (an image model, not a per-pixel posterior)'),
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
  model: z.string().min(1).describe('ONNX file, relative to the manifest'),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
  input: z.strictObject({
    name: z.string().min(1).default('image'),
    heightPx: z.number().int().min(4).max(4096),
    widthPx: z.number().int().min(4).max(4096),
    pixelScaleArcsec: z.number().positive().describe('pixel scale the model was trained at: the data must match it to pixelScaleTolerance'),
    pixelScaleTolerance: z.number().positive().max(0.5).default(0.01).describe('largest accepted relative difference of the data pixel scale'),
    normalisation: z.literal('asinh-flux-over-scale').describe('band channels are asinh(flux_njy / scaleNjy); missing (NaN) fluxes are 0'),
    channels: z.array(tileChannelSchema).min(1),
  }),
  output: z.strictObject({
    name: z.string().min(1).default('maps'),
    head: z.literal('gaussian-mean-logsigma').describe('channels 0..P-1: mean; P..2P-1: ln σ of a Gaussian per parameter and pixel'),
    parameters: z.array(z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9_]*$/), unit: z.string(), description: z.string().optional() })).min(1),
  }),
  psf: z.strictObject({ targetBand: bandNameSchema.describe('PSF the training inputs were matched to: the stream\'s psf.targetBand must equal it') }),
  training: z.looseObject({}).optional().describe('provenance of the training (tools/train-cnn)'),
  validation: z.looseObject({}).optional(),
});
export type TileModelManifest = z.infer<typeof tileModelManifestSchema>;

/** The bands of a manifest's band channels, in channel order. */
export function manifestBands(m: TileModelManifest): string[] {
  return m.input.channels.flatMap((c) => (c.kind === 'band' ? [c.band] : []));
}
