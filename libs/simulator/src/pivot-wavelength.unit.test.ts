import { describe, expect, it } from 'vitest';
import { createFilterCurve } from './filter-curve.js';
import { pivotWavelengthAngstrom } from './pivot-wavelength.js';

const grid = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

describe('pivotWavelengthAngstrom (Tokunaga & Vacca 2005)', () => {
  it('top hat on [a, b]: λ_p = sqrt((b² − a²) / (2 ln(b/a))) to 1e-8', () => {
    const [a, b] = [40000, 50000];
    const w = grid(a, b, 2001);
    const want = Math.sqrt((b * b - a * a) / (2 * Math.log(b / a)));
    expect(Math.abs(pivotWavelengthAngstrom(createFilterCurve('f450w', w, w.map(() => 0.7))) / want - 1)).toBeLessThan(1e-8);
  });
  it('T ∝ λ on [a, b]: λ_p = sqrt((b³ − a³) / (3 (b − a))) to 1e-8', () => {
    const [a, b] = [6000, 9000];
    const w = grid(a, b, 3001);
    const want = Math.sqrt((b ** 3 - a ** 3) / (3 * (b - a)));
    expect(Math.abs(pivotWavelengthAngstrom(createFilterCurve('f750w', w, w.map((l) => l / 1e4))) / want - 1)).toBeLessThan(1e-8);
  });
});
