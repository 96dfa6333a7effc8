import { createPrng } from '@pixsed/simulator';
import type { GalaxySpec, RandomGalaxies } from './mosaic-config.js';

/**
 * Expand a `randomGalaxies` block into explicit galaxies (ids from `firstId`): a de Vaucouleurs-like bulge (n = 4,
 * old: τ = 0.3 Gyr, age 0.8 t_univ, [Z/H] ∈ [0, 0.2], A_V ∈ [0, 0.3]), an exponential disc (τ = 5 Gyr,
 * age 0.5 t_univ, [Z/H] ∈ [−0.5, 0], A_V ∈ [0.2, 1]) and, with probability clumpProbability, a dusty star-forming
 * clump (n = 0.5 Gaussian, τ = 1 Gyr, age 0.05 Gyr, A_V ∈ [1.5, 3], 5–10 % of the disc mass) offset in the disc.
 * Sizes follow R_e ≈ 0.25″ (M/10^10)^0.2 for discs (a rough mass–size relation), bulges 0.3 × that.
 * `ageOfUniverseGyr` maps z → t_univ (the engine's cosmology).
 */
export function randomGalaxies(r: RandomGalaxies, seed: number, widthPx: number, heightPx: number, firstId: number, ageOfUniverseGyr: (z: number) => number): GalaxySpec[] {
  const prng = createPrng((Math.imul(seed | 0, 0x2c1b3c6d) ^ 0x297a2d39) | 0);
  const out: GalaxySpec[] = [];
  const u = (lo: number, hi: number) => prng.uniformIn(lo, hi);
  for (let i = 0; i < r.count; i++) {
    const z = u(r.redshift[0], r.redshift[1]);
    const tUniv = ageOfUniverseGyr(z);
    const logM = u(r.logMstar[0], r.logMstar[1]);
    const fb = u(r.bulgeFraction[0], r.bulgeFraction[1]);
    const hasClump = prng.uniform() < r.clumpProbability;
    const fc = hasClump ? u(0.05, 0.1) * (1 - fb) : 0;
    const fd = 1 - fb - fc;
    const reDisc = 0.25 * Math.pow(10, 0.2 * (logM - 10)) * u(0.7, 1.4);
    const q = u(0.4, 1);
    const pa = u(0, 180);
    const m = Math.min(r.marginPx, widthPx / 2 - 1, heightPx / 2 - 1);
    const g: GalaxySpec = {
      id: firstId + i,
      xPx: u(m, widthPx - 1 - m),
      yPx: u(m, heightPx - 1 - m),
      z,
      components: [
        {
          kind: 'bulge',
          profile: { sersicN: 4, reArcsec: 0.3 * reDisc, axisRatio: Math.min(1, q + 0.3), paDeg: pa, offsetArcsec: [0, 0] },
          logMstar: logM + Math.log10(fb),
          sfh: { type: 'delayed-tau', tauGyr: 0.3, ageGyr: 0.8 * tUniv },
          metallicity: u(0, 0.2),
          avMag: u(0, 0.3),
        },
        {
          kind: 'disc',
          profile: { sersicN: 1, reArcsec: reDisc, axisRatio: q, paDeg: pa, offsetArcsec: [0, 0] },
          logMstar: logM + Math.log10(fd),
          sfh: { type: 'delayed-tau', tauGyr: 5, ageGyr: 0.5 * tUniv },
          metallicity: u(-0.5, 0),
          avMag: u(0.2, 1),
        },
      ],
    };
    if (hasClump) {
      const rOff = u(0.5, 1.2) * reDisc;
      const phi = u(0, 2 * Math.PI);
      g.components.push({
        kind: 'clump',
        profile: { sersicN: 0.5, reArcsec: 0.15 * reDisc, axisRatio: 1, paDeg: 0, offsetArcsec: [rOff * Math.cos(phi), rOff * Math.sin(phi)] },
        logMstar: logM + Math.log10(fc),
        sfh: { type: 'delayed-tau', tauGyr: 1, ageGyr: Math.min(0.05, 0.5 * tUniv) },
        metallicity: u(-0.3, 0.1),
        avMag: u(1.5, 3),
      });
    }
    out.push(g);
  }
  return out;
}
