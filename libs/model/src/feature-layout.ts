/** One block of the feature vector: `length` consecutive features starting at `offset`. */
export interface FeatureBlock {
  offset: number;
  length: number;
}

/**
 * Where each block of the `ab-mag-err-z` feature vector lies (the one definition; mirrored by
 * `feature_layout` in tools/train/pixsed_train/features.py and checked equal by a test):
 * [mag_b …] [mag_err_b …] [nondet_b …] [missing_b …] [z], b in manifest band order.
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

/** The feature layout of a model (its manifest, or its band list). */
export function featureLayout(model: { bands: string[] } | string[]): FeatureLayout {
  const bands = Array.isArray(model) ? model : model.bands;
  const nb = bands.length;
  const blocks = Object.fromEntries(BLOCKS.map(([key], k) => [key, { offset: k * nb, length: nb }])) as Record<(typeof BLOCKS)[number][0], FeatureBlock>;
  const z = { offset: BLOCKS.length * nb, length: 1 };
  const names = [...BLOCKS.flatMap(([, prefix]) => bands.map((b) => `${prefix}_${b}`)), 'z'];
  const range = (b: FeatureBlock) => Array.from({ length: b.length }, (_, i) => b.offset + i);
  return { bands, count: z.offset + 1, names, ...blocks, z, supportChecked: [...range(blocks.mag), ...range(blocks.magErr), ...range(z)] };
}
