import { z } from 'zod';

const range = (min: number, max: number) =>
  z
    .object({ min: z.number(), max: z.number() })
    .refine((r) => r.max >= r.min, { message: 'max must be ≥ min' })
    .default({ min, max });

/** Uniform prior bounds (inclusive). */
export const rangeSchema = z.object({ min: z.number(), max: z.number() }).refine((r) => r.max >= r.min, { message: 'max must be ≥ min' });
export type Range = z.infer<typeof rangeSchema>;

/** SFH prior: delayed-τ, or non-parametric with Dirichlet or continuity (Student-t) prior. */
export const sfhPriorSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('delayed-tau'),
    /** log10(τ/Gyr), uniform. */
    logTauGyr: range(-1, 1),
    /** log10 of the time since the onset of SF [Gyr], uniform between log10(minAgeGyr) and log10(age of universe at z). */
    minAgeGyr: z.number().positive().default(0.01),
    /**
     * Fraction of draws whose SF duration is uniform in linear time on [minAgeGyr, age of universe] instead
     * of log-uniform (0 = all log-uniform, the default). The log-uniform prior alone puts ~80 % of its mass
     * below 300 Myr mass-weighted age, so old populations are rare in training.
     */
    linearAgeFraction: z.number().min(0).max(1).default(0),
  }),
  z.object({
    type: z.literal('nonparametric-dirichlet'),
    nBins: z.number().int().min(3).max(20).default(8),
    alpha: z.number().positive().default(1),
  }),
  z.object({
    type: z.literal('nonparametric-continuity'),
    nBins: z.number().int().min(3).max(20).default(8),
    scale: z.number().positive().default(0.3),
    df: z.number().positive().default(2),
  }),
]);
export type SfhPrior = z.infer<typeof sfhPriorSchema>;

/** SSP libraries the simulator can load (`loadSspLibrary` in ./node; data in `<data>/ssp/<library>/`). */
export const SSP_LIBRARIES = ['maraston05', 'bc03-miles'] as const;
export type SspLibrary = (typeof SSP_LIBRARIES)[number];
const sspLibrarySchema = z.enum(SSP_LIBRARIES);

/** One SSP library, or a mixture: each row is drawn from one library with probability weight / Σ weights. */
export const sspConfigSchema = z.union([
  z.object({ library: sspLibrarySchema }).strict(),
  z
    .object({ mixture: z.array(z.object({ library: sspLibrarySchema, weight: z.number().positive() }).strict()).min(2) })
    .strict()
    .refine((m) => new Set(m.mixture.map((x) => x.library)).size === m.mixture.length, { message: 'each library at most once in ssp.mixture' }),
], { error: `expected {library: ${SSP_LIBRARIES.join(' | ')}} or {mixture: [{library, weight}, ...]} (at least two libraries)` });
export type SspConfig = z.infer<typeof sspConfigSchema>;

/** The libraries of an SSP config with normalised weights (one entry, weight 1, for a single library). */
export function sspComponents(ssp: SspConfig): { library: SspLibrary; weight: number }[] {
  if ('library' in ssp) return [{ library: ssp.library, weight: 1 }];
  const total = ssp.mixture.reduce((a, m) => a + m.weight, 0);
  return ssp.mixture.map((m) => ({ library: m.library, weight: m.weight / total }));
}

/** Flat ΛCDM cosmology: Planck 2018 (astropy's Planck18 without radiation), or explicit H0 / Ω_m (SBIPIX: 70, 0.3). */
export const cosmologyConfigSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('planck18') }).strict(),
  z.object({ name: z.literal('flat-lcdm'), h0KmSMpc: z.number().positive(), omegaM: z.number().gt(0).lt(1) }).strict(),
]);
export type CosmologyConfig = z.infer<typeof cosmologyConfigSchema>;

/** Nebular emission models (`nebular.model`). */
export const NEBULAR_MODELS = ['cigale', 'cloudy'] as const;
/** Default uniform log U prior of the cloudy model (the range of Byler et al. 2017's grids). */
export const DEFAULT_LOG_U_PRIOR = { min: -4, max: -1 } as const;

/** The log U prior of a config, or undefined when the Cloudy nebular model is off. */
export function cloudyLogUPrior(c: { nebular: { enabled: boolean; model: (typeof NEBULAR_MODELS)[number]; logU?: Range } }): Range | undefined {
  return c.nebular.enabled && c.nebular.model === 'cloudy' ? (c.nebular.logU ?? DEFAULT_LOG_U_PRIOR) : undefined;
}

/** Simulator configuration: priors, physics switches, noise model. All keys carry their unit. */
export const simulatorConfigSchema = z.object({
  /** log10 surviving stellar mass (living + remnants) [M☉]. */
  logMstar: range(4, 12),
  /** [M/H] = log10(Z/Z☉); the prior is intersected with the SSP grid's range. */
  metallicity: range(-2.3, 0.4),
  /** Calzetti A_V [mag]. */
  avMag: range(0, 4),
  /**
   * Optional low-dust component of the A_V prior: with probability `fraction`, A_V is uniform on
   * [avMag.min, max] instead of [avMag.min, avMag.max] (absent = plain uniform, as before).
   */
  avMagLowDust: z.object({ fraction: z.number().min(0).max(1), max: z.number().positive() }).optional(),
  /** Extra A_V for stars younger than 10 Myr, as a fraction of A_V (0 = none; Charlot & Fall-like 1.27 ≈ 2.27× total). */
  birthCloudAvFactor: z.number().min(0).default(0),
  /** Redshift: uniform range, or fixed. */
  redshift: z.union([z.object({ fixed: z.number().positive() }), rangeSchema]).default({ min: 0, max: 7.5 }),
  sfh: sfhPriorSchema.default({ type: 'delayed-tau', logTauGyr: { min: -1, max: 1 }, minAgeGyr: 0.01, linearAgeFraction: 0 }),
  /**
   * Nebular emission: `cigale` (default; CIGALE line ratios per Q(H), `column` 0–11) or `cloudy` (bagpipes' Cloudy
   * grids per M☉ formed, with log U uniform on `logU` [log10 U], default −4…−1, and a `log_u` catalogue column).
   */
  nebular: z
    .object({
      enabled: z.boolean().default(true),
      model: z.enum(NEBULAR_MODELS).default('cigale'),
      column: z.number().int().min(0).max(11).default(4),
      logU: rangeSchema.optional(),
    })
    .strict()
    .refine((n) => n.logU === undefined || n.model === 'cloudy', { message: 'logU is a prior of the cloudy model: set model: cloudy', path: ['logU'] })
    .default({ enabled: true, model: 'cigale', column: 4 }),
  igm: z.boolean().default(true),
  noise: z
    .object({
      mode: z.enum(['sbipix', 'gaussian-flux', 'none']).default('sbipix'),
      /** Probability that a band is absent from a row (flux and error NaN), per band and row. */
      missingBandProbability: z.number().min(0).max(1).default(0),
      /**
       * Optional error-scale augmentation: with probability `fraction` per row, every band's noise σ (σ_mag in
       * `sbipix`, σ_f in `gaussian-flux`, and the 1σ depth) is multiplied by its own factor drawn log-uniformly in [min, max], so
       * the model learns to read the quoted errors instead of assuming the JADES tables' σ(m). Real pixel errors
       * differ from the tables (PSF matching smooths blue bands, depth varies across a mosaic). Absent = none.
       */
      errorScale: z
        .object({ fraction: z.number().min(0).max(1), min: z.number().positive(), max: z.number().positive() })
        .refine((r) => r.max >= r.min, { message: 'max must be ≥ min' })
        .optional(),
      /**
       * Optional row-common error scale: with probability `fraction` per row, one factor log-uniform in [min, max]
       * multiplies every band's σ (and the depth) of that row, on top of `errorScale`'s per-band factors. Independent
       * per-band factors almost never scale all 19 bands together (their geometric mean spreads by only ×/÷ 1.3), but a
       * shallower or deeper pixel — or a mis-estimated error map — does. Absent = none (streams unchanged).
       */
      rowErrorScale: z
        .object({ fraction: z.number().min(0).max(1), min: z.number().positive(), max: z.number().positive() })
        .refine((r) => r.max >= r.min, { message: 'max must be ≥ min' })
        .optional(),
      /**
       * Optional per-band fractional error floor φ (absent or 0 = none): σ_f = max(σ_f, φ·f_true) after the mode's σ
       * and the error scale, the observed flux drawn with the floored σ; in `sbipix` σ_mag ≥ φ·2.5/ln10 (see `noisyFlux`).
       */
      floorFraction: z.number().min(0).lt(1).optional(),
    })
    .default({ mode: 'sbipix', missingBandProbability: 0 }),
  /** Floor for log10 SFR [M☉/yr] when no stars formed in the averaging window. */
  logSfrFloor: z.number().default(-10),
  /** SSP library (default Maraston 2005, as before) or a mixture of libraries (SPS-marginalised training). */
  ssp: sspConfigSchema.default({ library: 'maraston05' }),
  /** Cosmology for distances and the age of the universe (default Planck18). */
  cosmology: cosmologyConfigSchema.default({ name: 'planck18' }),
  /** Redshift-node spacing of the fast photometry. */
  dz: z.number().positive().max(0.05).default(0.002),
});
export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;
export type SimulatorConfigInput = z.input<typeof simulatorConfigSchema>;
