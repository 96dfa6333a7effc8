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
