/** Binary searches and linear interpolation on increasing Float64Arrays, shared by the photometry steps. */

/** First index ≥ from with x[index] ≥ v (x increasing). */
export function lowerBound(x: Float64Array, v: number, from: number): number {
  let lo = from;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index ≥ from with x[index] > v (x increasing). */
export function upperBound(x: Float64Array, v: number, from: number): number {
  let lo = from;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** y(v) by linear interpolation on increasing x; 0 outside [x[0], x[n−1]]. */
export function interpolateOrZero(x: Float64Array, y: Float64Array, v: number): number {
  const n = x.length;
  if (v < x[0] || v > x[n - 1]) return 0;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= v) lo = mid;
    else hi = mid;
  }
  const u = (v - x[lo]) / (x[hi] - x[lo]);
  return y[lo] * (1 - u) + y[hi] * u;
}
