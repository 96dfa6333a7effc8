import { createPrng } from '@pixsed/core';
import { percentileSorted } from '@pixsed/model';
import { intervalCoverage, intervalCoverageCurve } from './interval-coverage.js';
import { pointMetrics, type PointMetrics } from './point-metrics.js';
import { sbcRanks, type SbcResult } from './sbc-ranks.js';
import { sortedPosterior } from './sorted-posterior.js';
import { tarpCoverage, type TarpResult } from './tarp-coverage.js';

export interface CalibrationOptions {
  /** Seed of the TARP reference points and SBC tie-breaking (default 0). */
  seed?: number;
  /** SBC histogram bins B (default 20). */
  sbcBins?: number;
  /** TARP credibility bins K (default 100). */
  alphaBins?: number;
  /** Levels of the central-interval coverage curve (default 0.05, 0.10, …, 0.95). */
  coverageLevels?: number[];
}

export interface ParameterCalibration extends PointMetrics {
  name: string;
  /** Fraction of truths inside the central 68 % / 95 % posterior intervals. */
  coverage68: number;
  coverage95: number;
  /** Central-interval coverage at `levels` (nominal → empirical). */
  coverageCurve: { levels: number[]; coverage: number[] };
  /** Marginal (1-D) TARP on this parameter. */
  tarp: TarpResult;
  sbc: SbcResult;
}

export interface CalibrationReport {
  n: number;
  samplesPerObject: number;
  seed: number;
  definitions: Record<string, string>;
  parameters: ParameterCalibration[];
  /** TARP on all parameters jointly (normalised space). */
  jointTarp: TarpResult;
}

/** Per-object arrays behind the report (for plots): truth, posterior median, p16, p84, SBC rank. */
export interface CalibrationPoints {
  name: string;
  truth: Float64Array;
  median: Float64Array;
  p16: Float64Array;
  p84: Float64Array;
  ranks: Int32Array;
}

export const CALIBRATION_DEFINITIONS: Record<string, string> = {
  pointEstimate: 'posterior median (NumPy linear-interpolation percentile of the samples)',
  r2: '1 − Σ(pred − true)² / Σ(true − mean(true))²',
  bias: 'median(pred − true); meanBias = mean(pred − true)',
  scatterNmad: '1.4826 · median(|Δ − median Δ|), Δ = pred − true',
  outlierFraction: 'fraction with |pred − true| > 3σ, σ = (p84 − p16)/2 of the object’s posterior',
  coverage: 'fraction of truths within the central 68 % / 95 % posterior interval (inclusive)',
  tarp: 'Lemos et al. 2023 (tarp package, norm=True): truths min–max normalised, one uniform random reference per object, f = frac. samples closer to the reference than the truth, ECP(α) = frac. f < α; per parameter (1-D) and joint',
  atc: 'Σ_{α ≥ 0.5} (ECP − α)·Δα over the K + 1 grid points: the area between ECP and α above α = 0.5, as sbi check_tarp (current sbi-dev/sbi); > 0 too wide, < 0 too narrow/biased; atcSum = the same sum without Δα (earlier sbi releases), atcMean = atcSum / number of terms; atcStdErr = bootstrap standard error of atc (200 resamplings of the objects)',
  sbc: 'Talts et al. 2018: rank = #{samples < truth} (ties random), B bins, Pearson χ² vs exact expected counts, p = Q((B−1)/2, χ²/2)',
};

/**
 * Calibration of an amortised posterior on objects with known truths: point metrics on the
 * posterior median, central-interval coverage, marginal and joint TARP, SBC ranks. Samples are
 * [n, s, dims] row-major; `truth[d]` is the true value of parameter d per object.
 */
export function calibratePosterior(
  samples: Float32Array,
  n: number,
  s: number,
  names: string[],
  truth: ArrayLike<number>[],
  opts: CalibrationOptions = {},
): { report: CalibrationReport; points: CalibrationPoints[] } {
  const dims = names.length;
  if (truth.length !== dims) throw new RangeError(`${truth.length} truth columns for ${dims} parameters`);
  truth.forEach((t, d) => {
    if (t.length !== n) throw new RangeError(`truth of ${names[d]} has ${t.length} values, expected ${n}`);
  });
  const seed = opts.seed ?? 0;
  const rng = createPrng(seed);
  const levels = opts.coverageLevels ?? Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);
  const parameters: ParameterCalibration[] = [];
  const points: CalibrationPoints[] = [];
  for (let d = 0; d < dims; d++) {
    const sorted = sortedPosterior(samples, n, s, dims, d);
    const med = new Float64Array(n);
    const p16 = new Float64Array(n);
    const p84 = new Float64Array(n);
    const sigma = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const row = sorted.subarray(i * s, (i + 1) * s);
      med[i] = percentileSorted(row, 50);
      p16[i] = percentileSorted(row, 16);
      p84[i] = percentileSorted(row, 84);
      sigma[i] = (p84[i] - p16[i]) / 2;
    }
    const tarpRng = createPrng(rng.nextSeed());
    const sbcRng = createPrng(rng.nextSeed());
    const { coverageValues: _f, ...tarp } = tarpCoverage({ samples, n, s, dims, truth, params: [d], alphaBins: opts.alphaBins, rng: tarpRng });
    const { ranks, ...sbc } = sbcRanks(sorted, n, s, truth[d], { bins: opts.sbcBins, rng: sbcRng });
    parameters.push({
      name: names[d],
      ...pointMetrics({ pred: med, truth: truth[d], sigma }),
      coverage68: intervalCoverage(sorted, n, s, truth[d], 0.68),
      coverage95: intervalCoverage(sorted, n, s, truth[d], 0.95),
      coverageCurve: { levels, coverage: intervalCoverageCurve(sorted, n, s, truth[d], levels) },
      tarp,
      sbc,
    });
    points.push({ name: names[d], truth: Float64Array.from(truth[d]), median: med, p16, p84, ranks });
  }
  const { coverageValues: _g, ...jointTarp } = tarpCoverage({ samples, n, s, dims, truth, alphaBins: opts.alphaBins, rng: createPrng(rng.nextSeed()) });
  return { report: { n, samplesPerObject: s, seed, definitions: CALIBRATION_DEFINITIONS, parameters, jointTarp }, points };
}
