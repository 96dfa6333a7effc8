import { median, nmad } from './robust-statistics.js';

export interface PointMetricsInput {
  /** Point estimate per object (the posterior median in `validateModel`). */
  pred: ArrayLike<number>;
  truth: ArrayLike<number>;
  /** Per-object posterior σ used for outliers: half the 16–84 % width, (p84 − p16)/2, in `validateModel`. */
  sigma: ArrayLike<number>;
  /** Outlier threshold in units of `sigma` (default 3). */
  outlierSigmas?: number;
}

export interface PointMetrics {
  /** R² = 1 − Σ(pred − true)² / Σ(true − mean true)² (coefficient of determination). */
  r2: number;
  /** Bias = median(pred − true). */
  bias: number;
  /** Mean(pred − true), for comparison with papers that quote the mean. */
  meanBias: number;
  /** NMAD of Δ = pred − true: 1.4826 · median(|Δ − median Δ|). */
  scatterNmad: number;
  /** Fraction of objects with |pred − true| > outlierSigmas · sigma. */
  outlierFraction: number;
  /** Root-mean-square of Δ. */
  rmse: number;
}

/** Point-estimate metrics of predictions against truths: R², median bias, NMAD scatter, > kσ outlier fraction, RMSE. */
export function pointMetrics(input: PointMetricsInput): PointMetrics {
  const { pred, truth, sigma } = input;
  const k = input.outlierSigmas ?? 3;
  const n = truth.length;
  if (pred.length !== n || sigma.length !== n) throw new RangeError(`pred (${pred.length}), truth (${n}) and sigma (${sigma.length}) differ in length`);
  if (n === 0) return { r2: NaN, bias: NaN, meanBias: NaN, scatterNmad: NaN, outlierFraction: NaN, rmse: NaN };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i];
  mean /= n;
  const delta = new Float64Array(n);
  let ssRes = 0;
  let ssTot = 0;
  let sumDelta = 0;
  let outliers = 0;
  for (let i = 0; i < n; i++) {
    const dlt = pred[i] - truth[i];
    delta[i] = dlt;
    ssRes += dlt * dlt;
    ssTot += (truth[i] - mean) ** 2;
    sumDelta += dlt;
    if (Math.abs(dlt) > k * sigma[i]) outliers++;
  }
  return {
    r2: 1 - ssRes / ssTot,
    bias: median(delta),
    meanBias: sumDelta / n,
    scatterNmad: nmad(delta),
    outlierFraction: outliers / n,
    rmse: Math.sqrt(ssRes / n),
  };
}
