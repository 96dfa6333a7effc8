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
