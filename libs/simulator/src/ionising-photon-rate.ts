import { PHYS } from './constants.js';
import type { SspGrid } from './ssp-grid.js';

/**
 * Hydrogen-ionising photon rate per SSP, Q(H) = ∫_{λ<912 Å} L_λ λ/(hc) dλ [photons/s per M☉ formed]
 * (trapezoid rule, the 912 Å end linearly interpolated). Returns [nZ][nAge].
 */
export function ionisingPhotonRate(g: SspGrid, lymanLimitAngstrom = 911.76): Float64Array {
  const nZ = g.metallicityLogZsol.length;
  const nA = g.ageGyr.length;
  const w = g.wavelengthAngstrom;
  const nW = w.length;
  const hc = PHYS.hErgS * PHYS.cAngstromPerS;
  const out = new Float64Array(nZ * nA);
  for (let k = 0; k < nZ; k++) {
    for (let j = 0; j < nA; j++) {
      const base = (k * nA + j) * nW;
      let q = 0;
      for (let i = 1; i < nW && w[i - 1] < lymanLimitAngstrom; i++) {
        const l0 = w[i - 1];
        const f0 = g.lLambda[base + i - 1] * l0;
        let l1 = w[i];
        let f1 = g.lLambda[base + i] * l1;
        if (l1 > lymanLimitAngstrom) {
          const u = (lymanLimitAngstrom - l0) / (l1 - l0);
          f1 = f0 + (f1 - f0) * u;
          l1 = lymanLimitAngstrom;
        }
        q += 0.5 * (l1 - l0) * (f0 + f1);
      }
      out[k * nA + j] = q / hc;
    }
  }
  return out;
}
