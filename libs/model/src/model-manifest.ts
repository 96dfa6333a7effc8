import { z } from 'zod';
import { bandNameSchema } from '@pixsed/core';
import { featureLayout, TRANSFORM_NO_Z, TRANSFORM_WITH_Z } from './feature-layout.js';

const num = z.number();

/**
 * The JSON manifest that ships with every ONNX posterior (written by tools/train; see its README):
 * band order, feature transform, parameters with units and prior ranges, training ranges for
 * out-of-support checks, sampler I/O names, provenance. Unknown extra keys are kept.
 */
export const modelManifestSchema = z
  .looseObject({
    name: z.string().min(1),
    version: z.string().min(1),
    description: z.string().default(''),
    survey: z.string().min(1),
    model: z.string().default('model.onnx').describe('ONNX file, relative to the manifest'),
    modelSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'expected the sha256 of the ONNX file as 64 lower-case hex digits (tools/train/train.py writes it; `sha256sum model.onnx`)')
      .describe('sha256 of the ONNX file: PosteriorModel.load refuses a model file with another hash'),
    bands: z.array(bandNameSchema).min(1),
    /**
     * The role of the redshift: 'conditioning' (default; manifests before photo-z models lack the key) = z is the last
     * feature, a row needs it (NO_REDSHIFT without it); 'parameter' = a photo-z model: z is one of `parameters`, the
     * features ('ab-mag-err') exclude it and a row needs no z.
     */
    redshift: z.looseObject({ role: z.enum(['conditioning', 'parameter']) }).default({ role: 'conditioning' }),
    features: z.looseObject({
      transform: z.enum([TRANSFORM_WITH_Z, TRANSFORM_NO_Z]),
      count: z.number().int().positive(),
      names: z.array(z.string()),
      magZeroPoint: num,
      magErrFactor: num,
      nonDetection: z.looseObject({ snrMin: num.positive(), magErr: num.positive() }),
      missingBand: z.looseObject({ fillMag: z.array(num), fillMagErr: z.array(num) }),
      clip: z.looseObject({ mag: z.tuple([num, num]) }),
    }),
    parameters: z
      .array(z.looseObject({ name: z.string().min(1), unit: z.string(), description: z.string().default(''), priorMin: num, priorMax: num }))
      .min(1),
    trainingRanges: z.looseObject({
      features: z.looseObject({ names: z.array(z.string()), min: z.array(num), max: z.array(num) }),
    }),
    sampler: z.looseObject({
      inputNames: z.tuple([z.string(), z.string()]),
      outputName: z.string(),
      noiseDim: z.number().int().positive(),
      /** The exported graph's layout (tools/train export.py): `affine-folded-v1` for an affine flow, `sampler` otherwise. */
      graph: z.string().optional(),
      /** The flow's training config (tools/train); the native sampler (ADR 0015) reads its structure from it. */
      flow: z
        .looseObject({
          kind: z.string(),
          layers: z.number().int().positive(),
          hidden: z.number().int().positive(),
          hiddenLayers: z.number().int().positive(),
          embedLayers: z.number().int().nonnegative(),
          colours: z.looseObject({ nBands: z.number().int().positive(), refIndex: z.number().int().nonnegative() }).optional(),
        })
        .optional(),
    }),
    /** Stellar-population synthesis the model was trained on (absent in models trained before SSP libraries were selectable: Maraston 2005). */
    sps: z
      .looseObject({
        libraries: z.array(z.looseObject({ library: z.string().min(1), weight: num.positive(), imf: z.string().optional(), checksum: z.string().optional() })).min(1),
        cosmology: z.looseObject({ h0KmSMpc: num.positive(), omegaM: num.positive() }),
      })
      .optional(),
    /**
     * Posterior-predictive check (libs/model ppc-statistic.ts): a photometry emulator trained on the model's own
     * simulations (tools/train/pixsed_train/emulator.py) and the p-value threshold below which a row is PPC_POOR,
     * chosen by `pixsed ppc-calibrate` on held-out mocks. Absent: no PPC columns.
     */
    ppc: z
      .looseObject({
        emulator: z.string().default('emulator.onnx').describe('ONNX file, relative to the manifest: (parameters [M, D], z [M]) → [M, 2B] AB mag then ln σ_mag per band'),
        emulatorSha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the sha256 of the emulator ONNX file as 64 lower-case hex digits'),
        inputNames: z.tuple([z.string(), z.string()]),
        outputName: z.string(),
        bands: z.array(bandNameSchema).min(1),
        pValueThreshold: num.gt(0).lt(1).optional().describe('PPC_POOR when ppc_pvalue < this (set by `pixsed ppc-calibrate`)'),
        draws: z.number().int().min(1).optional().describe('posterior draws per row the threshold was calibrated with'),
        calibration: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
    provenance: z.record(z.string(), z.unknown()).default({}),
    validation: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((m, ctx) => {
    const nb = m.bands.length;
    const expect = (path: (string | number)[], ok: boolean, message: string) => ok || ctx.addIssue({ code: 'custom', path, message });
    const zParam = m.redshift.role === 'parameter';
    const expectTransform = zParam ? TRANSFORM_NO_Z : TRANSFORM_WITH_Z;
    expect(['features', 'transform'], m.features.transform === expectTransform, `redshift.role '${m.redshift.role}' needs features.transform '${expectTransform}' (z ${zParam ? 'is a parameter, not a feature' : 'is the last feature'}), got '${m.features.transform}'`);
    const hasZParam = m.parameters.some((p) => p.name === 'z');
    expect(['parameters'], hasZParam === zParam, zParam ? "redshift.role 'parameter' needs a parameter named 'z'" : "a parameter named 'z' needs redshift.role 'parameter' (z cannot be both an input and a parameter)");
    // the PPC emulator takes z beside the parameters (tools/train/pixsed_train/emulator.py); it is not built for photo-z models
    expect(['ppc'], !(zParam && m.ppc), "redshift.role 'parameter' (a photo-z model) has no PPC emulator: remove the ppc block");
    const layout = featureLayout(m.bands, !zParam);
    expect(['features', 'count'], m.features.count === layout.count, `expected 4 × ${nb} bands${zParam ? '' : ' + 1'} = ${layout.count} features, got ${m.features.count}`);
    expect(['features', 'names'], m.features.names.length === m.features.count, `expected ${m.features.count} names, got ${m.features.names.length}`);
    const wrong = layout.names.findIndex((name, i) => m.features.names[i] !== name);
    expect(['features', 'names', wrong], wrong < 0 || m.features.names.length !== layout.count, `expected '${layout.names[wrong]}' (layout ${layout.names[0]}…, mag_err_*, nondet_*, missing_*${zParam ? '' : ', z'}), got '${m.features.names[wrong]}'`);
    expect(['features', 'missingBand', 'fillMag'], m.features.missingBand.fillMag.length === nb, `expected one fill magnitude per band (${nb})`);
    expect(['features', 'missingBand', 'fillMagErr'], m.features.missingBand.fillMagErr.length === nb, `expected one fill error per band (${nb})`);
    expect(['trainingRanges', 'features', 'min'], m.trainingRanges.features.min.length === m.features.count, `expected ${m.features.count} minima`);
    expect(['trainingRanges', 'features', 'max'], m.trainingRanges.features.max.length === m.features.count, `expected ${m.features.count} maxima`);
    if (m.ppc) expect(['ppc', 'bands'], m.ppc.bands.join() === m.bands.join(), `expected the model's bands in order (${m.bands.join(', ')}), got ${m.ppc.bands.join(', ')}`);
    expect(['sampler', 'noiseDim'], m.sampler.noiseDim === m.parameters.length, `noiseDim ${m.sampler.noiseDim} ≠ ${m.parameters.length} parameters`);
  });
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/**
 * One line naming the SPS a model was trained on, written into every output's provenance: e.g. `bc03-miles`,
 * `mixture(maraston05 0.5, bc03-miles 0.5)`; models without the `sps` block were all trained on Maraston (2005).
 */
export function spsLabel(m: Pick<ModelManifest, 'sps'>): string {
  const libs = m.sps?.libraries;
  if (!libs) return 'maraston05 (manifest without sps: trained before SSP libraries were selectable)';
  if (libs.length === 1) return libs[0].library;
  return `mixture(${libs.map((l) => `${l.library} ${Number(l.weight.toFixed(3))}`).join(', ')})`;
}
