import { percentileSorted } from '@pixsed/model';

/**
 * Fraction of truths inside the central `level` credible interval [q((1−level)/2), q((1+level)/2)] of
 * each object's posterior (quantiles by NumPy's linear interpolation; bounds inclusive).
 * `sorted` is [n, s] with ascending rows (see `sortedPosterior`).
 */
export function intervalCoverage(sorted: Float32Array, n: number, s: number, truth: ArrayLike<number>, level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`credibility level must be in (0, 1), got ${level}`);
  if (n === 0) return NaN;
  const qLo = 50 * (1 - level);
  const qHi = 50 * (1 + level);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = sorted.subarray(i * s, (i + 1) * s);
    lo[i] = percentileSorted(row, qLo);
    hi[i] = percentileSorted(row, qHi);
  }
  return fractionInside(lo, hi, truth);
}

/**
 * Fraction of truths with lo[i] ≤ truth[i] ≤ hi[i] (bounds inclusive): the coverage of given per-object intervals,
 * for posteriors known only by their quantiles (a peer's p16/p84 table). NaN bounds count as outside; NaN if n = 0.
 */
export function fractionInside(lo: ArrayLike<number>, hi: ArrayLike<number>, truth: ArrayLike<number>): number {
  const n = truth.length;
  if (lo.length !== n || hi.length !== n) throw new RangeError(`lo (${lo.length}), hi (${hi.length}) and truth (${n}) differ in length`);
  if (n === 0) return NaN;
  let inside = 0;
  for (let i = 0; i < n; i++) if (truth[i] >= lo[i] && truth[i] <= hi[i]) inside++;
  return inside / n;
}

/** Central-interval coverage at each level in `levels` (a coverage curve: nominal vs empirical). */
export function intervalCoverageCurve(sorted: Float32Array, n: number, s: number, truth: ArrayLike<number>, levels: number[]): number[] {
  return levels.map((l) => intervalCoverage(sorted, n, s, truth, l));
}
