import { PHYS } from './constants.js';
import type { FilterIntegrationWeights } from './filter-integration-weights.js';
import { igmTransmissionInoue14 } from './igm-inoue14.js';
import { interpolateOrZero } from './sorted-array-internals.js';

/** Sparse (band, line, weight) triples: band flux += D(z) × weight × L_line. */
export interface EmissionLineBandWeights {
  lineBand: Int32Array;
  lineIndex: Int32Array;
  lineWeight: Float64Array;
}

/**
 * Emission lines at redshift z: f_ν contribution = (L/(4π d_L²)) λ_obs T(λ_obs) / den = D(z) (1+z) L λ_obs T / den,
 * D = 1/(4π d_L² (1+z)), T linearly interpolated, times the Inoue et al. (2014) IGM transmission when `igm`.
 * Lines outside a filter (T = 0) get no entry.
 */
export function emissionLineBandWeights(lineWavelengthAngstrom: Float64Array, filters: FilterIntegrationWeights[], z: number, igm: boolean): EmissionLineBandWeights {
  const zp1 = 1 + z;
  const lb: number[] = [];
  const li: number[] = [];
  const lw: number[] = [];
  for (let l = 0; l < lineWavelengthAngstrom.length; l++) {
    const lo2 = lineWavelengthAngstrom[l] * zp1;
    const tIgm = igm && z > 0 ? igmTransmissionInoue14(lo2, z) : 1;
    for (let b = 0; b < filters.length; b++) {
      const T = interpolateOrZero(filters[b].w, filters[b].t, lo2);
      if (T > 0) {
        lb.push(b);
        li.push(l);
        lw.push((zp1 * lo2 * T * tIgm) / filters[b].den / PHYS.njyCgs);
      }
    }
  }
  return { lineBand: Int32Array.from(lb), lineIndex: Int32Array.from(li), lineWeight: Float64Array.from(lw) };
}
