/**
 * Overlap-save FFT convolution engine shared by `createStripConvolver` and `convolveImage`.
 *
 * out[y, x] = sum_{j,i} K[j, i] * in[y + cy - j, x + cx - i], cy = floor((kh-1)/2), cx = floor((kw-1)/2)
 * (scipy.signal.fftconvolve(mode="same") convention; zero outside the input block).
 *
 * The output region is cut into tiles of (ny - kh + 1) x (nx - kw + 1) pixels; each tile's input
 * (with its kernel margin) is zero-padded to ny x nx (powers of two), transformed with fft.js and
 * multiplied by the kernel spectrum; the circularly-wrapped part is discarded (overlap-save).
 * FFTs are column-batched radix-2 transforms (batched-fft-internals.ts); bit-reversed row orders are
 * absorbed by the fill / transpose / extract steps.
 * Two real tiles are packed into one complex tile (a + i b): the kernel is real, so
 * (a + i b) * K = a*K + i (b*K) and one complex 2-D FFT pair convolves both.
 */
import { nextPowerOfTwo } from './fft-internals.js';
import { fftColsDit, ifftColsDif, radix2Plan, transposeSplit, type Radix2Plan } from './batched-fft-internals.js';

export interface KernelGeometry {
  kh: number;
  kw: number;
  cy: number;
  cx: number;
}

export interface TilePlan {
  ny: number;
  nx: number;
  py: Radix2Plan;
  px: Radix2Plan;
  /** kernel spectrum D[u][v] (nx rows of ny values: transposed layout), split re / im. */
  kRe: Float64Array;
  kIm: Float64Array;
}

/** Estimated cost of convolving an (outRows x outCols) region with ny x nx tiles. */
function tileCost(outRows: number, outCols: number, kh: number, kw: number, ny: number, nx: number): number {
  const my = ny - kh + 1;
  const mx = nx - kw + 1;
  if (my < 1 || mx < 1) return Infinity;
  const tiles = Math.ceil(outRows / my) * Math.ceil(outCols / mx);
  const pairs = Math.ceil(tiles / 2);
  // FFT work ~ n log n per dimension, plus a per-element term for packing/transposes/multiply.
  return pairs * ny * nx * (Math.log2(ny) + Math.log2(nx) + 6);
}

/** Choose power-of-two tile sizes minimising the estimated cost. */
export function chooseTileSize(
  outRows: number,
  outCols: number,
  kh: number,
  kw: number,
  maxTile = 4096,
): { ny: number; nx: number } {
  let best = { ny: 0, nx: 0, cost: Infinity };
  for (let ny = nextPowerOfTwo(kh); ny <= Math.max(maxTile, nextPowerOfTwo(kh)); ny *= 2) {
    for (let nx = nextPowerOfTwo(kw); nx <= Math.max(maxTile, nextPowerOfTwo(kw)); nx *= 2) {
      const c = tileCost(outRows, outCols, kh, kw, ny, nx);
      if (c < best.cost) best = { ny, nx, cost: c };
      if (nx - kw + 1 >= outCols) break;
    }
    if (ny - kh + 1 >= outRows) break;
  }
  return { ny: best.ny, nx: best.nx };
}

/** Reusable work buffers for one tile size. */
export interface TileWork {
  aRe: Float64Array;
  aIm: Float64Array;
  cRe: Float64Array;
  cIm: Float64Array;
}

export function tileWork(ny: number, nx: number): TileWork {
  const n = ny * nx;
  return { aRe: new Float64Array(n), aIm: new Float64Array(n), cRe: new Float64Array(n), cIm: new Float64Array(n) };
}

/** Forward 2-D FFT of the tile in w.aRe/aIm (rows stored bit-reversed); result in w.cRe/cIm as D[u][v]. */
function forward2d(w: TileWork, py: Radix2Plan, px: Radix2Plan, c0: number, c1: number): void {
  const ny = py.n;
  const nx = px.n;
  fftColsDit(w.aRe, w.aIm, py, nx, c0, c1);
  transposeSplit(w.aRe, w.aIm, w.cRe, w.cIm, ny, nx, px.rev);
  fftColsDit(w.cRe, w.cIm, px, ny);
}

/** Kernel spectrum for ny x nx tiles (kernel placed at the origin: plain linear convolution). */
export function kernelSpectrum(kernel: ArrayLike<number>, kh: number, kw: number, ny: number, nx: number): TilePlan {
  const py = radix2Plan(ny);
  const px = radix2Plan(nx);
  const w = tileWork(ny, nx);
  for (let j = 0; j < kh; j++) {
    const o = py.rev[j] * nx;
    for (let i = 0; i < kw; i++) w.aRe[o + i] = kernel[j * kw + i];
  }
  forward2d(w, py, px, 0, nx);
  return { ny, nx, py, px, kRe: w.cRe, kIm: w.cIm };
}

interface TileJob {
  /** first output row / column of the tile, in block coordinates */
  oy: number;
  ox: number;
}

/**
 * Convolve rows [outStart, outEnd) of a block (`rows` x `width`, row-major, finite values) and write
 * them to `out` (block row `outStart` goes to `out[outOffset]`).
 */
export function convolveBlock(
  input: ArrayLike<number>,
  rows: number,
  width: number,
  outStart: number,
  outEnd: number,
  g: KernelGeometry,
  plan: TilePlan,
  work: TileWork,
  out: Float32Array | Float64Array,
  outOffset = 0,
): void {
  const { ny, nx, py, px, kRe, kIm } = plan;
  const my = ny - g.kh + 1;
  const mx = nx - g.kw + 1;
  const jobs: TileJob[] = [];
  for (let oy = outStart; oy < outEnd; oy += my) for (let ox = 0; ox < width; ox += mx) jobs.push({ oy, ox });
  const { aRe, aIm, cRe, cIm } = work;
  const scale = 1 / (ny * nx);
  for (let t = 0; t < jobs.length; t += 2) {
    const j1 = jobs[t];
    const j2 = t + 1 < jobs.length ? jobs[t + 1] : undefined;
    aRe.fill(0);
    aIm.fill(0);
    const r1 = fillTile(aRe, py.rev, input, rows, width, j1, g, ny, nx);
    const r2 = j2 ? fillTile(aIm, py.rev, input, rows, width, j2, g, ny, nx) : r1;
    const c0 = Math.min(r1.c0, r2.c0);
    const c1 = Math.max(r1.c1, r2.c1);
    forward2d(work, py, px, c0, Math.max(c0, c1));
    for (let k = 0; k < cRe.length; k++) {
      const xr = cRe[k];
      const xi = cIm[k];
      const kr = kRe[k];
      const ki = kIm[k];
      cRe[k] = xr * kr - xi * ki;
      cIm[k] = xr * ki + xi * kr;
    }
    ifftColsDif(cRe, cIm, px, ny);
    transposeSplit(cRe, cIm, aRe, aIm, nx, ny, undefined, px.rev);
    // only columns [kw - 1, nx) of the result are valid; transform those only
    ifftColsDif(aRe, aIm, py, nx, g.kw - 1, nx);
    const base = outOffset - outStart * width;
    extractTile(aRe, py.rev, j1, outEnd, width, g, nx, my, mx, out, base, scale);
    if (j2) extractTile(aIm, py.rev, j2, outEnd, width, g, nx, my, mx, out, base, scale);
  }
}

function fillTile(
  buf: Float64Array,
  rev: Uint32Array,
  input: ArrayLike<number>,
  rows: number,
  width: number,
  job: TileJob,
  g: KernelGeometry,
  ny: number,
  nx: number,
): { c0: number; c1: number } {
  const y0 = job.oy + g.cy - (g.kh - 1);
  const x0 = job.ox + g.cx - (g.kw - 1);
  const pLo = Math.max(0, -y0);
  const pHi = Math.min(ny, rows - y0);
  const qLo = Math.max(0, -x0);
  const qHi = Math.min(nx, width - x0);
  if (!(pHi > pLo && qHi > qLo)) return { c0: nx, c1: 0 };
  for (let p = pLo; p < pHi; p++) {
    const src = (y0 + p) * width + x0;
    const d = rev[p] * nx;
    for (let q = qLo; q < qHi; q++) buf[d + q] = input[src + q];
  }
  return { c0: qLo, c1: qHi };
}

function extractTile(
  buf: Float64Array,
  rev: Uint32Array,
  job: TileJob,
  outEnd: number,
  width: number,
  g: KernelGeometry,
  nx: number,
  my: number,
  mx: number,
  out: Float32Array | Float64Array,
  outBase: number,
  scale: number,
): void {
  const yEnd = Math.min(job.oy + my, outEnd);
  const xEnd = Math.min(job.ox + mx, width);
  for (let y = job.oy; y < yEnd; y++) {
    const p = y - job.oy + g.kh - 1;
    const s = rev[p] * nx + g.kw - 1 - job.ox;
    const o = outBase + y * width;
    for (let x = job.ox; x < xEnd; x++) out[o + x] = buf[s + x] * scale;
  }
}
