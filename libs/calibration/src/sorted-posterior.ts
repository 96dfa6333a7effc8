/**
 * The posterior samples of parameter `d`, sorted per object: from samples laid out [n, s, dims]
 * (row-major, as `PosteriorModel.sample` returns them) to [n, s] with each row ascending.
 * Quantiles, interval coverage and SBC ranks are then read off by index or binary search.
 */
export function sortedPosterior(samples: Float32Array, n: number, s: number, dims: number, d: number): Float32Array {
  if (samples.length !== n * s * dims) throw new RangeError(`samples have ${samples.length} values, expected ${n}×${s}×${dims}`);
  if (d < 0 || d >= dims) throw new RangeError(`parameter index ${d} outside [0, ${dims})`);
  const out = new Float32Array(n * s);
  for (let i = 0; i < n; i++) {
    const base = i * s * dims + d;
    const row = out.subarray(i * s, (i + 1) * s);
    for (let k = 0; k < s; k++) row[k] = samples[base + k * dims];
    row.sort();
  }
  return out;
}

/** Number of values in the ascending `row` strictly below `x` (lower bound by binary search). */
export function countBelow(row: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (row[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of values in the ascending `row` below or equal to `x` (upper bound by binary search). */
export function countAtOrBelow(row: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (row[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
