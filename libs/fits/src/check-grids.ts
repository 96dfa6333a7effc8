import { GridMismatchError } from '@pixsed/core';
import type { FitsHeader } from './fits-header.js';
import { Wcs } from './wcs.js';

/** Tolerances for `checkGrids`. */
export interface GridTolerance {
  /** |ΔCRVAL| allowed, degrees (default 1e-8 deg = 36 µas). */
  crvalDeg: number;
  /** |ΔCRPIX| allowed, pixels (default 1e-6). */
  crpixPx: number;
  /** |ΔCDi_j| allowed relative to max |CD| of the first header (default 1e-6). */
  cdRel: number;
}

const DEFAULT_TOL: GridTolerance = { crvalDeg: 1e-8, crpixPx: 1e-6, cdRel: 1e-6 };

/**
 * Checks that images share one pixel grid: same NAXIS1/NAXIS2 and CTYPE, and CRVAL, CRPIX and the
 * effective CD matrix (CD, or PC × CDELT) equal to the first header's within tolerance.
 * `tol` is either a `GridTolerance` (partial; defaults above) or one number used as the relative
 * tolerance for everything (|a − b| ≤ tol × max(1, |a|, |b|); CD relative to max |CD|).
 * Throws `GridMismatchError` listing every difference (`name: KEY a vs b (reference name)`).
 */
export function checkGrids(headers: { name: string; header: FitsHeader }[], tol: number | Partial<GridTolerance> = {}): void {
  if (headers.length < 2) return;
  const within =
    typeof tol === 'number'
      ? (kind: keyof GridTolerance, a: number, b: number, scale: number): boolean =>
          Math.abs(a - b) <= tol * (kind === 'cdRel' ? scale : Math.max(1, Math.abs(a), Math.abs(b)))
      : (kind: keyof GridTolerance, a: number, b: number, scale: number): boolean => {
          const t = { ...DEFAULT_TOL, ...tol }[kind];
          return Math.abs(a - b) <= (kind === 'cdRel' ? t * scale : t);
        };
  const diffs: string[] = [];
  const ref = headers[0];
  const wcsOf = (h: { name: string; header: FitsHeader }): Wcs | undefined => {
    try {
      return Wcs.fromHeader(h.header);
    } catch (e) {
      diffs.push(`${h.name}: no usable WCS (${(e as Error).message})`);
      return undefined;
    }
  };
  const refWcs = wcsOf(ref);
  const cdScale = refWcs ? Math.max(...refWcs.cd.flat().map(Math.abs)) : 1;
  for (const other of headers.slice(1)) {
    for (const k of ['NAXIS1', 'NAXIS2']) {
      const a = ref.header.get(k);
      const b = other.header.get(k);
      if (a !== b) diffs.push(`${other.name}: ${k} ${String(b)} vs ${String(a)} (${ref.name})`);
    }
    const w = wcsOf(other);
    if (!refWcs || !w) continue;
    for (let i = 0; i < 2; i++) {
      const ct = (s: string): string => s.replace(/-SIP$/, '');
      if (ct(refWcs.ctype[i]) !== ct(w.ctype[i])) diffs.push(`${other.name}: CTYPE${i + 1} ${w.ctype[i]} vs ${refWcs.ctype[i]} (${ref.name})`);
      if (!within('crvalDeg', refWcs.crval[i], w.crval[i], 1)) diffs.push(`${other.name}: CRVAL${i + 1} ${w.crval[i]} vs ${refWcs.crval[i]} (${ref.name})`);
      if (!within('crpixPx', refWcs.crpix[i], w.crpix[i], 1)) diffs.push(`${other.name}: CRPIX${i + 1} ${w.crpix[i]} vs ${refWcs.crpix[i]} (${ref.name})`);
      for (let j = 0; j < 2; j++) {
        if (!within('cdRel', refWcs.cd[i][j], w.cd[i][j], cdScale)) {
          diffs.push(`${other.name}: CD${i + 1}_${j + 1} ${w.cd[i][j]} vs ${refWcs.cd[i][j]} (${ref.name})`);
        }
      }
    }
  }
  if (diffs.length > 0) throw new GridMismatchError(diffs);
}
