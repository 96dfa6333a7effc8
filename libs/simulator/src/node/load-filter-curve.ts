import { readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataFileError } from '@pixsed/core';
import { dataPath } from '@pixsed/core/node';
import { createFilterCurve, type FilterCurve } from '../filter-curve.js';

/**
 * Read a two-column filter file: wavelength [Å], throughput. Accepts the jades-sbipix `.dat`/`.dat.txt`
 * files (optional `#` header) and sedpy `.par` files (`#` comments, blank lines). The band name defaults to
 * the last `f<digits><w|m|n|lp|x>` token of the file name, lower-case (e.g. `JWST_NIRCam.F182M.dat` → `f182m`).
 */
export function loadFilterCurve(path: string, name?: string): FilterCurve {
  if (!existsSync(path)) throw new DataFileError(path, undefined, 'filter file not found');
  const w: number[] = [];
  const t: number[] = [];
  let line = 0;
  for (const raw of readFileSync(path, 'latin1').split('\n')) {
    line++;
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) continue;
    const parts = s.split(/\s+/);
    const a = Number(parts[0]);
    const b = Number(parts[1]);
    if (parts.length < 2 || !Number.isFinite(a) || !Number.isFinite(b)) {
      throw new DataFileError(path, `line ${line}`, `expected two numbers (wavelength [Å], throughput), got '${s}'`);
    }
    w.push(a);
    t.push(b);
  }
  const band = name ?? bandNameFromFile(path);
  try {
    return createFilterCurve(band, w, t, path);
  } catch (e) {
    throw new DataFileError(path, undefined, (e as Error).message);
  }
}

/** `JWST_F090W.dat.txt` → `f090w`; `acs_wfc_f850lp.par` → `f850lp`. */
export function bandNameFromFile(path: string): string {
  const m = basename(path).toLowerCase().match(/f\d{3,4}(?:w2|w|m|n|lp|x)/g);
  if (!m) throw new DataFileError(path, undefined, 'cannot derive a band name (f<nnn><w|m|n|lp>) from the file name');
  return m[m.length - 1];
}

/** Band sets this library knows how to load from the reference data. */
export type FilterSet = 'jades' | 'jades-nircam' | 'hst-acs' | 'hst-wfc3ir' | 'sedpy';

/**
 * Load a band set: `jades` = the paper's 19 bands in the order of filters_jades_no_wfc.dat (14 NIRCam + 5 ACS);
 * `jades-nircam` its first 14; `hst-acs` F435W F606W F775W F814W F850LP; `hst-wfc3ir` F105W F125W F140W F160W
 * (jades-sbipix curves); `sedpy` the post-flight sedpy curves (9 NIRCam + 5 ACS).
 */
export function loadFilterSet(set: FilterSet, dir?: string): FilterCurve[] {
  const jadesDir = dir ?? dataPath('filters', 'jades-sbipix');
  if (set === 'sedpy') {
    const d = dir ?? dataPath('filters', 'sedpy');
    const names = ['jwst_f090w', 'jwst_f115w', 'jwst_f150w', 'jwst_f200w', 'jwst_f277w', 'jwst_f335m', 'jwst_f356w', 'jwst_f410m', 'jwst_f444w',
      'acs_wfc_f435w', 'acs_wfc_f606w', 'acs_wfc_f775w', 'acs_wfc_f814w', 'acs_wfc_f850lp'];
    return names.map((n) => loadFilterCurve(join(d, `${n}.par`)));
  }
  if (set === 'hst-wfc3ir') {
    return ['F105W', 'F125W', 'F140W', 'F160W'].map((b) => loadFilterCurve(join(jadesDir, `HST_WFC3_IR.${b}.dat`)));
  }
  const listPath = join(jadesDir, 'filters_jades_no_wfc.dat');
  if (!existsSync(listPath)) throw new DataFileError(listPath, undefined, 'band list not found');
  const entries = readFileSync(listPath, 'latin1')
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
  const all = entries.map((e) => loadFilterCurve(join(jadesDir, basename(e))));
  if (set === 'jades') return all;
  if (set === 'jades-nircam') return all.filter((f) => !/HST_/.test(f.source ?? ''));
  return all.filter((f) => /HST_ACS/.test(f.source ?? ''));
}
