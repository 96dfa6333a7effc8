import { describe, expect, it } from 'vitest';
import { createPrng } from './prng.js';

describe('createPrng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const c = createPrng(43);
    const xa = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xa);
  });
  it('normal, gamma and Dirichlet have the right first two moments', () => {
    const p = createPrng(7);
    const n = 200000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = p.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.01);
    for (const k of [0.5, 1, 3.5]) {
      let g = 0;
      let g2 = 0;
      for (let i = 0; i < n; i++) {
        const x = p.gamma(k);
        g += x;
        g2 += x * x;
      }
      const m = g / n;
      expect(Math.abs(m - k) / k).toBeLessThan(0.02);
      expect(Math.abs(g2 / n - m * m - k) / k).toBeLessThan(0.05);
    }
    const d = p.dirichlet([1, 2, 3]);
    expect(d[0] + d[1] + d[2]).toBeCloseTo(1, 12);
  });
});

describe('keyedSeed', () => {
  it('depends on the seed and every key part, and on nothing else', async () => {
    const { keyedSeed } = await import('./prng.js');
    expect(keyedSeed(3, 10, 20)).toBe(keyedSeed(3, 10, 20));
    const seen = new Set<number>();
    for (let x = 0; x < 100; x++) for (let y = 0; y < 100; y++) seen.add(keyedSeed(0, x, y));
    expect(seen.size).toBe(10000); // 10 000 pixels, 10 000 distinct streams
    expect(keyedSeed(0, 10, 20)).not.toBe(keyedSeed(0, 20, 10)); // order matters
    expect(keyedSeed(0, 10, 20)).not.toBe(keyedSeed(1, 10, 20));
    expect(keyedSeed(0, 1)).not.toBe(keyedSeed(0, '1')); // a number and a string id differ
    expect(keyedSeed(0, 1.5)).not.toBe(keyedSeed(0, 1)); // non-integers by their float64 bits
    expect(keyedSeed(0, 'ab', 'c')).not.toBe(keyedSeed(0, 'a', 'bc'));
    expect(Number.isInteger(keyedSeed(0, 'galaxy', 5))).toBe(true);
  });
  it('gives streams with standard-normal moments across keys (no correlation between neighbouring keys)', async () => {
    const { keyedSeed } = await import('./prng.js');
    // first normal of 20 000 consecutive keys: mean 0, variance 1, lag-1 correlation 0
    const v = Array.from({ length: 20000 }, (_, i) => createPrng(keyedSeed(7, i, 0)).normal());
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const s2 = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
    let c = 0;
    for (let i = 1; i < v.length; i++) c += (v[i] - m) * (v[i - 1] - m);
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(s2 - 1)).toBeLessThan(0.04);
    expect(Math.abs(c / (v.length - 1) / s2)).toBeLessThan(0.03);
  });
});

describe('fillNormal (ziggurat)', () => {
  /** P(lo < X < hi) for X ~ N(0, 1) by composite Simpson integration of the density (independent of the generator). */
  const prob = (lo: number, hi: number) => {
    const m = 2000;
    const h = (hi - lo) / m;
    const f = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    let s = f(lo) + f(hi);
    for (let k = 1; k < m; k++) s += (k % 2 ? 4 : 2) * f(lo + k * h);
    return (s * h) / 3;
  };

  it('builds layers of equal area v (Marsaglia & Tsang 2000): x[i]·(f(x[i+1]) − f(x[i])) = v, and R·f(R) + tail = v', async () => {
    const { ZIGGURAT } = await import('./prng.js');
    const { x, v, R, fx, layers } = ZIGGURAT;
    for (let i = 1; i < layers - 1; i++) expect(Math.abs(x[i] * (fx[i + 1] - fx[i]) - v) / v).toBeLessThan(1e-9);
    // the base layer: the rectangle [0, R] × [0, f(R)] plus the tail ∫_R^∞ f (Simpson on [R, R + 12])
    const tail = prob(R, R + 12) * Math.sqrt(2 * Math.PI);
    expect(Math.abs(R * Math.exp(-0.5 * R * R) + tail - v) / v).toBeLessThan(1e-6);
    // the top layer closes at the mode: x[127]·(1 − f(x[127])) = v within the constants' precision
    expect(Math.abs(x[layers - 1] * (1 - fx[layers - 1]) - v) / v).toBeLessThan(1e-4);
  });

  it('draws the standard normal: binned counts of 2 million draws against Φ (χ² test), tails beyond R and 4σ', async () => {
    const { fillNormal, ZIGGURAT } = await import('./prng.js');
    const n = 2_000_000;
    const out = new Float32Array(n);
    // many short rows (as posterior noise: one keyed stream per row) and one long row
    for (let r = 0; r < 1000; r++) fillNormal(createPrng(r * 7919 + 1), out.subarray(r * 1000, (r + 1) * 1000));
    fillNormal(createPrng(5), out.subarray(1_000_000));
    const edges = [-Infinity, ...Array.from({ length: 33 }, (_, k) => -4 + k * 0.25), Infinity];
    const counts = new Float64Array(edges.length - 1);
    let tailR = 0;
    let tail4 = 0;
    for (const v of out) {
      counts[Math.min(edges.length - 2, Math.max(0, Math.floor((v + 4) / 0.25) + 1))]++;
      if (Math.abs(v) > ZIGGURAT.R) tailR++;
      if (Math.abs(v) > 4) tail4++;
    }
    let chi2 = 0;
    for (let b = 0; b < counts.length; b++) {
      const lo = Math.max(edges[b], -12);
      const hi = Math.min(edges[b + 1], 12);
      const e = n * prob(lo, hi);
      chi2 += (counts[b] - e) ** 2 / e;
    }
    // 33 degrees of freedom: P(χ² > 63.9) = 0.001
    expect(chi2).toBeLessThan(63.9);
    const pR = 2 * prob(ZIGGURAT.R, 12); // 5.76e-4
    expect(Math.abs(tailR - n * pR)).toBeLessThan(4 * Math.sqrt(n * pR));
    const p4 = 2 * prob(4, 12); // 6.33e-5
    expect(Math.abs(tail4 - n * p4)).toBeLessThan(4 * Math.sqrt(n * p4));
    // the sign is symmetric, and consecutive values are uncorrelated
    let pos = 0;
    let lag = 0;
    for (let i = 0; i < n; i++) {
      if (out[i] > 0) pos++;
      if (i) lag += out[i] * out[i - 1];
    }
    expect(Math.abs(pos - n / 2)).toBeLessThan(4 * Math.sqrt(n / 4));
    expect(Math.abs(lag / n)).toBeLessThan(4 / Math.sqrt(n));
  });

  it('is a function of the generator state only, and prefix-stable: the first k values do not depend on the length', async () => {
    const { fillNormal } = await import('./prng.js');
    const a = fillNormal(createPrng(9), new Float32Array(2500));
    fillNormal(createPrng(1), new Float64Array(100_000)); // grows the scratch buffer
    const b = fillNormal(createPrng(9), new Float32Array(2500));
    expect(Array.from(b)).toEqual(Array.from(a));
    const c = fillNormal(createPrng(10), new Float32Array(2500));
    expect(Array.from(c)).not.toEqual(Array.from(a));
    // prefix-stable: a longer fill starts with the shorter one (rejections consume draws in order)
    const longer = fillNormal(createPrng(9), new Float32Array(5000));
    expect(Array.from(longer.subarray(0, 2500))).toEqual(Array.from(a));
  });

  it('fetches draws in blocks yet equals a draw-by-draw ziggurat exactly, and leaves the generator where that one does', async () => {
    const { fillNormal, ZIGGURAT } = await import('./prng.js');
    // the algorithm of fillNormal's comment with one uint32() per draw: the reference for the blocked fetching
    const reference = (rng: ReturnType<typeof createPrng>, n: number) => {
      const { x, ratio, fx, R } = ZIGGURAT;
      const out = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        let w = rng.uint32();
        let i = w & 127;
        let u = ((w >>> 7) + 0.5) / 16777216 - 1;
        for (;;) {
          if (Math.abs(u) < ratio[i]) {
            out[k] = u * x[i];
            break;
          }
          if (i === 0) {
            let t: number;
            let y: number;
            do {
              t = -Math.log((rng.uint32() + 0.5) / 4294967296) / R;
              y = -Math.log((rng.uint32() + 0.5) / 4294967296);
            } while (2 * y < t * t);
            out[k] = u < 0 ? -(R + t) : R + t;
            break;
          }
          const xi = u * x[i];
          if (fx[i + 1] + ((rng.uint32() + 0.5) / 4294967296) * (fx[i] - fx[i + 1]) < Math.exp(-0.5 * xi * xi)) {
            out[k] = xi;
            break;
          }
          w = rng.uint32();
          i = w & 127;
          u = ((w >>> 7) + 0.5) / 16777216 - 1;
        }
      }
      return out;
    };
    for (const n of [1, 2, 127, 4095, 4096, 4097, 10_000, 50_001]) {
      const [a, b] = [createPrng(n), createPrng(n)];
      expect(Array.from(fillNormal(a, new Float64Array(n))), `n ${n}`).toEqual(Array.from(reference(b, n)));
      expect([a.uint32(), a.uint32()], `generator state after ${n}`).toEqual([b.uint32(), b.uint32()]);
    }
    const [p, q] = [createPrng(3), createPrng(3)];
    const bulk = new Uint32Array(1000);
    p.fillUint32(bulk, 999);
    expect(Array.from(bulk.subarray(0, 999))).toEqual(Array.from({ length: 999 }, () => q.uint32()));
    expect(bulk[999]).toBe(0);
    expect(p.uint32()).toBe(q.uint32());
  });
});
