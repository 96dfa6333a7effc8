import { Uint32 } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { PixsedError } from './errors.js';

/** Name of the per-row quality bitmask column (uint32). */
export const FLAGS_COLUMN = 'flags';

/** One quality bit: soft conditions set flags, they do not throw (photutils style). */
export interface FlagDefinition {
  bit: number;
  name: string;
  description: string;
}

/**
 * Registry of quality bits. Stages declare their flags and the pipeline registers them here;
 * a bit can only have one meaning in a run.
 */
export class FlagRegistry {
  private readonly byBit = new Map<number, FlagDefinition>();
  private readonly byName = new Map<string, FlagDefinition>();

  register(def: FlagDefinition): FlagDefinition {
    if (!Number.isInteger(def.bit) || def.bit < 0 || def.bit > 31) {
      throw new PixsedError(`flag '${def.name}': bit must be an integer 0..31, got ${def.bit}`);
    }
    const existing = this.byBit.get(def.bit);
    if (existing && existing.name !== def.name) {
      throw new PixsedError(`flag bit ${def.bit} is already '${existing.name}', cannot register '${def.name}'`);
    }
    const named = this.byName.get(def.name);
    if (named && named.bit !== def.bit) {
      throw new PixsedError(`flag '${def.name}' is already bit ${named.bit}, cannot register it as bit ${def.bit}`);
    }
    this.byBit.set(def.bit, def);
    this.byName.set(def.name, def);
    return def;
  }

  /** Bit mask (1 << bit) of a registered flag. */
  mask(name: string): number {
    const def = this.byName.get(name);
    if (!def) throw new PixsedError(`unknown flag '${name}' (registered: ${[...this.byName.keys()].join(', ') || 'none'})`);
    return (1 << def.bit) >>> 0;
  }

  list(): FlagDefinition[] {
    return [...this.byBit.values()].sort((a, b) => a.bit - b.bit);
  }

  /** Names of the flags set in a bitmask value. */
  decode(value: number): string[] {
    return this.list()
      .filter((d) => (value >>> d.bit) & 1)
      .map((d) => d.name);
  }
}

/** Flags shared by the standard stages; their bits are stable across runs and outputs. */
export const STANDARD_FLAGS = [
  { bit: 0, name: 'OUTSIDE_SEGMENTATION', description: 'pixel is not in any galaxy segment (segmentation id 0)' },
  { bit: 1, name: 'NO_REDSHIFT', description: 'the galaxy has no redshift in the catalogue' },
  { bit: 2, name: 'NONFINITE_FLUX', description: 'a required band has a NaN/inf flux' },
  { bit: 3, name: 'BAD_ERROR', description: 'a required band has a non-positive or non-finite error' },
  { bit: 4, name: 'LOW_SNR', description: 'mean S/N over the selection bands is below the threshold' },
  { bit: 5, name: 'PSF_MASKED', description: 'a PSF-matched band is missing because its kernel footprint touched an invalid input (non-finite flux, σ ≤ 0 or non-finite); always with MISSING_BAND' },
  { bit: 6, name: 'MISSING_BAND', description: 'at least one band is missing for this pixel (NaN flux and σ: invalid input, or absent from the data); which: missing_bands' },
  { bit: 7, name: 'NON_DETECTION', description: 'at least one band is a non-detection (handled by the feature rule)' },
  { bit: 8, name: 'OUT_OF_SUPPORT', description: 'features lie outside the model training ranges' },
  { bit: 9, name: 'SYNTHETIC', description: 'row produced by the synthetic test source' },
  { bit: 10, name: 'PPC_POOR', description: "posterior-predictive check failed: the photometry of the posterior's draws (model's emulator) does not reproduce the observed fluxes (ppc_pvalue below the model's calibrated threshold)" },
] as const satisfies readonly FlagDefinition[];

/** Name of a standard flag. */
export type StandardFlagName = (typeof STANDARD_FLAGS)[number]['name'];

/**
 * Bit masks (1 << bit) of the standard flags, built from STANDARD_FLAGS (the one table of bits):
 * `flags[i] |= FLAG.MISSING_BAND`.
 */
export const FLAG: Readonly<Record<StandardFlagName, number>> = Object.freeze(
  Object.fromEntries(STANDARD_FLAGS.map((d) => [d.name, (1 << d.bit) >>> 0])) as Record<StandardFlagName, number>,
);

/** Add per-bit row counts of the batch's flags column to `counts` (by flag name; unknown bits as `bit<N>`). */
export function countFlags(batch: RecordBatch, registry: FlagRegistry, counts: Record<string, number>): void {
  const vec = batch.getChild(FLAGS_COLUMN);
  if (!vec) return;
  if (!(vec.type instanceof Uint32) && vec.type.toString() !== 'Uint32') {
    throw new PixsedError(`column '${FLAGS_COLUMN}' must be uint32, got ${vec.type}`);
  }
  const perBit = new Float64Array(32);
  for (const d of vec.data) {
    const v = d.values as Uint32Array;
    for (let i = d.offset, n = d.offset + d.length; i < n; i++) {
      let x = v[i];
      while (x) {
        const b = 31 - Math.clz32(x);
        perBit[b]++;
        x &= ~(1 << b);
      }
    }
  }
  const names = new Map(registry.list().map((d) => [d.bit, d.name]));
  for (let b = 0; b < 32; b++) {
    if (!perBit[b]) continue;
    const key = names.get(b) ?? `bit${b}`;
    counts[key] = (counts[key] ?? 0) + perBit[b];
  }
}
