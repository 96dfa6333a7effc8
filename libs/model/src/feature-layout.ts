/** One block of the feature vector: `length` consecutive features starting at `offset`. */
export interface FeatureBlock {
  offset: number;
  length: number;
}

/**
 * Where each block of the `ab-mag-err-z` feature vector lies (the one definition; mirrored by
 * `feature_layout` in tools/train/pixsed_train/features.py and checked equal by a test):
 * [mag_b …] [mag_err_b …] [nondet_b …] [missing_b …] [z], b in manifest band order ([z] absent for a photo-z model).
 */
export interface FeatureLayout {
  bands: string[];
  count: number;
  names: string[];
  mag: FeatureBlock;
  magErr: FeatureBlock;
  nondet: FeatureBlock;
  missing: FeatureBlock;
  z: FeatureBlock;
  /** Blocks whose values are compared with the training ranges (OUT_OF_SUPPORT); indicators are not. */
  supportChecked: number[];
}

const BLOCKS = [
  ['mag', 'mag'],
  ['magErr', 'mag_err'],
  ['nondet', 'nondet'],
  ['missing', 'missing'],
] as const;

/** The feature transform whose last feature is z (a model conditioned on the redshift). */
export const TRANSFORM_WITH_Z = 'ab-mag-err-z';
/** The same transform without z (a photo-z model: z is one of its parameters, manifest `redshift.role: parameter`). */
export const TRANSFORM_NO_Z = 'ab-mag-err';

/**
 * The feature layout of a model (its manifest, or its band list). Without z (`withZ` false, or a manifest whose
 * `features.transform` is 'ab-mag-err': a photo-z model) the z block has length 0.
 */
export function featureLayout(model: { bands: string[]; features?: { transform: string } } | string[], withZ?: boolean): FeatureLayout {
  const bands = Array.isArray(model) ? model : model.bands;
  const hasZ = withZ ?? (Array.isArray(model) || model.features === undefined || model.features.transform !== TRANSFORM_NO_Z);
  const nb = bands.length;
  const blocks = Object.fromEntries(BLOCKS.map(([key], k) => [key, { offset: k * nb, length: nb }])) as Record<(typeof BLOCKS)[number][0], FeatureBlock>;
  const z = { offset: BLOCKS.length * nb, length: hasZ ? 1 : 0 };
  const names = [...BLOCKS.flatMap(([, prefix]) => bands.map((b) => `${prefix}_${b}`)), ...(hasZ ? ['z'] : [])];
  const range = (b: FeatureBlock) => Array.from({ length: b.length }, (_, i) => b.offset + i);
  return { bands, count: z.offset + z.length, names, ...blocks, z, supportChecked: [...range(blocks.mag), ...range(blocks.magErr), ...range(z)] };
}
