import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createPrng } from '@pixsed/core';
import { chiSquareSf } from '@pixsed/core';
import { intervalCoverage } from './interval-coverage.js';
import { pointMetrics } from './point-metrics.js';
import { sbcRanks } from './sbc-ranks.js';
import { sortedPosterior } from './sorted-posterior.js';
import { tarpCoverage } from './tarp-coverage.js';
import { pythonExecutable } from '@pixsed/core/node';

const py = pythonExecutable();
const ready = spawnSync(py, ['-c', 'import numpy, scipy'], { encoding: 'utf8' }).status === 0;

/** Run a Python snippet that reads JSON `inp` from stdin and prints JSON. */
function python(code: string, input: unknown): any {
  const r = spawnSync(py, ['-c', `import json, sys, numpy as np, scipy.stats as st\ninp = json.load(sys.stdin)\n${code}`], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

function toy(n: number, s: number, dims: number, seed: number, sigmaPost = 1) {
  const rng = createPrng(seed);
  const truth = Array.from({ length: dims }, () => new Float64Array(n));
  const samples = new Float32Array(n * s * dims);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dims; d++) {
      const mu = (d + 1) * rng.normal() + d;
      truth[d][i] = mu + rng.normal();
      for (let k = 0; k < s; k++) samples[(i * s + k) * dims + d] = mu + sigmaPost * rng.normal();
    }
  }
  return { truth, samples };
}

describe.skipIf(!ready)(ready ? 'cross-checks against NumPy / SciPy (Debian /usr/bin/python3)' : 'skipped: needs /usr/bin/python3 with numpy and scipy', () => {
  it('χ² survival function equals scipy.stats.chi2.sf', () => {
    const cases = [
      [0.5, 1],
      [3, 2],
      [19, 19],
      [40, 19],
      [100, 19],
      [250, 49],
      [5, 99],
      [1e-3, 4],
    ];
    const ref: number[] = python('print(json.dumps([st.chi2.sf(x, k) for x, k in inp]))', cases);
    cases.forEach(([x, k], i) => expect(Math.abs(chiSquareSf(x, k) - ref[i]) / ref[i], `x=${x} k=${k}`).toBeLessThan(1e-10));
  });

  it('R², bias, NMAD, outliers and interval coverage equal NumPy', () => {
    const n = 700;
    const s = 101;
    const { truth, samples } = toy(n, s, 1, 11, 0.8);
    const sorted = sortedPosterior(samples, n, s, 1, 0);
    const med = new Float64Array(n);
    const sig = new Float64Array(n);
    const ref = python(
      `S = np.array(inp['samples'], dtype=np.float32).reshape(${n}, ${s}).astype(np.float64); t = np.array(inp['truth'])
p16, p50, p84 = np.percentile(S, [16, 50, 84], axis=1); d = p50 - t
lo68, hi68 = np.percentile(S, [16, 84], axis=1); lo95, hi95 = np.percentile(S, [2.5, 97.5], axis=1)
print(json.dumps({'r2': 1 - np.sum(d**2)/np.sum((t - t.mean())**2), 'bias': float(np.median(d)), 'nmad': float(1.4826*np.median(np.abs(d - np.median(d)))),
  'out': float(np.mean(np.abs(d) > 3*(p84 - p16)/2)), 'c68': float(np.mean((t >= lo68) & (t <= hi68))), 'c95': float(np.mean((t >= lo95) & (t <= hi95)))}))`,
      { samples: Array.from(samples), truth: Array.from(truth[0]) },
    );
    for (let i = 0; i < n; i++) {
      const row = sorted.subarray(i * s, (i + 1) * s);
      med[i] = row[50];
      sig[i] = (row[84] - row[16]) / 2; // s = 101: percentile q is exactly element q
    }
    const m = pointMetrics({ pred: med, truth: truth[0], sigma: sig });
    expect(m.r2).toBeCloseTo(ref.r2, 10);
    expect(m.bias).toBeCloseTo(ref.bias, 10);
    expect(m.scatterNmad).toBeCloseTo(ref.nmad, 10);
    expect(m.outlierFraction).toBe(ref.out);
    expect(intervalCoverage(sorted, n, s, truth[0], 0.68)).toBe(ref.c68);
    expect(intervalCoverage(sorted, n, s, truth[0], 0.95)).toBe(ref.c95);
  });

  it('SBC ranks, histogram, χ² and p-value equal NumPy + scipy.stats.chisquare (unequal expected counts)', () => {
    const n = 3000;
    const s = 250;
    for (const sigmaPost of [1, 0.8]) {
      const { truth, samples } = toy(n, s, 1, 5, sigmaPost);
      const sbc = sbcRanks(sortedPosterior(samples, n, s, 1, 0), n, s, truth[0], { bins: 20, rng: createPrng(0) });
      const ref = python(
        `S = np.array(inp['samples'], dtype=np.float32).reshape(${n}, ${s}); t = np.array(inp['truth'])
r = np.sum(S < t[:, None], axis=1); B = 20; L = ${s}
h = np.bincount(r * B // (L + 1), minlength=B); e = np.bincount(np.arange(L + 1) * B // (L + 1), minlength=B) * len(r) / (L + 1)
c = st.chisquare(h, e); print(json.dumps({'r': r.tolist(), 'h': h.tolist(), 'chi2': c.statistic, 'p': c.pvalue}))`,
        { samples: Array.from(samples), truth: Array.from(truth[0]) },
      );
      expect(Array.from(sbc.ranks)).toEqual(ref.r);
      expect(sbc.histogram).toEqual(ref.h);
      expect(sbc.chi2).toBeCloseTo(ref.chi2, 8);
      expect(Math.abs(sbc.pValue - ref.p)).toBeLessThanOrEqual(1e-10 * Math.max(ref.p, 1e-300) + 1e-300);
    }
  });

  it('TARP ECP and ATC equal the tarp package algorithm (norm=True) and sbi check_tarp (current and earlier), given the same references', () => {
    const n = 1200;
    const s = 80;
    const dims = 3;
    const { truth, samples } = toy(n, s, dims, 9, 0.7);
    const rng = createPrng(4);
    const refs = new Float64Array(n * dims).map(() => rng.uniform());
    const t = tarpCoverage({ samples, n, s, dims, truth, alphaBins: 40, references: refs });
    const ref = python(
      `# tarp 0.1.x _get_tarp_coverage_single (samples [S, n, D]) with given references, then sbi check_tarp
samples = np.array(inp['samples'], dtype=np.float32).reshape(${n}, ${s}, ${dims}).transpose(1, 0, 2)
theta = np.array(inp['truth']).T[np.newaxis]; references = np.array(inp['refs']).reshape(${n}, ${dims})
low = np.min(theta, axis=1, keepdims=True); high = np.max(theta, axis=1, keepdims=True)
samples = (samples - low) / (high - low + 1e-10); theta = (theta - low) / (high - low + 1e-10)
sd = np.sqrt(np.sum((references[np.newaxis] - samples) ** 2, axis=-1)); td = np.sqrt(np.sum((references - theta) ** 2, axis=-1))
f = np.sum(sd < td, axis=0) / ${s}
h, alpha = np.histogram(f, density=True, bins=40, range=(0, 1)); ecp = np.concatenate([[0], np.cumsum(h) * (alpha[1] - alpha[0])])
mid = alpha.shape[0] // 2; atc_sum = float((ecp[mid:] - alpha[mid:]).sum()); atc = float(((ecp[mid:] - alpha[mid:]) * (alpha[1] - alpha[0])).sum())
print(json.dumps({'ecp': ecp.tolist(), 'alpha': alpha.tolist(), 'atc': atc, 'atc_sum': atc_sum}))`,
      { samples: Array.from(samples), truth: truth.map((c) => Array.from(c)), refs: Array.from(refs) },
    );
    expect(t.alpha).toEqual(ref.alpha);
    t.ecp.forEach((v, k) => expect(v).toBeCloseTo(ref.ecp[k], 12));
    expect(t.atc).toBeCloseTo(ref.atc, 12); // current sbi check_tarp: Σ (ECP − α)·dalpha over α ≥ 0.5
    expect(t.atcSum).toBeCloseTo(ref.atc_sum, 10); // earlier sbi releases: the same without dalpha
    expect(t.atc).toBeLessThan(0); // σ_post = 0.7 < 1: under-dispersed
  });
});
