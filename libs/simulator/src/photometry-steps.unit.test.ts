import { describe, expect, it } from 'vitest';
import { applyBandOperator } from './apply-band-operator.js';
import { attenuateComposite } from './attenuate-composite.js';
import { createBandOperators } from './band-operator.js';
import { calzettiExponent } from './calzetti-exponent.js';
import { createCompositeSpectrum } from './composite-spectrum.js';
import { PHYS } from './constants.js';
import { emissionLineBandWeights } from './emission-line-band-weights.js';
import { createFilterCurve } from './filter-curve.js';
import { filterIntegrationWeights } from './filter-integration-weights.js';
import { igmTransmissionInoue14 } from './igm-inoue14.js';
import { nebularContinuumOnGrid } from './nebular-continuum-on-grid.js';
import { nebularMetallicityBracket } from './nebular-metallicity-bracket.js';
import type { NebularTables } from './nebular-tables.js';
import { restFrameBandWeights } from './rest-frame-band-weights.js';
import { interpolateOrZero, lowerBound, upperBound } from './sorted-array-internals.js';
import type { SspGrid } from './ssp-grid.js';
import { sspAgePrefixSums } from './ssp-age-prefix-sums.js';
import { sspAgeBinEdges } from './sfh-summary.js';
import { youngSspCount } from './young-ssp-count.js';

const F = (a: number[]) => Float64Array.from(a);
const range = (a: number, b: number, step: number) => F(Array.from({ length: Math.round((b - a) / step) + 1 }, (_, i) => a + i * step));
const rel = (a: number, b: number) => Math.abs(a / b - 1);
/** A smooth bell-shaped filter on [lo, hi] sampled every `step` Å. */
const bell = (lo: number, hi: number, step: number) => {
  const w = range(lo, hi, step);
  return createFilterCurve('f000w', w, Array.from(w, (l) => Math.sin((Math.PI * (l - lo)) / (hi - lo)) ** 2));
};

describe('sorted-array-internals (hand cases)', () => {
  const x = F([1, 2, 2, 3]);
  it('lowerBound / upperBound find the first ≥ and first > index, from `from` on', () => {
    expect(lowerBound(x, 2, 0)).toBe(1);
    expect(upperBound(x, 2, 0)).toBe(3);
    expect(lowerBound(x, 0, 0)).toBe(0);
    expect(upperBound(x, 9, 0)).toBe(4);
    expect(lowerBound(x, 1, 2)).toBe(2);
  });
  it('interpolateOrZero is linear inside and 0 outside', () => {
    expect(interpolateOrZero(F([1, 2, 3]), F([10, 20, 40]), 2.5)).toBe(30);
    expect(interpolateOrZero(F([1, 2, 3]), F([10, 20, 40]), 1)).toBe(10);
    expect(interpolateOrZero(F([1, 2, 3]), F([10, 20, 40]), 0.99)).toBe(0);
    expect(interpolateOrZero(F([1, 2, 3]), F([10, 20, 40]), 3.01)).toBe(0);
  });
});

describe('calzettiExponent (Calzetti 2000)', () => {
  it('exp(A_V κ) at 5500 Å is 10^(−0.4 A_V) to 0.1 % (k(V) ≈ R_V) and at 2.2 µm uses k = 2.659(−1.857 + 1.04/2.2) + 4.05', () => {
    const [kv, kk] = calzettiExponent([5500, 22000]);
    expect(rel(Math.exp(kv), 10 ** -0.4)).toBeLessThan(1e-3);
    const k22 = 2.659 * (-1.857 + 1.04 / 2.2) + 4.05; // 0.3692…
    expect(kk).toBeCloseTo((-0.4 * Math.LN10 * k22) / 4.05, 12);
  });
});

describe('filterIntegrationWeights', () => {
  it('three-point top hat: trapezoid weights 500, 1000, 500 Å and den = c Σ c_i/λ_i', () => {
    const fw = filterIntegrationWeights(createFilterCurve('f000w', [1000, 2000, 3000], [1, 1, 1]));
    const c = PHYS.cAngstromPerS;
    const den = c * (500 / 1000 + 1000 / 2000 + 500 / 3000);
    expect(rel(fw.den, den)).toBeLessThan(1e-14);
    expect(rel(fw.num[1], (1000 * 2000) / den / 1e-32)).toBeLessThan(1e-14);
    expect(rel(fw.s0[3], fw.num[0] + fw.num[1] + fw.num[2])).toBeLessThan(1e-14);
    expect(rel(fw.s1[3], fw.num[0] * 1000 + fw.num[1] * 2000 + fw.num[2] * 3000)).toBeLessThan(1e-14);
  });
  it('a flat f_ν source (f_λ = f_ν c/λ²) gives back f_ν exactly: Σ num_i f_λ(λ_i) = f_ν / 1 nJy', () => {
    const fw = filterIntegrationWeights(bell(3000, 5000, 7));
    const fnu = 3.631e-29; // 3631 nJy in cgs
    let s = 0;
    fw.w.forEach((l, i) => (s += fw.num[i] * ((fnu * PHYS.cAngstromPerS) / (l * l))));
    expect(rel(s, 3631)).toBeLessThan(1e-12);
  });
});

describe('restFrameBandWeights', () => {
  const fw = filterIntegrationWeights(bell(4000, 6000, 10));
  it('for a spectrum linear in λ the weights reproduce Σ num_p L(λ_p/(1+z)) (linear interpolation is exact)', () => {
    const wl = range(1000, 5000, 37);
    const zp1 = 1.5;
    const { start, weights } = restFrameBandWeights(fw, wl, zp1);
    const L = (l: number) => 3 + 0.002 * l;
    let got = 0;
    weights.forEach((w, i) => (got += w * L(wl[start + i])));
    let want = 0;
    fw.w.forEach((l, p) => (want += fw.num[p] * L(l / zp1)));
    expect(rel(got, want)).toBeLessThan(1e-12);
    expect(wl[start]).toBeLessThanOrEqual(4000 / zp1);
    expect(wl[start + weights.length - 1]).toBeGreaterThanOrEqual(6000 / zp1);
  });
  it('at z = 0 on the filter grid itself the weights are the filter weights num (to prefix-sum cancellation, 1e-9 of max)', () => {
    const { start, weights } = restFrameBandWeights(fw, fw.w, 1);
    expect(start).toBe(0);
    expect(weights.length).toBe(fw.num.length);
    weights.forEach((w, i) => expect(Math.abs(w - fw.num[i])).toBeLessThanOrEqual(1e-9 * Math.max(...fw.num)));
  });
});

describe('emissionLineBandWeights', () => {
  it('a line inside a top hat gets (1+z) λ_obs T / den / 1 nJy; a line outside none', () => {
    const fw = filterIntegrationWeights(createFilterCurve('f000w', [4000, 5000, 6000], [0.5, 0.5, 0.5]));
    const r = emissionLineBandWeights(F([2000, 3000]), [fw], 1.5, false);
    expect([...r.lineBand]).toEqual([0]);
    expect([...r.lineIndex]).toEqual([0]);
    const den = PHYS.cAngstromPerS * 0.5 * (500 / 4000 + 1000 / 5000 + 500 / 6000);
    expect(rel(r.lineWeight[0], (2.5 * 5000 * 0.5) / den / 1e-32)).toBeLessThan(1e-13);
  });
});

describe('createBandOperators', () => {
  const z = 1.2;
  const dz = 0.1;
  const n = Math.round(z / dz);
  const fw = filterIntegrationWeights(bell(9000, 16000, 5));
  const wl = range(2000, 9000, 3);
  it('a rest spectrum L ∝ λ^−2 (flat f_ν observed) gives (1+z)²/(c · 1 nJy) to 1e-5; operators are cached', () => {
    const op = createBandOperators([fw], wl, { dz, igm: false })(n);
    let s = 0;
    op.weights[0].forEach((w, i) => (s += w / wl[op.start[0] + i] ** 2));
    expect(rel(s, (1 + z) ** 2 / (PHYS.cAngstromPerS * 1e-32))).toBeLessThan(1e-5);
    expect(op.lo).toBe(op.start[0]);
    expect(op.hi).toBe(op.start[0] + op.weights[0].length - 1);
    expect(op.lineWeight.length).toBe(0);
  });
  it('with the IGM each weight below Lyα is multiplied by the Inoue (2014) transmission at λ_rest (1+z)', () => {
    const blue = filterIntegrationWeights(bell(3000, 6000, 5));
    const ops = createBandOperators([blue], range(500, 3000, 2), { dz: 0.5, igm: true });
    const plain = createBandOperators([blue], range(500, 3000, 2), { dz: 0.5, igm: false })(6);
    const op = ops(6); // z = 3
    expect(ops(6)).toBe(op);
    const w = range(500, 3000, 2);
    let checked = 0;
    op.weights[0].forEach((v, i) => {
      const l = w[op.start[0] + i];
      const t = l < 1215.67 ? igmTransmissionInoue14(l * 4, 3) : 1;
      expect(v).toBeCloseTo(plain.weights[0][i] * t, 20);
      if (t < 0.9) checked++;
    });
    expect(checked).toBeGreaterThan(10);
  });
});

describe('applyBandOperator', () => {
  it('hand case: scale × (Σ W spec + Σ w L_line)', () => {
    const op = { lo: 1, hi: 2, start: Int32Array.from([1]), weights: [F([1, 2])], lineBand: Int32Array.from([0]), lineIndex: Int32Array.from([0]), lineWeight: F([0.5]) };
    const out = F([1]);
    applyBandOperator(op, F([0, 10, 20]), F([4]), out, 2);
    expect(out[0]).toBe(1 + 2 * (10 + 40) + 2 * 0.5 * 4);
  });
});

const nebTables = (): NebularTables => ({
  metallicityZ: F([0.002, 0.02]),
  lineWavelengthAngstrom: F([5500]),
  lineRatio: F([2, 4]),
  continuumWavelengthAngstrom: F([1000, 2000, 3000]),
  continuumPerHbeta: F([1, 2, 3, 2, 4, 6]),
  column: 0,
});

describe('nebularContinuumOnGrid and nebularMetallicityBracket', () => {
  it('linear table → exact values × L(Hβ)/Q(H); zero outside the table', () => {
    const [c0, c1] = nebularContinuumOnGrid(nebTables(), F([500, 1500, 2500, 3500]));
    const hb = PHYS.hbetaErgPerIonisingPhoton;
    expect([...c0].map((v) => v / hb)).toEqual([0, 1.5, 2.5, 0]);
    expect([...c1].map((v) => v / hb)).toEqual([0, 3, 5, 0]);
  });
  it('brackets log Z = log Z☉ + [Z/H] and clamps', () => {
    const mz = F([0.002, 0.02]);
    expect(nebularMetallicityBracket(mz, 0.02, -2)).toEqual({ t0: 0, t1: 0, u: 0 });
    expect(nebularMetallicityBracket(mz, 0.02, 0.3)).toEqual({ t0: 1, t1: 1, u: 0 });
    const b = nebularMetallicityBracket(mz, 0.02, -0.5);
    expect([b.t0, b.t1]).toEqual([0, 1]);
    expect(b.u).toBeCloseTo(0.5, 12);
  });
});

describe('sspAgePrefixSums and youngSspCount', () => {
  it('bin widths from geometric midpoints (last bin closed at a²/e), prefix sums of Δe L and Δh L over age', () => {
    // ages 1, 4 Gyr: edges 0, 2, 8 → Δe = 2, 6; Δh = (4 − 0)/2 = 2, (64 − 4)/2 = 30; L [age][λ] = [1, 2], [3, 4]
    const g: SspGrid = { name: 'hand', ageGyr: F([1, 4]), metallicityLogZsol: F([0]), wavelengthAngstrom: F([5000, 6000]), lLambda: F([1, 2, 3, 4]), survivingMassFraction: F([1, 1]), zSolar: 0.02 };
    const p = sspAgePrefixSums(g, g.lLambda);
    expect([...p.binWidthGyr]).toEqual([2, 6]);
    expect([...p.binMomentGyr2]).toEqual([2, 30]);
    expect([...p.c0]).toEqual([0, 0, 2, 4, 2 + 18, 4 + 24]);
    expect([...p.c1]).toEqual([0, 0, 2, 4, 2 + 90, 4 + 120]);
    // a negative or non-finite L_λ is refused, naming where (the runs' error bound needs L_λ ≥ 0)
    expect(() => sspAgePrefixSums(g, F([1, 2, -3, 4]))).toThrow(/SSP grid hand: L_λ = -3 at \[Z\/H\] = 0, age 4 Gyr, λ = 5000 Å; expected a finite value ≥ 0/);
    expect(() => sspAgePrefixSums(g, F([1, NaN, 3, 4]))).toThrow(/L_λ = NaN at .* age 1 Gyr, λ = 6000 Å/);
  });
  it('counts the leading young ages and rejects young ages after old ones', () => {
    expect(youngSspCount([0.001, 0.005, 0.02, 1], 0.01)).toBe(2);
    expect(youngSspCount([0.02, 1], 0.01)).toBe(0);
    expect(() => youngSspCount([0.02, 0.001], 0.01)).toThrow(RangeError);
  });
});

describe('attenuateComposite', () => {
  it('hand case with κ = −ln 2 (transmission ½ per magnitude of A_V)', () => {
    const spec = new Float64Array(1);
    const k = F([-Math.LN2]);
    attenuateComposite(F([2]), F([4]), k, 1, 1, 0, 0, spec);
    expect(spec[0]).toBeCloseTo(0.5 * (2 + 0.5 * 4), 14);
    attenuateComposite(F([2]), F([4]), k, 1, 0, 0, 0, spec);
    expect(spec[0]).toBeCloseTo(3, 14);
    attenuateComposite(F([2]), F([4]), k, 0, 0, 0, 0, spec);
    expect(spec[0]).toBe(6);
  });
  it('the stepped transmissions equal exp(A_V κ) (A_V + A_V,bc for the young) at every λ of a 91 Å–10 µm R = 500 grid to 1e-11', () => {
    const n = Math.round(500 * Math.log(1e5 / 91));
    const wl = Float64Array.from({ length: n }, (_, i) => 91 * Math.exp(i / 500));
    const kappa = calzettiExponent(wl);
    const old = Float64Array.from(wl, (_, i) => 1 + (i % 7));
    const young = Float64Array.from(wl, (_, i) => 2 + (i % 5));
    const spec = new Float64Array(n);
    let worst = 0;
    for (const [av, bc] of [[0.3, 0], [4, 0], [4, 5.1], [0, 2]]) {
      attenuateComposite(old, young, kappa, av, bc, 3, n - 2, spec);
      for (let i = 3; i <= n - 2; i++) worst = Math.max(worst, Math.abs(spec[i] / (Math.exp(av * kappa[i]) * (old[i] + Math.exp(bc * kappa[i]) * young[i])) - 1));
    }
    expect(worst).toBeLessThan(1e-11);
  });
});

describe('createCompositeSpectrum', () => {
  // 2 metallicities ([Z/H] −1, 0) × 2 ages (young 1 Myr, old 1 Gyr) × 2 wavelengths
  const L = F([1, 2, 10, 20, 3, 4, 30, 40]); // [Z][age][λ]
  const grid: SspGrid = {
    name: 'hand',
    ageGyr: F([0.001, 1]),
    metallicityLogZsol: F([-1, 0]),
    wavelengthAngstrom: F([5000, 6000]),
    lLambda: L,
    survivingMassFraction: F([1, 1, 1, 1]),
    zSolar: 0.02,
  };
  const base = { grid, lLambda: L, qH: new Float64Array(4), nYoung: 1, kappa: F([-Math.LN2, -Math.LN2]) };
  it('no dust: spec = Σ_j m_j ((1 − w) L_Z0 + w L_Z1), w linear in [Z/H]', () => {
    const c = createCompositeSpectrum(base);
    c.compute({ z: 1, logZsol: -0.25, avMag: 0, sspMassFormedMsun: [2, 5] }, 0, 1);
    // w = 0.75: young at λ0 = 0.25·1 + 0.75·3 = 2.5, old 0.25·10 + 0.75·30 = 25
    expect(c.spec[0]).toBeCloseTo(2 * 2.5 + 5 * 25, 12);
    expect(c.spec[1]).toBeCloseTo(2 * (0.25 * 2 + 0.75 * 4) + 5 * (0.25 * 20 + 0.75 * 40), 12);
  });
  it('an SFH run tolerance outside [0, 1) is refused', () => {
    expect(() => createCompositeSpectrum({ ...base, sfhRunTolerance: -1e-3 })).toThrow(/sfhRunTolerance must be in \[0, 1\), got -0.001/);
    expect(() => createCompositeSpectrum({ ...base, sfhRunTolerance: Number.NaN })).toThrow(/got NaN/);
  });
  it('a run of SSPs with a linear SFR (η = 0.01) gives the per-SSP sum within 1 ± η at every λ; a piecewise-constant SFR exactly', () => {
    // 1 metallicity, 12 ages 1 Myr–5 Gyr, 3 λ with different age trends
    const ages = F([0.001, 0.002, 0.004, 0.008, 0.016, 0.05, 0.1, 0.3, 0.6, 1, 2, 5]);
    const L1 = new Float64Array(12 * 3);
    ages.forEach((a, j) => ((L1[j * 3] = 1 / a), (L1[j * 3 + 1] = 1), (L1[j * 3 + 2] = Math.sqrt(a))));
    const g1: SspGrid = { name: 'runs', ageGyr: ages, metallicityLogZsol: F([0]), wavelengthAngstrom: F([1500, 5000, 20000]), lLambda: L1, survivingMassFraction: new Float64Array(12).fill(1), zSolar: 0.02 };
    const inp = { grid: g1, lLambda: L1, qH: new Float64Array(12), nYoung: 4, kappa: new Float64Array(3) };
    const edges = sspAgeBinEdges(ages);
    const cases: [string, (t: number) => number, number][] = [
      ['delayed-τ τ = 1 Gyr', (t) => (t < 5 ? (5 - t) * Math.exp(-(5 - t)) : 0), 0.01],
      ['constant SFR in two bins', (t) => (t < 0.1 ? 3 : 1), 1e-12],
    ];
    for (const [, sfr, tol] of cases) {
      // m_j = ∫_bin SFR dt by a fine midpoint rule (the last bin closed at 5 Gyr)
      const m = Float64Array.from(ages, (_, j) => {
        const a = edges[j];
        const b = Math.min(edges[j + 1], 5);
        let s = 0;
        for (let q = 0; q < 4000; q++) s += sfr(a + ((q + 0.5) * (b - a)) / 4000) * ((b - a) / 4000);
        return s;
      });
      const exact = [0, 1, 2].map((i) => m.reduce((acc, mj, j) => acc + mj * L1[j * 3 + i], 0));
      const c = createCompositeSpectrum({ ...inp, sfhRunTolerance: 0.01 });
      c.compute({ z: 1, logZsol: 0, avMag: 0, sspMassFormedMsun: m }, 0, 2);
      for (let i = 0; i < 3; i++) expect(Math.abs(c.spec[i] / exact[i] - 1)).toBeLessThanOrEqual(tol);
    }
  });
  it('dust on both groups and the birth-cloud extra on the young one; lines from Q(H) with case-B Hβ', () => {
    const neb = nebTables();
    const qH = F([1e50, 1e48, 1e50, 1e48]);
    const c = createCompositeSpectrum({ ...base, qH, nebular: { tables: neb, continuum: [new Float64Array(2), new Float64Array(2)], lineKappa: F([-Math.LN2]) } });
    const q = c.compute({ z: 1, logZsol: 0, avMag: 1, avBirthCloudExtraMag: 1, sspMassFormedMsun: [2, 5] }, 0, 1);
    expect(q).toBeCloseTo(2e50 + 5e48, -35);
    expect(c.spec[0]).toBeCloseTo(0.5 * (5 * 30 + 0.5 * 2 * 3), 12);
    // [Z/H] = 0 → Z = 0.02, the last table metallicity: ratio 4; L = 4 × 4.757e-13 × ½ × (5e48 + ½ × 2e50)
    expect(rel(c.lineLum[0], 4 * PHYS.hbetaErgPerIonisingPhoton * 0.5 * (5e48 + 0.5 * 2e50))).toBeLessThan(1e-14);
  });
});
