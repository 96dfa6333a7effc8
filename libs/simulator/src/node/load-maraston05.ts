import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DataFileError, sha256Hex } from '@pixsed/core';
import { dataPath } from '@pixsed/core/node';
import type { SspGrid } from '../ssp-grid.js';
import { loadSspGrid, saveSspGrid } from './load-ssp-grid.js';

/** Maraston (2005) Kroupa-IMF red-horizontal-branch files and their [Z/H]. */
export const MARASTON05_FILES: readonly { file: string; logZsol: number }[] = [
  { file: 'sed.krz0001.rhb', logZsol: -1.35 },
  { file: 'sed.krz001.rhb', logZsol: -0.33 },
  { file: 'sed.krz002.rhb', logZsol: 0.0 },
  { file: 'sed.krz004.rhb', logZsol: 0.35 },
];

const memo = new Map<string, SspGrid>();

export interface LoadMaraston05Options {
  /** Folder with the sed.krz*.rhb files and stellarmass.kroupa (default `<data>/ssp/maraston05`). */
  dir?: string;
  /** Cache the parsed grid as a generic-format folder under os.tmpdir() (default true). */
  diskCache?: boolean;
}

/**
 * Maraston (2005, MNRAS 362, 799) SSPs: columns age [Gyr], [Z/H], λ [Å], L_λ [erg/s/Å per M☉ formed];
 * `stellarmass.kroupa` columns [Z/H], t [Gyr], M*_T (living + remnants), M*_alive, ... per M☉ formed.
 * Surviving mass = M*_T. Parsed once per process (memo) and cached on disk (generic format) for later processes.
 */
export function loadMaraston05(opts: LoadMaraston05Options = {}): SspGrid {
  const dir = opts.dir ?? dataPath('ssp', 'maraston05');
  const hit = memo.get(dir);
  if (hit) return hit;
  const files = MARASTON05_FILES.map((f) => join(dir, f.file));
  for (const f of [...files, join(dir, 'stellarmass.kroupa')]) {
    if (!existsSync(f)) throw new DataFileError(f, undefined, 'file not found (Maraston 2005 SSP set)');
  }
  const stamp = files.map((f) => statSync(f).mtimeMs.toFixed(0)).join('-');
  const cacheDir = join(tmpdir(), `pixsed-ssp-maraston05-v2-${Buffer.from(dir).toString('hex').slice(-24)}-${stamp}`);
  let grid: SspGrid | undefined;
  if (opts.diskCache !== false && existsSync(join(cacheDir, 'grid.json'))) {
    try {
      grid = loadSspGrid(cacheDir);
    } catch {
      grid = undefined;
    }
  }
  if (!grid) {
    grid = parseMaraston05(dir);
    if (opts.diskCache !== false) {
      try {
        saveSspGrid(grid, cacheDir);
      } catch {
        // read-only tmp: keep the in-memory copy only
      }
    }
  }
  memo.set(dir, grid);
  return grid;
}

function parseTable(path: string, nCol: number): Float64Array {
  const text = readFileSync(path, 'latin1');
  const out: number[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) continue;
    const parts = s.split(/\s+/);
    if (parts.length < nCol) throw new DataFileError(path, `line ${line}`, `expected ≥ ${nCol} columns, got ${parts.length}`);
    for (let c = 0; c < nCol; c++) {
      const v = Number(parts[c]);
      if (!Number.isFinite(v)) throw new DataFileError(path, `line ${line}, column ${c + 1}`, `not a number: '${parts[c]}'`);
      out.push(v);
    }
  }
  return Float64Array.from(out);
}

function parseMaraston05(dir: string): SspGrid {
  let ages: number[] | undefined;
  let waves: Float64Array | undefined;
  const blocks: Float64Array[] = [];
  for (const { file, logZsol } of MARASTON05_FILES) {
    const path = join(dir, file);
    const t = parseTable(path, 4);
    const nRows = t.length / 4;
    const fileAges: number[] = [];
    for (let r = 0; r < nRows; r++) {
      const a = t[r * 4];
      if (fileAges.length === 0 || fileAges[fileAges.length - 1] !== a) fileAges.push(a);
      if (Math.abs(t[r * 4 + 1] - logZsol) > 1e-6) throw new DataFileError(path, `row ${r + 1} [Z/H]`, `expected ${logZsol}, got ${t[r * 4 + 1]}`);
    }
    const nW = nRows / fileAges.length;
    if (!Number.isInteger(nW)) throw new DataFileError(path, undefined, `${nRows} rows is not ages × wavelengths`);
    const w = new Float64Array(nW);
    for (let i = 0; i < nW; i++) w[i] = t[i * 4 + 2];
    if (!ages) ages = fileAges;
    else if (ages.join(',') !== fileAges.join(',')) throw new DataFileError(path, 'age', 'age grid differs from the other metallicities');
    if (!waves) waves = w;
    else if (waves.some((v, i) => v !== w[i])) throw new DataFileError(path, 'wavelength', 'wavelength grid differs between files');
    const l = new Float64Array(nRows);
    for (let r = 0; r < nRows; r++) {
      if (t[r * 4 + 2] !== w[r % nW]) throw new DataFileError(path, `row ${r + 1}`, 'wavelength grid differs between ages');
      l[r] = t[r * 4 + 3];
    }
    blocks.push(l);
  }
  const nA = ages!.length;
  const nW = waves!.length;
  const nZ = MARASTON05_FILES.length;
  const lLambda = new Float64Array(nZ * nA * nW);
  blocks.forEach((b, k) => lLambda.set(b, k * nA * nW));
  // surviving mass fractions
  const massPath = join(dir, 'stellarmass.kroupa');
  const m = parseTable(massPath, 3);
  const surv = new Float64Array(nZ * nA).fill(NaN);
  for (let r = 0; r < m.length / 3; r++) {
    const z = m[r * 3];
    const age = m[r * 3 + 1];
    const k = MARASTON05_FILES.findIndex((f) => Math.abs(f.logZsol - z) < 1e-6);
    if (k < 0) continue; // [Z/H] = -2.25 and 0.67 have a different age grid and no SED here
    const j = ages!.findIndex((a) => Math.abs(a - age) <= 1e-6 * Math.max(1, a));
    if (j >= 0) surv[k * nA + j] = m[r * 3 + 2];
  }
  const missing = surv.findIndex((v) => Number.isNaN(v));
  if (missing >= 0) {
    throw new DataFileError(massPath, 'M*_T', `no row for [Z/H]=${MARASTON05_FILES[Math.floor(missing / nA)].logZsol}, age ${ages![missing % nA]} Gyr`);
  }
  return {
    name: 'maraston05-kroupa-rhb',
    ageGyr: Float64Array.from(ages!),
    metallicityLogZsol: Float64Array.from(MARASTON05_FILES.map((f) => f.logZsol)),
    wavelengthAngstrom: waves!,
    lLambda,
    survivingMassFraction: surv,
    zSolar: 0.02,
    library: 'maraston05',
    imf: 'kroupa01',
    massDefinition: 'M*_T of stellarmass.kroupa (living stars + remnants)',
    checksum: sha256Hex([...MARASTON05_FILES.map((f) => f.file), 'stellarmass.kroupa'].map((f) => sha256Hex(readFileSync(join(dir, f)))).join('\n')),
  };
}
