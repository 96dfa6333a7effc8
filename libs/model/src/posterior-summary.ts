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

/** The percentiles a PosteriorSummary reports. */
const SUMMARY_QUANTILES = [16, 50, 84] as const;

/**
 * Percentile by linear interpolation between closest ranks (NumPy's default `linear` method:
 * position q/100 × (S − 1) in the sorted samples). Reads only the elements at ranks ⌊pos⌋ and
 * ⌊pos⌋ + 1, so an array with just those ranks in place gives the same result.
 */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The ranks `percentileSorted(·, q)` reads for an array of `s` values, ascending and distinct. */
export function percentileRanks(s: number, qs: readonly number[]): Int32Array {
  const ranks = new Set<number>();
  for (const q of qs) {
    const lo = Math.floor((q / 100) * (s - 1));
    ranks.add(lo).add(Math.min(s - 1, lo + 1));
  }
  return Int32Array.from([...ranks].sort((a, b) => a - b));
}

/** Bins of the counting pass of `rankValues`. */
const RANK_BINS = 256;

/** Scratch arrays of `rankValues` for rows of `s` values (allocated once per call of posteriorSummary, not per row). */
interface RankScratch {
  bin: Uint16Array;
  count: Int32Array;
  sub: Float64Array;
  vals: Float64Array;
  /** Per bin: where its next value goes in `sub` while gathering (−1: a bin no rank lies in), and where its slice starts. */
  want: Int32Array;
  start: Int32Array;
}
function rankScratch(s: number, nRanks: number): RankScratch {
  return { bin: new Uint16Array(s), count: new Int32Array(RANK_BINS + 1), sub: new Float64Array(s), vals: new Float64Array(nRanks), want: new Int32Array(RANK_BINS), start: new Int32Array(RANK_BINS) };
}

/** Sort `a[lo..hi)` ascending: insertion sort for the few values of one bin, the typed-array sort beyond. */
function sortRange(a: Float64Array, lo: number, hi: number): void {
  if (hi - lo > 48) {
    a.subarray(lo, hi).sort();
    return;
  }
  for (let i = lo + 1; i < hi; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

/**
 * Write into `a[k]`, for each k of `ranks` (ascending), the value of rank k of `a[0..s)` (the value a full ascending
 * sort puts at index k); the rest of `a` is left as scratch. The values must be finite, with minimum `mn` and maximum
 * `mx`. Counting pass: bin b = ⌊(v − mn)·RANK_BINS/(mx − mn)⌋ is monotone in v, so rank k lies in the bin where the
 * cumulative count passes k, and only the values of the (usually 3) bins holding a rank are gathered, in one pass, and sorted (a bucket selection: no data-dependent branches
 * over the whole row, which cost a quickselect more than its comparisons). ±0 share a bin and may come out in either
 * order: percentileSorted's result is +0 either way (−0 + (x − (−0))·f and +0 + (x − 0)·f agree for every x ≥ −0).
 */
function rankValues(a: Float64Array, s: number, mn: number, mx: number, ranks: Int32Array, scratch: RankScratch): void {
  const { bin, count, sub, vals, want, start } = scratch;
  const top = RANK_BINS - 1;
  const scale = RANK_BINS / (mx - mn);
  if (!(scale < Infinity)) {
    for (let j = 0; j < ranks.length; j++) a[ranks[j]] = mn; // all values equal
    return;
  }
  count.fill(0);
  for (let i = 0; i < s; i++) {
    const b = Math.min(top, Math.floor((a[i] - mn) * scale));
    bin[i] = b;
    count[b + 1]++;
  }
  for (let b = 1; b <= RANK_BINS; b++) count[b] += count[b - 1]; // count[b] = values in bins < b
  // the bins holding the ranks (ascending ranks → ascending bins), each gathered into its own slice of `sub` in one pass
  want.fill(-1);
  let used = 0;
  let b = 0;
  for (let j = 0; j < ranks.length; j++) {
    while (count[b + 1] <= ranks[j]) b++;
    if (want[b] < 0) {
      want[b] = used; // sub[used ...] holds bin b's values
      start[b] = used;
      used += count[b + 1] - count[b];
    }
  }
  for (let i = 0; i < s; i++) {
    const w = want[bin[i]];
    if (w >= 0) sub[want[bin[i]]++] = a[i];
  }
  b = 0;
  let sorted = -1;
  for (let j = 0; j < ranks.length; j++) {
    const k = ranks[j];
    while (count[b + 1] <= k) b++;
    const m = count[b + 1] - count[b];
    if (sorted !== b) {
      sortRange(sub, start[b], start[b] + m);
      sorted = b;
    }
    vals[j] = sub[start[b] + k - count[b]];
  }
  for (let j = 0; j < ranks.length; j++) a[ranks[j]] = vals[j];
}

/**
 * Summaries of parameter `d` from samples laid out [N, S, D] (row-major): mean, standard deviation
 * (population, ddof = 0), 16th/50th/84th percentiles (`percentileSorted`'s definition; the ranks it
 * reads found by a bucket selection instead of a full sort, equal bit for bit). With `out`, row i's
 * statistics are written at index `offset + i` of its arrays instead of new ones.
 */
export function posteriorSummary(samples: Float32Array, n: number, s: number, dims: number, d: number, out?: PosteriorSummary, offset = 0): PosteriorSummary {
  const res: PosteriorSummary = out ?? { mean: new Float32Array(n), std: new Float32Array(n), p16: new Float32Array(n), p50: new Float32Array(n), p84: new Float32Array(n) };
  const at = out ? offset : 0;
  const buf = new Float64Array(s);
  const ranks = percentileRanks(s, SUMMARY_QUANTILES);
  const scratch = rankScratch(s, ranks.length);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let mn = Infinity;
    let mx = -Infinity;
    const base = i * s * dims + d;
    for (let k = 0; k < s; k++) {
      const v = samples[base + k * dims];
      buf[k] = v;
      sum += v;
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    const mean = sum / s;
    let ss = 0;
    for (let k = 0; k < s; k++) ss += (buf[k] - mean) ** 2;
    // a NaN (Math.min/max propagate it) or an infinite value: the full sort (NaN last), as before
    if (mx - mn < Infinity) rankValues(buf, s, mn, mx, ranks, scratch);
    else buf.sort();
    res.mean[at + i] = mean;
    res.std[at + i] = Math.sqrt(ss / s);
    res.p16[at + i] = percentileSorted(buf, 16);
    res.p50[at + i] = percentileSorted(buf, 50);
    res.p84[at + i] = percentileSorted(buf, 84);
  }
  return res;
}
