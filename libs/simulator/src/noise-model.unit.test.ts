import { describe, expect, it } from 'vitest';
import { createPrng } from './prng.js';
import { noisyFlux, type NoiseTables } from './noise-model.js';
import { NOISE_MODEL_NAMES, namedNoiseConfig } from './named-noise-config.js';
import { simulatorConfigSchema } from './simulator-config.js';

// One band with a known σ_mag: std 0 makes truncatedNormal return the mean without a draw, so the only random
// number of a call is the noise deviate ε = createPrng(seed).normal().
const SIGMA_MAG = 0.01;
const DEPTH = 1; // nJy
const tables: NoiseTables = {
  bands: ['f1'],
  depth1SigmaNjy: Float64Array.of(DEPTH),
  magBinEdges: Float64Array.of(40),
  nEdges: 1,
  meanSigmaMag: Float64Array.of(SIGMA_MAG, SIGMA_MAG),
  stdSigmaMag: Float64Array.of(0, 0),
  nBinCols: 2,
};
const C = Math.LN10 / 2.5; // d ln f / d m
const F = 1000; // true flux [nJy], well above the depth
const SEED = 7;
const eps = () => createPrng(SEED).normal();

describe('noise floor and error scale on rows with known true flux and table σ', () => {
  it('gaussian-flux: σ_f = max(σ_table, φ f_true); the flux is drawn with that σ; the floor only acts where it dominates', () => {
    const sigmaTable = Math.hypot(F * SIGMA_MAG * C, DEPTH); // 9.26 nJy
    const [f0, e0] = noisyFlux(tables, 0, F, createPrng(SEED), 'gaussian-flux');
    expect(e0).toBeCloseTo(sigmaTable, 10);
    expect(f0).toBeCloseTo(F + sigmaTable * eps(), 8);
    // 5 % floor = 50 nJy > 9.26 nJy: the reported σ is the floor and f_obs = f + 50 ε (same ε)
    const [f5, e5] = noisyFlux(tables, 0, F, createPrng(SEED), 'gaussian-flux', 1, 0.05);
    expect(e5).toBe(0.05 * F);
    expect(f5).toBeCloseTo(F + 0.05 * F * eps(), 8);
    // 0.5 % floor = 5 nJy < 9.26 nJy: nothing changes, bit for bit
    expect(noisyFlux(tables, 0, F, createPrng(SEED), 'gaussian-flux', 1, 0.005)).toEqual([f0, e0]);
    // a negative-flux (or zero) row has no floor: σ stays the depth term
    expect(noisyFlux(tables, 0, 0, createPrng(SEED), 'gaussian-flux', 1, 0.05)[1]).toBe(DEPTH);
  });

  it('sbipix: σ_mag is floored at φ·2.5/ln10, m_obs drawn with it, quoted error φ·f_obs; non-detections unchanged', () => {
    const [f5, e5] = noisyFlux(tables, 0, F, createPrng(SEED), 'sbipix', 1, 0.05);
    const sigmaMagFloor = 0.05 / C; // 0.0543 mag > 0.01
    expect(f5).toBeCloseTo(F * Math.pow(10, -0.4 * sigmaMagFloor * eps()), 8);
    expect(e5 / f5).toBeCloseTo(0.05, 12);
    const [f0, e0] = noisyFlux(tables, 0, F, createPrng(SEED), 'sbipix');
    expect(e0 / f0).toBeCloseTo(SIGMA_MAG * C, 12);
    expect(noisyFlux(tables, 0, F, createPrng(SEED), 'sbipix', 1, 0.001)).toEqual([f0, e0]); // 0.1 % < σ_mag·C = 0.92 %
    expect(noisyFlux(tables, 0, 0.5 * DEPTH, createPrng(SEED), 'sbipix', 1, 0.05)).toEqual([0, DEPTH]);
  });

  it('scale ×3 triples σ (σ_mag and the depth) and the flux is drawn with the tripled σ; a floor applies after the scale', () => {
    const [g3, ge3] = noisyFlux(tables, 0, F, createPrng(SEED), 'gaussian-flux', 3);
    expect(ge3).toBeCloseTo(3 * Math.hypot(F * SIGMA_MAG * C, DEPTH), 10);
    expect(g3).toBeCloseTo(F + ge3 * eps(), 8);
    const [s3, se3] = noisyFlux(tables, 0, F, createPrng(SEED), 'sbipix', 3);
    expect(s3).toBeCloseTo(F * Math.pow(10, -0.4 * 3 * SIGMA_MAG * eps()), 8);
    expect(se3 / s3).toBeCloseTo(3 * SIGMA_MAG * C, 12);
    expect(noisyFlux(tables, 0, 2 * DEPTH, createPrng(SEED), 'sbipix', 3)).toEqual([0, 3 * DEPTH]); // 2 nJy < 3 nJy depth
    // ×3 gives 27.8 nJy < 5 % floor (50 nJy); ×10 gives 92.6 nJy > floor
    expect(noisyFlux(tables, 0, F, createPrng(SEED), 'gaussian-flux', 3, 0.05)[1]).toBe(0.05 * F);
    expect(noisyFlux(tables, 0, F, createPrng(SEED), 'gaussian-flux', 10, 0.05)[1]).toBeCloseTo(10 * Math.hypot(F * SIGMA_MAG * C, DEPTH), 10);
  });
});

describe('named noise models', () => {
  const base = { mode: 'sbipix' as const, missingBandProbability: 0.1, errorScale: { fraction: 0.5, min: 0.1, max: 4 } };
  it('map to simulator noise configs: the prior keeps its missing-band rate, the name sets mode, scale and floor', () => {
    expect(namedNoiseConfig('training', base)).toEqual(base);
    expect(namedNoiseConfig('sbipix', base)).toEqual({ mode: 'sbipix', missingBandProbability: 0.1 });
    expect(namedNoiseConfig('gaussian-flux', base)).toEqual({ mode: 'gaussian-flux', missingBandProbability: 0.1 });
    expect(namedNoiseConfig('floor5', base)).toEqual({ mode: 'sbipix', missingBandProbability: 0.1, floorFraction: 0.05 });
    expect(namedNoiseConfig('floor2.5')).toEqual({ mode: 'sbipix', missingBandProbability: 0, floorFraction: 0.025 });
    expect(namedNoiseConfig('scale0.3', base)).toEqual({ mode: 'sbipix', missingBandProbability: 0.1, errorScale: { fraction: 1, min: 0.3, max: 0.3 } });
    expect(namedNoiseConfig('scale3')).toEqual({ mode: 'sbipix', missingBandProbability: 0, errorScale: { fraction: 1, min: 3, max: 3 } });
    for (const name of ['training', 'sbipix', 'gaussian-flux', 'floor5', 'scale0.3', 'scale3']) {
      expect(() => simulatorConfigSchema.parse({ noise: namedNoiseConfig(name, base) })).not.toThrow();
    }
    expect(NOISE_MODEL_NAMES.map((m) => m.name)).toEqual(['training', 'sbipix', 'gaussian-flux', 'floor<P>', 'scale<S>']);
  });

  it('unknown or out-of-range names give undefined', () => {
    for (const name of ['fsps', 'floor', 'floor0', 'floor100', 'floor-5', 'scale', 'scale0', 'scale-1', 'scale3x', 'SBIPIX', ' sbipix']) {
      expect(namedNoiseConfig(name), name).toBeUndefined();
    }
  });

  it('the config schema refuses a floor outside [0, 1)', () => {
    expect(() => simulatorConfigSchema.parse({ noise: { floorFraction: 1 } })).toThrow();
    expect(() => simulatorConfigSchema.parse({ noise: { floorFraction: -0.01 } })).toThrow();
    expect(simulatorConfigSchema.parse({}).noise).toEqual({ mode: 'sbipix', missingBandProbability: 0 }); // no new key by default
  });
});
