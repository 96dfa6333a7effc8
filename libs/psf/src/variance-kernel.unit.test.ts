import { describe, expect, it } from 'vitest';
import { createStripConvolver } from './create-strip-convolver.js';
import { convolveImage } from './convolve-image.js';
import { gaussianPsf } from './gaussian-psf.js';
import { varianceKernel } from './variance-kernel.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('variance propagation var_out = var * K^2', () => {
  const kernel = gaussianPsf({ size: 7, sigma: 1.2 });
  const k2 = varianceKernel(kernel);

  it('analytic: constant variance s^2 gives s^2 sum(K^2) away from the edges', () => {
    const w = 40;
    const h = 30;
    const v = new Float64Array(w * h).fill(4);
    const out = convolveImage(v, w, h, k2, { float64: true });
    const sumK2 = kernel.data.reduce((a, b) => a + b * b, 0);
    expect(out[15 * w + 20]).toBeCloseTo(4 * sumK2, 12);
    expect(sumK2).toBeLessThan(0.2); // smoothing lowers the per-pixel variance
  });

  it('Monte Carlo: empirical variance of convolved noise (spatially varying sigma) matches var * K^2', () => {
    const w = 24;
    const h = 24;
    const variance = new Float64Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) variance[y * w + x] = 0.5 + (x / w) * 3 + (y % 5 === 0 ? 2 : 0);
    const predicted = convolveImage(variance, w, h, k2, { float64: true });
    const wrong = convolveImage(variance, w, h, kernel, { float64: true }); // var * K (not K^2)
    const conv = createStripConvolver(kernel, w);
    const out = new Float64Array(w * h);
    const sum = new Float64Array(w * h);
    const sum2 = new Float64Array(w * h);
    const r = rng(7);
    const N = 4000;
    const noise = new Float64Array(w * h);
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < noise.length; i += 1) {
        // Box-Muller
        const u = Math.max(r(), 1e-300);
        const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
        noise[i] = g * Math.sqrt(variance[i]);
      }
      conv.convolveStripInto(noise, { haloTop: 0, haloBottom: 0 }, out);
      for (let i = 0; i < out.length; i++) {
        sum[i] += out[i];
        sum2[i] += out[i] * out[i];
      }
    }
    let ratioSum = 0;
    let worstZ = 0;
    for (let i = 0; i < out.length; i++) {
      const m = sum[i] / N;
      const emp = sum2[i] / N - m * m;
      ratioSum += emp / predicted[i];
      // standard error of a Gaussian variance estimate: var sqrt(2 / (N - 1))
      worstZ = Math.max(worstZ, Math.abs(emp - predicted[i]) / (predicted[i] * Math.sqrt(2 / (N - 1))));
    }
    const meanRatio = ratioSum / out.length;
    expect(Math.abs(meanRatio - 1)).toBeLessThan(0.01);
    expect(worstZ).toBeLessThan(4.5);
    // var * K would be wrong by a large factor
    expect(wrong[12 * w + 12] / predicted[12 * w + 12]).toBeGreaterThan(3);
  });
});
