/** Per-row statistics of posterior samples. */
export interface PosteriorSummary {
  mean: Float32Array;
  std: Float32Array;
  p16: Float32Array;
  p50: Float32Array;
  p84: Float32Array;
}

/** The statistics of a PosteriorSummary in column order (`<param>_<stat>` columns of every output). */
export const SUMMARY_STATS = ['mean', 'std', 'p16', 'p50', 'p84'] as const satisfies readonly (keyof PosteriorSummary)[];

/**
 * Percentile by linear interpolation between closest ranks (NumPy's default `linear` method:
 * position q/100 × (S − 1) in the sorted samples).
 */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Summaries of parameter `d` from samples laid out [N, S, D] (row-major): mean, standard deviation
 * (population, ddof = 0), 16th/50th/84th percentiles.
 */
export function posteriorSummary(samples: Float32Array, n: number, s: number, dims: number, d: number): PosteriorSummary {
  const out: PosteriorSummary = { mean: new Float32Array(n), std: new Float32Array(n), p16: new Float32Array(n), p50: new Float32Array(n), p84: new Float32Array(n) };
  const buf = new Float64Array(s);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    const base = i * s * dims + d;
    for (let k = 0; k < s; k++) {
      const v = samples[base + k * dims];
      buf[k] = v;
      sum += v;
    }
    const mean = sum / s;
    let ss = 0;
    for (let k = 0; k < s; k++) ss += (buf[k] - mean) ** 2;
    buf.sort();
    out.mean[i] = mean;
    out.std[i] = Math.sqrt(ss / s);
    out.p16[i] = percentileSorted(buf, 16);
    out.p50[i] = percentileSorted(buf, 50);
    out.p84[i] = percentileSorted(buf, 84);
  }
  return out;
}
