import { describe, expect, it } from 'vitest';
import { calzettiK } from './calzetti.js';

// Calzetti et al. (2000) eq. 4, written out independently here (λ in µm)
const blue = (l: number) => 2.659 * (-2.156 + 1.509 / l - 0.198 / l ** 2 + 0.011 / l ** 3) + 4.05;
const red = (l: number) => 2.659 * (-1.857 + 1.04 / l) + 4.05;

describe('calzettiK', () => {
  it('is ≈ R_V = 4.05 at V (5500 Å) and matches eq. 4 on both branches', () => {
    // at 0.55 µm eq. 4 gives 4.05 + 2.659(−2.156 + 2.7436 − 0.6545 + 0.0661) ≈ 4.05 (the curve is normalised there)
    expect(calzettiK(5500)).toBeCloseTo(blue(0.55), 12);
    expect(Math.abs(calzettiK(5500) - 4.05)).toBeLessThan(0.02);
    for (const l of [0.12, 0.15, 0.2, 0.3, 0.44, 0.6]) expect(calzettiK(l * 1e4)).toBeCloseTo(blue(l), 12);
    for (const l of [0.63, 0.8, 1.2, 1.6, 2.2]) expect(calzettiK(l * 1e4)).toBeCloseTo(red(l), 12);
  });
  it('is continuous at 0.63 µm to 0.03 (the published branches meet within 0.025) and rises to the UV, clipped at 0 in the IR', () => {
    expect(Math.abs(blue(0.63) - red(0.63))).toBeLessThan(0.03);
    expect(calzettiK(1500)).toBeGreaterThan(calzettiK(2500));
    expect(calzettiK(1000)).toBeGreaterThan(calzettiK(1200));
    expect(calzettiK(50000)).toBe(0);
  });
});
