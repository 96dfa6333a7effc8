import type { RecordBatch } from 'apache-arrow';
import { batchFromColumns, column, columnsOf, fieldMetadataOf, FLAG, FLAGS_COLUMN, PsfMatchingError, stripGeometry, stripMetadata, withoutHalo, type NumericArray, type StripGeometry } from '@pixsed/core';
import { createStripConvolver, type StripConvolver } from '../create-strip-convolver.js';
import { invalidPixels } from '../invalid-pixels.js';
import { matchBandStrip } from '../match-band-strip.js';
import { copyRect, segmentWindows, type StripWindow } from '../segment-windows.js';
import { varianceKernel } from '../variance-kernel.js';
import { MISSING_BANDS_COLUMN, type BandKernel } from './build-band-kernels.js';

/** A band kernel with its convolvers for K and K² per block width (tiles at the mosaic's right edge are narrower). */
export interface TileKernel extends BandKernel {
  byWidth: Map<number, { flux: StripConvolver; variance: StripConvolver }>;
}

export function convolversFor(k: TileKernel, width: number): { flux: StripConvolver; variance: StripConvolver } {
  let c = k.byWidth.get(width);
  if (!c) {
    c = { flux: createStripConvolver(k.kernel, width), variance: createStripConvolver(varianceKernel(k.kernel), width) };
    k.byWidth.set(width, c);
  }
  return c;
}

/** Copy rows of `src` (`width` wide) keeping columns [left, width − right). */
function trimColumns<T extends NumericArray>(src: T, width: number, left: number, right: number): T {
  return !left && !right ? src : copyRect(src, width, { y0: 0, y1: src.length / width, x0: left, x1: width - right });
}

/** Throws a PsfMatchingError naming the band and `source.haloRows` when tile `g` lacks the halo kernel `k` needs. */
function checkHalo(k: TileKernel, g: StripGeometry): void {
  const { flux: c } = convolversFor(k, g.width);
  const needTop = Math.min(c.haloRowsTop, g.y0 + g.haloTop);
  const needBottom = Math.min(c.haloRowsBottom, g.mosaicHeight - (g.y0 + g.height - g.haloBottom));
  const needLeft = Math.min(c.haloColsLeft, g.x0 + g.haloLeft);
  const needRight = Math.min(c.haloColsRight, g.mosaicWidth - (g.x0 + g.width - g.haloRight));
  if (g.haloTop < needTop || g.haloBottom < needBottom || g.haloLeft < needLeft || g.haloRight < needRight) {
    const need = Math.max(c.haloRowsTop, c.haloRowsBottom, c.haloColsLeft, c.haloColsRight);
    throw new PsfMatchingError(
      `psf: band ${k.band} kernel (${k.kernel.width}×${k.kernel.height}) needs ${need} halo rows/columns but the batch at x0=${g.x0}, y0=${g.y0} carries top ${g.haloTop}, bottom ${g.haloBottom}, left ${g.haloLeft}, right ${g.haloRight}: set source.haloRows ≥ ${need}`,
    );
  }
}

/** Placeholder of a matched band's column until its matched values replace it. */
const REPLACED = new Float32Array(0);

/** The largest number of rows or columns any kernel reaches from a pixel. */
function kernelReach(kernels: Map<string, TileKernel>, width: number): number {
  let reach = 0;
  for (const k of kernels.values()) {
    const c = convolversFor(k, width).flux;
    reach = Math.max(reach, c.haloRowsTop, c.haloRowsBottom, c.haloColsLeft, c.haloColsRight);
  }
  return reach;
}

/**
 * The windows holding a tile's core segment pixels (galaxy_id > 0), or undefined where they cover more than
 * WINDOWS_MAX_AREA of the tile (the whole tile is convolved then: one FFT pass costs less than several).
 */
function segmentPixelWindows(batch: RecordBatch, g: StripGeometry, kernels: Map<string, TileKernel>, stage: string): StripWindow[] | undefined {
  const gid = column(batch, 'galaxy_id', stage);
  const { width, height, haloTop, haloBottom, haloLeft, haloRight } = g;
  const windows = segmentWindows((i) => gid[i] > 0, { rows: height, width, rowStart: haloTop, rowEnd: height - haloBottom, colStart: haloLeft, colEnd: width - haloRight }, kernelReach(kernels, width));
  let area = 0;
  for (const w of windows) area += (w.y1 - w.y0) * (w.x1 - w.x0);
  return area <= WINDOWS_MAX_AREA * width * height ? windows : undefined;
}
/** Above this fraction of a tile's area in windows, the whole tile is convolved. */
const WINDOWS_MAX_AREA = 0.5;

/**
 * One band through PSF matching in windows of the strip only (segmentPixelWindows): flux ⊛ K and σ' as
 * matchBandStrip gives them inside each window's interior, NaN elsewhere (not computed), in the tile's
 * output layout (core rows and columns); `missing` marks window pixels whose footprint holds an invalid input.
 */
function matchBandWindows(f: NumericArray, e: NumericArray, k: TileKernel, g: StripGeometry, windows: StripWindow[]): { flux: Float32Array; err: Float32Array; missing: Uint8Array | null } {
  const { width, haloTop, haloLeft } = g;
  const core = withoutHalo(g);
  const flux = new Float32Array(core.width * core.height).fill(NaN);
  const err = new Float32Array(core.width * core.height).fill(NaN);
  let missing: Uint8Array | null = null;
  for (const w of windows) {
    const ww = w.x1 - w.x0;
    const r = matchBandStrip(copyRect(f, width, w), copyRect(e, width, w), convolversFor(k, ww), w.r0 - w.y0, w.y1 - w.r1);
    for (let row = w.r0; row < w.r1; row++) {
      const from = (row - w.r0) * ww + (w.c0 - w.x0);
      const to = (row - haloTop) * core.width + (w.c0 - haloLeft);
      const n = w.c1 - w.c0;
      flux.set(r.flux.subarray(from, from + n), to);
      err.set(r.err.subarray(from, from + n), to);
      if (r.missing) {
        missing ??= new Uint8Array(core.width * core.height);
        missing.set(r.missing.subarray(from, from + n), to);
      }
    }
  }
  return { flux, err, missing };
}

/**
 * One tile through the psf stage: matched bands convolved (flux ⊛ K, variance ⊛ K²), halos trimmed,
 * invalid inputs (in a kernel footprint, or the pixel itself for unmatched bands) set to NaN and
 * marked in `missing_bands` and the flags (MISSING_BAND, PSF_MASKED). With `segmentsOnly` (the next stage drops
 * every pixel outside the segmentation: InitContext.segmentPixelsOnly), matched bands are computed only in windows
 * around the tile's segment pixels and are NaN elsewhere; a tile whose windows cover most of it is convolved whole.
 */
export function matchTile(batch: RecordBatch, bands: string[], kernels: Map<string, TileKernel>, stage: string, segmentsOnly = false): RecordBatch {
  const g = stripGeometry(batch, stage);
  const { haloTop, haloBottom, haloLeft, haloRight, width } = g;
  for (const k of kernels.values()) checkHalo(k, g);
  const windows = segmentsOnly && kernels.size ? segmentPixelWindows(batch, g, kernels, stage) : undefined;
  const core = withoutHalo(g);
  const lo = haloTop * width;
  const hi = lo + core.height * width;
  const cols: Record<string, NumericArray> = {};
  const fieldMeta = fieldMetadataOf(batch);
  // the matched bands' columns are replaced below (their places kept: the column order is the input's), the others trimmed here
  const matched = new Set(bands.filter((b) => kernels.has(b)).flatMap((b) => [`flux_${b}_njy`, `flux_${b}_err_njy`]));
  for (const [name, values] of Object.entries(columnsOf(batch))) {
    if (!('listSize' in values)) cols[name] = matched.has(name) ? REPLACED : trimColumns(values.subarray(lo, hi) as NumericArray, width, haloLeft, haloRight);
  }
  const flags = Uint32Array.from(trimColumns(column(batch, FLAGS_COLUMN, stage).subarray(lo, hi), width, haloLeft, haloRight));
  const nOut = core.height * core.width;
  const missingBands = batch.schema.fields.some((f) => f.name === MISSING_BANDS_COLUMN) ? Uint32Array.from(cols[MISSING_BANDS_COLUMN]) : new Uint32Array(nOut);
  /** band `b` missing where `m` (core pixels, output layout) is set; PSF_MASKED when it came through a kernel footprint */
  const markMissing = (m: Uint8Array, b: number, viaKernel: boolean) => {
    const bit = (1 << b) >>> 0;
    const f = FLAG.MISSING_BAND | (viaKernel ? FLAG.PSF_MASKED : 0);
    for (let i = 0; i < m.length; i++) {
      if (m[i]) {
        flags[i] |= f;
        missingBands[i] |= bit;
      }
    }
  };
  bands.forEach((band, b) => {
    const fName = `flux_${band}_njy`;
    const eName = `flux_${band}_err_njy`;
    const f = column(batch, fName, stage);
    const e = column(batch, eName, stage);
    const k = kernels.get(band);
    if (k && windows) {
      const r = matchBandWindows(f, e, k, g, windows);
      cols[fName] = r.flux;
      cols[eName] = r.err;
      if (r.missing) markMissing(r.missing, b, true);
      return;
    }
    if (k) {
      const r = matchBandStrip(f, e, convolversFor(k, width), haloTop, haloBottom);
      cols[fName] = trimColumns(r.flux, width, haloLeft, haloRight);
      cols[eName] = trimColumns(r.err, width, haloLeft, haloRight);
      if (r.missing) markMissing(trimColumns(r.missing, width, haloLeft, haloRight), b, true);
      return;
    }
    // target, pass-through and already-matched bands: the pixel's own value decides (no footprint)
    const bad = invalidPixels(cols[fName], cols[eName]);
    if (!bad) return;
    const fo = new Float32Array(cols[fName]);
    const eo = new Float32Array(cols[eName]);
    for (let i = 0; i < bad.length; i++) if (bad[i]) fo[i] = eo[i] = NaN;
    cols[fName] = fo;
    cols[eName] = eo;
    markMissing(bad, b, false);
  });
  cols[MISSING_BANDS_COLUMN] = missingBands;
  fieldMeta[MISSING_BANDS_COLUMN] = {
    unit: 'bitmask',
    bands: bands.join(','),
    description: 'bit i set: band i of `bands` is missing for this pixel (NaN flux and error: an invalid input in its PSF footprint)',
  };
  cols[FLAGS_COLUMN] = flags;
  const meta = new Map(batch.schema.metadata);
  for (const [key, v] of Object.entries(stripMetadata(core))) meta.set(key, v);
  return batchFromColumns(cols, meta, fieldMeta);
}

/**
 * The halo a mosaic must give for these kernels, checked before the first batch: rows when the mosaic
 * has more than one strip, columns when it has more than one tile per strip (edges need none).
 */
export function checkSourceHalo(kernels: Iterable<TileKernel>, mosaic: { width: number; height: number; stripRows: number; tileColumns: number; haloRows: number }): void {
  const multiStrip = mosaic.height > mosaic.stripRows;
  const multiTile = mosaic.width > mosaic.tileColumns;
  for (const k of kernels) {
    const { flux: c } = convolversFor(k, Math.min(mosaic.width, mosaic.tileColumns + 2 * mosaic.haloRows));
    const need = Math.max(multiStrip ? Math.max(c.haloRowsTop, c.haloRowsBottom) : 0, multiTile ? Math.max(c.haloColsLeft, c.haloColsRight) : 0);
    if (mosaic.haloRows < need) {
      const all = Math.max(c.haloRowsTop, c.haloRowsBottom, c.haloColsLeft, c.haloColsRight);
      throw new PsfMatchingError(`psf: band ${k.band} kernel (${k.kernel.width}×${k.kernel.height}) needs ${all} halo rows/columns but the source gives haloRows ${mosaic.haloRows}: set source.haloRows ≥ ${all}`);
    }
  }
}
