import { readFileSync, writeFileSync, mkdirSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError } from '@pixsed/core';
import { readNpy, writeNpy } from '@pixsed/core/node';
import { sspGridProblems, type SspGrid } from '../ssp-grid.js';

/** Files of the generic SSP grid format (a folder; see README). */
export const SSP_GRID_FILES = {
  meta: 'grid.json',
  ageGyr: 'age_gyr.npy',
  metallicityLogZsol: 'metallicity_logzsol.npy',
  wavelengthAngstrom: 'wavelength_angstrom.npy',
  lLambda: 'llambda_erg_s_aa_per_msun.npy',
  survivingMassFraction: 'surviving_mass_fraction.npy',
} as const;

function readGridNpy(dir: string, file: string, expectedShape?: number[]): Float64Array {
  const path = join(dir, file);
  const a = readNpy(path);
  if (expectedShape && a.shape.join(',') !== expectedShape.join(',')) {
    throw new DataFileError(path, undefined, `shape (${a.shape.join(', ')}), expected (${expectedShape.join(', ')})`);
  }
  return a.data;
}

/**
 * Load a grid in the generic folder format: grid.json {name, zSolar} + .npy arrays
 * age_gyr (nAge), metallicity_logzsol (nZ), wavelength_angstrom (nWave),
 * llambda_erg_s_aa_per_msun (nZ, nAge, nWave), surviving_mass_fraction (nZ, nAge).
 */
export function loadSspGrid(dir: string): SspGrid {
  const metaPath = join(dir, SSP_GRID_FILES.meta);
  if (!existsSync(metaPath)) throw new DataFileError(metaPath, undefined, 'file not found');
  let meta: { name?: unknown; zSolar?: unknown; library?: unknown; imf?: unknown; massDefinition?: unknown; checksum?: unknown };
  try {
    meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (e) {
    throw new DataFileError(metaPath, undefined, `invalid JSON: ${(e as Error).message}`);
  }
  if (typeof meta.zSolar !== 'number') throw new DataFileError(metaPath, 'zSolar', 'expected a number (e.g. 0.02)');
  const ageGyr = readGridNpy(dir, SSP_GRID_FILES.ageGyr);
  const metallicityLogZsol = readGridNpy(dir, SSP_GRID_FILES.metallicityLogZsol);
  const wavelengthAngstrom = readGridNpy(dir, SSP_GRID_FILES.wavelengthAngstrom);
  const nZ = metallicityLogZsol.length;
  const nA = ageGyr.length;
  const grid: SspGrid = {
    name: typeof meta.name === 'string' ? meta.name : dir,
    ageGyr,
    metallicityLogZsol,
    wavelengthAngstrom,
    lLambda: readGridNpy(dir, SSP_GRID_FILES.lLambda, [nZ, nA, wavelengthAngstrom.length]),
    survivingMassFraction: readGridNpy(dir, SSP_GRID_FILES.survivingMassFraction, [nZ, nA]),
    zSolar: meta.zSolar,
    ...(typeof meta.library === 'string' && { library: meta.library }),
    ...(typeof meta.imf === 'string' && { imf: meta.imf }),
    ...(typeof meta.massDefinition === 'string' && { massDefinition: meta.massDefinition }),
    ...(typeof meta.checksum === 'string' && { checksum: meta.checksum }),
  };
  const problems = sspGridProblems(grid);
  if (problems.length > 0) throw new DataFileError(dir, undefined, problems.join('; '));
  return grid;
}

/** Write a grid in the generic folder format (atomic per folder: written to `<dir>.tmp-<pid>` then renamed). */
export function saveSspGrid(grid: SspGrid, dir: string): void {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  const nZ = grid.metallicityLogZsol.length;
  const nA = grid.ageGyr.length;
  writeFileSync(join(tmp, SSP_GRID_FILES.meta), JSON.stringify({ name: grid.name, zSolar: grid.zSolar, library: grid.library, imf: grid.imf, massDefinition: grid.massDefinition, checksum: grid.checksum }, null, 2));
  writeNpy(join(tmp, SSP_GRID_FILES.ageGyr), grid.ageGyr, [nA]);
  writeNpy(join(tmp, SSP_GRID_FILES.metallicityLogZsol), grid.metallicityLogZsol, [nZ]);
  writeNpy(join(tmp, SSP_GRID_FILES.wavelengthAngstrom), grid.wavelengthAngstrom, [grid.wavelengthAngstrom.length]);
  writeNpy(join(tmp, SSP_GRID_FILES.lLambda), grid.lLambda, [nZ, nA, grid.wavelengthAngstrom.length]);
  writeNpy(join(tmp, SSP_GRID_FILES.survivingMassFraction), grid.survivingMassFraction, [nZ, nA]);
  try {
    renameSync(tmp, dir);
  } catch {
    // another process won the race: its copy is equivalent
  }
}
