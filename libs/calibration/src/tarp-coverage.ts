import { createPrng, type Prng } from '@pixsed/core';

export interface TarpInput {
  /** Posterior samples [n, s, dims] row-major. */
  samples: Float32Array;
  n: number;
  s: number;
  dims: number;
  /** True values, one array of length n per parameter (all `dims` of them). */
  truth: ArrayLike<number>[];
  /** Parameter indices to test jointly (default all); one index gives a marginal TARP. */
  params?: number[];
  /** Credibility-level bins K (α on K + 1 edges 0…1; default 100). */
  alphaBins?: number;
  /** Reference points [n, params.length] in the normalised space; default uniform in [0, 1)^d from `rng`. */
  references?: Float64Array;
  rng?: Prng;
}

export interface TarpResult {
  /** Credibility levels α_k = k/K, k = 0…K (NumPy linspace: k·(1/K), last exactly 1). */
  alpha: number[];
  /** Expected coverage probability ECP(α_k) = #{f_i < α_k}/n (ECP(1) = 1), as `tarp`'s histogram + cumsum. */
  ecp: number[];
  /**
   * ATC = Σ_{k ≥ ⌊(K+1)/2⌋} (ECP_k − α_k) · Δα: the area between ECP and α over α ≥ 0.5, as sbi's current
   * `check_tarp` (sbi-dev/sbi, sbi/diagnostics/tarp.py, which multiplies each term by dalpha = α_1 − α_0).
   * Independent of K up to discretisation. ≈ 0 calibrated; > 0 over-dispersed (too wide); < 0
   * under-dispersed (over-confident) or biased.
   */
  atc: number;
  /**
   * The same differences summed without Δα (earlier sbi releases and ports of them, e.g. gensbi, return
   * this as "atc"): atcSum = atc / Δα = atc · K. Depends on K.
   */
  atcSum: number;
  /** The same differences averaged (≈ 2∫_{0.5}^{1}(ECP − α)dα = 2·atc): comparable across K. */
  atcMean: number;
  /** max_k |ECP_k − α_k|. */
  maxDeviation: number;
  /**
   * Standard error of `atc` (the area) from 200 bootstrap resamplings of the objects (their f_i; references
   * fixed): the noise floor of the ATC a set of n objects can measure. For a calibrated posterior
   * (f uniform) it approaches Δα · sqrt(Σ_k Σ_l (min(α_k, α_l) − α_k α_l) / n) over the summed α_k.
   */
  atcStdErr: number;
}

/**
 * TARP expected coverage (Lemos et al. 2023, ICML, arXiv 2302.03026, Alg. 2; as the `tarp` package with
 * norm=True): parameters normalised by the truths' min/max, θ' = (θ − lo)/(hi − lo + 1e-10); one random
 * reference r_i per object; f_i = fraction of samples with ‖θ_s − r_i‖ < ‖θ_i − r_i‖ (Euclidean);
 * ECP(α) = fraction of objects with f_i < α.
 */
export function tarpCoverage(input: TarpInput): TarpResult & { coverageValues: Float64Array } {
  const { samples, n, s, dims, truth } = input;
  const params = input.params ?? Array.from({ length: dims }, (_, d) => d);
  const p = params.length;
  const K = input.alphaBins ?? 100;
  if (samples.length !== n * s * dims) throw new RangeError(`samples have ${samples.length} values, expected ${n}×${s}×${dims}`);
  if (!(Number.isInteger(K) && K >= 2)) throw new RangeError(`alphaBins must be an integer ≥ 2, got ${K}`);
  const lo = new Float64Array(p).fill(Infinity);
  const scale = new Float64Array(p);
  params.forEach((d, j) => {
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo[j] = Math.min(lo[j], truth[d][i]);
      hi = Math.max(hi, truth[d][i]);
    }
    scale[j] = hi - lo[j] + 1e-10;
  });
  let refs = input.references;
  if (refs) {
    if (refs.length !== n * p) throw new RangeError(`references have ${refs.length} values, expected ${n}×${p}`);
  } else {
    if (!input.rng) throw new RangeError('tarpCoverage needs `references` or a seeded `rng`');
    refs = new Float64Array(n * p);
    for (let i = 0; i < refs.length; i++) refs[i] = input.rng.uniform();
  }
  const f = new Float64Array(n);
  const th = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    let dt = 0;
    for (let j = 0; j < p; j++) {
      th[j] = refs[i * p + j];
      const diff = th[j] - (truth[params[j]][i] - lo[j]) / scale[j];
      dt += diff * diff;
    }
    const dTheta = Math.sqrt(dt);
    let closer = 0;
    const base = i * s * dims;
    for (let k = 0; k < s; k++) {
      const o = base + k * dims;
      let ds = 0;
      for (let j = 0; j < p; j++) {
        const diff = th[j] - (samples[o + params[j]] - lo[j]) / scale[j];
        ds += diff * diff;
      }
      if (Math.sqrt(ds) < dTheta) closer++;
    }
    f[i] = closer / s;
  }
  // np.histogram(f, bins=K, range=(0, 1)): edges k·(1/K), last = 1; bins [e_k, e_{k+1}), the last closed.
  const step = 1 / K;
  const edges = Array.from({ length: K + 1 }, (_, k) => (k === K ? 1 : k * step));
  const binOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const v = f[i];
    if (!(v >= 0 && v <= 1)) continue;
    let b = Math.min(K - 1, Math.floor(v * K));
    if (v < edges[b]) b--;
    else if (b !== K - 1 && v >= edges[b + 1]) b++;
    binOf[i] = b;
  }
  const counts = new Float64Array(K);
  for (let i = 0; i < n; i++) if (binOf[i] >= 0) counts[binOf[i]]++;
  const ecp = ecpOf(counts, n);
  const mid = Math.floor((K + 1) / 2);
  const atcSum = atcSumOf(ecp, edges, mid);
  const dAlpha = edges[1] - edges[0];
  let maxDeviation = 0;
  for (let k = 0; k <= K; k++) maxDeviation = Math.max(maxDeviation, Math.abs(ecp[k] - edges[k]));
  return {
    alpha: edges,
    ecp,
    atc: atcSum * dAlpha,
    atcSum,
    atcMean: atcSum / (K + 1 - mid),
    maxDeviation,
    atcStdErr: bootstrapAtcSumStdErr(binOf, edges, mid) * dAlpha,
    coverageValues: f,
  };
}

/** ECP at the K + 1 edges from the K bin counts of the f_i (cumulative fraction; ECP(0) = 0). */
function ecpOf(counts: Float64Array, n: number): number[] {
  const ecp = [0];
  let cum = 0;
  for (let k = 0; k < counts.length; k++) {
    cum += counts[k];
    ecp.push(n > 0 ? cum / n : NaN);
  }
  return ecp;
}

/** Σ_{k ≥ mid} (ECP_k − α_k) (the ATC before the Δα factor). */
function atcSumOf(ecp: number[], edges: number[], mid: number): number {
  let atc = 0;
  for (let k = mid; k < edges.length; k++) atc += ecp[k] - edges[k];
  return atc;
}

/** Bootstrap (200 resamplings with replacement, fixed-seed @pixsed/core PRNG) standard deviation of atcSum. */
function bootstrapAtcSumStdErr(binOf: Int32Array, edges: number[], mid: number, resamplings = 200): number {
  const n = binOf.length;
  const K = edges.length - 1;
  if (n < 2) return NaN;
  const rng = createPrng(0x9e3779b9);
  const counts = new Float64Array(K);
  let sum = 0;
  let sum2 = 0;
  for (let r = 0; r < resamplings; r++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const b = binOf[Math.floor(rng.uniform() * n)];
      if (b >= 0) counts[b]++;
    }
    const atc = atcSumOf(ecpOf(counts, n), edges, mid);
    sum += atc;
    sum2 += atc * atc;
  }
  const mean = sum / resamplings;
  return Math.sqrt(Math.max(0, (sum2 / resamplings - mean * mean) * (resamplings / (resamplings - 1))));
}
