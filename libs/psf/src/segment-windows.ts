import type { NumericArray } from '@pixsed/core';

/**
 * A rectangle of a strip to convolve on its own: input rows [y0, y1) and columns [x0, x1) (strip coordinates),
 * of which rows [r0, r1) and columns [c0, c1) are its interior, the outputs it gives exactly: every input their
 * kernel footprints read lies inside it (or outside the strip, where the strip's own convolution reads zeros).
 */
export interface StripWindow {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/** The part of a strip (`rows` × `width`) whose outputs are wanted: rows [rowStart, rowEnd), columns [colStart, colEnd). */
export interface WantedRegion {
  rows: number;
  width: number;
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
}

/**
 * Windows that cover every wanted pixel with `want(i)` true (i = strip index), padded by `reach` rows and columns
 * (the largest kernel reach) and clipped to the strip. Columns holding such pixels are grouped into runs; runs less
 * than 2 · reach apart are merged (their padding would overlap); each run's window spans the rows its pixels occupy.
 * Window widths are rounded up to a multiple of `widthStep` within the strip (convolvers and their FFT plans are
 * kept per width). An empty list: no wanted pixel.
 */
export function segmentWindows(want: (i: number) => boolean, region: WantedRegion, reach: number, widthStep = 32): StripWindow[] {
  const { rows, width, rowStart, rowEnd, colStart, colEnd } = region;
  // first and last wanted row per column
  const top = new Int32Array(width).fill(-1);
  const bottom = new Int32Array(width).fill(-1);
  for (let r = rowStart; r < rowEnd; r++) {
    for (let c = colStart, i = r * width + colStart; c < colEnd; c++, i++) {
      if (!want(i)) continue;
      if (top[c] < 0) top[c] = r;
      bottom[c] = r;
    }
  }
  const windows: StripWindow[] = [];
  let c = colStart;
  while (c < colEnd) {
    if (top[c] < 0) {
      c++;
      continue;
    }
    // a run of wanted columns, extended over gaps shorter than 2 · reach
    let c1 = c + 1;
    let r0 = top[c];
    let r1 = bottom[c] + 1;
    for (let k = c + 1; k < colEnd && k - c1 < 2 * reach; k++) {
      if (top[k] < 0) continue;
      c1 = k + 1;
      r0 = Math.min(r0, top[k]);
      r1 = Math.max(r1, bottom[k] + 1);
    }
    let x0 = Math.max(0, c - reach);
    let x1 = Math.min(width, c1 + reach);
    const rounded = Math.min(width, Math.ceil((x1 - x0) / widthStep) * widthStep);
    x1 = Math.min(width, x0 + rounded);
    x0 = x1 - rounded;
    windows.push({ y0: Math.max(0, r0 - reach), y1: Math.min(rows, r1 + reach), x0, x1, r0, r1, c0: c, c1 });
    c = c1;
  }
  return windows;
}

/**
 * Rows [y0, y1) and columns [x0, x1) of a `width`-wide row-major array, as a new array of the same type (a typed
 * array), or a Float32Array (any other array-like). The psf stage's one rectangle copy: windows and halo trimming.
 */
export function copyRect<T extends NumericArray>(src: T, width: number, w: Pick<StripWindow, 'y0' | 'y1' | 'x0' | 'x1'>): T;
export function copyRect(src: ArrayLike<number>, width: number, w: Pick<StripWindow, 'y0' | 'y1' | 'x0' | 'x1'>): Float32Array;
export function copyRect(src: ArrayLike<number>, width: number, w: Pick<StripWindow, 'y0' | 'y1' | 'x0' | 'x1'>): NumericArray {
  const ww = w.x1 - w.x0;
  const n = ww * (w.y1 - w.y0);
  const typed = ArrayBuffer.isView(src) ? (src as NumericArray) : undefined;
  const out = typed ? new (typed.constructor as new (n: number) => NumericArray)(n) : new Float32Array(n);
  for (let r = w.y0, o = 0; r < w.y1; r++, o += ww) {
    const from = r * width + w.x0;
    if (typed) out.set(typed.subarray(from, from + ww) as never, o);
    else for (let k = 0; k < ww; k++) out[o + k] = src[from + k];
  }
  return out;
}
