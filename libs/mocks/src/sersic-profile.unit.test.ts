import { describe, expect, it } from 'vitest';
import { sersicBn, sersicProfile } from './sersic-profile.js';
import { pixelGaussianKernel } from './pixel-gaussian-kernel.js';

/** Fraction of a circular Sérsic n = 1 profile inside radius x·R_e (independent closed form γ(2, b x)/Γ(2)). */
const expFractionWithin = (x: number) => {
  const t = sersicBn(1) * x;
  return 1 - Math.exp(-t) * (1 + t);
};

describe('sersicProfile', () => {
  it('b_n matches the Ciotti & Bertin values (n = 1: 1.678, n = 4: 7.669)', () => {
    expect(sersicBn(1)).toBeCloseTo(1.67835, 3);
    expect(sersicBn(4)).toBeCloseTo(7.66925, 3);
    expect(expFractionWithin(1)).toBeCloseTo(0.5, 4); // R_e encloses half the light
    expect(sersicBn(0.5)).toBeCloseTo(0.6931, 2); // Gaussian: b = ln 2
  });

  it('is normalised, centred, and R_e encloses the analytic light fraction (exponential)', () => {
    const re = 12;
    const s = sersicProfile({ sersicN: 1, rePx: re, axisRatio: 1, paDeg: 0, xPx: 50.3, yPx: 49.6, truncateAtRe: 8 });
    let sum = 0;
    let mx = 0;
    let my = 0;
    let inside = 0;
    for (let j = 0; j < s.height; j++) {
      for (let i = 0; i < s.width; i++) {
        const w = s.data[j * s.width + i];
        const x = s.x0 + i;
        const y = s.y0 + j;
        sum += w;
        mx += w * x;
        my += w * y;
        if (Math.hypot(x - 50.3, y - 49.6) <= re) inside += w;
      }
    }
    expect(sum).toBeCloseTo(1, 12);
    expect(mx).toBeCloseTo(50.3, 2);
    expect(my).toBeCloseTo(49.6, 2);
    // truncated at 8 R_e and renormalised: fraction = F(1) / F(8)
    expect(inside).toBeCloseTo(expFractionWithin(1) / expFractionWithin(8), 2);
  });

  it('elongates along the position angle (PA east of north: PA = 90° → major axis along −x)', () => {
    const s = sersicProfile({ sersicN: 1, rePx: 6, axisRatio: 0.4, paDeg: 90, xPx: 30, yPx: 30 });
    let vx = 0;
    let vy = 0;
    for (let j = 0; j < s.height; j++) for (let i = 0; i < s.width; i++) {
      const w = s.data[j * s.width + i];
      vx += w * (s.x0 + i - 30) ** 2;
      vy += w * (s.y0 + j - 30) ** 2;
    }
    expect(vx / vy).toBeGreaterThan(4);
  });
});

describe('pixelGaussianKernel', () => {
  it('has unit sum and variance σ² + 1/12 per axis (pixel integration)', () => {
    const fwhm = 4.8;
    const k = pixelGaussianKernel(fwhm);
    const sigma = fwhm / (2 * Math.sqrt(2 * Math.LN2));
    const c = (k.width - 1) / 2;
    let sum = 0;
    let v = 0;
    for (let y = 0; y < k.height; y++) for (let x = 0; x < k.width; x++) {
      sum += k.data[y * k.width + x];
      v += k.data[y * k.width + x] * (x - c) ** 2;
    }
    expect(sum).toBeCloseTo(1, 12);
    expect(v).toBeCloseTo(sigma * sigma + 1 / 12, 2);
    expect(k.width % 2).toBe(1);
  });
});
