import type { FitsValue } from '../fits-card.js';
import { Wcs } from '../wcs.js';
import { openFitsImage, type FitsImageOptions } from './open-fits-image.js';

/** What `pixsed fits info` prints (JSON-serialisable; no NaN). */
export interface FitsInfo {
  file: string;
  /** 0-based HDU index actually read. */
  hdu: number;
  bitpix: number;
  /** [NAXIS1, NAXIS2] = [nx, ny]. */
  naxis: [number, number];
  bunit: string | null;
  /** First value per keyword (COMMENT/HISTORY joined with newlines). */
  header: Record<string, FitsValue>;
  /** Over finite pixels (physical values); `nan` counts non-finite pixels; std is the population σ (ddof = 0). */
  stats: { min: number | null; max: number | null; mean: number | null; std: number | null; nan: number };
  /** null when the HDU has no TAN celestial WCS. `crpix` is FITS 1-based as in the header; `cd` in deg/pixel. */
  wcs: { ctype: [string, string]; crval: [number, number]; crpix: [number, number]; cd: [[number, number], [number, number]]; pixelScaleArcsec: number } | null;
  /** [RA, Dec] (deg) of the centres of 0-based pixels (0,0), (nx−1,0), (0,ny−1), (nx−1,ny−1); null without WCS. */
  corners: [number, number][] | null;
}

/**
 * Everything `pixsed fits info` reports about one image HDU. Statistics are accumulated strip by strip
 * (Welford's algorithm in float64), so memory stays bounded for any image size.
 * Throws `FitsFormatError` for a malformed file or a non-image HDU, and for a WCS that is present but
 * unsupported (non-TAN); an HDU without CTYPE1/2 gives `wcs: null`.
 */
export async function fitsInfo(path: string, opts: FitsImageOptions = {}): Promise<FitsInfo> {
  const r = await openFitsImage(path, opts);
  try {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    let min = Infinity;
    let max = -Infinity;
    let nan = 0;
    const rowsPerStrip = Math.max(1, Math.floor((4 * 1024 * 1024) / Math.max(1, r.width * 8)));
    for (let y = 0; y < r.height; y += rowsPerStrip) {
      const strip = await r.readRows(y, Math.min(r.height, y + rowsPerStrip));
      for (let i = 0; i < strip.length; i++) {
        const v = strip[i];
        if (!Number.isFinite(v)) {
          nan++;
          continue;
        }
        n++;
        const d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    let wcs: FitsInfo['wcs'] = null;
    let corners: FitsInfo['corners'] = null;
    if (r.header.has('CTYPE1') && Wcs.hasCelestial(r.header)) {
      const w = Wcs.fromHeader(r.header);
      wcs = { ctype: [...w.ctype], crval: [...w.crval], crpix: [...w.crpix], cd: [[...w.cd[0]], [...w.cd[1]]], pixelScaleArcsec: w.pixelScaleArcsec() };
      const nx = r.width;
      const ny = r.height;
      corners = [
        w.pixelToWorld(0, 0),
        w.pixelToWorld(nx - 1, 0),
        w.pixelToWorld(0, ny - 1),
        w.pixelToWorld(nx - 1, ny - 1),
      ];
    }
    const bunit = r.header.getString('BUNIT');
    return {
      file: path,
      hdu: r.hdu,
      bitpix: r.bitpix,
      naxis: [r.width, r.height],
      bunit: bunit ?? null,
      header: r.header.toRecord(),
      stats: n > 0 ? { min, max, mean, std: Math.sqrt(m2 / n), nan } : { min: null, max: null, mean: null, std: null, nan },
      wcs,
      corners,
    };
  } finally {
    await r.close();
  }
}
