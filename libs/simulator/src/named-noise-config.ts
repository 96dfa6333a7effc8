import type { SimulatorConfigInput } from './simulator-config.js';

/** The simulator's `noise` config, as written in a config file. */
export type NoiseConfigInput = NonNullable<SimulatorConfigInput['noise']>;

/**
 * Named noise models for robustness checks (issue #21 item 7), one line each: the name forms `namedNoiseConfig`
 * accepts and what they mean.
 */
export const NOISE_MODEL_NAMES: readonly { name: string; meaning: string }[] = [
  { name: 'training', meaning: "the training prior's own noise config, unchanged (with its error-scale augmentation)" },
  { name: 'sbipix', meaning: "SBIPIX's JADES tables as they are (no error scaling, no floor)" },
  { name: 'gaussian-flux', meaning: 'the same tables as Gaussian flux errors with the 1σ depth added in quadrature (no censoring)' },
  { name: 'floor<P>', meaning: 'sbipix with a P % per-band error floor, σ_f ≥ P/100 · f_true (e.g. floor5)' },
  { name: 'scale<S>', meaning: 'sbipix with every σ (σ_mag and the 1σ depth) × S, the flux drawn with the scaled σ (e.g. scale0.3, scale3)' },
];

const NUMBER = String.raw`(\d+(?:\.\d*)?|\.\d+)`;

/**
 * The simulator `noise` config of a named noise model (see NOISE_MODEL_NAMES), or undefined for an unknown name.
 * `base` is the training prior's noise config: its `missingBandProbability` is kept for every name, and `training`
 * returns it unchanged. The other names replace mode, errorScale and floorFraction.
 */
export function namedNoiseConfig(name: string, base: NoiseConfigInput = {}): NoiseConfigInput | undefined {
  const keep = { missingBandProbability: base.missingBandProbability ?? 0 };
  if (name === 'training') return { ...base };
  if (name === 'sbipix' || name === 'gaussian-flux') return { ...keep, mode: name };
  const floor = new RegExp(`^floor${NUMBER}$`).exec(name);
  if (floor) {
    const percent = Number(floor[1]);
    return percent > 0 && percent < 100 ? { ...keep, mode: 'sbipix', floorFraction: percent / 100 } : undefined;
  }
  const scale = new RegExp(`^scale${NUMBER}$`).exec(name);
  if (scale) {
    const s = Number(scale[1]);
    return s > 0 && Number.isFinite(s) ? { ...keep, mode: 'sbipix', errorScale: { fraction: 1, min: s, max: s } } : undefined;
  }
  return undefined;
}
