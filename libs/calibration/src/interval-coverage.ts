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
  let inside = 0;
  for (let i = 0; i < n; i++) {
    const row = sorted.subarray(i * s, (i + 1) * s);
    const t = truth[i];
    if (t >= percentileSorted(row, qLo) && t <= percentileSorted(row, qHi)) inside++;
  }
  return inside / n;
}

/** Central-interval coverage at each level in `levels` (a coverage curve: nominal vs empirical). */
export function intervalCoverageCurve(sorted: Float32Array, n: number, s: number, truth: ArrayLike<number>, levels: number[]): number[] {
  return levels.map((l) => intervalCoverage(sorted, n, s, truth, l));
}
