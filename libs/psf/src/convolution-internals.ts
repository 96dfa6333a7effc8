/**
 * Overlap-save FFT convolution engine shared by `createStripConvolver` and `convolveImage`: tile
 * geometry, kernel spectra and the float64 engine (precision 'float64', fft.js). The default float32
 * precision runs the same tiling on PFFFT/wasm-SIMD (convolution-f32-internals.ts).
 *
 * Measurements (4096^2 float32 image, 101^2 kernel, single thread, 2-core dev machine, scipy timed in
 * the same run, tools/bench/psf-convolve.bench.mjs): this fft.js engine 0.57-0.62 s; the float32 PFFFT
 * engine 0.19-0.20 s (strips: 0.23-0.25 s); scipy.signal.fftconvolve float32 0.27-0.43 s, float64
 * 0.82-1.25 s. A 512-point complex FFT costs 3.4 us in fft.js and 0.64 us in PFFFT. float32 FFTs err by
 * ~2e-7 of the output's peak (scipy's float32 path: ~2.2e-7), which is why float64 stays available
 * (mocks and kernel-quality work need ~1e-15). Tile shapes 256..1024 (powers of two, and 384/480/640)
 * all measured within the noise (0.185-0.226 s float32, 0.67-0.86 s float64), so the cost model
 * below is kept. No maintained float64 wasm FFT exists on npm (kissfft-wasm rounds to float32).
 *
 * out[y, x] = sum_{j,i} K[j, i] * in[y + cy - j, x + cx - i], cy = floor((kh-1)/2), cx = floor((kw-1)/2)
 * (scipy.signal.fftconvolve(mode="same") convention; zero outside the input block).
 *
 * The output region is cut into tiles of (ny - kh + 1) x (nx - kw + 1) pixels; each tile's input
 * (with its kernel margin) is zero-padded to ny x nx (powers of two), transformed with fft.js and
 * multiplied by the kernel spectrum; the circularly-wrapped part is discarded (overlap-save).
 * 2-D FFTs: fft.js (radix-4) on the rows that hold data; then, per group of 4 columns (one cache line),
 * gather, column FFT, multiply by the kernel spectrum (stored transposed), inverse column FFT and scatter
 * back the valid rows only (no full transposes); finally inverse row FFTs on the valid rows.
 * A column-batched radix-2^2 JS FFT (no per-row calls) was tried and measured no faster here
 * (4096^2, 101^2 kernel: 1.83 s vs 1.89 s best of 4, 2048^2: 0.40 vs 0.39 s), so fft.js stays.
 * Two real tiles are packed into one complex tile (a + i b): the kernel is real, so
 * (a + i b) * K = a*K + i (b*K) and one complex 2-D FFT pair convolves both.
 */
import { fftPlan, fftRows, nextPowerOfTwo, transposeComplex } from './fft-internals.js';

export interface KernelGeometry {
  kh: number;
  kw: number;
  cy: number;
  cx: number;
}

export interface TilePlan {
  ny: number;
  nx: number;
  /** kernel spectrum, transposed (nx rows of ny interleaved complex values) */
  spectrumT: Float64Array;
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

/** Kernel spectrum for ny x nx tiles (kernel at the origin: plain linear convolution). */
export function kernelSpectrum(kernel: ArrayLike<number>, kh: number, kw: number, ny: number, nx: number): TilePlan {
  const buf = new Float64Array(2 * ny * nx);
  for (let j = 0; j < kh; j++) for (let i = 0; i < kw; i++) buf[2 * (j * nx + i)] = kernel[j * kw + i];
  fftRows(buf, nx, 0, kh, false);
  const t = new Float64Array(2 * ny * nx);
  transposeComplex(buf, t, ny, nx);
  fftRows(t, ny, 0, nx, false);
  return { ny, nx, spectrumT: t };
}

/** Reusable work buffers for one tile size. */
export interface TileWork {
  a: Float64Array;
  /** COLS gathered columns (2 ny values each) and one FFT output buffer */
  cols: Float64Array[];
  out: Float64Array;
}

/** Columns gathered per pass: 4 complex doubles share one 64-byte cache line. */
const COLS = 4;

export function tileWork(ny: number, nx: number): TileWork {
  const cols: Float64Array[] = [];
  for (let c = 0; c < COLS; c++) cols.push(new Float64Array(2 * ny));
  return { a: new Float64Array(2 * ny * nx), cols, out: new Float64Array(2 * ny) };
}

/**
 * Convolve rows [outStart, outEnd) of a block (`rows` x `width`, row-major, finite values) and write
 * them to `out` (block row `outStart` goes to `out[outOffset]`). Tiles are processed in pairs packed as
 * real + imaginary parts.
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
  const { ny, nx, spectrumT } = plan;
  const { a, cols, out: colOut } = work;
  const colPlan = fftPlan(ny);
  const my = ny - g.kh + 1;
  const mx = nx - g.kw + 1;
  const jobs: { oy: number; ox: number }[] = [];
  for (let oy = outStart; oy < outEnd; oy += my) for (let ox = 0; ox < width; ox += mx) jobs.push({ oy, ox });
  const base = outOffset - outStart * width;
  for (let t = 0; t < jobs.length; t += 2) {
    a.fill(0);
    let lo = ny;
    let hi = 0;
    for (let part = 0; part < 2 && t + part < jobs.length; part++) {
      const job = jobs[t + part];
      const y0 = job.oy + g.cy - (g.kh - 1);
      const x0 = job.ox + g.cx - (g.kw - 1);
      const pLo = Math.max(0, -y0);
      const pHi = Math.min(ny, rows - y0);
      const qHi = Math.min(nx, width - x0);
      if (pHi > pLo) {
        lo = Math.min(lo, pLo);
        hi = Math.max(hi, pHi);
      }
      for (let p = pLo; p < pHi; p++) {
        const src = (y0 + p) * width + x0;
        const d = 2 * p * nx + part;
        for (let q = Math.max(0, -x0); q < qHi; q++) a[d + 2 * q] = input[src + q];
      }
    }
    // row FFTs only where a tile holds data (the rest is zero padding)
    fftRows(a, nx, lo, Math.max(lo, hi), false);
    // column stage without transposes: gather COLS columns, FFT, multiply by the kernel spectrum,
    // inverse FFT, scatter back only the rows that hold valid output
    for (let c0 = 0; c0 < nx; c0 += COLS) {
      const nc = Math.min(COLS, nx - c0);
      for (let p = 0; p < ny; p++) {
        const src = 2 * (p * nx + c0);
        for (let c = 0; c < nc; c++) {
          cols[c][2 * p] = a[src + 2 * c];
          cols[c][2 * p + 1] = a[src + 2 * c + 1];
        }
      }
      for (let c = 0; c < nc; c++) {
        const col = cols[c];
        colPlan.fft.transform(colOut, col);
        const ks = 2 * (c0 + c) * ny;
        for (let k = 0; k < 2 * ny; k += 2) {
          const xr = colOut[k];
          const xi = colOut[k + 1];
          const kr = spectrumT[ks + k];
          const ki = spectrumT[ks + k + 1];
          colOut[k] = xr * kr - xi * ki;
          colOut[k + 1] = xr * ki + xi * kr;
        }
        colPlan.fft.inverseTransform(col, colOut);
      }
      for (let p = g.kh - 1; p < ny; p++) {
        const dst = 2 * (p * nx + c0);
        for (let c = 0; c < nc; c++) {
          a[dst + 2 * c] = cols[c][2 * p];
          a[dst + 2 * c + 1] = cols[c][2 * p + 1];
        }
      }
    }
    fftRows(a, nx, g.kh - 1, ny, true);
    for (let part = 0; part < 2 && t + part < jobs.length; part++) {
      const job = jobs[t + part];
      const yEnd = Math.min(job.oy + my, outEnd);
      const xEnd = Math.min(job.ox + mx, width);
      for (let y = job.oy; y < yEnd; y++) {
        const p = y - job.oy + g.kh - 1;
        const s = 2 * (p * nx + g.kw - 1 - job.ox) + part;
        const o = base + y * width;
        for (let x = job.ox; x < xEnd; x++) out[o + x] = a[s + 2 * x];
      }
    }
  }
}
