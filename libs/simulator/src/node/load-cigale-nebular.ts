import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError } from '@pixsed/core';
import { dataPath } from '@pixsed/core/node';
import { PHYS } from '../constants.js';
import type { NebularTables } from '../nebular-tables.js';

/** Gas metallicities of the CIGALE nebular tables (file suffixes). */
export const CIGALE_NEBULAR_Z = ['0.0001', '0.0004', '0.004', '0.008', '0.02', '0.05'] as const;

/** Lyα is dropped by default: resonant scattering makes its escape unpredictable (and the IGM removes most of it). */
const LYA_ANGSTROM = 1216;

/**
 * Load CIGALE nebular tables (`lines_Z.dat`: λ [Å] + 12 columns of log10 L_line; `continuum_Z.dat`: λ [Å] + 12 columns
 * of L_ν [erg/s/Hz] on the same normalisation). Only ratios to Hβ (4861 Å, same column) are kept.
 * `column` (0-11) picks the model: 3 groups of 4, [OIII]/Hβ rising group to group (ionisation parameter);
 * default 4 (second group, first column: [OIII]5007/Hβ ≈ 3.1, [NII]6584/Hβ ≈ 0.32 at Z = 0.02).
 * Continuum converted with L_λ = L_ν c/λ².
 */
export function loadCigaleNebular(opts: { dir?: string; column?: number; keepLymanAlpha?: boolean } = {}): NebularTables {
  const dir = opts.dir ?? dataPath('nebular', 'cigale');
  const column = opts.column ?? 4;
  if (!Number.isInteger(column) || column < 0 || column > 11) throw new RangeError(`nebular column must be 0..11, got ${column}`);
  let lineW: Float64Array | undefined;
  let contW: Float64Array | undefined;
  const ratios: number[][] = [];
  const conts: number[][] = [];
  for (const z of CIGALE_NEBULAR_Z) {
    const lp = join(dir, `lines_${z}.dat`);
    const cp = join(dir, `continuum_${z}.dat`);
    const lines = readTable(lp, 13);
    const cont = readTable(cp, 13);
    const hb = lines.findIndex((r) => Math.abs(r[0] - 4861) < 0.5);
    if (hb < 0) throw new DataFileError(lp, 'Hβ', 'no 4861 Å line');
    const logHb = lines[hb][1 + column];
    const keep = lines.filter((r) => opts.keepLymanAlpha || Math.abs(r[0] - LYA_ANGSTROM) > 0.5);
    const w = Float64Array.from(keep.map((r) => r[0]));
    if (!lineW) lineW = w;
    ratios.push(keep.map((r) => Math.pow(10, r[1 + column] - logHb)));
    const cw = Float64Array.from(cont.map((r) => r[0]));
    if (!contW) contW = cw;
    else if (cw.length !== contW.length) throw new DataFileError(cp, undefined, 'continuum wavelength grid differs between metallicities');
    const hbLum = Math.pow(10, logHb);
    conts.push(cont.map((r) => (r[1 + column] * PHYS.cAngstromPerS) / (r[0] * r[0]) / hbLum));
  }
  return {
    metallicityZ: Float64Array.from(CIGALE_NEBULAR_Z.map(Number)),
    lineWavelengthAngstrom: lineW!,
    lineRatio: Float64Array.from(ratios.flat()),
    continuumWavelengthAngstrom: contW!,
    continuumPerHbeta: Float64Array.from(conts.flat()),
    column,
  };
}

function readTable(path: string, nCol: number): number[][] {
  if (!existsSync(path)) throw new DataFileError(path, undefined, 'file not found (CIGALE nebular table)');
  const rows: number[][] = [];
  let line = 0;
  for (const raw of readFileSync(path, 'latin1').split('\n')) {
    line++;
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) continue;
    const r = s.split(/\s+/).map(Number);
    if (r.length !== nCol || r.some((v) => !Number.isFinite(v))) {
      throw new DataFileError(path, `line ${line}`, `expected ${nCol} numeric columns`);
    }
    rows.push(r);
  }
  return rows;
}
