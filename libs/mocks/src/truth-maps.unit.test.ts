import { describe, expect, it } from 'vitest';
import type { MockGalaxy } from './build-mock-galaxies.js';
import type { GalaxyComponent } from './mosaic-config.js';
import { sersicProfile } from './sersic-profile.js';
import { accumulateTruthStrip, createTruthAccumulators, truthMapsFromAccumulators } from './truth-maps.js';

const W = 40;
const H = 30;
function comp(x: number, y: number, logM: number, ageYr: number, z: number, av: number, sfr: number) {
  return {
    spec: {} as GalaxyComponent,
    xPx: x,
    yPx: y,
    pop: { massMsun: 10 ** logM, formedMassMsun: 1.5 * 10 ** logM, sfr100MsunPerYr: sfr, ageMwYr: ageYr, metallicity: z, avMag: av, fluxNjy: new Float64Array(0) },
    stamp: sersicProfile({ sersicN: 1, rePx: 3, axisRatio: 1, paDeg: 0, xPx: x, yPx: y }),
  };
}

describe('truth maps', () => {
  const bulge = comp(20, 15, 10, 5e9, 0.2, 0.1, 1e-3);
  const clump = comp(23, 15, 9, 5e7, -0.3, 2.5, 5);
  const g = { id: 1, z: 1, xPx: 20, yPx: 15, raDeg: 0, decDeg: 0, spec: {} as never, components: [bulge, clump] } as MockGalaxy;

  it('Σ pixel mass = Σ_c M_c × (profile fraction in the image), in any strip split', () => {
    let total = 0;
    for (const rows of [7, 30]) {
      total = 0;
      for (let y0 = 0; y0 < H; y0 += rows) {
        const y1 = Math.min(H, y0 + rows);
        const acc = createTruthAccumulators((y1 - y0) * W);
        accumulateTruthStrip([g], y0, y1, W, acc);
        const maps = truthMapsFromAccumulators(acc);
        for (const v of maps.log_mstar) if (Number.isFinite(v)) total += 10 ** v;
      }
      // both stamps are 6 R_e = 18 px wide around y = 15 → clipped by the image rows [0, 30)
      const inImage = (s: typeof bulge.stamp) => {
        let f = 0;
        for (let j = 0; j < s.height; j++) for (let i = 0; i < s.width; i++) {
          const x = s.x0 + i;
          const y = s.y0 + j;
          if (x >= 0 && x < W && y >= 0 && y < H) f += s.data[j * s.width + i];
        }
        return f;
      };
      const expected = 1e10 * inImage(bulge.stamp) + 1e9 * inImage(clump.stamp);
      expect(total / expected).toBeCloseTo(1, 5);
    }
  });

  it('weights: formed-mass-weighted age, mass-weighted [Z/H] and A_V, SFRs add; NaN without mass', () => {
    const acc = createTruthAccumulators(W * H);
    accumulateTruthStrip([g], 0, H, W, acc);
    const m = truthMapsFromAccumulators(acc);
    const k = 15 * W + 23; // clump centre
    const wb = bulge.stamp.data[(15 - bulge.stamp.y0) * bulge.stamp.width + (23 - bulge.stamp.x0)];
    const wc = clump.stamp.data[(15 - clump.stamp.y0) * clump.stamp.width + (23 - clump.stamp.x0)];
    const mb = 1e10 * wb;
    const mc = 1e9 * wc;
    expect(m.log_mstar[k]).toBeCloseTo(Math.log10(mb + mc), 5);
    expect(m.metallicity[k]).toBeCloseTo((0.2 * mb - 0.3 * mc) / (mb + mc), 5);
    expect(m.av[k]).toBeCloseTo((0.1 * mb + 2.5 * mc) / (mb + mc), 5);
    expect(m.log_age_mw[k]).toBeCloseTo(Math.log10((1.5 * mb * 5e9 + 1.5 * mc * 5e7) / (1.5 * (mb + mc))), 5);
    expect(m.log_sfr100[k]).toBeCloseTo(Math.log10(1e-3 * wb + 5 * wc), 5);
    expect(Number.isNaN(m.log_mstar[0])).toBe(true);
    expect(Number.isNaN(m.av[0])).toBe(true);
  });
});
