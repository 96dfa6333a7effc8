import { GridMismatchError } from '@pixsed/core';
import type { FitsHeader } from './fits-header.js';
import { Wcs } from './wcs.js';

/** Default tolerance of `checkGrids`, pixels. */
export const DEFAULT_GRID_TOLERANCE_PX = 0.01;

/** Where one image departs most from the reference grid (see `gridOffsetPx`). */
export interface GridOffset {
  /** Largest distance, reference pixels, between where a test point of the image lands on the reference grid and where it should be. */
  maxPx: number;
  /** The 0-based pixel of the image where `maxPx` occurs (a corner or the centre). */
  at: [number, number];
}

/**
 * How far an image's pixel grid is from the reference grid, in pixels: the four corner pixel centres
 * and the centre of the image (0-based (0,0), (nx−1,0), (0,ny−1), (nx−1,ny−1), ((nx−1)/2, (ny−1)/2))
 * are mapped through the image's WCS to the sky and back through the reference WCS; the offset is
 * |p_ref − p| (same pixel indices mean the same sky position on a shared grid).
 */
export function gridOffsetPx(wcs: Wcs, ref: Wcs, nx: number, ny: number): GridOffset {
  const pts: [number, number][] = [
    [0, 0],
    [nx - 1, 0],
    [0, ny - 1],
    [nx - 1, ny - 1],
    [(nx - 1) / 2, (ny - 1) / 2],
  ];
  let best: GridOffset = { maxPx: 0, at: [0, 0] };
  for (const [x, y] of pts) {
    const [ra, dec] = wcs.pixelToWorld(x, y);
    const [xr, yr] = ref.worldToPixel(ra, dec);
    const d = Math.hypot(xr - x, yr - y);
    // NaN (a point on the far side of the reference tangent plane) counts as an infinite offset
    if (!(d <= best.maxPx)) best = { maxPx: Number.isNaN(d) ? Infinity : d, at: [x, y] };
  }
  return best;
}

const WCS_KEYS = ['CRVAL1', 'CRVAL2', 'CRPIX1', 'CRPIX2', 'CD1_1', 'CD1_2', 'CD2_1', 'CD2_2'] as const;

function wcsValue(w: Wcs, k: (typeof WCS_KEYS)[number]): number {
  if (k.startsWith('CRVAL')) return w.crval[Number(k[5]) - 1];
  if (k.startsWith('CRPIX')) return w.crpix[Number(k[5]) - 1];
  return w.cd[Number(k[2]) - 1][Number(k[4]) - 1];
}

/**
 * Checks that images share one pixel grid: same NAXIS1/NAXIS2 and CTYPE, and every image's corners and
 * centre land within `tolPx` pixels of the same pixel on the first (reference) image's grid
 * (`gridOffsetPx`: through each image's own WCS to the sky and back through the reference WCS). A PC ×
 * CDELT and a CD description of the same grid therefore agree.
 * Throws `GridMismatchError` listing every difference, one line per file
 * (`name: off the reference grid by 4.000 px at pixel (0, 0) (tolerance 0.01 px; CRVAL1 a vs b) (reference name)`).
 */
export function checkGrids(headers: { name: string; header: FitsHeader }[], tolPx: number = DEFAULT_GRID_TOLERANCE_PX): void {
  if (!(tolPx >= 0)) throw new RangeError(`checkGrids: tolerance must be ≥ 0 pixels, got ${tolPx}`);
  if (headers.length < 2) return;
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
  for (const other of headers.slice(1)) {
    for (const k of ['NAXIS1', 'NAXIS2']) {
      const a = ref.header.get(k);
      const b = other.header.get(k);
      if (a !== b) diffs.push(`${other.name}: ${k} ${String(b)} vs ${String(a)} (${ref.name})`);
    }
    const w = wcsOf(other);
    if (!refWcs || !w) continue;
    const ct = (s: string): string => s.replace(/-SIP$/, '');
    for (let i = 0; i < 2; i++) {
      if (ct(refWcs.ctype[i]) !== ct(w.ctype[i])) diffs.push(`${other.name}: CTYPE${i + 1} ${w.ctype[i]} vs ${refWcs.ctype[i]} (${ref.name})`);
    }
    const nx = Number(other.header.get('NAXIS1') ?? ref.header.get('NAXIS1'));
    const ny = Number(other.header.get('NAXIS2') ?? ref.header.get('NAXIS2'));
    if (!(nx > 0 && ny > 0)) {
      diffs.push(`${other.name}: NAXIS1/NAXIS2 missing, cannot compare pixel grids`);
      continue;
    }
    const off = gridOffsetPx(w, refWcs, nx, ny);
    if (!(off.maxPx <= tolPx)) {
      const differing = WCS_KEYS.filter((k) => wcsValue(w, k) !== wcsValue(refWcs, k)).map((k) => `${k} ${wcsValue(w, k)} vs ${wcsValue(refWcs, k)}`);
      const sipNote = !!w.sip !== !!refWcs.sip ? ['SIP distortion in one header only'] : [];
      const hint = [...differing, ...sipNote].join(', ');
      diffs.push(
        `${other.name}: off the reference grid by ${off.maxPx.toPrecision(4)} px at pixel (${off.at[0]}, ${off.at[1]}) (tolerance ${tolPx} px${hint ? `; ${hint}` : ''}) (${ref.name})`,
      );
    }
  }
  if (diffs.length > 0) throw new GridMismatchError(diffs);
}
