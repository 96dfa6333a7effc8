import type { SspGrid } from './ssp-grid.js';

/**
 * Per-SSP age-bin widths Δe_j and first moments Δh_j = ∫_bin t dt of the SSP age bins (geometric midpoints, as
 * `sspAgeBinEdges`; the open last bin is closed at a_n²/e_n so every width is finite), and the cumulative sums over
 * ages of the SSP spectra weighted by them: C0[k][J][λ] = Σ_{j<J} Δe_j L_kj(λ), C1[k][J][λ] = Σ_{j<J} Δh_j L_kj(λ).
 * Then Σ_{j∈[s,e)} (α Δe_j + β Δh_j) L_kj(λ) = α (C0[e] − C0[s]) + β (C1[e] − C1[s]): a run of SSPs whose formed
 * masses follow a linear SFR α + β t costs two differences per λ instead of one product per SSP (`sfhMassGroups`).
 */
export interface SspAgePrefixSums {
  /** Δe_j [Gyr] (nAge). */
  binWidthGyr: Float64Array;
  /** Δh_j = (e_{j+1}² − e_j²)/2 [Gyr²] (nAge). */
  binMomentGyr2: Float64Array;
  /** [nZ][nAge + 1][nWave], float64 (the differences of young and old prefixes must not cancel to float32 noise). */
  c0: Float64Array;
  c1: Float64Array;
}

/**
 * Prefix sums of the spectra `lLambda` ([Z][age][λ] on the axes of `grid`, e.g. grid.lLambda with its ionising flux
 * removed) over age (see SspAgePrefixSums). Throws RangeError naming the grid, [Z/H], age and λ of the first L_λ that is
 * negative or not finite (the SFH runs' error bound needs L_λ ≥ 0).
 */
export function sspAgePrefixSums(grid: SspGrid, lLambda: Float64Array): SspAgePrefixSums {
  const ageGyr = grid.ageGyr;
  const nA = ageGyr.length;
  const nZ = grid.metallicityLogZsol.length;
  const nW = grid.wavelengthAngstrom.length;
  if (lLambda.length !== nZ * nA * nW) throw new RangeError(`SSP grid ${grid.name}: ${lLambda.length} spectrum values, expected nZ*nAge*nWave = ${nZ * nA * nW}`);
  const e = new Float64Array(nA + 1);
  for (let j = 1; j < nA; j++) e[j] = Math.sqrt(ageGyr[j - 1] * ageGyr[j]);
  e[nA] = nA > 1 ? (ageGyr[nA - 1] * ageGyr[nA - 1]) / e[nA - 1] : 2 * ageGyr[0];
  const binWidthGyr = Float64Array.from({ length: nA }, (_, j) => e[j + 1] - e[j]);
  const binMomentGyr2 = Float64Array.from({ length: nA }, (_, j) => 0.5 * (e[j + 1] * e[j + 1] - e[j] * e[j]));
  const c0 = new Float64Array(nZ * (nA + 1) * nW);
  const c1 = new Float64Array(nZ * (nA + 1) * nW);
  for (let k = 0; k < nZ; k++) {
    for (let j = 0; j < nA; j++) {
      const src = (k * nA + j) * nW;
      const prev = (k * (nA + 1) + j) * nW;
      const next = prev + nW;
      const we = binWidthGyr[j];
      const wh = binMomentGyr2[j];
      for (let i = 0; i < nW; i++) {
        const l = lLambda[src + i];
        if (!(l >= 0 && l < Infinity)) {
          throw new RangeError(
            `SSP grid ${grid.name}: L_λ = ${l} at [Z/H] = ${grid.metallicityLogZsol[k]}, age ${ageGyr[j]} Gyr, λ = ${grid.wavelengthAngstrom[i]} Å; expected a finite value ≥ 0`,
          );
        }
        c0[next + i] = c0[prev + i] + we * l;
        c1[next + i] = c1[prev + i] + wh * l;
      }
    }
  }
  return { binWidthGyr, binMomentGyr2, c0, c1 };
}
