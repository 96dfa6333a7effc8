/**
 * A star-formation history in lookback time t [Gyr] measured from the epoch of observation, normalised to
 * a total formed mass of 1. Star formation happens at lookback times in [0, durationGyr].
 */
export interface Sfh {
  kind: string;
  /** Time since the onset of star formation [Gyr] (≤ age of the universe at z). */
  durationGyr: number;
  /** Fraction of the formed mass formed at lookback times in [t1, t2] [Gyr] (t1 ≤ t2; clipped to [0, duration]). */
  massFractionBetween(t1Gyr: number, t2Gyr: number): number;
  /** Formed-mass-weighted mean lookback age [Gyr]: ∫ t ψ dt / ∫ ψ dt. */
  massWeightedAgeGyr(): number;
  /** Parameters for provenance (e.g. tau, bin edges, fractions). */
  params: Record<string, number | number[]>;
}
