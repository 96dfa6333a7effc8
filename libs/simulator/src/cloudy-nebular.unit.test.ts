import { describe, expect, it } from 'vitest';
import { clampedBracket, cloudyNebularOnSspGrid, type CloudyNebularGrid } from './cloudy-nebular.js';
import type { SspGrid } from './ssp-grid.js';

// a 2 log U × 2 Z × 2 age × 4 λ Cloudy grid with values that encode their indices: c = 1000u + 100z + 10a + i + 1
const wl = Float64Array.from([500, 1000, 5000, 10000]);
const cont = new Float64Array(2 * 2 * 2 * 4).map((_, n) => {
  const [u, z, a, i] = [n >> 4, (n >> 3) & 1, (n >> 2) & 1, n & 3];
  return 1000 * u + 100 * z + 10 * a + i + 1;
});
const cloudy: CloudyNebularGrid = {
  name: 'toy',
  checksum: 'x',
  parentLibrary: 'parent',
  logU: Float64Array.from([-3, -2]),
  metallicityZ: Float64Array.from([0.002, 0.02]),
  ageGyr: Float64Array.from([1e-3, 1e-2]),
  wavelengthAngstrom: wl,
  continuum: cont,
  lineWavelengthAngstrom: Float64Array.from([1215.67, 6564.61]),
  lineNames: ['H  1  1215.67A', 'H  1  6562.80A'],
  lineLuminosity: new Float64Array(2 * 2 * 2 * 2).map((_, n) => n + 1),
};
const ssp = (library: string, ionising: number, lw = wl): SspGrid => {
  const ageGyr = Float64Array.from([5e-4, Math.sqrt(1e-3 * 1e-2), 0.02, 1]);
  const lLambda = new Float64Array(2 * 4 * lw.length).map((_, n) => (lw[n % lw.length] <= 1000 ? ionising : 1));
  return { name: library, library, ageGyr, metallicityLogZsol: Float64Array.from([-1, 0]), wavelengthAngstrom: lw, lLambda, survivingMassFraction: new Float64Array(8).fill(1), zSolar: 0.02 };
};

describe('cloudyNebularOnSspGrid (toy grid, hand-computed values)', () => {
  it('clampedBracket: interior weights, ends clamped', () => {
    expect(clampedBracket([0, 1, 3], 2)).toEqual({ i0: 1, w: 0.5 });
    expect(clampedBracket([0, 1, 3], -1)).toEqual({ i0: 0, w: 0 });
    expect(clampedBracket([0, 1, 3], 5)).toEqual({ i0: 1, w: 1 });
  });

  it('the parent grid: SSPs up to the oldest Cloudy age, log-age weights, values copied, Lyα dropped, scale 1', () => {
    const p = cloudyNebularOnSspGrid(cloudy, ssp('parent', 5));
    expect(p.nNeb).toBe(2); // 0.5 Myr and 3.16 Myr; 20 Myr is older than the grid
    expect(Array.from(p.ageIndex)).toEqual([0, 0]);
    expect(p.ageWeight[0]).toBe(0); // below the youngest age: the 1 Myr emission
    expect(p.ageWeight[1]).toBeCloseTo(0.5, 12); // √(1·10) Myr is midway in log age
    expect(Array.from(p.scale)).toEqual([1, 1, 1, 1]);
    expect(Array.from(p.lineWavelengthAngstrom)).toEqual([6564.61]);
    // layout [u][k][λ][a]: u = 1, SSP metallicity k = 1 ([Z/H] = 0 → Cloudy Z = 0.02, index 1), λ index 2, age 1
    expect(p.continuum[((1 * 2 + 1) * 4 + 2) * 2 + 1]).toBeCloseTo(1000 + 100 + 10 + 2 + 1, 9);
    // [Z/H] = −1 → Z = 0.002, Cloudy index 0
    expect(p.continuum[((0 * 2 + 0) * 4 + 3) * 2 + 0]).toBeCloseTo(4, 9);
    // lines [u][k][a][line kept]: the Hα of (u 1, z 0, a 1) is entry ((1·2 + 0)·2 + 1)·2 + 1 of the source, value 12
    expect(p.lineLuminosity[(1 * 2 + 0) * 2 + 1]).toBeCloseTo(12, 9);
  });

  it('another library: emission × Q(H)_grid / Q(H)_parent; metallicities between Cloudy grids interpolated in log Z; λ resampled', () => {
    const lw = Float64Array.from([500, 1000, 3000, 10000]);
    const other: SspGrid = { ...ssp('other', 10, lw), metallicityLogZsol: Float64Array.from([-0.5, 0]) };
    const p = cloudyNebularOnSspGrid(cloudy, other, ssp('parent', 5));
    // same ionising spectrum shape (L_λ at 500 and 1,000 Å set the trapezoid to 911.76 Å), twice the level → Q(H) × 2
    for (const v of p.scale) expect(v).toBeCloseTo(2, 12);
    // [Z/H] = −0.5: log Z midway between 0.002 and 0.02 → mean of the two metallicity planes; 3,000 Å is midway in λ
    // between 1,000 and 5,000 Å → mean of λ indices 1 and 2: u 0, a 0: (0 + 100)/2 + (2 + 3)/2 = 52.5
    expect(p.continuum[((0 * 2 + 0) * 4 + 2) * 2 + 0]).toBeCloseTo(52.5, 4);
    expect(() => cloudyNebularOnSspGrid(cloudy, other)).toThrow(/needs the parent grid/);
  });
});
